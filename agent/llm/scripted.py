"""A scripted chat model for tests and demos: replies (or errors) are queued in advance and
every request is recorded. It never touches the network."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable

from .base import Completion, Message, estimate_tokens


class ScriptedChat:
    def __init__(self, *replies: str | Exception) -> None:
        self.name = "scripted"
        self.replies: deque[str | Exception] = deque(replies)
        self.requests: list[list[Message]] = []

    def enqueue(self, *replies: str | Exception) -> None:
        self.replies.extend(replies)

    def complete(self, messages: list[Message], max_tokens: int) -> Completion:
        self.requests.append(list(messages))
        if not self.replies:
            raise AssertionError("ScriptedChat: no reply queued for this request")
        reply = self.replies.popleft()
        if isinstance(reply, Exception):
            raise reply
        prompt = sum(estimate_tokens(m.content) for m in messages)
        return Completion(reply, prompt, estimate_tokens(reply))

    def stream(
        self, messages: list[Message], max_tokens: int, on_token: Callable[[str], None]
    ) -> Completion:
        """The queued reply, delivered word by word."""
        reply = self.complete(messages, max_tokens)
        for piece in re.findall(r"\S+\s*", reply.text):
            on_token(piece)
        return reply
