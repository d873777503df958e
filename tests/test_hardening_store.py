"""Issue 13, bad states of the store and hostile text in reports: one clear error naming the
directory and the way out; crash safety of ingest; nothing page-derived becomes live markup."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.settings import Settings
from agent.workspace import Workspace
from interface.cli import app
from retrieval.errors import StoreError, UserError
from retrieval.ingest import ingest_profiles

from .conftest import SEED, SEEDS_DIR

runner = CliRunner()


def _ws(store: Path) -> Workspace:
    return Workspace(Settings(store_dir=store, seeds_dir=SEEDS_DIR, chroma_host=None))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seed 003, and a copy of it whose page-derived fields are hostile."""
    path = tmp_path_factory.mktemp("hard") / "store"
    ws = _ws(path)
    clean = ws.parse(SEED["003"])[0]
    papers = [p.model_copy() for p in clean.papers]
    papers[0] = papers[0].model_copy(
        update={
            "url": " JavaScript:alert(1)",
            "title": "<script>alert(1)</script> [x](javascript:alert(2)) "
            + (papers[0].title or ""),
            "authors": ['<img src=x onerror="alert(3)">', *papers[0].authors],
        }
    )
    papers[1] = papers[1].model_copy(update={"url": "data:text/html,<script>alert(4)</script>"})
    papers[2] = papers[2].model_copy(update={"url": "https://arxiv.org/abs/2001.00001"})
    hostile = clean.model_copy(
        update={
            "id": "hostile",
            "name": "<script>alert(5)</script>",
            "papers": papers,
            "content_hash": "h",
            "metrics": {"<b>x</b>": "[y](javascript:z)"},
        }
    )
    ws.ingest_many([clean, hostile])
    return path


def _copy(store: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "store"
    shutil.copytree(store, dst)
    return dst


# -- corrupt, foreign, read-only stores ------------------------------------------------------------


@pytest.mark.parametrize("damage", ["truncate", "zero", "delete", "garbage"])
def test_a_damaged_database_names_the_store_and_the_way_out(
    store: Path, tmp_path: Path, damage: str
):
    copy = _copy(store, tmp_path)
    db = copy / "chroma.sqlite3"
    if damage == "truncate":
        with db.open("r+b") as fh:
            fh.truncate(db.stat().st_size // 3)
    elif damage == "zero":
        db.write_bytes(b"")
    elif damage == "delete":
        db.unlink()
    else:
        db.write_bytes(b"not a database at all" * 100)
    res = runner.invoke(app, ["profiles", "--store", str(copy)])
    assert res.exit_code == 1, res.output
    assert str(copy) in res.output and "re-ingest" in res.output
    assert "Traceback" not in res.output
    # Nothing was silently recreated in its place.
    assert damage != "delete" or not db.exists()


def test_a_foreign_directory_is_not_used_as_a_store(tmp_path: Path):
    (tmp_path / "notes.txt").write_text("mine")
    res = runner.invoke(app, ["profiles", "--store", str(tmp_path)])
    assert res.exit_code == 1 and "not a profile-agent store" in res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_another_programs_sqlite_database_is_not_used_as_a_store(tmp_path: Path):
    import sqlite3

    db = tmp_path / "chroma.sqlite3"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE invoices (id INTEGER, total REAL)")
    con.execute("INSERT INTO invoices VALUES (1, 9.5)")
    con.commit()
    con.close()
    before = db.read_bytes()
    res = runner.invoke(app, ["profiles", "--store", str(tmp_path)])
    assert res.exit_code == 1 and "not a profile-agent store" in res.output, res.output
    assert "invoices" in res.output and str(tmp_path) in " ".join(res.output.split())
    assert db.read_bytes() == before  # Chroma added no tables to it


def test_a_read_only_store_says_how_to_read_it(store: Path, monkeypatch: pytest.MonkeyPatch):
    # Root ignores file permissions, so the store's refusal is simulated at Chroma's door.
    import chromadb
    from chromadb.errors import InternalError

    def refuse(*a: object, **k: object) -> None:
        raise InternalError(
            "error returned from database: (code: 8) attempt to write a readonly database"
        )

    monkeypatch.setattr(chromadb, "PersistentClient", refuse)
    with pytest.raises(StoreError, match="read-only") as info:
        _ws(store).store.open()
    assert str(store) in str(info.value) and "--store" in str(info.value)


# -- ingest: ids, crash safety ---------------------------------------------------------------------


def test_same_file_name_in_two_directories_gives_two_profiles(tmp_path: Path):
    for sub, seed in (("a", "003"), ("b", "000")):
        (tmp_path / sub).mkdir()
        shutil.copy(SEED[seed], tmp_path / sub / "page.txt")
    st = tmp_path / "store"
    res = runner.invoke(
        app,
        [
            "ingest",
            str(tmp_path / "a/page.txt"),
            str(tmp_path / "b/page.txt"),
            "--store",
            str(st),
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    assert [r["profile_id"] for r in json.loads(res.stdout)] == ["a-page", "b-page"]
    listed = {p.id: p.chunks for p in _ws(st).profiles()}
    assert listed == {"a-page": 15, "b-page": listed["b-page"]} and listed["b-page"] > 0
    # Every chunk belongs to a listed profile and the counts add up.
    assert _ws(st).store.chunks.count() == sum(listed.values())


def test_the_library_refuses_two_profiles_with_one_id(store: Path):
    ws = _ws(store)
    profile = ws.parse(SEED["003"])[0]
    with pytest.raises(UserError, match="more than once"):
        ingest_profiles([profile, profile], ws.store, ws.embedder, ws.settings.chunking)


def test_a_crash_before_identities_is_finished_by_the_next_ingest(store: Path, tmp_path: Path):
    copy = _copy(store, tmp_path)
    ws = _ws(copy)
    pid = "003_bcf537babf982e00"
    stored = ws.store.get_profile(pid)
    assert stored is not None and all(p.identity_id for p in stored.papers)
    # The state a kill -9 leaves between the profile record and the identity assignment.
    bare = stored.model_copy(
        update={"papers": [p.model_copy(update={"identity_id": None}) for p in stored.papers]}
    )
    ws.store.put_profile(bare, int((ws.store.profile_meta(pid) or {})["chunks"]))
    ws.store.set_identities(pid, {})
    assert not _ws(copy).search(pid, "graph", identity_id=None)[1][0].identity_id

    ws = _ws(copy)
    [result] = ws.ingest_many(ws.parse(SEED["003"]))
    assert result.unchanged
    _, hits = _ws(copy).search(pid, "graph", identity_id="I1")
    assert hits and all(h.identity_id == "I1" for h in hits)


# -- commands ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["search", "003", "   "], "query is empty"),
        (["search", "003", "graph", "--identity", "I99"], "no identity 'I99'"),
    ],
)
def test_search_refuses_what_cannot_be_answered(store: Path, args: list[str], match: str):
    res = runner.invoke(app, [*args, "--store", str(store)])
    assert res.exit_code == 2 and match in res.output


def test_out_refuses_to_overwrite_without_force(store: Path, tmp_path: Path):
    out = tmp_path / "r.md"
    out.write_text("keep me")
    res = runner.invoke(app, ["summarize", "003", "--out", str(out), "--store", str(store)])
    assert res.exit_code == 2 and "--force" in res.output
    assert out.read_text() == "keep me"
    res = runner.invoke(
        app, ["summarize", "003", "--out", str(out), "--force", "--store", str(store)]
    )
    assert res.exit_code == 0 and "overwrote" in res.output
    assert out.read_text().startswith("# Zhenyu Guo")


# -- reports ----------------------------------------------------------------------------------------


def test_reports_never_turn_page_text_into_markup(store: Path):
    from agent.reporting.render import render

    report = _ws(store).summarize("hostile")
    html = render(report, "html").lower()
    hrefs = re.findall(r"href\s*=\s*[\"']?([^\"'>\s]*)", html)
    assert hrefs and all(h.startswith(("https://", "http://", "mailto:", "#")) for h in hrefs)
    assert "<script>alert" not in html and "<img" not in html
    md = render(report, "md")
    # No tag can open (every '<' escaped) and no link can form ('[x](' escaped).
    assert not re.search(r"(?<!\\)<", md)
    assert "[x](" not in md and "[y](" not in md
    assert "\\<script\\>alert(5)" in md
