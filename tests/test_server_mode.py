"""Server mode: CHROMA_HOST points at a real Chroma server that this test starts itself."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from interface.cli import app

from .conftest import SEED

pytestmark = pytest.mark.server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    exe = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = _free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    log = (data / "server.log").open("w")
    proc = subprocess.Popen(
        [exe, "run", "--path", str(data / "db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"chroma server did not start: {(data / 'server.log').read_text()}")
                time.sleep(0.3)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def test_ingest_and_search_through_a_chroma_server(
    chroma_server: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = tmp_path / "should-stay-unused"
    monkeypatch.setenv("CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("CHROMA_PORT", str(chroma_server))
    runner = CliRunner()
    res = runner.invoke(app, ["ingest", str(SEED["003"]), "--store", str(local), "--json"])
    assert res.exit_code == 0, res.output
    again = runner.invoke(app, ["ingest", str(SEED["003"]), "--json"])
    assert '"unchanged": true' in again.stdout
    listed = runner.invoke(app, ["profiles", "--json"])
    assert '"003_bcf537babf982e00"' in listed.stdout and '"chunks": 15' in listed.stdout
    hits = runner.invoke(
        app, ["search", "Zhenyu Guo", "recommender systems training", "-k", "2", "--json"]
    )
    assert hits.exit_code == 0, hits.output
    assert "Distributed Equivalent Substitution Training" in hits.stdout
    assert not local.exists()  # the embedded store was not used


def test_unreachable_server_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("CHROMA_PORT", str(_free_port()))
    res = CliRunner().invoke(app, ["profiles"])
    assert res.exit_code == 75
    assert "cannot reach the Chroma server at 127.0.0.1" in res.stderr
    assert "Traceback" not in res.output
    assert os.environ["CHROMA_HOST"] == "127.0.0.1"
