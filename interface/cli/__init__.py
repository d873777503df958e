"""``profile-agent``: a thin shell over ``agent.workspace``. Errors print one line, never a
traceback. One module per group of commands; this one assembles them."""

from __future__ import annotations

import gc
import os
import sys

import typer

from retrieval.errors import ProfileAgentError

from . import chat, corpus, evaluate, pages, reports, serve
from ._common import err, exit_code, setup_logging

app = typer.Typer(
    name="profile-agent",
    help="Turn a researcher's publication page into a grounded, cited profile.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
for _group in (pages, reports, chat, evaluate, serve):
    app.registered_commands += _group.app.registered_commands
app.add_typer(corpus.app)


def main() -> None:
    """Console-script entry: the last line of defence against tracebacks."""
    setup_logging()
    try:
        try:
            app()
        finally:
            # Output still buffered fails here, not at interpreter exit, so it is reported.
            sys.stdout.flush()
            # What is left is the OS's to free: without this, the interpreter's last garbage
            # collection walks every object Chroma, the encoder and pydantic made (~0.2 s at
            # the end of every command that loaded them). Stores, caches and files are written
            # and committed by the commands themselves, never by finalizers.
            gc.freeze()
    except ProfileAgentError as exc:  # raised outside a command (e.g. settings)
        err.print(f"error: {exc}", highlight=False, markup=False)
        sys.exit(exit_code(exc))
    except MemoryError:
        err.print(
            "error: out of memory; the input is too large for this machine: split it into "
            "smaller files (or raise the machine's memory)",
            highlight=False,
            markup=False,
        )
        sys.exit(1)
    except OSError as exc:
        # Mostly the output: stdout to a full disk (/dev/full) or a closed pipe.
        _drop_stdout()
        if isinstance(exc, BrokenPipeError):
            sys.exit(141)
        what = (
            f"cannot access {exc.filename!r}: {exc.strerror or exc}; check the path and its "
            "permissions"
            if exc.filename
            else f"cannot write the output: {exc.strerror or exc}; free space or write elsewhere"
        )
        err.print(f"error: {what}", highlight=False, markup=False)
        sys.exit(74)  # EX_IOERR
    except Exception as exc:
        if os.environ.get("PROFILE_AGENT_DEBUG"):
            raise
        first = (str(exc).strip().splitlines() or [""])[0]
        err.print(
            f"internal error: {type(exc).__name__}: {first} "
            "(set PROFILE_AGENT_DEBUG=1 for the traceback and report it)",
            highlight=False,
            markup=False,
        )
        sys.exit(70)


def _drop_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's last flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    main()
