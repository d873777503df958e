"""Chat about a researcher's work: cited answers about one person at a time, from the papers
and the page's data, and "the papers listed here don't say" when they don't."""

from .answer import Turner
from .context import ChatContext, build_context
from .models import DONT_SAY, Answer, AnswerSentence, SentenceKind, Session, Turn
from .render import to_json, to_markdown
from .sessions import SessionStore, new_session_id

__all__ = [
    "DONT_SAY",
    "Answer",
    "AnswerSentence",
    "ChatContext",
    "SentenceKind",
    "Session",
    "SessionStore",
    "Turn",
    "Turner",
    "build_context",
    "new_session_id",
    "to_json",
    "to_markdown",
]
