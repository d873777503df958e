"""How a retry of a transient fault is told to the user: one line, what failed and when the
next try comes, instead of the retry library's own wording and the function's import path."""

from __future__ import annotations

import logging
from collections.abc import Callable

from tenacity import RetryCallState


def announce_retry(
    log: logging.Logger, what: str, attempts: int
) -> Callable[[RetryCallState], None]:
    """A tenacity ``before_sleep`` hook: ``{what} failed (reason); try 2 of 5 in 1.0 s``."""

    def _announce(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        reason = (
            str(exc).strip().splitlines()[0] if exc and str(exc).strip() else type(exc).__name__
        )
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning(
            "%s failed (%s); try %d of %d in %.1f s",
            what,
            reason,
            state.attempt_number + 1,
            attempts,
            wait,
        )

    return _announce
