"""A real uvicorn server in a thread for HTTP and browser tests, over a copy of a store."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI

from agent.settings import HttpSettings, Settings
from tests.conftest import SEEDS_DIR

# Tests make many report requests quickly; the rate limit has its own test.
FAST = HttpSettings(rate_per_minute=100_000, rate_burst=1000)


def settings_for(store: Path, **overrides: object) -> Settings:
    base: dict[str, object] = {
        "store_dir": store,
        "seeds_dir": SEEDS_DIR,
        "chroma_host": None,
        "openai_api_key": None,
        "openai_base_url": None,
        "http": FAST,
    }
    return Settings(**{**base, **overrides})  # type: ignore[arg-type]  # field names checked by pydantic


def copy_store(seeded: Path, into: Path) -> Path:
    """A private copy of the session's seeded store (tests here write to it)."""
    target = into / "store"
    shutil.copytree(seeded, target)
    return target


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Run ``app`` on a free loopback port; yield its base URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 600  # startup embeds the topic prototypes
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


def wait_for_job(client: httpx.Client, job_id: str, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")
