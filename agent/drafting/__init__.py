"""Drafters: the offline one (templates + extractive selection) and the LLM one."""

from .base import Draft, Drafter, DraftSentence
from .offline import OfflineDrafter

__all__ = ["Draft", "DraftSentence", "Drafter", "OfflineDrafter"]
