"""What every command shares: the consoles, the error-to-exit-code rule, common options."""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from agent.settings import default_store_dir, load_settings
from agent.workspace import Workspace
from retrieval.cleaning import terminal_safe
from retrieval.errors import ModelError, ProfileAgentError, TransientError, UserError

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

F = TypeVar("F", bound=Callable[..., Any])

StoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--store",
        help="Embedded store directory (default: PROFILE_AGENT_STORE_DIR, else "
        f"{default_store_dir()}).",
        show_default=False,
    ),
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


def workspace(store: Path | None, **llm: Any) -> Workspace:
    """The library over the settings, with ``--store`` and LLM flags (``fallback=False``)."""
    settings = load_settings(store_dir=store)
    if llm:
        settings = settings.model_copy(update={"llm": settings.llm.model_copy(update=llm)})
    return Workspace(settings)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def safe(text: object) -> str:
    """Page-derived text for a rich console: no terminal escapes, no rich markup."""
    return escape(terminal_safe(str(text)))


ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite an existing --out file.")]


def check_out(path: Path | None, force: bool) -> None:
    """Refuse to overwrite ``path`` unless ``force``; checked before any work is done."""
    if path is not None and path.is_dir():
        raise UserError(
            f"--out {str(path)!r} is a directory; name a file, e.g. {str(path / 'report.md')!r}"
        )
    if path is not None and path.exists() and not force:
        raise UserError(f"{str(path)!r} is a file that exists; pass --force to overwrite it")


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


class _OneLine(logging.Formatter):
    """``warning: message``: what the library logs, as one clean line for a person."""

    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname.lower()}: {record.getMessage()}"


def setup_logging() -> None:
    """Our own warnings (retries, skipped work) reach stderr as single lines; libraries' own
    chatter (HTTP clients, Chroma telemetry) stays below the threshold."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.ERROR)
    for ours in ("agent", "retrieval", "evals", "interface"):
        logging.getLogger(ours).setLevel(logging.INFO)


def show_table(
    title: str | None,
    columns: list[str],
    rows: list[list[str]],
    wrap: frozenset[str] | set[str] = frozenset(),
) -> None:
    """A table whose cells never break mid-word: ids, numbers and status words stay whole and
    only the ``wrap`` columns wrap, at spaces. When even that does not fit the terminal, each
    row is printed as ``column: value`` lines instead."""
    widths = [
        max(
            len(col),
            *(
                max((len(w) for w in row[k].split()), default=0) if col in wrap else len(row[k])
                for row in rows
            ),
        )
        for k, col in enumerate(columns)
    ]
    if sum(widths) + 3 * len(columns) + 1 > out.width:
        if title:
            out.print(safe(title), highlight=False)
        for row in rows:
            out.print(
                "\n".join(
                    f"  {col}: {safe(value)}" for col, value in zip(columns, row, strict=True)
                ),
                highlight=False,
            )
            out.print()
        return
    table = Table(title=safe(title) if title else None)
    for col, width in zip(columns, widths, strict=True):
        table.add_column(col, no_wrap=col not in wrap, min_width=width)
    for row in rows:
        table.add_row(*(safe(value) for value in row))
    out.print(table)
