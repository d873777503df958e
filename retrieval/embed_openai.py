"""Embeddings from an OpenAI-compatible ``/embeddings`` endpoint (opt-in). Errors and retries go
through the one adapter, ``retrieval.openai_api``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .openai_api import OpenAIAdapter, RetryPolicy


class OpenAIEmbedder:
    """Vectors from the API; chunking still counts tokens with the local MiniLM tokenizer."""

    def __init__(
        self,
        model: str,
        api_key: str | None,
        base_url: str | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        self._adapter = OpenAIAdapter(
            "embedding",
            model,
            api_key,
            base_url,
            policy,
            fix=", or use PROFILE_AGENT_EMBEDDING__PROVIDER=local for the offline model",
        )
        from .embed_local import MiniLMEncoder

        self.name = f"openai:{model}"
        self.model = model
        self.dim = 0  # known after the first call
        self._client = self._adapter.client()
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

    def _call(self, batch: list[str]) -> list[list[float]]:
        resp = self._adapter.call(
            lambda: self._client.embeddings.create(model=self.model, input=batch)
        )
        return [d.embedding for d in sorted(resp.data, key=lambda d: d.index)]
