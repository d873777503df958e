"""Exact parsing results on the five real seed pages."""

from __future__ import annotations

import pytest

from retrieval.models import NameSource
from retrieval.parse import load_profiles

from .conftest import SEED

EXPECTED = {
    # seed: (format, papers, owner, name source, metrics)
    "000": ("author-abstract", 20, "Peng Sun", NameSource.inferred, {}),
    "001": ("glued-listing", 17, "Liang Shen", NameSource.inferred, {}),
    "002": (
        "metric-cards",
        50,
        "Huazhong Yang",
        NameSource.heading,
        {
            "field": "CV",
            "h_index": 26,
            "papers": 62,
            "citations": 2701,
            "novelty_percent": 52,
            "ai_score": 45,
        },
    ),
    "003": ("collab-list", 10, "Zhenyu Guo", NameSource.heading, {}),
    "004": (
        "trust-snapshot",
        39,
        None,
        NameSource.none,
        {
            "trust_score": 21,
            "trust_label": "Emerging",
            "verification_level": "L1",
            "claimed": False,
            "works": 39,
            "followers": 0,
            "topics": 19,
            "close_collaborators": 4,
        },
    ),
}


@pytest.mark.parametrize("seed", sorted(EXPECTED))
def test_seed_counts_owner_metrics(seed: str) -> None:
    fmt, count, owner, source, metrics = EXPECTED[seed]
    [profile] = load_profiles(SEED[seed])
    assert profile.source_format == fmt
    assert len(profile.papers) == count
    assert profile.name == owner
    assert profile.name_source == source
    assert profile.metrics == metrics
    assert [p.position for p in profile.papers] == list(range(1, count + 1))
    assert len({p.id for p in profile.papers}) == count
    # Every entry has text to embed, and nothing on the page went unparsed.
    assert all(p.abstract for p in profile.papers)
    assert not [w for w in profile.warnings if w.code in ("unparsed_block", "missing_abstract")]


def test_000_has_no_titles_and_keeps_author_lists() -> None:
    [p] = load_profiles(SEED["000"])
    assert all(paper.title is None for paper in p.papers)
    assert p.papers[0].authors == [
        "Peng Sun",
        "Wansen Feng",
        "Ruobing Han",
        "Shengen Yan",
        "Yonggang Wen",
    ]
    assert p.papers[7].authors == ["Peng Sun", "C. -P. Yuan", "Feng Yuan"]
    single = [x.position for x in p.papers if x.authors == ["Peng Sun"]]
    assert single == [3, 7, 10, 12, 18, 20]
    assert all(x.source_line == 2 * x.position - 1 for x in p.papers)


def test_001_glued_title_and_authors_are_split() -> None:
    [p] = load_profiles(SEED["001"])
    first = p.papers[0]
    assert first.title == (
        "MoESys: A Distributed and Efficient Mixture-of-Experts Training and "
        "Inference System for Internet Services"
    )
    assert first.authors == ["Dianhai Yu", "Liang Shen", "Hongxiang Hao"]
    assert first.authors_truncated is True
    assert first.categories == ["cs.DC"]
    assert str(first.date) == "2022-05-20"
    paddle = p.papers[7]  # P8, page line 22
    assert paddle.title == "End-to-end Adaptive Distributed Training on PaddlePaddle"
    assert paddle.authors[0] == "Yulong Ao"
    assert (
        p.papers[16].title == "MSR-net:Low-light Image Enhancement Using Deep Convolutional Network"
    )
    # "CLFeb 4" has no year: kept as written, year left empty, and the user is told.
    ernie = p.papers[1]
    assert (ernie.date_text, ernie.year, ernie.date) == ("Feb 4", None, None)
    assert any(w.code == "date_without_year" and w.line == 4 for w in p.warnings)
    assert all(x.authors_truncated for x in p.papers)


def test_002_cards_metrics_and_count_mismatch() -> None:
    [p] = load_profiles(SEED["002"])
    first = p.papers[0]
    assert first.categories == ["cs.LG"]
    assert first.has_code is True
    assert first.orgs == ["microsoft-research"]
    assert first.authors == ["Enshu Liu", "Junyi Zhu", "Zinan Lin"] and first.authors_truncated
    both = next(x for x in p.papers if len(x.orgs) == 2)
    assert both.orgs == ["microsoft-research", "tsinghua"]
    assert sum(x.has_code for x in p.papers) == sum(
        1 for line in SEED["002"].read_text().splitlines() if line.endswith("Code")
    )
    complete = next(
        x
        for x in p.papers
        if x.title == "Cross-layer Attention Network for Fine-grained Visual Categorization"
    )
    assert complete.authors == ["Ranran Huang", "Yu Wang", "Huazhong Yang"]
    assert not complete.authors_truncated
    mism = [w for w in p.warnings if w.code == "count_mismatch"]
    assert {w.line for w in mism} == {5, 10}
    assert all("62" in w.message and "50" in w.message for w in mism)


def test_003_owner_from_heading_not_site_name() -> None:
    [p] = load_profiles(SEED["003"])
    assert p.name == "Zhenyu Guo"
    assert p.papers[0].title == "Causal Mean Field Multi-Agent Reinforcement Learning"
    assert p.papers[0].venue == "arXiv.org Artificial Intelligence"
    assert p.papers[0].categories == ["cs.AI"]
    assert p.papers[-1].categories == ["cs.LG"]
    assert all(not x.authors for x in p.papers)
    assert [(s.start_line, s.end_line) for s in p.skipped] == [(1, 1)]


def test_004_no_owner_and_chrome_is_accounted_for() -> None:
    [p] = load_profiles(SEED["004"])
    assert p.name is None
    assert (
        p.papers[0].kind == "preprint" and p.papers[0].year == 2026 and p.papers[0].venue == "arXiv"
    )
    assert [x.year for x in p.papers].count(2022) == 24
    # Every non-blank header line is either a metric or a reported chrome span.
    covered = {n for s in p.skipped for n in range(s.start_line, s.end_line + 1)} | {
        5,
        6,
        7,
        8,
        9,
        45,
    }
    header = [
        i for i, line in enumerate(SEED["004"].read_text().splitlines()[:46], 1) if line.strip()
    ]
    assert set(header) <= covered
    assert not any(w.code == "count_mismatch" for w in p.warnings)
