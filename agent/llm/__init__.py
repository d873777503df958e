"""The narrow LLM interface and its providers."""

from .base import ChatModel, Completion, Message, estimate_tokens
from .scripted import ScriptedChat
from .structured import Budget, BudgetExceeded, ask_structured

__all__ = [
    "Budget",
    "BudgetExceeded",
    "ChatModel",
    "Completion",
    "Message",
    "ScriptedChat",
    "ask_structured",
    "estimate_tokens",
]
