"""Commands over a stored profile's analysis: summarize, identities."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from retrieval.errors import InputFileError, UserError

from ._common import (
    ForceOpt,
    JsonOpt,
    StoreOpt,
    check_out,
    err,
    handle_errors,
    out,
    print_json,
    safe,
    workspace,
    write_text,
)

app = typer.Typer()


@app.command()
@handle_errors
def summarize(
    profile: Annotated[str, typer.Argument(help="Profile id, owner name or id prefix.")],
    llm: Annotated[
        str | None,
        typer.Option("--llm", help="Drafter: offline (default) or openai.", show_default=False),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="md, json or html.")] = "md",
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write to FILE instead of stdout.")
    ] = None,
    no_fallback: Annotated[
        bool,
        typer.Option(
            "--no-fallback",
            help="With --llm openai: fail (exit 75 unreachable, 3 bad output) instead of "
            "drafting offline.",
        ),
    ] = False,
    force: ForceOpt = False,
    store: StoreOpt = None,
) -> None:
    """A grounded, cited report: blurb, topics, novelty, stats, verification."""
    from agent.reporting.render import render

    if llm not in (None, "offline", "openai"):
        raise UserError(f"--llm {llm!r} is not a drafter; use 'offline' or 'openai'")
    if fmt not in ("md", "json", "html"):
        raise UserError(f"--format {fmt!r} is not a report format; use md, json or html")
    check_out(out_file, force)
    ws = workspace(store, **({"fallback": False} if no_fallback else {}))
    report = ws.summarize(profile, llm=llm)  # type: ignore[arg-type]  # checked above
    text = render(report, fmt)  # type: ignore[arg-type]  # checked above
    for warning in report.warnings:
        if warning.startswith("LLM drafter not used"):
            err.print(f"warning: {safe(warning)}", highlight=False)
    if out_file is None:
        sys.stdout.write(text)
    else:
        write_text(out_file, text, force=force)


@app.command()
@handle_errors
def identities(
    profile: Annotated[str, typer.Argument(help="Profile id, owner name or id prefix.")],
    corrections: Annotated[
        Path | None,
        typer.Option(
            "--corrections",
            help="YAML with 'together: [[P1, P2]]' / 'apart: [[P3, P5]]'; kept for this profile.",
        ),
    ] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The different people behind the name on a page, with their evidence."""
    from agent.identities.assignment import read_corrections

    fixes = read_corrections(corrections) if corrections else None
    ws = workspace(store)
    try:
        prof, result = ws.identities(profile, fixes)
    except UserError as exc:
        if corrections is None or not str(exc).startswith("corrections: "):
            raise
        raise _correction_error(corrections, str(exc).removeprefix("corrections: ")) from None
    if as_json:
        print_json(
            {
                "mixed": result.mixed,
                "people": result.people,
                "primary": result.primary,
                "reason": result.reason,
                "identities": [
                    {
                        "id": i.id,
                        "label": i.label,
                        "confidence": i.confidence,
                        "evidence": i.evidence.model_dump(),
                        "papers": [
                            {
                                "id": p.id,
                                "position": p.position,
                                "title": p.title,
                                "confidence": p.confidence,
                            }
                            for p in i.papers
                        ],
                    }
                    for i in result.identities
                ],
                "unattributed": [
                    {"position": p.position, "label": p.label, "title": p.title}
                    for p in result.unattributed
                ],
            }
        )
        return
    who = prof.name or "this page"
    head = (
        f"{who}: at least {result.people} different people; primary {result.primary} "
        f"({result.reason})"
        if result.mixed
        else f"{who}: one person ({result.reason})"
    )
    out.print(safe(head), highlight=False)
    table = Table()
    for col in ("id", "label", "conf", "papers", "evidence"):
        table.add_column(col, overflow="fold")
    for i in result.identities:
        ev = i.evidence
        bits = [
            f"co-authors: {', '.join(ev.coauthors)}" if ev.coauthors else "",
            f"orgs: {', '.join(ev.orgs)}" if ev.orgs else "",
            f"terms: {'; '.join(ev.top_terms)}" if ev.top_terms else "",
            f"categories: {', '.join(ev.categories)}" if ev.categories else "",
            f"years: {ev.years[0]}-{ev.years[-1]}" if ev.years else "",
            f"single-author: {ev.single_author}" if ev.single_author else "",
        ]
        table.add_row(
            safe(i.id),
            safe(i.label),
            f"{i.confidence:.2f}",
            ", ".join(p.label for p in i.papers),
            safe("\n".join(b for b in bits if b)),
        )
    out.print(table)
    if result.unattributed:
        out.print(
            "other papers, not attributed (nothing separates them from the people above): "
            + ", ".join(p.label for p in result.unattributed),
            highlight=False,
        )
    if result.corrections_applied:
        out.print("user corrections applied", highlight=False)


def _correction_error(path: Path, message: str) -> InputFileError:
    """A correction the page refutes, told against the file and the line that says it."""
    line = None
    quoted = re.search(r"'([^']+)'", message)
    if quoted:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeError):
            lines = []
        word = re.compile(rf"(?<![\w]){re.escape(quoted.group(1))}(?![\w])")
        line = next((i for i, text in enumerate(lines, 1) if word.search(text)), None)
    return InputFileError(path, f"{message}; fix or remove that correction", line=line)
