"""Offline reports kept beside an embedded store, so ``summarize`` of a stored profile does not
re-run the analysis (or even open Chroma) while nothing has changed.

An offline report is a pure function of the store's contents, the settings and the code, so a
stored one is used only when all three are what they were when it was built:

- the store: the position of Chroma's write log (the highest sequence number of
  ``embeddings_queue`` and of every segment in ``max_seq_id``) and its collections, read from
  ``chroma.sqlite3`` through a read-only SQLite connection. Every add, update or delete of any
  collection (chunks, profiles, corrections, reference corpus) moves it; opening the store does
  not. A report is stored only if the position at the end of building it is the one read at the
  start, so a write that lands meanwhile leaves no stale entry;
- the settings: their JSON (secrets masked);
- the code: a hash of every file of the ``agent`` and ``retrieval`` packages and the prompts,
  and of the interpreter and installed-packages directory.

The cache is a small SQLite file, ``.profile_agent_reports.sqlite3`` in the store directory
(dot-named: never taken for a store file). Any failure to read or write it (read-only store, a
Chroma version with another schema) means no caching, never an error. Server mode has no cache
here (the HTTP app keeps its own in memory). ``PROFILE_AGENT_REPORT_CACHE=0`` turns it off.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from retrieval.blob_cache import env_flag

from ..code_version import code_version

if TYPE_CHECKING:
    from retrieval.models import ProfileSummary

    from ..models import Report

log = logging.getLogger(__name__)

FILE = ".profile_agent_reports.sqlite3"
_CHROMA_DB = "chroma.sqlite3"
_KEEP = 64  # reports kept per store position (older positions are dropped on write)


def enabled() -> bool:
    return env_flag("PROFILE_AGENT_REPORT_CACHE")


def store_position(store_dir: Path) -> str | None:
    """Where the embedded store's write log stands (see the module docstring), or None when it
    cannot be read (no store yet, another Chroma schema)."""
    db = store_dir / _CHROMA_DB
    if not db.is_file():
        return None
    try:
        con = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            queue = con.execute("SELECT COALESCE(MAX(seq_id), 0) FROM embeddings_queue").fetchone()
            segments = con.execute(
                "SELECT segment_id, seq_id FROM max_seq_id ORDER BY segment_id"
            ).fetchall()
            collections = con.execute("SELECT id, name FROM collections ORDER BY id").fetchall()
        finally:
            con.close()
    except (sqlite3.Error, OSError) as exc:
        log.debug("report cache off: cannot read the store's log position (%s)", exc)
        return None
    return hashlib.sha256(repr((queue, segments, collections)).encode()).hexdigest()


class ReportCache:
    """Stored offline reports and profile listings of one embedded store."""

    def __init__(self, store_dir: Path, settings_json: str) -> None:
        self.store_dir = store_dir
        self.path = store_dir / FILE
        self.context = hashlib.sha256((settings_json + "\0" + code_version()).encode()).hexdigest()

    def position(self) -> str | None:
        return store_position(self.store_dir)

    def _key(self, position: str, what: str) -> str:
        return hashlib.sha256(f"{self.context}\0{position}\0{what}".encode()).hexdigest()

    def _connect(self, create: bool) -> sqlite3.Connection | None:
        if not create and not self.path.is_file():
            return None
        con = sqlite3.connect(self.path, timeout=5)
        con.execute(
            "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, position TEXT NOT NULL, "
            "body TEXT NOT NULL)"
        )
        return con

    def _get(self, position: str, what: str) -> str | None:
        try:
            con = self._connect(create=False)
            if con is None:
                return None
            try:
                row = con.execute(
                    "SELECT body FROM entries WHERE key = ?", (self._key(position, what),)
                ).fetchone()
            finally:
                con.close()
        except (sqlite3.Error, OSError) as exc:
            log.debug("report cache not read: %s", exc)
            return None
        return row[0] if row else None

    def _put(self, position: str, what: str, body: str) -> None:
        """Store ``body`` if the store is still at ``position``; entries of other positions are
        stale (the log only moves forward) and are dropped, past a few."""
        if self.position() != position:
            return
        try:
            con = self._connect(create=True)
            assert con is not None
            try:
                with con:
                    con.execute("DELETE FROM entries WHERE position != ?", (position,))
                    con.execute(
                        "INSERT OR REPLACE INTO entries (key, position, body) VALUES (?, ?, ?)",
                        (self._key(position, what), position, body),
                    )
                    con.execute(
                        "DELETE FROM entries WHERE rowid NOT IN "
                        "(SELECT rowid FROM entries ORDER BY rowid DESC LIMIT ?)",
                        (_KEEP,),
                    )
            finally:
                con.close()
        except (sqlite3.Error, OSError) as exc:
            log.debug("report cache not written: %s", exc)

    def report(self, position: str, profile_id: str, identity_id: str | None) -> Report | None:
        body = self._get(position, f"report\0{profile_id}\0{identity_id or ''}")
        if body is None:
            return None
        from ..models import Report

        try:
            return Report.model_validate_json(body)
        except ValueError:
            return None

    def put_report(
        self, position: str, profile_id: str, identity_id: str | None, report: Report
    ) -> None:
        what = f"report\0{profile_id}\0{identity_id or ''}"
        self._put(position, what, report.model_dump_json())

    def listing(self, position: str) -> list[ProfileSummary] | None:
        body = self._get(position, "profiles")
        if body is None:
            return None
        import json

        from retrieval.models import ProfileSummary

        try:
            return [ProfileSummary.model_validate(row) for row in json.loads(body)]
        except ValueError:
            return None

    def put_listing(self, position: str, rows: list[ProfileSummary]) -> None:
        import json

        self._put(position, "profiles", json.dumps([r.model_dump(mode="json") for r in rows]))
