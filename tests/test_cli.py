"""The CLI, through typer's runner and as a real console script."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from interface.cli import app

from .conftest import SEED

runner = CliRunner()


@pytest.mark.parametrize(
    ("seed", "count", "name"),
    [
        ("000", 20, "Peng Sun"),
        ("001", 17, "Liang Shen"),
        ("002", 50, "Huazhong Yang"),
        ("003", 10, "Zhenyu Guo"),
        ("004", 39, None),
    ],
)
def test_parse_json(seed: str, count: int, name: str | None) -> None:
    res = runner.invoke(app, ["parse", str(SEED[seed]), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert {"name", "name_source", "source_format", "metrics", "papers", "warnings"} <= set(data)
    assert data["name"] == name and len(data["papers"]) == count
    assert data["papers"][6]["label"] == "P7"


def test_parse_table_shows_labels_and_warnings() -> None:
    res = runner.invoke(app, ["parse", str(SEED["002"])])
    assert res.exit_code == 0
    assert "Huazhong Yang" in res.stdout and "P50" in res.stdout
    assert "the page says 62" in res.stdout


def test_ingest_profiles_search_json(tmp_path: Path) -> None:
    store = str(tmp_path / "s")
    res = runner.invoke(app, ["ingest", str(SEED["003"]), "--store", store, "--json"])
    assert res.exit_code == 0, res.output
    [row] = json.loads(res.stdout)
    assert (row["profile_id"], row["papers"], row["chunks"], row["added"]) == (
        "003_bcf537babf982e00",
        10,
        15,
        15,
    )
    listed = json.loads(runner.invoke(app, ["profiles", "--store", store, "--json"]).stdout)
    assert listed == [
        {"id": "003_bcf537babf982e00", "name": "Zhenyu Guo", "papers": 10, "chunks": 15}
    ]
    found = json.loads(
        runner.invoke(
            app,
            ["search", "003", "temporal graph embedding", "-k", "2", "--store", store, "--json"],
        ).stdout
    )
    assert found["profile"] == "003_bcf537babf982e00"
    assert found["hits"][0]["label"] == "P7"
    assert {"paper_id", "label", "title", "score", "snippet"} <= set(found["hits"][0])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["parse", "no/such/file.txt"], "no such file"),
        (["ingest"], "nothing to ingest"),
        (["search", "nobody", "query"], "no profile 'nobody'"),
    ],
)
def test_user_errors_are_one_line_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    if args[0] == "search":
        args = [*args, "--store", str(tmp_path / "empty")]
    res = runner.invoke(app, args)
    assert res.exit_code == 2
    assert message in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert res.exception is None or isinstance(res.exception, SystemExit)


def test_ingest_fails_before_touching_the_store_when_one_file_is_bad(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    # Latin-1 bytes. (FF FE would start a UTF-16 file: that is decoded since the hardening.)
    bad.write_bytes(b"r\xe9sum\xe9 garbage")
    store = tmp_path / "s"
    res = runner.invoke(app, ["ingest", str(SEED["003"]), str(bad), "--store", str(store)])
    assert res.exit_code == 2 and "bad.txt:1: not UTF-8" in res.stderr
    assert not store.exists()
    # A file that decodes but holds no papers fails the same way, before the store.
    bad.write_bytes(b"\xff\xfe garbage")
    res = runner.invoke(app, ["ingest", str(SEED["003"]), str(bad), "--store", str(store)])
    assert res.exit_code == 2 and "bad.txt: no papers found" in res.stderr
    assert not store.exists()


def test_console_script_never_prints_a_traceback(tmp_path: Path) -> None:
    exe = shutil.which("profile-agent") or str(Path(sys.executable).parent / "profile-agent")
    bad = tmp_path / "x.bin"
    bad.write_bytes(b"\x00\x01binary")
    env_store = str(tmp_path / "s")
    for args in (["parse", str(bad)], ["search", "x", "y", "--store", env_store]):
        proc = subprocess.run([exe, *args], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2
        assert "Traceback" not in proc.stderr + proc.stdout
        assert proc.stderr.startswith("error:")
    proc = subprocess.run(
        [exe, "profiles", "--store", env_store],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PROFILE_AGENT_CHROMA_PORT": "x"},
    )
    assert proc.returncode == 2
    assert "invalid setting CHROMA_PORT or PROFILE_AGENT_CHROMA_PORT = 'x'" in proc.stderr
    assert "Traceback" not in proc.stderr
