"""The offline report cache beside an embedded store (agent.reporting.cache): a stored report
is the one a fresh build gives, it is used without opening Chroma, and any write to the store,
another setting or an injected encoder means a fresh build."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

import agent.reporting.build as build
from agent.models import Report
from agent.reporting import render
from agent.reporting.cache import FILE, store_position
from agent.settings import Settings
from agent.workspace import Workspace
from retrieval.models import Profile
from retrieval.store import VectorStore
from tests.conftest import SEEDS_DIR


@pytest.fixture
def store(seeded_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PROFILE_AGENT_REPORT_CACHE", "1")
    copy = tmp_path / "store"
    shutil.copytree(seeded_store, copy, ignore=shutil.ignore_patterns(FILE))
    return copy


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Profile ids of the reports actually built (not read from the cache)."""
    built: list[str] = []
    real = build.build_report

    def counting(profile: Profile, *args: Any, **kwargs: Any) -> Report:
        built.append(profile.id)
        return real(profile, *args, **kwargs)

    monkeypatch.setattr(build, "build_report", counting)
    return built


def _ws(store: Path, max_file_bytes: int = 20 * 1024 * 1024) -> Workspace:
    settings = Settings(
        store_dir=store, seeds_dir=SEEDS_DIR, chroma_host=None, max_file_bytes=max_file_bytes
    )
    return Workspace(settings)


def test_stored_report_is_the_built_one_and_needs_no_store(store: Path, builds: list[str]) -> None:
    first = _ws(store).summarize("Huazhong Yang")
    assert builds == [first.profile_id]
    assert (store / FILE).is_file()
    ws = _ws(store)
    again = ws.summarize("Huazhong")  # another way to name the same profile
    assert builds == [first.profile_id]  # not built again
    assert "store" not in ws.__dict__  # Chroma never opened
    for fmt in ("md", "json", "html"):  # each rendering of the stored report is the same
        assert render(again, fmt) == render(first, fmt)
    # The listing comes from the cache too, and matches the store's.
    assert ws.profiles() == ws.store.list_profiles()


def test_any_write_to_the_store_means_a_fresh_report(store: Path, builds: list[str]) -> None:
    ws = _ws(store)
    report = ws.summarize("Peng Sun")
    before = store_position(store)
    ws.store.put_corrections("nobody", '{"together": [], "apart": []}')
    assert store_position(store) != before
    _ws(store).summarize("Peng Sun")
    assert builds == [report.profile_id, report.profile_id]


def test_opening_the_store_does_not_move_its_position(store: Path) -> None:
    before = store_position(store)
    assert before is not None
    _ = _ws(store).store.list_profiles()  # Chroma writes its lock table on open
    assert store_position(store) == before


def test_a_write_during_the_build_leaves_nothing_stored(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = build.build_report

    def writing(profile: Profile, store_: VectorStore, *args: Any, **kwargs: Any) -> Report:
        report = real(profile, store_, *args, **kwargs)
        store_.put_corrections("someone-else", '{"together": [], "apart": []}')
        return report

    monkeypatch.setattr(build, "build_report", writing)
    _ws(store).summarize("Peng Sun")
    monkeypatch.setattr(build, "build_report", real)
    ws = _ws(store)
    pid = ws._matches("Peng Sun")[0]
    cache = ws._report_cache
    assert cache is not None
    position = cache.position()
    assert position is not None
    assert cache.report(position, pid, None) is None


def test_other_settings_an_injected_encoder_or_the_switch_build_afresh(
    store: Path, builds: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    base = _ws(store)
    base.summarize("Zhenyu Guo")
    _ws(store, max_file_bytes=12345).summarize("Zhenyu Guo")  # other settings
    assert len(builds) == 2
    Workspace(base.settings, embedder=base.embedder).summarize("Zhenyu Guo")
    assert len(builds) == 3
    monkeypatch.setenv("PROFILE_AGENT_REPORT_CACHE", "0")
    _ws(store).summarize("Zhenyu Guo")
    assert len(builds) == 4


def test_a_broken_cache_file_is_ignored(store: Path, builds: list[str]) -> None:
    (store / FILE).write_bytes(b"not a database at all")
    first = _ws(store).summarize("Peng Sun")
    second = _ws(store).summarize("Peng Sun")
    assert render(first, "md") == render(second, "md")
    assert len(builds) == 2  # nothing could be stored; each call built its report
