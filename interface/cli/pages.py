"""Commands over pages and the store: parse, ingest, profiles, search."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from agent.settings import load_settings
from agent.workspace import Workspace
from retrieval.errors import UserError
from retrieval.models import Profile

from ._common import (
    JsonOpt,
    StoreOpt,
    err,
    handle_errors,
    out,
    print_json,
    safe,
    show_table,
    workspace,
)

app = typer.Typer()


NameOpt = Annotated[
    str | None,
    typer.Option("--name", help="The owner's name, e.g. \"First Last\" (wins over the page's)."),
]
PartialOpt = Annotated[
    bool,
    typer.Option(
        "--allow-partial",
        help="Accept a reading that covers clearly fewer entries than the page seems to list.",
    ),
]


def _source(value: str) -> Path | str:
    """A URL stays a string; anything else is a path."""
    from retrieval.fetch import is_url  # httpx and the parsers: only for commands that read

    return value if is_url(value) else Path(value)


@app.command()
@handle_errors
def parse(
    file: Annotated[
        str,
        typer.Argument(
            help="Publication page: copied text, Markdown, saved HTML, JSON/JSONL, BibTeX, "
            "Atom, or an http(s) URL."
        ),
    ],
    as_json: JsonOpt = False,
    fmt: Annotated[str | None, typer.Option("--format", help="Force a format.")] = None,
    name: NameOpt = None,
    allow_partial: PartialOpt = False,
) -> None:
    """Parse a publication page and show what was found (no store needed)."""
    ws = Workspace(load_settings())
    profiles = ws.parse(_source(file), fmt, name=name, allow_partial=allow_partial)
    if as_json:
        dumped = [p.model_dump(mode="json") for p in profiles]
        print_json(dumped[0] if len(dumped) == 1 else dumped)
        return
    for profile in profiles:
        _show_profile(profile)


def _show_profile(profile: Profile) -> None:
    name = safe(profile.name or "(no owner name on the page)")
    out.print(
        f"[bold]{name}[/]  name: {profile.name_source.value}  format: {profile.source_format}  "
        f"id: {safe(profile.id)}  papers: {len(profile.papers)}",
        highlight=False,
    )
    if profile.metrics:
        out.print(
            "metrics: " + safe(", ".join(f"{k}={v}" for k, v in profile.metrics.items())),
            highlight=False,
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
            p.label,
            str(p.year or ""),
            safe(",".join(p.categories)),
            safe(title),
            safe(authors),
            str(p.source_line),
        )
    out.print(table)
    for w in profile.warnings:
        where = f"line {w.line}: " if w.line else ""
        out.print(f"{w.severity.value}: {where}{safe(w.message)}", highlight=False)
    for s in profile.skipped:
        out.print(f"skipped lines {s.start_line}-{s.end_line}: {safe(s.reason)}", highlight=False)


@app.command()
@handle_errors
def ingest(
    files: Annotated[
        list[str] | None, typer.Argument(help="Publication pages to index: files or URLs.")
    ] = None,
    seeds: Annotated[
        bool, typer.Option("--seeds", help="Index every page in the seeds dir.")
    ] = False,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    name: NameOpt = None,
    allow_partial: PartialOpt = False,
) -> None:
    """Parse files and index their papers in the vector store (idempotent)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    ws = workspace(store)
    paths: list[Path | str] = [_source(f) for f in files or []]
    if name and (len(paths) != 1 or seeds):
        raise UserError("--name applies to one page: pass exactly one FILE or URL with it")
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
    ws.load_encoder_in_background()  # while the pages are read
    # Parse everything first: a bad file fails before the store is touched.
    profiles = ws.parse_many(paths, name=name, allow_partial=allow_partial)
    _tell_warnings(profiles)
    with Progress(
        TextColumn("embedding chunks"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        task = bar.add_task("ingest", total=None)
        results = ws.ingest_many(profiles, progress=_progress(bar, task))
    if as_json:
        print_json([r.__dict__ for r in results])
        return
    rows = [
        [
            r.profile_id,
            r.name or "-",
            str(r.papers),
            str(r.chunks),
            str(r.added),
            str(r.removed),
            "unchanged" if r.unchanged else ("updated" if r.removed or r.updated else "indexed"),
        ]
        for r in results
    ]
    show_table(
        f"ingested into {ws.settings.store_config().describe()}",
        ["profile", "name", "papers", "chunks", "added", "removed", "status"],
        rows,
        wrap={"name"},
    )


# Notes worth a line at ingest too (the rest of the info notes are in 'parse' and the JSON).
_INGEST_NOTES = {"id_qualified", "file_repeated"}


def _tell_warnings(profiles: list[Profile]) -> None:
    """Each profile's warnings on stderr, so nothing ``parse`` would report passes unseen."""
    for profile in profiles:
        shown = [w for w in profile.warnings if w.severity == "warning" or w.code in _INGEST_NOTES]
        for w in shown[:_MAX_TOLD]:
            where = f"line {w.line}: " if w.line else ""
            err.print(
                f"{profile.id}: {w.severity.value}: {where}{safe(w.message)}", highlight=False
            )
        if len(shown) > _MAX_TOLD:
            err.print(
                f"{profile.id}: and {len(shown) - _MAX_TOLD} more; see 'profile-agent parse "
                f"{safe(profile.source_path or profile.id)}'",
                highlight=False,
            )


_MAX_TOLD = 10


def _progress(bar: Any, task: Any) -> Callable[[int, int], None]:
    """The bar on a terminal; elsewhere (a log, CI) a plain line at every tenth of a long job."""
    shown = [-1]

    def report(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)
        if err.is_terminal or total < 200:
            return
        tenth = done * 10 // total
        if tenth != shown[0]:
            shown[0] = tenth
            err.print(f"embedding chunks: {done:,}/{total:,}", highlight=False)

    return report


@app.command()
@handle_errors
def profiles(store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """List the profiles in the store."""
    ws = workspace(store)
    rows = ws.profiles()
    if as_json:
        print_json(
            [{"id": r.id, "name": r.name, "papers": r.papers, "chunks": r.chunks} for r in rows]
        )
        return
    if not rows:
        out.print(f"no profiles yet; {ws.none_indexed_note()}", highlight=False)
        return
    show_table(
        None,
        ["id", "name", "papers", "chunks", "format"],
        [[r.id, r.name or "-", str(r.papers), str(r.chunks), r.source_format] for r in rows],
        wrap={"name"},
    )


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
    ws = workspace(store)
    prof, hits = ws.search(profile, query, k=k, identity_id=identity)
    if as_json:
        print_json({"profile": prof.id, "query": query, "hits": [h.model_dump() for h in hits]})
        return
    table = Table(title=safe(f"{prof.name or prof.id}: {query}"))
    for col in ("paper", "score", "title", "snippet"):
        table.add_column(col, overflow="fold")
    for h in hits:
        table.add_row(h.label, f"{h.score:.3f}", safe(h.title or "(no title)"), safe(h.snippet))
    out.print(table)
