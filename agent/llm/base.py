"""Our narrow LLM interface: a list of messages in, text and token counts out. Providers
(LangChain + OpenAI, the scripted test model) live behind it; nothing else imports them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class Message:
    role: Role
    content: str


@dataclass(frozen=True)
class Completion:
    text: str
    prompt_tokens: int
    completion_tokens: int


class ChatModel(Protocol):
    """One request: messages in, one completion out. Raises ``TransientError`` for faults
    that may pass (after the provider's own bounded retries), ``ConfigError`` for a bad key or
    model, ``ModelError`` for an unusable answer."""

    name: str

    def complete(self, messages: list[Message], max_tokens: int) -> Completion: ...

    def stream(
        self, messages: list[Message], max_tokens: int, on_token: Callable[[str], None]
    ) -> Completion:
        """Like ``complete``, calling ``on_token`` with each piece of the text as it arrives;
        returns the whole completion. Faults before the first token are retried like
        ``complete``'s; a fault after it is raised (retrying would repeat shown text)."""
        ...


def estimate_tokens(text: str) -> int:
    """A provider-independent estimate (about 4 characters per token) for budgeting."""
    return max(1, len(text) // 4)
