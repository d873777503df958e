"""The one exception hierarchy of profile-agent.

Three families, so callers can decide what to do without parsing messages:

* ``UserError``: bad input or configuration; the message says what to fix.
* ``ModelError``: a model misbehaved (invalid output after bounded retries).
* ``TransientError``: a fault that may pass (timeouts, 429, 5xx, a server going away).
"""

from __future__ import annotations

from pathlib import Path


class ProfileAgentError(Exception):
    """Base of every error profile-agent raises on purpose."""


class UserError(ProfileAgentError):
    """The user's input or configuration is wrong; the message says how to fix it."""


class InputFileError(UserError):
    """A file cannot be read or parsed as a profile."""

    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        self.path = Path(path)
        self.line = line
        self.detail = message
        where = f"{self.path}:{line}" if line is not None else str(self.path)
        super().__init__(f"{where}: {message}")


class InputTooLargeError(InputFileError):
    """A file or upload is over a size or count limit (the HTTP API answers 413)."""


class ConfigError(UserError):
    """A setting is missing or invalid."""


class NotFoundError(UserError):
    """A profile, paper or identity named by the user does not exist."""


class AmbiguousRefError(UserError):
    """A name or id prefix matches several profiles; the message lists them."""


class StoreError(ProfileAgentError):
    """The vector store failed in a way that is not the user's fault."""


class TransientError(ProfileAgentError):
    """A fault that may pass on retry: timeout, rate limit, server error, connection lost."""


class ModelError(ProfileAgentError):
    """A model produced unusable output after bounded retries.

    Attributes:
        attempts: how many times the model was asked.
        last_output: the last raw text it returned.
        usage: token counts summed over the attempts.
    """

    def __init__(
        self,
        message: str,
        *,
        attempts: int = 0,
        last_output: str | None = None,
        usage: dict[str, int] | None = None,
    ) -> None:
        self.attempts = attempts
        self.last_output = last_output
        self.usage = usage or {}
        super().__init__(message)
