"""Identities: the people behind one name, on the seeds, a synthetic merged page, a page with
no author lists, and user corrections."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.identities.assignment import identify
from agent.models import Corrections, IdentityResult
from agent.settings import Settings
from agent.workspace import Workspace
from evals.cases import load_suite
from interface.cli import app
from retrieval.errors import InputFileError, UserError
from retrieval.models import Profile
from tests.conftest import SEED, SEEDS_DIR

CASES = {c.seed[:3]: c for c in load_suite("seeds") if c.seed}


def _ws(store: Path) -> Workspace:
    return Workspace(Settings(store_dir=store, seeds_dir=SEEDS_DIR, chroma_host=None))


def _by_label(result: IdentityResult) -> dict[str, str]:
    """Paper label -> identity id; an unattributed paper is a group of its own."""
    got = {p.label: i.id for i in result.identities for p in i.papers}
    return got | {p.label: f"unattributed:{p.label}" for p in result.unattributed}


@pytest.mark.parametrize("seed", ["000", "001", "004"])
def test_seed_groups_stay_together_and_apart(seeded_store: Path, seed: str):
    _, result = _ws(seeded_store).identities(seed)
    got = _by_label(result)
    ref = CASES[seed].expect.identities
    assert ref is not None
    for a, b in ref.apart:
        assert got[a] != got[b], f"{a} and {b} merged"
    for group in ref.groups:
        assert len({got[label] for label in group}) == 1, group
    assert result.mixed and result.people == len(result.identities)
    if seed == "001":  # Baidu systems papers and Qualcomm low-power vision papers
        assert len({got[g[0]] for g in ref.groups}) == len(ref.groups)
    else:
        assert result.people >= 3


def test_single_papers_without_separating_evidence_are_unattributed(seeded_store: Path):
    _, result = _ws(seeded_store).identities("000")
    assert len(result.identities) <= 3 and result.people == len(result.identities)
    assert len(result.unattributed) >= 5
    listed = {p.label for i in result.identities for p in i.papers}
    assert not listed & {p.label for p in result.unattributed}
    assert len(listed) + len(result.unattributed) == 20


def test_peng_sun_primary_and_evidence(seeded_store: Path):
    _, result = _ws(seeded_store).identities("000")
    primary = result.by_id(result.primary)
    assert primary is not None
    assert {p.label for p in primary.papers} == {"P3", "P7", "P10", "P12", "P18", "P20"}
    assert primary.evidence.single_author == 6
    game = result.by_id(_by_label(result)["P5"])
    assert game is not None and {"Jiechao Xiong", "Lei Han"} <= set(game.evidence.coauthors)
    for ident in result.identities:
        assert 0 < ident.confidence <= 1
        assert all(0 < p.confidence <= 1 for p in ident.papers)


def test_single_identity_page_stays_one(seeded_store: Path):
    _, result = _ws(seeded_store).identities("002")
    assert not result.mixed and len(result.identities) == 1
    assert len(result.identities[0].papers) == 50


@pytest.mark.parametrize("seed", sorted(SEED))
def test_ingest_groups_as_the_named_identities_do(seeded_store: Path, seed: str):
    """Ingest skips naming the identities (their keyphrases); the grouping it stores is the
    one the full identities have."""
    ws = _ws(seeded_store)
    profile = ws.resolve(seed)
    named = identify(ws.store, ws.embedder, profile)
    unnamed = identify(ws.store, ws.embedder, profile, named=False)
    assert unnamed.assignment() == named.assignment()
    assert [i.confidence for i in unnamed.identities] == [i.confidence for i in named.identities]
    assert [p.label for p in unnamed.unattributed] == [p.label for p in named.unattributed]
    assert all(i.evidence.top_terms for i in named.identities)
    assert not any(i.evidence.top_terms for i in unnamed.identities)
    # What ingest stored is that grouping.
    assert {p.id: p.identity_id for p in profile.papers} == {
        p.id: named.assignment().get(p.id) for p in profile.papers
    }


def test_every_pages_chunks_carry_their_papers_identity(seeded_store: Path):
    """The seeds were ingested together: identity ids of all of them are written in one go."""
    ws = _ws(seeded_store)
    for seed in sorted(SEED):
        profile = ws.resolve(seed)
        ids = {p.id: p.identity_id or "" for p in profile.papers}
        assert any(ids.values()), seed
        metas = ws.store.chunk_metadata(profile.id)
        assert metas and all(m["identity_id"] == ids[m["paper_id"]] for m in metas.values())
    again = ws.ingest_many([p for path in SEED.values() for p in ws.parse(path)])
    assert all(r.unchanged for r in again)


def test_chunks_carry_identity_and_search_filters(seeded_store: Path):
    ws = _ws(seeded_store)
    stored = ws.resolve("000")
    _, result = ws.identities("000")
    unattributed = {p.position for p in result.unattributed}
    assert all(bool(p.identity_id) != (p.position in unattributed) for p in stored.papers)
    primary = next(p.identity_id for p in stored.papers if p.position == 3)
    _, hits = ws.search("000", "reinforcement learning for games", k=10, identity_id=primary)
    assert {h.label for h in hits} <= {"P3", "P7", "P10", "P12", "P18", "P20"}
    assert all(h.identity_id == primary for h in hits)


def test_mixed_report_has_banner_and_blurbs_that_stay_in_their_identity(seeded_store: Path):
    report = _ws(seeded_store).summarize("000")
    assert report.banner and "at least 3 different people named Peng Sun" in report.banner
    assignment = {p.label: i.id for i in report.identities.identities for p in i.papers}  # type: ignore[union-attr]  # set for every report
    assert report.identity_id == report.identities.primary  # type: ignore[union-attr]
    for sentence in report.verification.sentences:
        assert {assignment[c] for c in sentence.citations} <= {report.identity_id}
    others = {o.id: o for o in report.other_identities}
    assert len(others) == len(report.identities.identities) - 1  # type: ignore[union-attr]

    for o in others.values():
        cited = {
            x.strip() for g in re.findall(r"\[(P\d+(?:, P\d+)*)\]", o.blurb) for x in g.split(",")
        }
        assert cited and {assignment[c] for c in cited} == {o.id}
    game = others[assignment["P5"]]
    # The StarCraft work is in its own identity's blurb (cited: a 2-sentence blurb names the
    # theme and quotes one paper, the one that states the theme best), never in the report's.
    profile = _ws(seeded_store).resolve("000")
    starcraft = {p.label for p in profile.papers if "StarCraft" in (p.abstract or "")}
    cited = {
        x.strip() for g in re.findall(r"\[(P\d+(?:, P\d+)*)\]", game.blurb) for x in g.split(",")
    }
    assert starcraft and starcraft <= set(game.papers) and cited & starcraft
    assert "StarCraft" not in report.blurb


def _merge(first: Profile, second: Profile, name: str) -> Profile:
    """One page under ``name`` holding both profiles' papers (owners renamed to ``name``)."""
    papers = []
    for p in itertools.chain(first.papers, second.papers):
        authors = [name if a in (first.name, second.name) else a for a in p.authors]
        papers.append(
            p.model_copy(
                update={"position": len(papers) + 1, "authors": authors, "identity_id": None}
            )
        )
    return Profile(id="merged", name=name, source_format="json", papers=papers)


@pytest.fixture(scope="module")
def merged_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Profile, set[str]]:
    """000's six single-author ergodic-theory papers and the first 14 papers of 002, as one
    page of 'Alex Kim'."""
    store = tmp_path_factory.mktemp("merged") / "store"
    ws = _ws(store)
    peng = ws.parse(SEED["000"])[0]
    ergodic = peng.model_copy(
        update={"papers": [p for p in peng.papers if p.authors == ["Peng Sun"]]}
    )
    yang = ws.parse(SEED["002"])[0]
    yang = yang.model_copy(update={"papers": yang.papers[:14]})
    merged = _merge(ergodic, yang, "Alex Kim")
    ws.ingest(merged)
    return store, merged, {f"P{i}" for i in range(1, 7)}


def test_synthetic_two_page_merge_is_split_back(merged_store):
    store, _, from_peng = merged_store
    _, result = _ws(store).identities("merged")
    got = _by_label(result)
    assert result.mixed
    assert len({got[label] for label in from_peng}) == 1
    peng_id = got["P1"]
    assert all(got[label] != peng_id for label in got if label not in from_peng)


def test_page_without_author_lists(seeded_store: Path):
    # 004 lists no authors: content and field alone separate the physics and optics papers.
    ws = _ws(seeded_store)
    profile = ws.resolve("004")
    assert not any(p.authors for p in profile.papers)
    _, result = ws.identities("004")
    got = _by_label(result)
    assert got["P25"] != got["P6"] and got["P33"] != got["P6"] and got["P30"] != got["P6"]


def test_user_corrections_override_and_survive_reingest(merged_store, tmp_path: Path):
    store, merged, _ = merged_store
    ws = _ws(store)
    fix = tmp_path / "fix.yaml"
    fix.write_text("together:\n  - [P1, P7]\napart:\n  - [P8, P9]\n")
    res = CliRunner().invoke(
        app, ["identities", "merged", "--corrections", str(fix), "--json", "--store", str(store)]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert set(data) >= {"mixed", "primary", "identities"}
    where = {p["position"]: i["id"] for i in data["identities"] for p in i["papers"]}
    assert where[1] == where[7] and where[8] != where[9]
    # Re-ingest a changed page: identities are recomputed, the stored corrections still hold.
    changed = merged.model_copy(deep=True)
    changed.papers[-1].abstract = (changed.papers[-1].abstract or "") + " Revised."
    ws.ingest(changed)
    got = {p.position: p.identity_id for p in ws.resolve("merged").papers}
    assert got[1] == got[7] and got[8] != got[9]
    _, again = ws.identities("merged")
    assert again.corrections_applied


def test_bad_corrections_are_clear_errors(merged_store, tmp_path: Path):
    store, _, _ = merged_store
    from agent.identities.assignment import read_corrections

    bad = tmp_path / "bad.yaml"
    bad.write_text("together: [[P1, P2]\n")
    with pytest.raises(InputFileError, match=r"bad.yaml:\d+: invalid YAML"):
        read_corrections(bad)
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("apart: [[P1]]\n")
    with pytest.raises(InputFileError, match=r"wrong\.yaml: apart"):
        read_corrections(wrong)
    with pytest.raises(UserError, match="'P99', which is not on this page"):
        _ws(store).identities("merged", Corrections(apart=[("P1", "P99")]))
    conflict = Corrections(together=[["P1", "P2"]], apart=[("P1", "P2")])
    with pytest.raises(UserError, match="conflicts"):
        _ws(store).identities("merged", conflict)
    # Rejected corrections are not kept: the page still groups.
    assert _ws(store).identities("merged")[1].identities
