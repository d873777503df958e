"""``profile-agent``: a thin shell over ``agent.workspace``. Errors print one line, never a
traceback. One module per group of commands; this one assembles them."""

from __future__ import annotations

import os
import sys

import typer

from retrieval.errors import ProfileAgentError

from . import evaluate, pages, reports, serve
from ._common import err, exit_code

app = typer.Typer(
    name="profile-agent",
    help="Turn a researcher's publication page into a grounded, cited profile.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
for _group in (pages, reports, evaluate, serve):
    app.registered_commands += _group.app.registered_commands


def main() -> None:
    """Console-script entry: the last line of defence against tracebacks."""
    try:
        app()
    except ProfileAgentError as exc:  # raised outside a command (e.g. settings)
        err.print(f"error: {exc}", highlight=False)
        sys.exit(exit_code(exc))
    except Exception as exc:
        if os.environ.get("PROFILE_AGENT_DEBUG"):
            raise
        first = (str(exc).strip().splitlines() or [""])[0]
        err.print(
            f"internal error: {type(exc).__name__}: {first} "
            "(set PROFILE_AGENT_DEBUG=1 for the traceback and report it)",
            highlight=False,
        )
        sys.exit(70)


if __name__ == "__main__":
    main()
