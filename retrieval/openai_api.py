"""The one adapter to OpenAI-compatible endpoints: key rule, retries and error mapping.

The embedder (``retrieval.embed_openai``) and the chat provider (``agent.llm.openai_chat``)
both call the endpoint through ``OpenAIAdapter.call``, so a fault reads the same and is
retried the same way whichever of them met it. Retries are ours (tenacity, logged before each
sleep, only on transient faults); the SDK's own retries are switched off.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeVar
from urllib.parse import urlparse

from tenacity import (
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from .errors import ConfigError, ModelError, ProfileAgentError, TransientError
from .retries import announce_retry

log = logging.getLogger(__name__)
T = TypeVar("T")
Endpoint = Literal["chat", "embedding"]

# The setting that names the model, per endpoint: an unknown model points the user there.
MODEL_VARIABLE = {
    "chat": "PROFILE_AGENT_LLM__MODEL",
    "embedding": "PROFILE_AGENT_EMBEDDING__MODEL",
}


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one request (from ``Settings.llm``)."""

    timeout_s: float = 60.0
    max_retries: int = 4
    backoff_s: float = 1.0


def needs_key(base_url: str | None) -> bool:
    """A local OpenAI-compatible server usually takes any key; api.openai.com never does."""
    return base_url is None or (urlparse(base_url).hostname or "").endswith("openai.com")


class OpenAIAdapter:
    """An ``openai.OpenAI`` client for one endpoint kind and model, with one error mapping."""

    def __init__(
        self,
        endpoint: Endpoint,
        model: str,
        api_key: str | None,
        base_url: str | None = None,
        policy: RetryPolicy | None = None,
        fix: str = "",
    ) -> None:
        if not api_key and needs_key(base_url):
            raise ConfigError(
                f"the OpenAI {endpoint} endpoint needs an API key: set OPENAI_API_KEY (or "
                f"OPENAI_BASE_URL for a local OpenAI-compatible server){fix}"
            )
        self.endpoint = endpoint
        self.model = model
        self.api_key = api_key or "unused"
        self.base_url = base_url
        self.policy = policy or RetryPolicy()

    def client(self):  # -> openai.OpenAI (imported lazily: the SDK is slow to import)
        import openai

        return openai.OpenAI(
            api_key=self.api_key,
            base_url=self.base_url,
            max_retries=0,
            timeout=self.policy.timeout_s,
        )

    def call(self, fn: Callable[[], T]) -> T:
        """``fn()`` with retries of transient faults; every SDK error becomes one of ours."""
        p = self.policy
        retrying = Retrying(
            retry=retry_if_exception_type(TransientError),
            stop=stop_after_attempt(p.max_retries + 1),
            wait=wait_exponential(multiplier=p.backoff_s, max=30 * p.backoff_s),
            before_sleep=announce_retry(
                log, f"{self.endpoint} request ({self.model})", p.max_retries + 1
            ),
            reraise=True,
        )
        try:
            return retrying(self._once, fn)
        except TransientError as exc:
            raise TransientError(
                f"{exc} on each of {p.max_retries + 1} attempts; the endpoint stays down"
            ) from exc

    def call_once(self, fn: Callable[[], T]) -> T:
        """``fn()`` with the error mapping but no retry (a stream already under way)."""
        return self._once(fn)

    def _once(self, fn: Callable[[], T]) -> T:
        try:
            return fn()
        except ProfileAgentError:
            raise
        except Exception as exc:
            mapped = self.map_error(exc)
            if mapped is None:
                raise
            raise mapped from exc

    def map_error(self, exc: Exception) -> ProfileAgentError | None:
        """Our error for an SDK exception (``None``: not an SDK error, let it propagate)."""
        import openai

        what = f"{self.endpoint} endpoint"
        if isinstance(exc, openai.APITimeoutError):
            return TransientError(f"{what} timed out after {self.policy.timeout_s:g} s")
        if isinstance(exc, openai.APIConnectionError):
            return TransientError(f"{what} unreachable at {self._where()} ({exc})")
        if isinstance(exc, openai.RateLimitError | openai.InternalServerError):
            return TransientError(f"{what} answered {exc.status_code} ({_detail(exc)})")
        if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
            return ConfigError(
                f"{what} refused the key (OPENAI_API_KEY) at {self._where()}: {_detail(exc)}"
            )
        if isinstance(exc, openai.NotFoundError) or (
            isinstance(exc, openai.BadRequestError) and "model" in _detail(exc).lower()
        ):
            return ConfigError(
                f"{what} at {self._where()} does not know model {self.model!r} "
                f"({_detail(exc)}); set {MODEL_VARIABLE[self.endpoint]} to a model it serves"
            )
        if isinstance(exc, openai.APIStatusError):
            return ModelError(f"{what} answered {exc.status_code}: {_detail(exc)}")
        if isinstance(exc, openai.OpenAIError):
            return ModelError(f"{what} gave an unusable answer: {_detail(exc)}")
        # A streamed reply read after the request: the SDK passes these through unwrapped.
        import httpx

        if isinstance(exc, httpx.HTTPError):
            return TransientError(f"{what} connection broke ({type(exc).__name__}: {exc})")
        if isinstance(exc, json.JSONDecodeError):
            return ModelError(f"{what} sent a malformed reply ({exc})")
        return None

    def _where(self) -> str:
        return self.base_url or "api.openai.com"


def _detail(exc: Exception) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        message = body.get("message") or (body.get("error") or {}).get("message")
        if message:
            return str(message)[:200]
    return str(exc)[:200]
