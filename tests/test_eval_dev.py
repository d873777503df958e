"""The dev-page suite as CI runs it: every real page in ../shared/dev-pages parsed and scored
against its gold.json, gated by evals/thresholds_dev.yaml (title recall/precision, years, owner;
identities on the two mixed pages)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.settings import Settings
from agent.workspace import Workspace
from evals import DEV_THRESHOLDS, apply_gate, load_suite, load_thresholds, to_markdown
from evals.runner import SuiteResult, run_suite
from interface.cli import app
from tests.conftest import SEEDS_DIR

DEV_PAGES = SEEDS_DIR.parent / "dev-pages"


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> SuiteResult:
    if not DEV_PAGES.is_dir():
        pytest.fail(
            f"dev pages not found at {DEV_PAGES}; set PROFILE_AGENT_SEEDS_DIR", pytrace=False
        )
    store = tmp_path_factory.mktemp("dev") / "store"
    ws = Workspace(Settings(store_dir=store, seeds_dir=SEEDS_DIR, chroma_host=None))
    return run_suite(ws, load_suite("dev"))


def test_dev_suite_covers_every_dev_page(result: SuiteResult) -> None:
    pages = sorted(p.name for p in DEV_PAGES.iterdir() if (p / "gold.json").is_file())
    assert sorted(c.id for c in result.cases) == pages
    assert len(pages) >= 15


def test_dev_suite_passes_the_gate(result: SuiteResult) -> None:
    gated = apply_gate(result, load_thresholds(DEV_THRESHOLDS), None)
    print(to_markdown(gated))  # the per-page table, shown with `pytest -s`
    assert gated.passed, gated.failures
    for case in gated.cases:
        m = case.metrics
        assert m["parse.title_recall"] >= 0.97 and m["parse.title_precision"] >= 0.97, case.id
        assert m["parse.owner"] == 1, case.id


def test_gate_trips_when_a_page_is_read_short(result: SuiteResult) -> None:
    worse = result.model_copy(deep=True)
    worse.cases[0].metrics["parse.title_recall"] = 0.5
    gated = apply_gate(worse, load_thresholds(DEV_THRESHOLDS), None)
    assert not gated.passed
    assert f"{worse.cases[0].id}: parse.title_recall 0.5 < min 0.97" in gated.failures


def test_cli_eval_dev_suite_bad_shared_path(tmp_path: Path) -> None:
    case = tmp_path / "c.yaml"
    case.write_text("id: nope\nshared: dev-pages/no-such-page/page.txt\n")
    res = CliRunner().invoke(
        app, ["eval", "--suite", str(case), "--store", str(tmp_path / "s"), "--thresholds",
              str(DEV_THRESHOLDS)]
    )  # fmt: skip
    assert res.exit_code == 2 and "not found" in res.stderr


def test_html_dev_pages_read_as_copied_text_too() -> None:
    """Without the DOM's hints (a browser copy of the same page), titles are still read."""
    import json

    from evals.evaluators import title_key
    from retrieval.formats import general, html_page

    for page in sorted(DEV_PAGES.glob("*/page.html")):
        gold = json.loads((page.parent / "gold.json").read_text())
        text = "\n".join(ln.text for ln in html_page.render(page.read_text()).lines)
        read = general.read(general.lines_from_text(text))
        got = [title_key(e.title) for e in read.entries]
        want = [title_key(t) for t in gold["paper_titles"]]
        recall = sum(t in got for t in want) / len(want)
        precision = sum(t in want for t in got) / max(1, len(got))
        assert recall >= 0.97 and precision >= 0.97, (page.parent.name, recall, precision)
