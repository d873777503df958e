"""The reference set a report reads beside one profile: the papers of every other stored
profile (vector, year, arXiv codes, field, a short text) and how many of them state each
candidate phrase (document frequency, for keyphrase rarity).

Reading that from the store means every chunk and record of every profile: O(store), over 30 s
at 100,000 papers, for every report, chat and ingest. So it is kept in an index beside the
store: one SQLite file with a row per profile (its papers' fields and vectors, and the phrase
keys of each paper) and the phrase counts summed over all profiles. Each use first checks the
index against the store's profile listing (id, content and reading hashes, chunk count: read
anyway), so a profile written since (this ingest, another client of a Chroma server, an older
version, a run killed half-way) is indexed then, and a deleted one is dropped; ingest's own
identity step does this for the pages it writes. A report then reads one row per profile and
looks up only its own phrases' counts.

Where: ``.profile_agent_reference-<index>.sqlite3`` in an embedded store's directory; in server
mode one file per server and index in the user cache dir. The rows are derived data: a change
of code (``agent.reporting.cache.code_version``) starts the index afresh, and when the file
cannot be opened or written the index is built in memory for that one use (the O(store) cost,
never an error). ``PROFILE_AGENT_REFERENCE_INDEX=0`` keeps it in memory always.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.blob_cache import env_flag
from retrieval.embeddings import Embedder
from retrieval.models import Profile, ProfileSummary
from retrieval.store import VectorStore

log = logging.getLogger(__name__)

PhraseKey = tuple[str, ...]

FILE_PREFIX = ".profile_agent_reference-"
_BATCH = 200  # profiles read from the store per step while indexing
_IN = 500  # keys per SELECT ... IN (...)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS profiles (
    id TEXT PRIMARY KEY, stamp TEXT NOT NULL, name TEXT, papers TEXT NOT NULL,
    dim INTEGER NOT NULL, vectors BLOB NOT NULL, keys TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS df (k TEXT PRIMARY KEY, n INTEGER NOT NULL);
"""


def enabled() -> bool:
    return env_flag("PROFILE_AGENT_REFERENCE_INDEX")


@dataclass(frozen=True, eq=False)
class RefRow:
    """Another profile's paper, as the analysis reads it."""

    profile_id: str
    profile_name: str | None
    paper_id: str
    label: str
    year: int | None
    categories: tuple[str, ...]
    field: str | None  # from its codes, else predicted from its vector; None when unsure
    short: str  # the title, or the start of the abstract
    vector: np.ndarray | None


class ReferenceSet:
    """Other profiles' papers (``rows``: profiles by id, papers in page order) and the
    number of them that state a phrase (``doc_freq``)."""

    def __init__(self, rows: list[RefRow], counts: _Counts | None = None) -> None:
        self.rows = rows
        self._counts = counts
        self._known: dict[PhraseKey, int] = {}
        self._lock = threading.Lock()

    @classmethod
    def empty(cls) -> ReferenceSet:
        return cls([])

    def __len__(self) -> int:
        return len(self.rows)

    def with_vectors(self) -> tuple[list[RefRow], np.ndarray | None]:
        """The papers that have a vector, and their vectors as rows (None when none do)."""
        rows = [r for r in self.rows if r.vector is not None]
        return rows, (np.stack([r.vector for r in rows]) if rows else None)  # type: ignore[misc]  # filtered to vectors

    def doc_freq(self, keys: Iterable[PhraseKey]) -> Counter[PhraseKey]:
        """How many of the papers state each of ``keys`` (candidate phrases of their text)."""
        keys = list(keys)
        with self._lock:
            todo = {k for k in keys if k not in self._known}
            if todo and self._counts is not None:
                self._known.update(self._counts.count(todo))
            self._known.update((k, 0) for k in todo if k not in self._known)
            return Counter({k: n for k in keys if (n := self._known[k])})


@dataclass
class _Digest:
    """What the index keeps of one profile."""

    papers: list[list]  # [paper id, label, year, codes, field, short text, has vector]
    vectors: np.ndarray  # float32, one row per paper with a vector, in page order
    keys: list[list[str]]  # per paper: its text's candidate phrase keys


def _key(k: PhraseKey) -> str:
    return " ".join(k)


def digest(
    profile: Profile, vectors: dict[tuple[str, str], np.ndarray], embedder: Embedder
) -> _Digest:
    """The index row of ``profile``, from its papers and their vectors."""
    from .evidence import evidence_of
    from .keyphrases import candidates_of
    from .novelty import field_of_codes
    from .topics import predict_fields

    pes = evidence_of([(p, profile) for p in profile.papers], vectors)
    with_vec = [pe for pe in pes if pe.vector is not None]
    unlabelled = [pe for pe in with_vec if not pe.paper.categories]
    predicted: dict[str, str | None] = {}
    if unlabelled:
        guesses = predict_fields(np.stack([pe.vector for pe in unlabelled]), embedder)  # type: ignore[misc]  # filtered to vectors
        predicted = {pe.paper.id: g for pe, g in zip(unlabelled, guesses, strict=True)}
    papers = [
        [
            pe.paper.id,
            pe.label,
            pe.paper.year,
            list(pe.paper.categories),
            field_of_codes(pe.paper.categories)
            if pe.paper.categories
            else predicted.get(pe.paper.id),
            pe.short(),
            pe.vector is not None,
        ]
        for pe in pes
    ]
    dim = embedder.dim
    mat = (
        np.stack([pe.vector for pe in with_vec]).astype(np.float32)  # type: ignore[misc]  # filtered to vectors
        if with_vec
        else np.zeros((0, dim), dtype=np.float32)
    )
    keys = [sorted({_key(k) for k, _ in cands}) for cands in candidates_of([pe.text for pe in pes])]
    return _Digest(papers, mat, keys)


class _Counts:
    """Phrase counts of the index minus those of the profile read and of its papers listed
    on other pages (which are not 'other work')."""

    def __init__(self, db: sqlite3.Connection, lock: threading.Lock, minus: Counter[str]) -> None:
        self.db = db
        self.lock = lock
        self.minus = minus

    def count(self, keys: set[PhraseKey]) -> dict[PhraseKey, int]:
        by_text = {_key(k): k for k in keys}
        texts = list(by_text)
        out: dict[PhraseKey, int] = {}
        with self.lock:
            for start in range(0, len(texts), _IN):
                part = texts[start : start + _IN]
                marks = ",".join("?" * len(part))
                for k, n in self.db.execute(f"SELECT k, n FROM df WHERE k IN ({marks})", part):
                    out[by_text[k]] = max(int(n) - self.minus[k], 0)
        return out


class ReferenceIndex:
    """The index in one SQLite file (or in memory when ``path`` is None)."""

    def __init__(self, path: Path | None) -> None:
        from ..reporting.cache import code_version

        self.path = path
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(
            ":memory:" if path is None else str(path),
            timeout=30.0,
            isolation_level=None,
            check_same_thread=False,
        )
        self.lock = threading.Lock()
        try:
            if path is not None:
                self.db.execute("PRAGMA journal_mode=WAL")
            self.db.executescript(_SCHEMA)
            version = code_version()
            with self._write():
                row = self.db.execute("SELECT v FROM meta WHERE k = 'code'").fetchone()
                if row is None or row[0] != version:
                    # Rows of other code may read papers differently: start afresh.
                    for table in ("profiles", "df", "meta"):
                        self.db.execute(f"DELETE FROM {table}")
                    self.db.execute("INSERT INTO meta (k, v) VALUES ('code', ?)", (version,))
        except BaseException:
            self.db.close()
            raise

    @contextlib.contextmanager
    def _write(self) -> Iterator[None]:
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()

    # -- keeping it in step with the store ----------------------------------------------------

    def sync(
        self, store: VectorStore, embedder: Embedder, listing: Sequence[ProfileSummary]
    ) -> int:
        """Index the listed profiles the index lacks or holds in another version, drop the
        ones no longer listed; returns the number indexed."""
        want = {s.id: s.stamp for s in listing}
        with self.lock:
            have = dict(self.db.execute("SELECT id, stamp FROM profiles").fetchall())
        for pid in sorted(set(have) - set(want)):
            with self._write():
                self._drop(pid)
        todo = sorted(pid for pid, stamp in want.items() if have.get(pid) != stamp)
        for start in range(0, len(todo), _BATCH):
            batch = todo[start : start + _BATCH]
            vectors = store.paper_vectors(batch)
            records = store.get_profiles(batch)
            for pid in batch:
                profile = records.get(pid)
                if profile is not None:  # deleted meanwhile: the next use drops it
                    self._put(profile, want[pid], digest(profile, vectors, embedder))
        return len(todo)

    def _drop(self, pid: str) -> None:
        row = self.db.execute("SELECT keys FROM profiles WHERE id = ?", (pid,)).fetchone()
        if row is None:
            return
        counts = Counter(k for paper in json.loads(row[0]) for k in paper)
        self.db.executemany(
            "UPDATE df SET n = n - ? WHERE k = ?", [(n, k) for k, n in counts.items()]
        )
        self.db.execute("DELETE FROM df WHERE n <= 0")
        self.db.execute("DELETE FROM profiles WHERE id = ?", (pid,))

    def _put(self, profile: Profile, stamp: str, d: _Digest) -> None:
        counts = Counter(k for paper in d.keys for k in paper)
        with self._write():
            self._drop(profile.id)
            self.db.execute(
                "INSERT INTO profiles (id, stamp, name, papers, dim, vectors, keys) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    profile.id,
                    stamp,
                    profile.name,
                    json.dumps(d.papers, ensure_ascii=False),
                    int(d.vectors.shape[1]),
                    d.vectors.tobytes(),
                    json.dumps(d.keys, ensure_ascii=False),
                ),
            )
            self.db.executemany(
                "INSERT INTO df (k, n) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET n = n + excluded.n",
                list(counts.items()),
            )

    # -- reading ------------------------------------------------------------------------------

    def read(self, own: Profile) -> ReferenceSet:
        """Every indexed profile's papers but ``own``'s, and phrase counts over them; a paper
        of ``own`` listed on another page is left out of both."""
        own_ids = {p.id for p in own.papers}
        rows: list[RefRow] = []
        dups: dict[str, set[int]] = {}
        with self.lock:
            cursor = self.db.execute(
                "SELECT id, name, papers, dim, vectors FROM profiles WHERE id != ? ORDER BY id",
                (own.id,),
            )
            for pid, name, papers, dim, blob in cursor:
                mat = np.frombuffer(blob, dtype=np.float32).reshape(-1, int(dim))
                j = 0
                for i, (paper_id, label, year, codes, field, short, has_vector) in enumerate(
                    json.loads(papers)
                ):
                    vector = None
                    if has_vector:
                        vector, j = mat[j], j + 1
                    if paper_id in own_ids:
                        dups.setdefault(pid, set()).add(i)
                        continue
                    rows.append(
                        RefRow(pid, name, paper_id, label, year, tuple(codes), field, short, vector)
                    )
            minus: Counter[str] = Counter()
            for pid, keys in self.db.execute(
                f"SELECT id, keys FROM profiles WHERE id IN ({','.join('?' * (len(dups) + 1))})",
                [own.id, *dups],
            ):
                for i, paper_keys in enumerate(json.loads(keys)):
                    if pid == own.id or i in dups[pid]:
                        minus.update(paper_keys)
        return ReferenceSet(rows, _Counts(self.db, self.lock, minus))


def index_path(store: VectorStore) -> Path | None:
    """Where the store's index lives (None: in memory)."""
    if not enabled():
        return None
    config = store.config
    if config.server_mode:
        from retrieval.embed_onnx import cache_dir

        where = hashlib.sha256(
            f"{config.chroma_host}\0{config.chroma_port}\0{store.index}".encode()
        ).hexdigest()[:24]
        return cache_dir() / "reference-index" / f"{where}.sqlite3"
    return config.path / f"{FILE_PREFIX}{store.index}.sqlite3"


def _open(store: VectorStore) -> ReferenceIndex:
    path = index_path(store)
    if path is not None:
        try:
            return ReferenceIndex(path)
        except (OSError, sqlite3.Error) as exc:
            log.warning("reference index %s not usable (%s); built in memory", path, exc)
    return ReferenceIndex(None)


def reference_set(store: VectorStore, embedder: Embedder, own: Profile) -> ReferenceSet:
    """The reference set of ``own``: every other stored profile's papers."""
    listing = store.list_profiles()
    index = _open(store)
    try:
        index.sync(store, embedder, listing)
        return index.read(own)
    except sqlite3.Error as exc:  # a locked or damaged file: this use is built in memory
        log.warning("reference index %s not usable (%s); built in memory", index.path, exc)
        index.close()
    index = ReferenceIndex(None)
    index.sync(store, embedder, listing)
    return index.read(own)
