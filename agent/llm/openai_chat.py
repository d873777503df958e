"""The OpenAI-compatible provider: LangChain's ChatOpenAI over the openai SDK, against
api.openai.com or any server speaking the same wire format (``OPENAI_BASE_URL``)."""

from __future__ import annotations

import logging
from urllib.parse import urlparse

from tenacity import (
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from retrieval.errors import ConfigError, ModelError, TransientError
from retrieval.retries import announce_retry

from .base import Completion, Message

log = logging.getLogger(__name__)


def _needs_key(base_url: str | None) -> bool:
    # A local OpenAI-compatible server usually takes any key; api.openai.com never does.
    return base_url is None or (urlparse(base_url).hostname or "").endswith("openai.com")


class OpenAIChat:
    def __init__(
        self,
        model: str,
        api_key: str | None,
        base_url: str | None = None,
        timeout_s: float = 60.0,
        max_retries: int = 4,
        backoff_s: float = 1.0,
    ) -> None:
        if not api_key and _needs_key(base_url):
            raise ConfigError(
                "the 'openai' drafter needs an API key: set OPENAI_API_KEY (or OPENAI_BASE_URL "
                "for a local OpenAI-compatible server), or use --llm offline"
            )
        from langchain_openai import ChatOpenAI

        self.name = f"openai:{model}"
        self.model = model
        self.max_retries = max_retries
        self.timeout_s = timeout_s
        self.backoff_s = backoff_s
        # Retries are ours (tenacity, logged, only on transient faults), not the SDK's.
        self._chat = ChatOpenAI(
            model=model,
            api_key=api_key or "unused",  # type: ignore[arg-type]  # pydantic coerces to SecretStr
            base_url=base_url,
            timeout=timeout_s,
            max_retries=0,
            temperature=0,
        )

    def complete(self, messages: list[Message], max_tokens: int) -> Completion:
        retrying = Retrying(
            retry=retry_if_exception_type(TransientError),
            stop=stop_after_attempt(self.max_retries + 1),
            wait=wait_exponential(multiplier=self.backoff_s, max=30 * self.backoff_s),
            before_sleep=announce_retry(log, f"chat request to {self.name}", self.max_retries + 1),
            reraise=True,
        )
        try:
            return retrying(self._once, messages, max_tokens)
        except TransientError as exc:
            raise TransientError(
                f"{exc} on each of {self.max_retries + 1} attempts; the endpoint stays down"
            ) from exc

    def _once(self, messages: list[Message], max_tokens: int) -> Completion:
        import openai
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

        kinds = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
        lc_messages = [kinds[m.role](content=m.content) for m in messages]
        try:
            reply = self._chat.invoke(lc_messages, max_tokens=max_tokens)
        except openai.APITimeoutError as exc:
            raise TransientError(f"chat endpoint timed out after {self.timeout_s:g} s") from exc
        except openai.APIConnectionError as exc:
            raise TransientError(f"chat endpoint unreachable ({exc})") from exc
        except (openai.RateLimitError, openai.InternalServerError) as exc:
            raise TransientError(
                f"chat endpoint answered {exc.status_code} ({_detail(exc)})"
            ) from exc
        except openai.AuthenticationError as exc:
            raise ConfigError(f"chat endpoint refused the key (OPENAI_API_KEY): {exc}") from exc
        except openai.NotFoundError as exc:
            raise ConfigError(
                f"chat endpoint does not know model {self.model!r} "
                f"(PROFILE_AGENT_LLM__MODEL): {exc}"
            ) from exc
        except openai.APIStatusError as exc:
            raise ModelError(f"chat endpoint answered {exc.status_code}: {exc}") from exc
        text = reply.content if isinstance(reply.content, str) else str(reply.content)
        usage = reply.usage_metadata or {}
        return Completion(
            text=text,
            prompt_tokens=int(usage.get("input_tokens", 0)),
            completion_tokens=int(usage.get("output_tokens", 0)),
        )


def _detail(exc: Exception) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        message = body.get("message") or (body.get("error") or {}).get("message")
        if message:
            return str(message)[:200]
    return str(exc)[:200]
