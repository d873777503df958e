"""The reference index beside the store (agent.analysis.reference): what a report reads from it
is what reading every other profile from the store gives, it follows the store (profiles
added, changed, gone), leaves a profile's papers listed on other pages out, and a file it
cannot use means building it in memory, never an error."""

from __future__ import annotations

import os
import shutil
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from agent.analysis.evidence import evidence_of, gather_evidence
from agent.analysis.keyphrases import candidates_of
from agent.analysis.reference import FILE_PREFIX, ReferenceIndex, index_path, reference_set
from agent.settings import Settings
from agent.workspace import Workspace
from retrieval.models import Paper, Profile
from tests.conftest import SEEDS_DIR


@pytest.fixture
def ws(seeded_store: Path, tmp_path: Path) -> Workspace:
    copy = tmp_path / "store"
    shutil.copytree(seeded_store, copy)
    return Workspace(Settings(store_dir=copy, seeds_dir=SEEDS_DIR, chroma_host=None))


def _from_store(ws: Workspace, own: Profile) -> tuple[list, Counter]:
    """The reference set read the slow way: every other profile's record and vectors, and
    the document frequency of every candidate phrase over their texts."""
    others = [s.id for s in ws.store.list_profiles() if s.id != own.id]
    vectors = ws.store.paper_vectors(others)
    stored = ws.store.get_profiles(others)
    own_ids = {p.id for p in own.papers}
    items = [(p, stored[pid]) for pid in others for p in stored[pid].papers if p.id not in own_ids]
    pes = evidence_of(items, vectors)
    df: Counter = Counter()
    for cands in candidates_of([pe.text for pe in pes]):
        df.update({k for k, _ in cands})
    return pes, df


def _same(ws: Workspace, own: Profile) -> None:
    pes, df = _from_store(ws, own)
    own_keys = {k for c in candidates_of([p.title or "" for p in own.papers]) for k, _ in c}
    # Counts of the page's own phrases, of phrases of others, and of phrases no paper states.
    asked = own_keys | set(list(df)[:200]) | {("no-such-phrase",)}
    ref = reference_set(ws.store, ws.embedder, own, asked)
    assert [(r.profile_id, r.paper_id, r.label, r.year, r.short) for r in ref.rows] == [
        (pe.profile_id, pe.paper.id, pe.label, pe.paper.year, pe.short()) for pe in pes
    ]
    for r, pe in zip(ref.rows, pes, strict=True):
        assert r.categories == tuple(pe.paper.categories)
        assert (r.vector is None) == (pe.vector is None)
        if r.vector is not None:
            assert np.array_equal(r.vector, pe.vector)
    assert len(ref) == len(pes)
    assert ref.doc_freq(asked) == Counter({k: df[k] for k in asked if df[k]})
    with pytest.raises(ValueError, match="own phrases only"):
        ref.doc_freq([("never", "asked")])


def test_the_index_reads_as_the_store_does_for_every_seed(ws: Workspace) -> None:
    # Ingest left it there (its identity step reads the reference set).
    path = index_path(ws.store)
    assert path is not None and path.name.startswith(FILE_PREFIX) and path.is_file()
    for summary in ws.store.list_profiles():
        _same(ws, ws.store.get_profile(summary.id))  # type: ignore[arg-type]


def test_the_index_follows_profiles_added_changed_and_gone(ws: Workspace) -> None:
    store, embedder = ws.store, ws.embedder
    listing = store.list_profiles()
    index = ReferenceIndex(index_path(store))
    assert index.sync(store, embedder, listing) == 0  # in step after ingest
    # A profile gone from the listing is dropped, with its phrase counts.
    assert index.sync(store, embedder, listing[1:]) == 0
    fresh = ReferenceIndex(None)
    assert fresh.sync(store, embedder, listing[1:]) == len(listing) - 1
    tables = (
        "SELECT * FROM df ORDER BY k",
        "SELECT id, stamp, papers, vectors FROM profiles ORDER BY id",
    )
    for sql in tables:
        assert index.db.execute(sql).fetchall() == fresh.db.execute(sql).fetchall()
    # Back in the listing, or stored in another version (another stamp): indexed again.
    assert index.sync(store, embedder, listing) == 1
    changed = [listing[0].model_copy(update={"stamp": "other"}), *listing[1:]]
    assert index.sync(store, embedder, changed) == 1
    assert index.sync(store, embedder, changed) == 0


def test_a_paper_listed_on_two_pages_is_not_other_work(workspace: Workspace) -> None:
    shared = Paper(
        id="shared01",
        position=1,
        title="Sparse attention for long documents",
        year=2021,
        source_line=1,
    )

    def page(pid: str, own_title: str) -> Profile:
        mine = Paper(id=f"{pid}-own", position=2, title=own_title, year=2022, source_line=2)
        return Profile(id=pid, name=pid, source_format="json", papers=[shared, mine])

    a = page("alpha", "Graph neural networks for protein folding")
    b = page("beta", "Quantum circuits for sparse attention")
    workspace.ingest_many([a, b])
    # "sparse attention": in beta's own paper only, once the shared paper is left out.
    key = next(
        k for k, text in candidates_of(["sparse attention"])[0] if text == "sparse attention"
    )
    alpha = workspace.store.get_profile("alpha")
    assert alpha is not None
    ref = reference_set(workspace.store, workspace.embedder, alpha, {key})
    assert [r.paper_id for r in ref.rows] == ["beta-own"]
    assert ref.doc_freq([key]) == Counter({key: 1})
    _same(workspace, workspace.store.get_profile("alpha"))  # type: ignore[arg-type]


def test_a_damaged_file_is_built_again_and_an_unusable_one_means_memory(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = index_path(ws.store)
    assert path is not None
    own = ws.store.get_profile(ws.store.list_profiles()[0].id)
    assert own is not None
    for tail in ("-wal", "-shm"):
        path.with_name(path.name + tail).unlink(missing_ok=True)
    path.write_bytes(b"not a database at all" * 10)
    _same(ws, own)
    assert path.read_bytes().startswith(b"SQLite format 3")  # derived data: rebuilt
    # A store directory it cannot write: in memory, same answers.
    blocked = path.parent / "blocked"
    blocked.mkdir()
    monkeypatch.setattr(
        "agent.analysis.reference.index_path", lambda store: blocked / "sub" / "x.sqlite3"
    )
    blocked.chmod(0o500)
    try:
        if os.access(blocked, os.W_OK):  # root writes anyway: make the path a file instead
            blocked.chmod(0o700)
            (blocked / "sub").write_text("a file where the folder would be")
        _same(ws, own)
    finally:
        blocked.chmod(0o700)
    monkeypatch.undo()
    monkeypatch.setenv("PROFILE_AGENT_REFERENCE_INDEX", "0")
    assert index_path(ws.store) is None
    _same(ws, own)


def test_each_code_version_has_its_own_file_and_old_ones_go(ws: Workspace) -> None:
    path = index_path(ws.store)
    assert path is not None
    stem = path.name[: -len(path.name.rsplit("-", 1)[1])]
    old, recent = (
        path.with_name(f"{stem}0123456789ab.sqlite3"),
        path.with_name(f"{stem}ba9876543210.sqlite3"),
    )
    notours = path.with_name(f"{stem}notacodeversion.sqlite3")
    for f, age in ((old, 2 * 24 * 3600), (recent, 60), (notours, 2 * 24 * 3600)):
        f.write_bytes(b"")
        os.utime(f, (time.time() - age, time.time() - age))
    unrelated = path.with_name(".profile_agent_reports.sqlite3")
    unrelated.write_bytes(b"")
    own = ws.store.get_profile(ws.store.list_profiles()[0].id)
    assert own is not None
    os.utime(path, (time.time() - 3 * 24 * 3600, time.time() - 3 * 24 * 3600))
    gather_evidence(ws.store, ws.embedder, own)
    assert path.is_file() and recent.is_file() and notours.is_file() and unrelated.is_file()
    assert not old.exists()
    assert time.time() - path.stat().st_mtime < 3600  # a use marks it as in use


def test_an_index_changed_by_another_process_is_read_again(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between sync and read another process drops a profile: the use syncs again."""
    own = ws.store.get_profile(ws.store.list_profiles()[0].id)
    assert own is not None
    real = ReferenceIndex.read
    calls: list[int] = []

    def racing(self: ReferenceIndex, *args: Any, **kwargs: Any) -> Any:
        if not calls:
            victim = ws.store.list_profiles()[-1].id
            with self._transaction():  # as another process's sync drops a profile
                self._drop(victim)
        calls.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(ReferenceIndex, "read", racing)
    _same(ws, own)
    assert len(calls) == 2


def test_a_report_reads_its_evidence_through_the_index(ws: Workspace) -> None:
    summary = ws.store.list_profiles()[0]
    own = ws.store.get_profile(summary.id)
    assert own is not None
    page = gather_evidence(ws.store, ws.embedder, own)
    assert {r.profile_id for r in page.reference.rows} == {
        s.id for s in ws.store.list_profiles() if s.id != own.id
    }


def test_a_profile_gone_between_listing_and_indexing_costs_no_rebuild(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The store lists a profile whose record is gone by the time it is read: the next
    listing no longer has it, and the index answers (no fallback to memory)."""
    own = ws.store.get_profile(ws.store.list_profiles()[0].id)
    assert own is not None
    real = type(ws.store).list_profiles
    ghost = ws.store.list_profiles()[-1].model_copy(update={"id": "ghost", "stamp": "x"})
    calls: list[int] = []

    def listing(self: Any) -> Any:
        calls.append(1)
        rows = real(self)
        return [*rows, ghost] if len(calls) == 1 else rows

    pes, _ = _from_store(ws, own)
    monkeypatch.setattr(type(ws.store), "list_profiles", listing)
    with caplog.at_level("WARNING"):
        ref = reference_set(ws.store, ws.embedder, own, set())
    assert len(calls) == 2  # listed again after the first read did not match
    assert [(r.profile_id, r.paper_id) for r in ref.rows] == [
        (pe.profile_id, pe.paper.id) for pe in pes
    ]
    assert not [r for r in caplog.records if "reference index" in r.getMessage()]


def test_damaged_rows_are_built_again(ws: Workspace, caplog: pytest.LogCaptureFixture) -> None:
    path = index_path(ws.store)
    assert path is not None
    own = ws.store.get_profile(ws.store.list_profiles()[0].id)
    assert own is not None
    index = ReferenceIndex(path)
    index.db.execute("UPDATE profiles SET papers = 'not json'")
    index.close()
    with caplog.at_level("WARNING"):
        _same(ws, own)  # answered from memory this time
    assert any("damaged" in r.getMessage() for r in caplog.records)
    caplog.clear()
    with caplog.at_level("WARNING"):
        _same(ws, own)  # and from a rebuilt file the next
    assert not caplog.records
    assert path.is_file()
