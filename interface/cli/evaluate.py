"""``eval``: score reports against reference profiles and gate on the result."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from retrieval.errors import UserError

from ._common import (
    ForceOpt,
    JsonOpt,
    StoreOpt,
    check_out,
    err,
    handle_errors,
    print_json,
    workspace,
    write_text,
)

app = typer.Typer()


@app.command("eval")
@handle_errors
def eval_cmd(
    suite: Annotated[
        str,
        typer.Option(
            "--suite",
            help="'seeds' or 'dev' (built in: the seed reports, the dev pages' parse), a case "
            "YAML file or a directory.",
        ),
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
            "--thresholds",
            help="Gate file (default: evals/thresholds.yaml; evals/thresholds_dev.yaml for 'dev').",
            show_default=False,
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
    force: ForceOpt = False,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Score reports against reference profiles; exit 1 when the gate fails."""
    from evals import (
        BASELINE,
        DEV_THRESHOLDS,
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
    check_out(report_out, force)
    cases = load_suite(suite)
    gate = load_thresholds(thresholds or (DEV_THRESHOLDS if suite == "dev" else THRESHOLDS))
    if baseline is None and suite == "seeds" and BASELINE.is_file():
        baseline = BASELINE
    before = load_baseline(baseline) if baseline else None
    ws = workspace(store)
    judge_with = None
    if judge:
        from agent.reporting.build import build_chat_model

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
        write_text(  # a baseline is meant to be refreshed; the message says it was overwritten
            write_baseline,
            result.model_dump_json(include={"overall", "cases"}, indent=2) + "\n",
            force=True,
        )
    if report_out:
        write_text(report_out, markdown, force=force)
    if as_json:
        print_json(result.model_dump(mode="json"))
    else:
        sys.stdout.write(markdown)
    if not result.passed:
        err.print(f"eval gate failed: {len(result.failures)} failure(s)", highlight=False)
        raise typer.Exit(1)
