"""``corpus``: the reference corpus novelty is measured against (its own collection)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._common import JsonOpt, StoreOpt, handle_errors, out, print_json, workspace

app = typer.Typer(
    name="corpus",
    help="The reference corpus for novelty: papers of a field, loaded from export files.",
    no_args_is_help=True,
)


@app.command("add")
@handle_errors
def add(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Files of papers in any format the parser reads (arXiv Atom, BibTeX, JSON, "
            "a publication page); each paper is compared only with its field's earlier work."
        ),
    ],
    fmt: Annotated[str | None, typer.Option("--format", help="Force a format.")] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add the papers of FILE... to the reference corpus (re-adding a file updates its papers)."""
    results = workspace(store).add_corpus(files, fmt)
    if as_json:
        print_json(
            [
                {
                    "source": r.source,
                    "added": r.added,
                    "without_text": r.without_text,
                    "fields": dict(sorted(r.fields.items())),
                }
                for r in results
            ]
        )
        return
    for r in results:
        fields = ", ".join(f"{f} {n}" for f, n in sorted(r.fields.items())) or "none"
        skipped = f"; {r.without_text} without title or abstract skipped" if r.without_text else ""
        out.print(
            f"{r.source}: {r.added} reference papers added (fields: {fields}){skipped}",
            highlight=False,
        )


@app.command("list")
@handle_errors
def list_cmd(store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """The reference corpus: papers per source file and field."""
    summary = workspace(store).corpus()
    if as_json:
        print_json({src: dict(sorted(c.items())) for src, c in summary.items()})
        return
    if not summary:
        out.print("the reference corpus is empty; add papers with 'profile-agent corpus add FILE'")
    for src, counts in sorted(summary.items()):
        fields = ", ".join(f"{f} {n}" for f, n in sorted(counts.items()))
        out.print(f"{src}: {sum(counts.values())} papers ({fields})", highlight=False)
