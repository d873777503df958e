"""The OpenAI-compatible provider: LangChain's ChatOpenAI over the openai SDK, against
api.openai.com or any server speaking the same wire format (``OPENAI_BASE_URL``). Errors and
retries go through the one adapter, ``retrieval.openai_api``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from retrieval.openai_api import OpenAIAdapter, RetryPolicy

from .base import Completion, Message

if TYPE_CHECKING:
    from langchain_core.messages import AIMessageChunk


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
        self._adapter = OpenAIAdapter(
            "chat",
            model,
            api_key,
            base_url,
            RetryPolicy(timeout_s=timeout_s, max_retries=max_retries, backoff_s=backoff_s),
            fix=", or use --llm offline",
        )
        from langchain_openai import ChatOpenAI

        self.name = f"openai:{model}"
        self.model = model
        self.max_retries = max_retries
        self.timeout_s = timeout_s
        self.backoff_s = backoff_s
        # Retries are the adapter's (logged, only on transient faults), not the SDK's.
        self._chat = ChatOpenAI(
            model=model,
            api_key=SecretStr(self._adapter.api_key),
            base_url=base_url,
            timeout=timeout_s,
            max_retries=0,
            temperature=0,
            stream_usage=True,
        )

    def complete(self, messages: list[Message], max_tokens: int) -> Completion:
        lc_messages = _to_langchain(messages)
        reply = self._adapter.call(lambda: self._chat.invoke(lc_messages, max_tokens=max_tokens))
        text = reply.content if isinstance(reply.content, str) else str(reply.content)
        usage: dict[str, Any] = dict(reply.usage_metadata or {})
        return Completion(
            text=text,
            prompt_tokens=int(usage.get("input_tokens", 0)),
            completion_tokens=int(usage.get("output_tokens", 0)),
        )

    def stream(
        self, messages: list[Message], max_tokens: int, on_token: Callable[[str], None]
    ) -> Completion:
        """Like ``complete``, calling ``on_token`` with each piece of text as it arrives. A
        fault before the first token is retried; after it, retrying would repeat text the
        reader has seen, so the fault is raised (mapped) instead."""
        lc_messages = _to_langchain(messages)

        def start():  # the request and its first chunk, under the adapter's retries
            chunks = self._chat.stream(lc_messages, max_tokens=max_tokens)
            return chunks, next(chunks, None)

        chunks, first = self._adapter.call(start)
        pieces: list[str] = []
        usage: dict[str, int] = {}

        def take(chunk: AIMessageChunk) -> None:
            text = chunk.content if isinstance(chunk.content, str) else ""
            if text:
                pieces.append(text)
                on_token(text)
            if chunk.usage_metadata:
                usage["input_tokens"] = int(chunk.usage_metadata.get("input_tokens", 0))
                usage["output_tokens"] = int(chunk.usage_metadata.get("output_tokens", 0))

        def rest() -> None:
            for chunk in chunks:
                take(chunk)

        if first is not None:
            take(first)
            self._adapter.call_once(rest)
        return Completion(
            text="".join(pieces),
            prompt_tokens=int(usage.get("input_tokens", 0)),
            completion_tokens=int(usage.get("output_tokens", 0)),
        )


def _to_langchain(messages: list[Message]) -> list:
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    kinds = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
    return [kinds[m.role](content=m.content) for m in messages]
