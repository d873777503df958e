"""``profile-agent``: a thin shell over ``agent.workspace``. Errors print one line, never a traceback."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from retrieval.errors import ModelError, ProfileAgentError, TransientError, UserError
from retrieval.models import Profile

from .settings import load_settings
from .workspace import Workspace

app = typer.Typer(
    name="profile-agent",
    help="Turn a researcher's publication page into a grounded, cited profile.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

F = TypeVar("F", bound=Callable[..., Any])

StoreOpt = Annotated[
    Path | None, typer.Option("--store", help="Embedded store directory.", show_default=False)
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]


def _exit_code(exc: ProfileAgentError) -> int:
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
            err.print(f"[bold red]error:[/] {exc}", markup=True, highlight=False)
            raise typer.Exit(_exit_code(exc)) from None
        except KeyboardInterrupt:
            err.print("interrupted")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]  # functools.wraps keeps the signature


def _workspace(store: Path | None) -> Workspace:
    return Workspace(load_settings(store_dir=store))


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


@app.command()
@handle_errors
def parse(
    file: Annotated[Path, typer.Argument(help="Profile page (text), JSON/JSONL, BibTeX or Atom.")],
    as_json: JsonOpt = False,
    fmt: Annotated[str | None, typer.Option("--format", help="Force a format.")] = None,
) -> None:
    """Parse a profile file and show what was found (no store needed)."""
    ws = Workspace(load_settings())
    profiles = ws.parse(file, fmt)
    if as_json:
        dumped = [p.model_dump(mode="json") for p in profiles]
        _print_json(dumped[0] if len(dumped) == 1 else dumped)
        return
    for profile in profiles:
        _show_profile(profile)


def _show_profile(profile: Profile) -> None:
    name = profile.name or "(no owner name on the page)"
    out.print(
        f"[bold]{name}[/]  name: {profile.name_source.value}  format: {profile.source_format}  "
        f"id: {profile.id}  papers: {len(profile.papers)}",
        highlight=False,
    )
    if profile.metrics:
        out.print(
            "metrics: " + ", ".join(f"{k}={v}" for k, v in profile.metrics.items()), highlight=False
        )
    table = Table(show_lines=False)
    for col in ("P", "year", "cats", "title", "authors", "line"):
        table.add_column(col, overflow="fold")
    for p in profile.papers:
        authors = ", ".join(p.authors[:3]) + (
            " et al." if p.authors_truncated or len(p.authors) > 3 else ""
        )
        title = p.title or ("(no title) " + (p.abstract or "")[:60] + "...")
        table.add_row(
            p.label, str(p.year or ""), ",".join(p.categories), title, authors, str(p.source_line)
        )
    out.print(table)
    for w in profile.warnings:
        where = f"line {w.line}: " if w.line else ""
        out.print(f"{w.severity.value}: {where}{w.message}", highlight=False)
    for s in profile.skipped:
        out.print(f"skipped lines {s.start_line}-{s.end_line}: {s.reason}", highlight=False)


@app.command()
@handle_errors
def ingest(
    files: Annotated[list[Path] | None, typer.Argument(help="Profile files to index.")] = None,
    seeds: Annotated[
        bool, typer.Option("--seeds", help="Index every page in the seeds dir.")
    ] = False,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Parse files and index their papers in the vector store (idempotent)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    ws = _workspace(store)
    paths = list(files or [])
    if seeds:
        seeds_dir = ws.settings.seeds_dir
        if not seeds_dir.is_dir():
            raise UserError(
                f"seeds dir {str(seeds_dir)!r} does not exist; set PROFILE_AGENT_SEEDS_DIR"
            )
        paths += sorted(
            p for p in seeds_dir.iterdir() if p.is_file() and not p.name.startswith(".")
        )
    if not paths:
        raise UserError("nothing to ingest: name FILES or pass --seeds")
    # Parse everything first: a bad file fails before the store is touched.
    profiles = [p for path in paths for p in ws.parse(path)]
    with Progress(
        TextColumn("embedding chunks"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        task = bar.add_task("ingest", total=None)
        results = ws.ingest_many(
            profiles, progress=lambda done, total: bar.update(task, completed=done, total=total)
        )
    if as_json:
        _print_json([r.__dict__ for r in results])
        return
    table = Table(title=f"ingested into {ws.settings.store_config().describe()}")
    for col in ("profile", "name", "papers", "chunks", "added", "removed", "status"):
        table.add_column(col, no_wrap=col == "profile", overflow="fold", min_width=8)
    for r in results:
        status = (
            "unchanged" if r.unchanged else ("updated" if r.removed or r.updated else "indexed")
        )
        table.add_row(
            r.profile_id,
            r.name or "-",
            str(r.papers),
            str(r.chunks),
            str(r.added),
            str(r.removed),
            status,
        )
    out.print(table)


@app.command()
@handle_errors
def profiles(store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """List the profiles in the store."""
    ws = _workspace(store)
    rows = ws.profiles()
    if as_json:
        _print_json(
            [{"id": r.id, "name": r.name, "papers": r.papers, "chunks": r.chunks} for r in rows]
        )
        return
    if not rows:
        out.print("no profiles yet; run 'profile-agent ingest FILE' (or --seeds)")
        return
    table = Table()
    for col in ("id", "name", "papers", "chunks", "format"):
        table.add_column(col, no_wrap=col == "id")
    for r in rows:
        table.add_row(r.id, r.name or "-", str(r.papers), str(r.chunks), r.source_format)
    out.print(table)


@app.command("search")
@handle_errors
def search_cmd(
    profile: Annotated[str, typer.Argument(help="Profile id, owner name or id prefix.")],
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="Number of papers.")] = 5,
    identity: Annotated[
        str | None,
        typer.Option("--identity", help="Only this identity's papers (see 'identities')."),
    ] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Semantic search over one profile's papers."""
    ws = _workspace(store)
    prof, hits = ws.search(profile, query, k=k, identity_id=identity)
    if as_json:
        _print_json({"profile": prof.id, "query": query, "hits": [h.model_dump() for h in hits]})
        return
    table = Table(title=f"{prof.name or prof.id}: {query}")
    for col in ("paper", "score", "title", "snippet"):
        table.add_column(col, overflow="fold")
    for h in hits:
        table.add_row(h.label, f"{h.score:.3f}", h.title or "(no title)", h.snippet)
    out.print(table)


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
    store: StoreOpt = None,
) -> None:
    """A grounded, cited report: blurb, topics, novelty, stats, verification."""
    from .render import render

    if llm not in (None, "offline", "openai"):
        raise UserError(f"--llm {llm!r} is not a drafter; use 'offline' or 'openai'")
    if fmt not in ("md", "json", "html"):
        raise UserError(f"--format {fmt!r} is not a report format; use md, json or html")
    ws = _workspace(store)
    report = ws.summarize(profile, llm=llm)  # type: ignore[arg-type]  # checked above
    text = render(report, fmt)  # type: ignore[arg-type]  # checked above
    for warning in report.warnings:
        if warning.startswith("LLM drafter not used"):
            err.print(f"warning: {warning}", highlight=False)
    if out_file is None:
        sys.stdout.write(text)
    else:
        _write(out_file, text)


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
    from .identify import read_corrections

    fixes = read_corrections(corrections) if corrections else None
    ws = _workspace(store)
    prof, result = ws.identities(profile, fixes)
    if as_json:
        _print_json(
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
    out.print(head, highlight=False)
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
            i.id,
            i.label,
            f"{i.confidence:.2f}",
            ", ".join(p.label for p in i.papers),
            "\n".join(b for b in bits if b),
        )
    out.print(table)
    if result.corrections_applied:
        out.print("user corrections applied", highlight=False)


@app.command("eval")
@handle_errors
def eval_cmd(
    suite: Annotated[
        str, typer.Option("--suite", help="'seeds' (built in), a case YAML file or a directory.")
    ] = "seeds",
    llm: Annotated[
        str | None,
        typer.Option("--llm", help="Drafter: offline (default) or openai.", show_default=False),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            help="Baseline JSON to compare with (default: evals/baseline.json for 'seeds').",
            show_default=False,
        ),
    ] = None,
    thresholds: Annotated[
        Path | None,
        typer.Option(
            "--thresholds", help="Gate file (default: evals/thresholds.yaml).", show_default=False
        ),
    ] = None,
    report_out: Annotated[
        Path | None, typer.Option("--out", help="Also write the Markdown report to FILE.")
    ] = None,
    write_baseline: Annotated[
        Path | None,
        typer.Option("--write-baseline", help="Save this run's scores as a baseline JSON file."),
    ] = None,
    judge: Annotated[
        int,
        typer.Option(
            "--judge",
            min=0,
            max=10,
            help="Also rate each blurb N times with the configured LLM (never needed in CI).",
        ),
    ] = 0,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Score reports against reference profiles; exit 1 when the gate fails."""
    from evals import (
        BASELINE,
        THRESHOLDS,
        apply_gate,
        load_baseline,
        load_suite,
        load_thresholds,
        run_suite,
        to_markdown,
    )

    if llm not in (None, "offline", "openai"):
        raise UserError(f"--llm {llm!r} is not a drafter; use 'offline' or 'openai'")
    cases = load_suite(suite)
    gate = load_thresholds(thresholds or THRESHOLDS)
    if baseline is None and suite == "seeds" and BASELINE.is_file():
        baseline = BASELINE
    before = load_baseline(baseline) if baseline else None
    ws = _workspace(store)
    judge_with = None
    if judge:
        from .report import build_chat_model

        judge_with = (build_chat_model(ws.settings), judge)
    result = apply_gate(
        run_suite(
            ws,
            cases,
            llm=llm,  # type: ignore[arg-type]  # checked above
            progress=lambda c: err.print(f"eval {c}", highlight=False),
            judge=judge_with,
        ),
        gate,
        before,
    )
    markdown = to_markdown(result)
    if write_baseline:
        _write(
            write_baseline, result.model_dump_json(include={"overall", "cases"}, indent=2) + "\n"
        )
    if report_out:
        _write(report_out, markdown)
    if as_json:
        _print_json(result.model_dump(mode="json"))
    else:
        sys.stdout.write(markdown)
    if not result.passed:
        err.print(f"eval gate failed: {len(result.failures)} failure(s)", highlight=False)
        raise typer.Exit(1)


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(
            f"cannot write {str(path)!r}: {exc.strerror}; choose another path"
        ) from None
    err.print(f"wrote {path}", highlight=False)


def main() -> None:
    """Console-script entry: the last line of defence against tracebacks."""
    try:
        app()
    except ProfileAgentError as exc:  # raised outside a command (e.g. settings)
        err.print(f"error: {exc}", highlight=False)
        sys.exit(_exit_code(exc))
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
