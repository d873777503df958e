"""Results of the per-text steps of the analysis (quarantine of a paper's title and abstract,
candidate keyphrases of a text) kept on disk, so a report reads what ingest already worked out
for every paper in the store instead of re-deriving it from 100,000 abstracts.

Both steps are pure functions of their input text, so a stored result is keyed by a hash of the
text and of the code (``agent.code_version``: any change to the code is a fresh
start). One SQLite file in the user cache dir (``PROFILE_AGENT_CACHE_DIR`` overrides it), the
oldest rows dropped past ``MAX_ROWS``; a process keeps what it read in memory too. Any failure
to read or write the file means computing, never an error. ``PROFILE_AGENT_ANALYSIS_CACHE=0``
turns the disk level off.
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from retrieval.blob_cache import BlobCache, env_flag

T = TypeVar("T")

MAX_ROWS = 600_000  # quarantine + candidates of ~250k papers (a few GB at most)
_MEMORY_MAX = 300_000


def _enabled() -> bool:
    return env_flag("PROFILE_AGENT_ANALYSIS_CACHE")


class TextMemo:
    """Results of the named steps by text, in memory and in one SQLite file (``BlobCache``)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._blobs = BlobCache(path, "m", "body", MAX_ROWS)
        self._rows: dict[bytes, Any] = {}

    @staticmethod
    def key(step: str, text: str) -> bytes:
        from ..code_version import code_version

        return hashlib.sha256(f"{code_version()}\0{step}\0{text}".encode()).digest()[:20]

    def many(self, step: str, inputs: Sequence[str], compute: Callable[[str], T]) -> list[T]:
        """``compute(text)`` for every text of ``inputs``, stored results where there are."""
        keys = [self.key(step, text) for text in inputs]
        missing = list(dict.fromkeys(k for k in keys if k not in self._rows))
        if missing:
            self._rows.update(self._read(missing))
        fresh: dict[bytes, Any] = {}
        for k, text in zip(keys, inputs, strict=True):
            if k not in self._rows and k not in fresh:
                fresh[k] = compute(text)
        if fresh:
            self._write(fresh)
            self._rows.update(fresh)
        out = [self._rows[k] for k in keys]
        if len(self._rows) > _MEMORY_MAX:
            self._rows.clear()
        return out

    def _read(self, keys: list[bytes]) -> dict[bytes, Any]:
        out: dict[bytes, Any] = {}
        for k, body in self._blobs.get(keys).items():
            try:
                out[k] = marshal.loads(body)
            except (ValueError, EOFError, TypeError):
                continue  # a damaged row: computed again
        return out

    def _write(self, rows: dict[bytes, Any]) -> None:
        try:
            self._blobs.put({k: marshal.dumps(v) for k, v in rows.items()})
        except ValueError:  # a result marshal cannot write: kept in memory only
            return


_MEMO: TextMemo | None = None


def memo() -> TextMemo:
    """The process's memo (disk level in the user cache dir unless turned off)."""
    global _MEMO
    if _MEMO is None:
        from retrieval.embed_onnx import cache_dir

        _MEMO = TextMemo(cache_dir() / "analysis-memo.sqlite3" if _enabled() else None)
    return _MEMO
