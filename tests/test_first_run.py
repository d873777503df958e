"""What a new user meets on the first run: real paths, fast failures, clean messages."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from agent.settings import default_store_dir
from interface.cli import app
from tests.conftest import SEED

PROFILE = "Huazhong Yang"


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The console script as a user runs it (``main``: logging set-up, last-resort handler)."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OPENAI_", "PROFILE_AGENT_")) or k == "PROFILE_AGENT_CACHE_DIR"
    }
    return subprocess.run(
        [sys.executable, "-m", "interface.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**base, "COLUMNS": "200", **(env or {})},
    )


def test_help_names_the_real_default_store() -> None:
    res = CliRunner().invoke(app, ["ingest", "--help"], env={"COLUMNS": "300"})
    assert res.exit_code == 0
    flat = " ".join(res.output.split())
    assert str(default_store_dir()) in flat


def test_missing_key_fails_before_the_store_is_opened(tmp_path: Path) -> None:
    store = tmp_path / "never-created"
    res = _cli("summarize", PROFILE, "--llm", "openai", "--store", str(store))
    assert res.returncode == 2, res.stderr
    assert "OPENAI_API_KEY" in res.stderr
    assert not store.exists()  # nothing heavy ran: no store, no profile lookup
    assert "Traceback" not in res.stderr


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_endpoint_falls_back_with_one_clean_message(seeded_store: Path) -> None:
    env = {
        "OPENAI_BASE_URL": f"http://127.0.0.1:{_closed_port()}/v1",
        "OPENAI_API_KEY": "test-key",
        "PROFILE_AGENT_LLM__BACKOFF_S": "0.01",
        "PROFILE_AGENT_LLM__MAX_RETRIES": "2",
    }
    res = _cli("summarize", PROFILE, "--llm", "openai", "--store", str(seeded_store), env=env)
    assert res.returncode == 0, res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert sum("LLM drafter not used" in ln for ln in lines) == 1, lines
    retries = [ln for ln in lines if "try " in ln and " of 3 in " in ln]
    assert len(retries) == 2, lines  # one line per retry
    assert all(ln.startswith("warning: chat request (gpt-4o-mini) failed") for ln in retries)
    assert not any("Retrying agent." in ln or "Traceback" in ln for ln in lines)
    assert (
        "Drafted by **offline** (openai:gpt-4o-mini was asked and not used: endpoint" in res.stdout
    )

    strict = _cli(
        "summarize", PROFILE, "--llm", "openai", "--no-fallback", "--store", str(seeded_store),
        env=env,
    )  # fmt: skip
    assert strict.returncode == 75, strict.stderr
    assert strict.stdout == ""
    assert re.search(r"^error: .*(unreachable|connect|down)", strict.stderr, re.M | re.I)


def test_tables_never_break_a_word(tmp_path: Path) -> None:
    res = _cli("ingest", str(SEED["003"]), "--store", str(tmp_path / "s"), env={"COLUMNS": "70"})
    assert res.returncode == 0, res.stderr
    again = _cli("ingest", str(SEED["003"]), "--store", str(tmp_path / "s"), env={"COLUMNS": "70"})
    assert "unchanged" in again.stdout, again.stdout
    assert "…" not in again.stdout + res.stdout  # nothing cut short either
    assert "indexed" in res.stdout


def test_ingest_exits_with_its_caches_closed_and_its_store_readable(tmp_path: Path) -> None:
    """The CLI skips the interpreter's last garbage collection at exit: the caches' SQLite
    files must still be closed (write-ahead log folded in) and the store complete."""
    cache, store = tmp_path / "cache", tmp_path / "store"
    res = _cli(
        "ingest", str(SEED["003"]), "--store", str(store), "--json",
        env={"PROFILE_AGENT_CACHE_DIR": str(cache)},
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    caches = sorted(p.name for p in cache.glob("*.sqlite*"))
    assert any(n.startswith("vectors-") for n in caches) and "analysis-memo.sqlite3" in caches
    assert not [n for n in caches if n.endswith(("-wal", "-shm"))], caches
    listed = _cli("profiles", "--store", str(store), env={"PROFILE_AGENT_CACHE_DIR": str(cache)})
    assert listed.returncode == 0 and "003_" in listed.stdout, listed.stderr
