"""What every command shares: the consoles, the error-to-exit-code rule, common options."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from agent.settings import load_settings
from agent.workspace import Workspace
from retrieval.cleaning import terminal_safe
from retrieval.errors import ModelError, ProfileAgentError, TransientError, UserError

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

F = TypeVar("F", bound=Callable[..., Any])

StoreOpt = Annotated[
    Path | None, typer.Option("--store", help="Embedded store directory.", show_default=False)
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]


def exit_code(exc: ProfileAgentError) -> int:
    if isinstance(exc, UserError):
        return 2
    if isinstance(exc, TransientError):
        return 75  # EX_TEMPFAIL: try again later
    if isinstance(exc, ModelError):
        return 3
    return 1


def handle_errors(fn: F) -> F:
    """Domain errors become one clean line on stderr and a non-zero exit."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ProfileAgentError as exc:
            err.print(f"[bold red]error:[/] {safe(exc)}", markup=True, highlight=False)
            raise typer.Exit(exit_code(exc)) from None
        except KeyboardInterrupt:
            err.print("interrupted")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]  # functools.wraps keeps the signature


def workspace(store: Path | None) -> Workspace:
    return Workspace(load_settings(store_dir=store))


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def safe(text: object) -> str:
    """Page-derived text for a rich console: no terminal escapes, no rich markup."""
    return escape(terminal_safe(str(text)))


ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite an existing --out file.")]


def check_out(path: Path | None, force: bool) -> None:
    """Refuse to overwrite ``path`` unless ``force``; checked before any work is done."""
    if path is not None and path.exists() and not force:
        kind = "a directory" if path.is_dir() else "a file"
        raise UserError(f"{str(path)!r} is {kind} that exists; pass --force to overwrite it")


def write_text(path: Path, text: str, *, force: bool = False) -> None:
    existed = path.is_file()
    check_out(path, force)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(
            f"cannot write {str(path)!r}: {exc.strerror}; choose another path"
        ) from None
    err.print(f"{'overwrote' if existed else 'wrote'} {safe(path)}", highlight=False)
