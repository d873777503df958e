"""Shared fixtures. Tests never reach the network: any connection to a non-loopback address
fails loudly (the kill switch), so a forgotten real model or telemetry call cannot pass silently."""

from __future__ import annotations

import ipaddress
import os
import socket
import tempfile
from pathlib import Path

import pytest

from agent.settings import Settings, default_seeds_dir
from agent.workspace import Workspace

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
# Built encoder graphs and cached vectors go to a directory of this run, never the user's
# cache: every run starts as cold as CI's fresh machine and leaves nothing behind.
os.environ.setdefault(
    "PROFILE_AGENT_CACHE_DIR", tempfile.mkdtemp(prefix="profile-agent-test-cache-")
)

# Reports are built, not read from the store's report cache, so a test that patches the
# pipeline runs it; tests/test_report_cache.py turns the cache on and tests it.
os.environ.setdefault("PROFILE_AGENT_REPORT_CACHE", "0")

SEEDS_DIR = Path(os.environ.get("PROFILE_AGENT_SEEDS_DIR") or default_seeds_dir())
SEED = {
    "000": SEEDS_DIR / "000_cc2c0bab4f5ccd32.txt",
    "001": SEEDS_DIR / "001_7d18e232dd842b88.txt",
    "002": SEEDS_DIR / "002_806d3ecbe8568e66.txt",
    "003": SEEDS_DIR / "003_bcf537babf982e00.txt",
    "004": SEEDS_DIR / "004_952c2b97e468009e.txt",
}

_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address):  # type: ignore[no-untyped-def]
    host = address[0] if isinstance(address, tuple) else None
    if host is not None:
        try:
            if not ipaddress.ip_address(host).is_loopback:
                raise RuntimeError(f"test tried to reach the network: {address!r}")
        except ValueError:
            if host != "localhost":
                raise RuntimeError(f"test tried to reach the network: {address!r}") from None
    return _real_connect(self, address)


@pytest.fixture(autouse=True, scope="session")
def _no_network():
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]


@pytest.fixture(scope="session", autouse=True)
def _seeds_present():
    missing = [str(p) for p in SEED.values() if not p.is_file()]
    if missing:
        pytest.fail(f"seed pages not found: {missing}; set PROFILE_AGENT_SEEDS_DIR", pytrace=False)


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for var in ("CHROMA_HOST", "CHROMA_PORT", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PROFILE_AGENT_STORE_DIR", str(tmp_path / "store"))
    return Settings(store_dir=tmp_path / "store", seeds_dir=SEEDS_DIR)


@pytest.fixture
def workspace(settings: Settings) -> Workspace:
    return Workspace(settings)


@pytest.fixture(scope="session")
def seeded_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with all five seeds ingested once for the whole session (embedding takes ~30 s)."""
    store = tmp_path_factory.mktemp("seeded") / "store"
    ws = Workspace(Settings(store_dir=store, seeds_dir=SEEDS_DIR, chroma_host=None))
    ws.ingest_many([p for path in SEED.values() for p in ws.parse(path)])
    return store
