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

Where: ``.profile_agent_reference-<index>-<code>.sqlite3`` in an embedded store's directory;
in server mode the same name under a folder per server in the user cache dir. The rows are
derived data, so the code version (``agent.code_version``) is in the name: a
new version builds its own index (two installs sharing a store do not fight over one) and
another version's file not used for a day is removed. A damaged file is built again; one that
cannot be opened or written (read-only store, a lock held past 30 s) means an index in memory
for that one use (the O(store) cost, never an error). ``PROFILE_AGENT_REFERENCE_INDEX=0`` keeps
it in memory always. A use reads the rows and its phrase counts in one snapshot, and only when
the index holds exactly the profiles the store listed (else it syncs once more, then falls back
to memory), so a report never mixes two states of the store.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import logging
import os
import re
import sqlite3
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.blob_cache import env_flag
from retrieval.embeddings import Embedder
from retrieval.models import Profile, ProfileSummary
from retrieval.similarity import rounded, screen_margin, top_desc
from retrieval.store import VectorStore

log = logging.getLogger(__name__)

PhraseKey = tuple[str, ...]

FILE_PREFIX = ".profile_agent_reference-"
_BATCH = 200  # profiles read from the store per step while indexing
_IN = 500  # keys per SELECT ... IN (...)
_BLOCK = 256  # vectors per matrix product against the coded papers
_STALE_S = 24 * 3600  # another code version's index unwritten this long is removed
_DAMAGED = "reference index %s is damaged (%s); building it again"
_IN_MEMORY = (
    "reference index %s not usable (%s): built in memory for this report (slower on a large "
    "store); make the store directory writable, or set PROFILE_AGENT_REFERENCE_INDEX=0"
)
_SCHEMA = """
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
    """Other profiles' papers (``rows``: profiles by id, papers in page order) and how many
    of them state each phrase the page's papers can name (``doc_freq``), read together."""

    def __init__(
        self,
        rows: list[RefRow],
        counts: dict[PhraseKey, int] | None = None,
        asked: set[PhraseKey] | None = None,
    ) -> None:
        self.rows = rows
        self._counts = counts or {}
        self._asked = asked  # the keys counted; None: every key (a count absent is 0)
        self._coded: tuple[list[RefRow], np.ndarray] | None = None
        self._nearest: dict[bytes, list[tuple[float, tuple[str, ...]]]] = {}

    @classmethod
    def empty(cls) -> ReferenceSet:
        return cls([])

    def __len__(self) -> int:
        return len(self.rows)

    def nearest_coded(
        self, vectors: Sequence[np.ndarray], k: int
    ) -> list[list[tuple[float, tuple[str, ...]]]]:
        """For each vector: its ``k`` nearest papers that carry codes, as (similarity, codes),
        nearest first (ties: store order), remembered (a page's papers are asked again for
        each of its identities). A block of vectors is screened against every coded paper in
        one float32 matrix product; the similarities that decide are then computed in float64
        for the few papers within ``screen_margin`` of the k-th best, so the answer is the
        float64 one."""
        if self._coded is None:
            coded = [r for r in self.rows if r.vector is not None and r.categories]
            self._coded = coded, np.array([r.vector for r in coded], dtype=np.float32)
        coded, mat = self._coded
        if not coded:
            return [[] for _ in vectors]
        keys = [f"{k}:".encode() + np.asarray(v, dtype=np.float32).tobytes() for v in vectors]
        todo = [i for i, key in enumerate(keys) if key not in self._nearest]
        n, kk = len(coded), min(k, len(coded))
        margin = screen_margin(mat.shape[1])
        for start in range(0, len(todo), _BLOCK):
            block = todo[start : start + _BLOCK]
            queries = np.array([vectors[i] for i in block], dtype=np.float32)
            approx = queries @ mat.T
            kth = np.partition(approx, n - kk, axis=1)[:, n - kk]
            for i, query, row, bar in zip(block, queries, approx, kth, strict=True):
                near = np.flatnonzero(row >= bar - margin)
                sims = rounded(mat[near].astype(np.float64) @ query.astype(np.float64))
                self._nearest[keys[i]] = [
                    (float(sims[j]), coded[near[j]].categories) for j in top_desc(sims, k)
                ]
        return [self._nearest[key] for key in keys]

    def doc_freq(self, keys: Iterable[PhraseKey]) -> Counter[PhraseKey]:
        """How many of the papers state each of ``keys`` (candidate phrases of their text);
        only keys of the page's own phrases were counted."""
        keys = list(keys)
        if self._asked is not None and not self._asked.issuperset(keys):
            raise ValueError("phrase counts were read for the page's own phrases only")
        return Counter({k: n for k in keys if (n := self._counts.get(k, 0))})


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
    predicted: dict[int, str | None] = {}  # by id() of the evidence
    if unlabelled:
        guesses = predict_fields(np.stack([pe.vector for pe in unlabelled]), embedder)  # type: ignore[misc]  # filtered to vectors
        predicted = {id(pe): g for pe, g in zip(unlabelled, guesses, strict=True)}
    papers = [
        [
            pe.paper.id,
            pe.label,
            pe.paper.year,
            list(pe.paper.categories),
            field_of_codes(pe.paper.categories) if pe.paper.categories else predicted.get(id(pe)),
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


class ReferenceIndex:
    """The index in one SQLite file (or in memory when ``path`` is None). One instance per
    use: open, ``sync``, ``read``, ``close``."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(
            ":memory:" if path is None else str(path), timeout=30.0, isolation_level=None
        )
        try:
            if path is not None:
                self.db.execute("PRAGMA journal_mode=WAL")
            self.db.executescript(_SCHEMA)
        except BaseException:
            self.db.close()
            raise

    @contextlib.contextmanager
    def _transaction(self, begin: str = "BEGIN IMMEDIATE") -> Iterator[None]:
        self.db.execute(begin)
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
        have = dict(self.db.execute("SELECT id, stamp FROM profiles").fetchall())
        for pid in sorted(set(have) - set(want)):
            with self._transaction():
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
        self.db.executemany("DELETE FROM df WHERE k = ? AND n <= 0", [(k,) for k in counts])
        self.db.execute("DELETE FROM profiles WHERE id = ?", (pid,))

    def _put(self, profile: Profile, stamp: str, d: _Digest) -> None:
        counts = Counter(k for paper in d.keys for k in paper)
        with self._transaction():
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
                "INSERT INTO df (k, n) VALUES (?, ?) "
                "ON CONFLICT(k) DO UPDATE SET n = n + excluded.n",
                list(counts.items()),
            )

    # -- reading ------------------------------------------------------------------------------

    def read(
        self, own: Profile, keys: set[PhraseKey], want: dict[str, str] | None = None
    ) -> ReferenceSet | None:
        """Every indexed profile's papers but ``own``'s, and the counts of ``keys`` over them,
        from one snapshot; a paper of ``own`` listed on another page is left out of both.
        None when ``want`` (id -> stamp) is given and the index holds something else (another
        process changed it since ``sync``)."""
        own_ids = {p.id for p in own.papers}
        rows: list[RefRow] = []
        dups: dict[str, set[int]] = {}
        with self._transaction("BEGIN"):
            if want is not None:
                have = dict(self.db.execute("SELECT id, stamp FROM profiles").fetchall())
                if have != want:
                    return None
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
            for pid in [own.id, *dups]:
                got = self.db.execute("SELECT keys FROM profiles WHERE id = ?", (pid,)).fetchone()
                for i, paper_keys in enumerate(json.loads(got[0]) if got else []):
                    if pid == own.id or i in dups[pid]:
                        minus.update(paper_keys)
            by_text = {_key(k): k for k in keys}
            texts = list(by_text)
            counts: dict[PhraseKey, int] = {}
            for start in range(0, len(texts), _IN):
                part = texts[start : start + _IN]
                marks = ",".join("?" * len(part))
                for k, n in self.db.execute(f"SELECT k, n FROM df WHERE k IN ({marks})", part):
                    if (left := int(n) - minus[k]) > 0:
                        counts[by_text[k]] = left
        return ReferenceSet(rows, counts, set(keys))


def index_path(store: VectorStore) -> Path | None:
    """Where the store's index lives for this code (None: in memory). The code version is in
    the name: two installs sharing a store each keep their own."""
    if not enabled():
        return None
    from ..code_version import code_version

    name = f"{FILE_PREFIX}{store.index}-{code_version()[:12]}.sqlite3"
    config = store.config
    if config.server_mode:
        from retrieval.embed_onnx import cache_dir

        server = hashlib.sha256(f"{config.chroma_host}\0{config.chroma_port}".encode()).hexdigest()
        return cache_dir() / "reference-index" / server[:24] / name
    return config.path / name


def _files(path: Path) -> list[Path]:
    return [path.with_name(path.name + tail) for tail in ("", "-wal", "-shm", "-journal")]


def _remove(path: Path) -> None:
    for f in _files(path):
        f.unlink(missing_ok=True)


def _prune(path: Path) -> None:
    """Remove the index files of this store's other code versions not used for a day (an
    older install's; every use of an index touches its file)."""
    named = re.fullmatch(r"(.*-)[0-9a-f]{12}\.sqlite3", path.name)
    if named is None:
        return
    stem = named.group(1)  # up to the code version
    cutoff = time.time() - _STALE_S
    for other in path.parent.glob(f"{glob.escape(stem)}*.sqlite3"):
        if other == path or not re.fullmatch(r"[0-9a-f]{12}\.sqlite3", other.name[len(stem) :]):
            continue
        with contextlib.suppress(OSError):
            last = max((f.stat().st_mtime for f in _files(other) if f.exists()), default=None)
            if last is not None and last < cutoff:
                _remove(other)


def _open(store: VectorStore) -> ReferenceIndex:
    path = index_path(store)
    if path is None:
        return ReferenceIndex(None)
    try:
        _prune(path)
        index = ReferenceIndex(path)
        with contextlib.suppress(OSError):
            os.utime(path)  # in use: not pruned by another version
        return index
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError):  # unopenable, read-only, locked
            log.warning(_IN_MEMORY, path, exc)
            return ReferenceIndex(None)
        # Not a database, or a damaged one: derived data, built again.
        log.warning(_DAMAGED, path, exc)
        try:
            _remove(path)
            return ReferenceIndex(path)
        except (OSError, sqlite3.Error) as again:
            log.warning(_IN_MEMORY, path, again)
    except OSError as exc:
        log.warning(_IN_MEMORY, path, exc)
    return ReferenceIndex(None)


def reference_set(
    store: VectorStore, embedder: Embedder, own: Profile, keys: set[PhraseKey]
) -> ReferenceSet:
    """The reference set of ``own``: every other stored profile's papers, and the counts of
    ``keys`` (every phrase ``own``'s papers can name) over them."""
    index = _open(store)
    try:
        for _ in range(2):  # once more when the store or the index changed meanwhile
            listing = store.list_profiles()
            index.sync(store, embedder, listing)
            got = index.read(own, keys, {s.id: s.stamp for s in listing})
            if got is not None:
                return got
        log.warning(_IN_MEMORY, index.path, "it changed twice while read")
    except (sqlite3.DatabaseError, ValueError) as exc:
        if isinstance(exc, sqlite3.OperationalError):  # locked past the timeout
            log.warning(_IN_MEMORY, index.path, exc)
        elif index.path is not None:  # damaged rows or pages: the next use builds it again
            log.warning(_DAMAGED, index.path, exc)
            index.close()
            with contextlib.suppress(OSError):
                _remove(index.path)
    finally:
        index.close()
    memory = ReferenceIndex(None)
    try:
        memory.sync(store, embedder, store.list_profiles())
        got = memory.read(own, keys)
    finally:
        memory.close()
    assert got is not None  # read without ``want`` always reads
    return got
