"""Ingest into the embedded Chroma store: idempotence, replacement, crash recovery, search."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from agent.settings import Settings
from agent.workspace import Workspace
from retrieval.chunking import chunk_profile
from retrieval.errors import NotFoundError

from .conftest import SEED, SEEDS_DIR


def _ids(ws: Workspace, profile_id: str) -> list[str]:
    got = ws.store.chunks.get(where={"profile_id": profile_id}, include=[])
    return got["ids"]


def test_ingest_twice_leaves_the_same_chunks(workspace: Workspace) -> None:
    [profile] = workspace.parse(SEED["003"])
    first = workspace.ingest(profile)
    ids = sorted(_ids(workspace, profile.id))
    assert first.added == first.chunks == len(ids) and not first.unchanged
    second = workspace.ingest(profile)
    assert second.unchanged and second.added == 0 and second.removed == 0
    assert sorted(_ids(workspace, profile.id)) == ids
    assert workspace.store.chunks.count() == len(ids)


def test_a_new_reading_of_the_same_bytes_is_stored(workspace: Workspace) -> None:
    """A newer parser can read the same page differently (a venue, an author list): the same
    bytes re-ingested then update the stored profile instead of saying 'unchanged'."""
    [profile] = workspace.parse(SEED["003"])
    workspace.ingest(profile)
    first = profile.papers[0]
    reread = profile.model_copy(
        update={
            "papers": [
                first.model_copy(update={"venue": "A Venue Read Better", "authors": ["Ada Byron"]}),
                *profile.papers[1:],
            ]
        }
    )
    assert reread.content_hash == profile.content_hash
    result = workspace.ingest(reread)
    assert not result.unchanged and result.added == 0
    stored = workspace.store.get_profile(profile.id)
    assert stored is not None and stored.papers[0].venue == "A Venue Read Better"
    assert stored.papers[0].authors == ["Ada Byron"]
    assert workspace.ingest(reread).unchanged


def test_changed_page_replaces_its_old_chunks(workspace: Workspace, tmp_path: Path) -> None:
    [profile] = workspace.parse(SEED["003"])
    workspace.ingest(profile)
    before = set(_ids(workspace, profile.id))
    text = (
        SEED["003"]
        .read_text()
        .replace("Scalability remains a challenge", "Scalability is still a challenge")
    )
    changed = tmp_path / SEED["003"].name  # same file name -> same profile id
    changed.write_text(text)
    [edited] = workspace.parse(changed)
    assert edited.id == profile.id
    result = workspace.ingest(edited)
    after = set(_ids(workspace, profile.id))
    # Only the edited paper's chunks are replaced; the other nine papers' chunks stay.
    old_p1 = {
        c.id
        for c in chunk_profile(profile, workspace.embedder, workspace.settings.chunking)
        if c.position == 1
    }
    new_p1 = {
        c.id
        for c in chunk_profile(edited, workspace.embedder, workspace.settings.chunking)
        if c.position == 1
    }
    assert len(old_p1) == len(new_p1) == 2 and not old_p1 & new_p1
    assert result.added == 2 and result.removed == 2
    assert before - after == old_p1 and after - before == new_p1
    stored = workspace.store.get_profile(profile.id)
    assert stored is not None and stored.papers[0].abstract.startswith("Scalability is still")


def test_crash_mid_ingest_then_rerun_is_complete(tmp_path: Path) -> None:
    store = tmp_path / "store"
    # A real process that dies (no cleanup, no exception handling) after its first batch.
    script = textwrap.dedent(f"""
        import os
        from agent.settings import Settings
        from agent.workspace import Workspace
        ws = Workspace(Settings(store_dir={str(store)!r}, seeds_dir={str(SEEDS_DIR)!r}))
        [profile] = ws.parse({str(SEED["004"])!r})
        real_add = ws.store.add_chunks
        def add_then_die(chunks, vectors):
            real_add(chunks, vectors)
            os._exit(9)
        ws.store.add_chunks = add_then_die
        ws.ingest(profile)
    """)
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 9, proc.stderr
    ws = Workspace(Settings(store_dir=store, seeds_dir=SEEDS_DIR))
    [profile] = ws.parse(SEED["004"])
    partial = _ids(ws, profile.id)
    assert 0 < len(partial) < 66
    assert ws.profiles() == []  # no record: the interrupted ingest is not listed as complete
    result = ws.ingest(profile)
    expected = {c.id for c in chunk_profile(profile, ws.embedder, ws.settings.chunking)}
    final = _ids(ws, profile.id)
    assert len(final) == len(set(final)) == len(expected) == 66
    assert set(final) == expected
    assert result.added == 66 - len(partial)
    assert [p.id for p in ws.profiles()] == [profile.id]


def test_search_ranks_the_right_paper_and_filters_by_identity(seeded_store: Path) -> None:
    ws = Workspace(Settings(store_dir=seeded_store, seeds_dir=SEEDS_DIR))
    _, hits = ws.search("004", "optical fiber Brillouin sensor", k=3)
    assert (
        hits[0].title
        == "Distributed Brillouin frequency shift extraction via a convolutional neural network"
    )
    assert hits[0].score > hits[1].score
    _, hits = ws.search("Peng Sun", "StarCraft multi-agent reinforcement learning", k=3)
    assert {h.label for h in hits[:2]} <= {"P5", "P6", "P19"}
    # Tag two papers with an identity and search only within it.
    ws2 = Workspace(Settings(store_dir=seeded_store, seeds_dir=SEEDS_DIR))
    prof = ws2.resolve("Peng Sun")
    for paper in prof.papers:
        paper.identity_id = "dyn" if paper.position in (3, 7) else "other"
    result = ws2.ingest(prof)
    assert result.added == 0 and result.updated == 28  # metadata only, no re-embedding
    _, scoped = ws2.search("Peng Sun", "reinforcement learning for games", k=5, identity_id="dyn")
    assert {h.label for h in scoped} == {"P3", "P7"}
    assert all(h.identity_id == "dyn" for h in scoped)


def test_resolve_by_id_name_prefix(seeded_store: Path) -> None:
    ws = Workspace(Settings(store_dir=seeded_store, seeds_dir=SEEDS_DIR))
    assert ws.resolve("002_806d3ecbe8568e66").name == "Huazhong Yang"
    assert ws.resolve("huazhong yang").id == "002_806d3ecbe8568e66"
    assert ws.resolve("001").name == "Liang Shen"
    assert len(ws.profiles()) == 5


@pytest.mark.parametrize("ref", ["Huazhong", "yang", "Huaz", "HUAZHONG YANG"])
def test_resolve_by_first_last_name_or_name_prefix(seeded_store: Path, ref: str) -> None:
    ws = Workspace(Settings(store_dir=seeded_store, seeds_dir=SEEDS_DIR))
    assert ws.resolve(ref).id == "002_806d3ecbe8568e66"


def test_unknown_profile_lists_names_beside_ids(seeded_store: Path) -> None:
    ws = Workspace(Settings(store_dir=seeded_store, seeds_dir=SEEDS_DIR))
    with pytest.raises(NotFoundError) as info:
        ws.resolve("Nobody")
    assert "002_806d3ecbe8568e66 (Huazhong Yang)" in str(info.value)
    assert "001_7d18e232dd842b88 (Liang Shen)" in str(info.value)
