"""Embeddings from an OpenAI-compatible ``/embeddings`` endpoint (opt-in)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
from tenacity import (
    retry,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from .errors import ConfigError, TransientError
from .retries import announce_retry

log = logging.getLogger(__name__)


class OpenAIEmbedder:
    """Vectors from the API; chunking still counts tokens with the local MiniLM tokenizer."""

    def __init__(self, model: str, api_key: str | None, base_url: str | None = None) -> None:
        if not api_key:
            raise ConfigError(
                "embedding provider 'openai' needs an API key: set OPENAI_API_KEY "
                "(or use PROFILE_AGENT_EMBEDDING__PROVIDER=local for the offline model)"
            )
        import openai

        from .embed_local import MiniLMEncoder

        self.name = f"openai:{model}"
        self.model = model
        self.dim = 0  # known after the first call
        self._client = openai.OpenAI(api_key=api_key, base_url=base_url, max_retries=0, timeout=60)
        self._tok = MiniLMEncoder()

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        return self._tok.token_offsets(text)

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        rows: list[list[float]] = []
        for start in range(0, len(texts), batch_size):
            rows.extend(self._call(list(texts[start : start + batch_size])))
        out = np.asarray(rows, dtype=np.float32)
        if out.size:
            self.dim = out.shape[1]
            out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out

    @retry(
        retry=retry_if_exception_type(TransientError),
        stop=stop_after_attempt(5),
        wait=wait_exponential(multiplier=0.5, max=20),
        before_sleep=announce_retry(log, "embedding request", 5),
        reraise=True,
    )
    def _call(self, batch: list[str]) -> list[list[float]]:
        import openai

        try:
            resp = self._client.embeddings.create(model=self.model, input=batch)
        except (
            openai.APITimeoutError,
            openai.APIConnectionError,
            openai.RateLimitError,
            openai.InternalServerError,
        ) as exc:
            raise TransientError(f"embedding endpoint: {exc}") from exc
        except openai.AuthenticationError as exc:
            raise ConfigError(
                f"embedding endpoint refused the key (OPENAI_API_KEY): {exc}"
            ) from exc
        return [d.embedding for d in sorted(resp.data, key=lambda d: d.index)]
