"""Bytes by key in one SQLite file: the disk level of the caches (encoder vectors, the analysis
memo). The oldest rows go past ``max_rows``. Every failure (read-only dir, locked or corrupt
file) makes it a no-op: a cache must never break the command it speeds up. One connection,
used by whichever thread asks (ingest encodes in a background thread), one at a time."""

from __future__ import annotations

import atexit
import contextlib
import os
import sqlite3
import threading
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path

_CHUNK = 500  # keys per SELECT ... IN (...)

# Caches with an open connection: closed at exit (SQLite then folds its write-ahead log into
# the file), which the interpreter's last garbage collection no longer does (the CLI skips it).
_OPEN: weakref.WeakSet[BlobCache] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for cache in list(_OPEN):
        cache.close()


def env_flag(name: str) -> bool:
    """A cache switch: on unless ``name`` is 0 / false / no / off."""
    return os.environ.get(name, "1").strip().lower() not in ("0", "false", "no", "off")


class BlobCache:
    def __init__(self, path: Path | None, table: str, column: str, max_rows: int) -> None:
        self.path = path
        self._sql_get = f"SELECT k, {column} FROM {table} WHERE k IN "
        self._sql_put = f"INSERT OR REPLACE INTO {table} (k, {column}) VALUES (?, ?)"
        self._sql_create = (
            f"CREATE TABLE IF NOT EXISTS {table} (k BLOB PRIMARY KEY, {column} BLOB NOT NULL)"
        )
        self._sql_trim = f"DELETE FROM {table} WHERE rowid <= (SELECT MAX(rowid) FROM {table}) - ?"
        self.max_rows = max_rows
        self._db: sqlite3.Connection | None = None
        self._broken = path is None
        self._lock = threading.RLock()

    def _conn(self) -> sqlite3.Connection | None:
        if self._db is None and not self._broken and self.path is not None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(
                    self.path, timeout=2.0, isolation_level=None, check_same_thread=False
                )
                db.execute("PRAGMA journal_mode=WAL")
                db.execute(self._sql_create)
                self._db = db
                _OPEN.add(self)
            except (OSError, sqlite3.Error):
                self._broken = True
        return self._db

    def close(self) -> None:
        """Close the connection (the next use opens it again)."""
        with self._lock:
            if self._db is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._db.close()
                self._db = None
            _OPEN.discard(self)

    def get(self, keys: Sequence[bytes]) -> dict[bytes, bytes]:
        """The stored bytes of the keys found (a read error ends the reading: fewer hits)."""
        out: dict[bytes, bytes] = {}
        with self._lock:
            db = self._conn()
            if db is None or not keys:
                return out
            try:
                for start in range(0, len(keys), _CHUNK):
                    part = list(keys[start : start + _CHUNK])
                    marks = ",".join("?" * len(part))
                    for k, body in db.execute(f"{self._sql_get}({marks})", part):
                        out[bytes(k)] = bytes(body)
            except sqlite3.Error:
                pass
        return out

    def put(self, rows: Mapping[bytes, bytes]) -> None:
        with self._lock:
            db = self._conn()
            if db is None or not rows:
                return
            try:
                db.execute("BEGIN")
                db.executemany(self._sql_put, list(rows.items()))
                db.execute(self._sql_trim, (self.max_rows,))
                db.execute("COMMIT")
            except sqlite3.Error:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
