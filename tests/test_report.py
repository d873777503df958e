"""Offline reports for all five seed pages, through the public API and the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.models import Report, SentenceStatus
from agent.reporting.render import render
from agent.settings import Settings
from agent.templating import md_escape
from agent.workspace import Workspace
from interface.cli import app
from tests.conftest import SEED, SEEDS_DIR

_CITE = re.compile(r"\[(P\d+(?:, P\d+)*)\]")


@pytest.fixture(scope="module")
def reports(seeded_store: Path) -> dict[str, Report]:
    ws = Workspace(Settings(store_dir=seeded_store, seeds_dir=SEEDS_DIR, chroma_host=None))
    return {key: ws.summarize(path.stem) for key, path in SEED.items()}


@pytest.mark.parametrize("key", sorted(SEED))
def test_blurb_is_cited_and_verified(reports: dict[str, Report], key: str, seeded_store: Path):
    report = reports[key]
    ws = Workspace(Settings(store_dir=seeded_store, seeds_dir=SEEDS_DIR, chroma_host=None))
    labels = {p.label for p in ws.resolve(report.profile_id).papers}
    kept = [s for s in report.verification.sentences if s.status != SentenceStatus.dropped]
    assert 3 <= len(kept) <= 6
    for sentence in kept:
        cited = {x.strip() for g in _CITE.findall(sentence.text) for x in g.split(",")}
        assert cited, f"uncited sentence: {sentence.text}"
        assert cited <= labels
        assert set(sentence.citations) == cited
        assert sentence.support >= report.verification.threshold
        assert sentence.text in report.blurb
    assert report.verification.support_score is not None
    assert report.verification.support_score >= report.verification.threshold
    assert report.drafting.used == "offline"
    # A cited paper is listed for the reader.
    assert {r.label for r in report.references} == {c for s in kept for c in s.citations}


def test_offline_blurb_is_specific(reports: dict[str, Report]):
    # Methods and systems named in the abstracts appear, each cited to the paper naming them.
    # 000 mixes people: the blurb is about the primary one (the ergodic theorist); the
    # distributed-training paper is a single paper nothing ties to anyone: unattributed.
    assert "approximate product property" in reports["000"].blurb
    assert "GradientFlow" not in reports["000"].blurb
    assert not any("GradientFlow" in o.blurb for o in reports["000"].other_identities)
    assert "P1" in {p.label for p in reports["000"].identities.unattributed}  # type: ignore[union-attr]  # set for every report
    assert "FT-NAS" in reports["002"].blurb
    assert "Dis-PFL" in reports["004"].blurb


def test_topics_from_page_and_predicted(reports: dict[str, Report]):
    page = reports["001"].topics
    assert {t.source for t in page.coarse} == {"page"}
    assert page.coarse[0].code == "cs.CV"  # 5 of the primary identity's 6 papers
    predicted = {t.code: t for t in reports["000"].topics.coarse}
    assert {t.source for t in predicted.values()} == {"predicted"}
    # The primary identity's ergodic-theory papers get their field; the QCD identity its own.
    assert set(predicted["math.DS"].papers) >= {"P7", "P12", "P18", "P20"}
    qcd = next(i for i in reports["000"].identities.identities if i.papers[0].label == "P8")  # type: ignore[union-attr]  # set for every report
    assert qcd.evidence.categories[0] == "hep-ph" and [p.label for p in qcd.papers] == ["P8", "P9"]
    for pc in reports["000"].topics.per_paper:
        assert 0 <= pc.confidence <= 1
        assert (pc.source == "not_classifiable") == (not pc.codes)
    fine = {f.phrase: f for f in reports["000"].topics.fine}
    assert set(fine["approximate product property"].papers) == {"P7", "P18", "P20"}


def test_timeline(reports: dict[str, Report]):
    assert reports["000"].topics.timeline == []
    assert "no publication years" in (reports["000"].topics.timeline_note or "")
    points = reports["002"].topics.timeline
    assert points and {p.year for p in points} <= set(range(2010, 2026))
    for p in points:
        assert 0 < p.weight <= 1
    # 001's undated paper (P2, ERNIE) belongs to the Baidu identity, not the primary one.
    assert reports["001"].identity_id is not None
    assert reports["001"].topics.timeline_note is None


def test_novelty(reports: dict[str, Report]):
    # The seeds' store holds four computing profiles and no mathematics: the ergodic
    # theorist is not measured against machine learning.
    math = reports["000"].novelty
    assert math.status == "abstained" and "mathematics" in (math.reason or "")
    for key in ("002", "004"):
        report = reports[key]
        nov = report.novelty
        assert nov.status == "scored" and nov.score is not None and 0 <= nov.score <= 100
        assert nov.reference_set and nov.reference_set.startswith("computing: ")
        assert nov.most_novel and nov.least_novel
        assert nov.most_novel[0].percentile >= nov.least_novel[0].percentile
        for n in nov.most_novel + nov.least_novel:
            assert n.nearest.profile_id != report.profile_id
            assert n.year is None or (n.nearest.year is not None and n.nearest.year < n.year)
    ours = reports["002"].novelty
    assert ours.page_figure == 52
    assert "52%" in (ours.page_comparison or "") and f"{ours.score}/100" in (
        ours.page_comparison or ""
    )
    assert reports["000"].novelty.page_figure is None


def test_stats(reports: dict[str, Report]):
    s = reports["002"].stats
    assert (s.papers, s.papers_stated) == (50, 62)
    assert (s.first_year, s.last_year) == (2010, 2025)
    assert s.with_code == 19
    assert s.metrics["h_index"] == 26
    assert any("62" in w for w in reports["002"].warnings)
    top = reports["002"].stats.top_coauthors
    assert top[0].name == "Xuefei Ning" and top[0].papers >= 20
    assert all(c.name != "Huazhong Yang" for c in top)
    # 000's report is about its single-author mathematician: no co-authors to show.
    assert reports["000"].stats.top_coauthors == [] and reports["000"].stats.papers == 6


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_renderings(reports: dict[str, Report], fmt: str):
    report = reports["002"]
    text = render(report, fmt)  # type: ignore[arg-type]  # parametrized literal
    if fmt == "json":
        assert Report.model_validate_json(text) == report
        return
    first = report.verification.sentences[0].text
    if fmt == "md":
        assert md_escape(first) in text
    else:
        # The HTML report links each citation to its paper (issue 12): the sentence reads the
        # same once the links' tags are taken out, and every label it cites is a link.
        shown = re.sub(r"<[^>]+>", "", text)
        assert first.replace("'", "&#39;") in shown
        for label in report.verification.sentences[0].citations:
            assert f'href="#{label}"' in text
    assert "52%" in text and "Novelty" in text
    if fmt == "html":
        assert text.startswith("<!doctype html>") and "</html>" in text


def test_cli_summarize(seeded_store: Path, tmp_path: Path):
    runner = CliRunner()
    res = runner.invoke(app, ["summarize", "Zhenyu Guo", "--store", str(seeded_store)])
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("# Zhenyu Guo")
    out = tmp_path / "r.html"
    res = runner.invoke(
        app,
        [
            "summarize",
            "Zhenyu Guo",
            "--format",
            "html",
            "--out",
            str(out),
            "--store",
            str(seeded_store),
        ],
    )
    assert res.exit_code == 0 and out.read_text().startswith("<!doctype html>")
    data = json.loads(
        runner.invoke(
            app, ["summarize", "003", "--format", "json", "--store", str(seeded_store)]
        ).stdout
    )
    assert data["name"] == "Zhenyu Guo" and data["verification"]["support_score"] > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["summarize", "Nobody"], "no profile 'Nobody'"),
        (["summarize", "003", "--format", "pdf"], "--format 'pdf'"),
        (["summarize", "003", "--llm", "gpt"], "--llm 'gpt'"),
    ],
)
def test_cli_summarize_errors(seeded_store: Path, args: list[str], message: str):
    res = CliRunner().invoke(app, [*args, "--store", str(seeded_store)])
    assert res.exit_code == 2
    assert message in res.stderr and "Traceback" not in res.output
