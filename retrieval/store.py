"""Chroma: embedded persistent store by default, a Chroma server when ``chroma_host`` is set.

Two collections per index (the index name hashes the embedder and chunker settings):
``<index>`` holds the chunks with their vectors; ``<index>_profiles`` holds one record per
ingested profile (the parsed ``Profile`` as JSON), written last, so a record means the chunks
of that profile are complete. ``<index>_reference`` holds the reference corpus novelty is
measured against (``profile-agent corpus add``): one record per paper, with its vector, year
and field; it is not a profile and never appears in searches or profile listings.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from .config import StoreConfig
from .errors import ProfileAgentError, StoreError, TransientError
from .models import Chunk, Profile, ProfileSummary

log = logging.getLogger(__name__)

# Chroma needs a vector for every record; profile records are looked up by id only.
_NO_VECTOR = [1.0]
_GET_PAGE = 5000
_VECTOR_PAGE = 50_000  # ~75 MB of 384-d vectors
F = TypeVar("F", bound=Callable[..., Any])


_SQLITE = "chroma.sqlite3"
_SQLITE_MAGIC = b"SQLite format 3\x00"


def reading_hash(profile: Profile) -> str:
    """What the parser read from the page (identity ids aside): a newer parser that reads the
    same bytes differently gives another hash, so re-ingesting updates the stored reading."""
    plain = profile.model_copy(
        update={"papers": [p.model_copy(update={"identity_id": None}) for p in profile.papers]}
    )
    return hashlib.sha256(plain.model_dump_json().encode()).hexdigest()


def _recovery(path: Path) -> str:
    return (
        f"restore {path} from a backup, or move it aside (mv {path} {path}.broken) and "
        f"re-ingest your pages with --store {path}"
    )


def _check_store_dir(path: Path) -> None:
    """Refuse a directory that is not (or no longer) a store before Chroma silently turns it
    into an empty one: a deleted, zero-byte or non-SQLite database beside index files, or a
    directory of unrelated files."""
    if not path.exists():
        return
    if not path.is_dir():
        raise StoreError(f"store {path} is not a directory; pass --store DIR with a directory")
    db = path / _SQLITE
    others = [p for p in path.iterdir() if p.name != _SQLITE and not p.name.startswith(".")]
    if not db.exists():
        if not others:
            return  # a new, empty directory
        if any(p.is_dir() and _looks_like_segment(p) for p in others):
            raise StoreError(
                f"store {path}: its database {_SQLITE} is missing (deleted?) while its index "
                f"files remain; {_recovery(path)}"
            )
        raise StoreError(
            f"{path} is not a profile-agent store (it holds other files and no {_SQLITE}); "
            "pass --store with a new or empty directory"
        )
    try:
        with db.open("rb") as fh:
            head = fh.read(len(_SQLITE_MAGIC))
    except OSError as exc:
        raise StoreError(f"cannot read the store {path}: {exc.strerror}") from None
    if not head:
        raise StoreError(
            f"store {path}: its database {_SQLITE} is empty (0 bytes); {_recovery(path)}"
        )
    if head != _SQLITE_MAGIC:
        raise StoreError(
            f"store {path}: {_SQLITE} is not an SQLite database (corrupt or foreign); "
            f"{_recovery(path)}"
        )
    foreign = _foreign_tables(db)
    if foreign:
        raise StoreError(
            f"{path} is not a profile-agent store: its {_SQLITE} is another program's database "
            f"(tables {', '.join(foreign[:5])}); it was left untouched. Pass --store with a new "
            "or empty directory"
        )


def _foreign_tables(db: Path) -> list[str]:
    """The tables of an SQLite file that holds tables but none of Chroma's (another program's
    database under Chroma's file name); [] for a Chroma database, an empty one, or one that
    cannot be read (the open that follows reports that)."""
    try:
        con = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
        try:
            names = sorted(
                row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type='table'")
            )
        finally:
            con.close()
    except sqlite3.Error:
        return []
    if not names or {"collections", "segments", "embeddings"} & set(names):
        return []
    return names


def _looks_like_segment(path: Path) -> bool:
    # Chroma keeps each index segment in a directory named by a UUID.
    return len(path.name) == 36 and path.name.count("-") == 4


def _store_failure(config: StoreConfig, exc: BaseException) -> StoreError:
    """A Chroma/SQLite failure as a StoreError that names the store and the way out."""
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if config.server_mode:
        return StoreError(
            f"the Chroma server at {config.chroma_host}:{config.chroma_port} failed: {first}; "
            "check the server's log"
        )
    path = config.path
    lowered = first.lower()
    if "readonly" in lowered or "read-only" in lowered or "permission" in lowered:
        return StoreError(
            f"store {path} is read-only ({first}); the store needs write access even to read: "
            f"make it writable, or copy it (cp -r {path} /tmp/store-copy) and pass --store "
            "/tmp/store-copy"
        )
    if "malformed" in lowered or "not a database" in lowered or "corrupt" in lowered:
        return StoreError(f"store {path} is corrupt ({first}); {_recovery(path)}")
    return StoreError(f"store {path} failed: {first}; if this persists, {_recovery(path)}")


def _is_store_failure(exc: Exception) -> bool:
    from chromadb.errors import ChromaError  # loaded already whenever Chroma raised

    return isinstance(exc, ChromaError | sqlite3.Error | OSError)


def _guarded(method: F) -> F:
    """Chroma and SQLite errors of a store method become one StoreError."""

    @functools.wraps(method)
    def wrapper(self: VectorStore, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except ProfileAgentError:
            raise
        except Exception as exc:
            if not _is_store_failure(exc):
                raise
            raise _store_failure(self.config, exc) from None

    return wrapper  # type: ignore[return-value]  # functools.wraps keeps the signature


_PROFILES_PER_GET = 500


def _client(config: StoreConfig):
    # Chroma's product telemetry would try the network; we never want that.
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    if config.server_mode:
        try:
            client = chromadb.HttpClient(
                host=config.chroma_host or "localhost", port=config.chroma_port, settings=settings
            )
            client.heartbeat()
        except Exception as exc:  # chromadb raises bare ValueError/httpx errors here
            raise TransientError(
                f"cannot reach the Chroma server at {config.chroma_host}:{config.chroma_port} "
                f"({type(exc).__name__}); start it with 'chroma run --port {config.chroma_port}' "
                "or unset CHROMA_HOST to use the embedded store"
            ) from None
        return client
    _check_store_dir(config.path)
    try:
        config.path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"cannot open the store at {config.path}: {exc.strerror}; "
            "pass --store DIR with a writable directory"
        ) from None
    try:
        return chromadb.PersistentClient(path=str(config.path), settings=settings)
    except Exception as exc:
        if not _is_store_failure(exc):
            raise
        raise _store_failure(config, exc) from None


_EXACT_MAX = 1000


def _split_where(where: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the filter for Chroma, equalities left to check here): an ``$and`` of plain
    ``{key: value}`` equalities is split after its first; any other filter goes whole."""
    clauses = where.get("$and") if len(where) == 1 else None
    plain = isinstance(clauses, list) and all(
        isinstance(c, dict)
        and len(c) == 1
        and isinstance(next(iter(c.values())), str | int | float | bool)
        and not next(iter(c)).startswith("$")
        for c in clauses
    )
    if not plain or not clauses:
        return where, {}
    return clauses[0], {key: value for c in clauses[1:] for key, value in c.items()}


def _nearest(
    got: Any, vector: np.ndarray, k: int, equal: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """The ``k`` rows of a ``get`` result nearest to ``vector`` by cosine distance (as Chroma's
    cosine space measures it), in float64, among rows whose metadata has every ``equal``
    value; ties by page position, then id."""
    all_metas = got["metadatas"] or [{}] * len(got["ids"])
    all_docs = got["documents"] or [""] * len(got["ids"])
    keep = [
        i
        for i, m in enumerate(all_metas)
        if all(key in m and m[key] == value for key, value in (equal or {}).items())
    ]
    if not keep:
        return []
    ids = [got["ids"][i] for i in keep]
    docs = [all_docs[i] for i in keep]
    metas = [all_metas[i] for i in keep]
    mat = np.asarray([got["embeddings"][i] for i in keep], dtype=np.float64)
    q = np.asarray(vector, dtype=np.float64)
    norms = np.linalg.norm(mat, axis=1) * (np.linalg.norm(q) or 1.0)
    dist = 1.0 - (mat @ q) / np.where(norms > 0, norms, 1.0)
    order = sorted(
        range(len(ids)),
        key=lambda i: (round(float(dist[i]), 6), metas[i].get("position", 0), ids[i]),
    )[:k]
    return [
        {"id": ids[i], "text": docs[i], "metadata": metas[i], "distance": float(dist[i])}
        for i in order
    ]


# What ``VectorStore.open`` makes: asking for one of them opens the store.
_OPENED = frozenset({"_client", "chunks", "profiles", "corrections", "sessions"})


class VectorStore:
    """The chunk index and the profile records of one index name.

    Chroma is loaded and the store opened on first use (or ``open``), not at construction:
    work that needs no store (parsing, encoding) can start while it opens. Asking for the
    client or a collection (``chunks``, ``profiles``, ...; ``hasattr`` too) opens it, and a
    store that cannot be opened raises ``StoreError`` there.
    """

    def __init__(self, config: StoreConfig, index: str) -> None:
        self.config = config
        self.index = index
        self._open_lock = threading.Lock()

    @property
    def opened(self) -> bool:
        return "sessions" in self.__dict__

    def __getattr__(self, name: str) -> Any:
        # Only called for attributes not set yet: the client and collections before opening.
        if name in _OPENED:
            self.open()
            return self.__dict__[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @_guarded
    def open(self) -> None:
        """Load Chroma and open the store (once; a failed open is tried again next use)."""
        with self._open_lock:
            if self.opened:
                return
            client = _client(self.config)
            index = self.index
            chunks = client.get_or_create_collection(
                index, configuration={"hnsw": {"space": "cosine"}}, embedding_function=None
            )
            profiles = client.get_or_create_collection(f"{index}_profiles", embedding_function=None)
            # User corrections do not depend on the embedder or chunker: one collection for
            # all index names, so they survive re-ingests and settings changes.
            corrections = client.get_or_create_collection(
                "profile_agent_corrections", embedding_function=None
            )
            # Chat sessions: like corrections, independent of the index; a collection rather
            # than a file so that every API process sharing a Chroma server sees the same
            # sessions.
            sessions = client.get_or_create_collection(
                "profile_agent_chat_sessions", embedding_function=None
            )
            self._client, self.chunks, self.profiles = client, chunks, profiles
            self.corrections, self.sessions = corrections, sessions  # "sessions" last: opened

    # -- chunks -------------------------------------------------------------------------------

    @_guarded
    def chunk_metadata(self, profile_id: str) -> dict[str, dict[str, Any]]:
        """Metadata of every stored chunk of a profile, by chunk id."""
        out: dict[str, dict[str, Any]] = {}
        offset = 0
        while True:
            got = self.chunks.get(
                where={"profile_id": profile_id},
                include=["metadatas"],
                limit=_GET_PAGE,
                offset=offset,
            )
            out.update(zip(got["ids"], got["metadatas"] or [{}] * len(got["ids"]), strict=True))
            if len(got["ids"]) < _GET_PAGE:
                return out
            offset += _GET_PAGE

    @_guarded
    def add_chunks(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        if not chunks:
            return
        self.chunks.upsert(
            ids=[c.id for c in chunks],
            embeddings=vectors.tolist(),
            documents=[c.text for c in chunks],
            metadatas=[c.metadata() for c in chunks],
        )

    @_guarded
    def update_metadata(self, chunks: Sequence[Chunk]) -> None:
        if chunks:
            self.chunks.update(ids=[c.id for c in chunks], metadatas=[c.metadata() for c in chunks])

    @_guarded
    def delete_chunks(self, ids: Sequence[str]) -> None:
        for start in range(0, len(ids), _GET_PAGE):
            self.chunks.delete(ids=list(ids[start : start + _GET_PAGE]))

    @_guarded
    def paper_vectors(self, profile_ids: Sequence[str]) -> dict[tuple[str, str], np.ndarray]:
        """Each paper's vector (the unit mean of its chunks' vectors), keyed by (profile, paper).

        Profiles are fetched many at a time (``$in``), in pages: a report reads every stored
        profile's vectors, and one request per profile costs seconds at 2,000 profiles.
        """
        sums: dict[tuple[str, str], np.ndarray] = {}
        ids = list(dict.fromkeys(profile_ids))
        for start in range(0, len(ids), _PROFILES_PER_GET):
            group = ids[start : start + _PROFILES_PER_GET]
            where = {"profile_id": group[0]} if len(group) == 1 else {"profile_id": {"$in": group}}
            offset = 0
            while True:
                got = self.chunks.get(
                    where=where,
                    include=["metadatas", "embeddings"],
                    limit=_VECTOR_PAGE,
                    offset=offset,
                )
                for meta, vec in zip(got["metadatas"] or [], got["embeddings"], strict=True):
                    key = (str(meta["profile_id"]), str(meta["paper_id"]))
                    v = np.asarray(vec, dtype=np.float32)
                    sums[key] = sums[key] + v if key in sums else v
                if len(got["ids"]) < _VECTOR_PAGE:
                    break
                offset += _VECTOR_PAGE
        return {k: v / (np.linalg.norm(v) or 1.0) for k, v in sums.items()}

    @_guarded
    def query(self, vector: np.ndarray, k: int, where: dict[str, Any]) -> list[dict[str, Any]]:
        """The ``k`` chunks nearest to ``vector`` (cosine distance) among those ``where``
        selects, nearest first.

        A filter that selects at most ``_EXACT_MAX`` chunks (one profile, or one identity of
        it) is searched exactly: its chunks are read and ranked here. Chroma's HNSW search
        with a filter that selective walks much of the graph to find ``k`` allowed nodes
        (about 100 ms at 100k chunks, against about 12 ms to read a profile's chunks), and may
        miss some of them. Of an ``$and`` of equalities only the first goes to Chroma (its
        ``$and`` costs several times one equality); the others are checked here. Larger
        selections use the index."""
        first, rest = _split_where(where)
        ids = self.chunks.get(where=first, include=[], limit=_EXACT_MAX + 1)["ids"]
        if not ids:
            return []
        if len(ids) <= _EXACT_MAX:
            got = self.chunks.get(ids=ids, include=["embeddings", "documents", "metadatas"])
            return _nearest(got, vector, k, rest)
        res = self.chunks.query(
            query_embeddings=[vector.tolist()],
            n_results=k,
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        return [
            {"id": i, "text": d, "metadata": m, "distance": dist}
            for i, d, m, dist in zip(
                res["ids"][0],
                res["documents"][0],
                res["metadatas"][0],
                res["distances"][0],
                strict=True,
            )
        ]

    def set_identities(self, profile_id: str, assignment: dict[str, str]) -> int:
        """Write each chunk's ``identity_id`` from paper id -> identity id; returns chunks changed."""
        return self.set_identities_of({profile_id: assignment})

    @_guarded
    def set_identities_of(self, assignments: dict[str, dict[str, str]]) -> int:
        """``set_identities`` for several profiles (profile id -> its assignment), written
        together; returns chunks changed."""
        ids, updated = [], []
        for profile_id, assignment in assignments.items():
            for cid, meta in self.chunk_metadata(profile_id).items():
                want = assignment.get(str(meta.get("paper_id")), "")
                if meta.get("identity_id", "") != want:
                    ids.append(cid)
                    updated.append({**meta, "identity_id": want})
        for start in range(0, len(ids), _GET_PAGE):
            self.chunks.update(
                ids=ids[start : start + _GET_PAGE], metadatas=updated[start : start + _GET_PAGE]
            )
        return len(ids)

    # -- reference corpus ---------------------------------------------------------------------

    @property
    def reference(self) -> Any:
        # Created on first use, so stores that never load a corpus keep their collections.
        return self._client.get_or_create_collection(
            f"{self.index}_reference", embedding_function=None
        )

    def add_reference(
        self, ids: Sequence[str], vectors: np.ndarray, texts: Sequence[str], metas: Sequence[dict]
    ) -> None:
        for start in range(0, len(ids), _GET_PAGE):
            end = start + _GET_PAGE
            self.reference.upsert(
                ids=list(ids[start:end]),
                embeddings=vectors[start:end].tolist(),
                documents=list(texts[start:end]),
                metadatas=list(metas[start:end]),
            )

    def reference_papers(self) -> list[tuple[str, str, dict[str, Any], np.ndarray]]:
        """(id, text, metadata, vector) of every reference paper, sorted by id."""
        from chromadb.errors import NotFoundError as MissingCollection

        out = []
        offset = 0
        try:
            # Read without creating it: a report must not write to the store.
            collection = self._client.get_collection(
                f"{self.index}_reference", embedding_function=None
            )
        except MissingCollection:
            return []
        while True:
            got = collection.get(
                include=["documents", "metadatas", "embeddings"], limit=_GET_PAGE, offset=offset
            )
            for row in zip(
                got["ids"],
                got["documents"] or [],
                got["metadatas"] or [],
                got["embeddings"],
                strict=True,
            ):
                out.append((row[0], row[1], row[2], np.asarray(row[3], dtype=np.float32)))
            if len(got["ids"]) < _GET_PAGE:
                return sorted(out, key=lambda r: r[0])
            offset += _GET_PAGE

    # -- corrections --------------------------------------------------------------------------

    @_guarded
    def put_corrections(self, profile_id: str, text: str) -> None:
        self.corrections.upsert(ids=[profile_id], embeddings=[_NO_VECTOR], documents=[text])

    @_guarded
    def get_corrections(self, profile_id: str) -> str | None:
        got = self.corrections.get(ids=[profile_id], include=["documents"])
        return got["documents"][0] if got["ids"] else None

    # -- chat sessions ------------------------------------------------------------------------

    def put_session(self, session_id: str, profile_id: str, text: str) -> None:
        self.sessions.upsert(
            ids=[session_id],
            embeddings=[_NO_VECTOR],
            documents=[text],
            metadatas=[{"profile_id": profile_id}],
        )

    def get_session(self, session_id: str) -> str | None:
        got = self.sessions.get(ids=[session_id], include=["documents"])
        return got["documents"][0] if got["ids"] else None

    # -- profile records ----------------------------------------------------------------------

    def put_profile(self, profile: Profile, chunk_count: int) -> None:
        self.put_profiles([(profile, chunk_count)])

    @_guarded
    def put_profiles(self, records: Sequence[tuple[Profile, int]]) -> None:
        """Profile records (each with its chunk count), in one write per page of them."""
        for start in range(0, len(records), _PROFILES_PER_GET):
            part = records[start : start + _PROFILES_PER_GET]
            self.profiles.upsert(
                ids=[profile.id for profile, _ in part],
                embeddings=[_NO_VECTOR] * len(part),
                documents=[profile.model_dump_json() for profile, _ in part],
                metadatas=[
                    {
                        "name": profile.name or "",
                        "papers": len(profile.papers),
                        "chunks": chunk_count,
                        "content_hash": profile.content_hash,
                        "reading": reading_hash(profile),
                        "source_format": profile.source_format,
                        "source_path": profile.source_path or "",
                    }
                    for profile, chunk_count in part
                ],
            )

    def profile_meta(self, profile_id: str) -> dict[str, Any] | None:
        return self.profile_metas([profile_id]).get(profile_id)

    @_guarded
    def profile_metas(self, profile_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Records' metadata by profile id (those stored), 500 per request."""
        out: dict[str, dict[str, Any]] = {}
        ids = list(dict.fromkeys(profile_ids))
        for start in range(0, len(ids), _PROFILES_PER_GET):
            got = self.profiles.get(
                ids=ids[start : start + _PROFILES_PER_GET], include=["metadatas"]
            )
            out.update(zip(got["ids"], got["metadatas"] or [{}] * len(got["ids"]), strict=True))
        return out

    @_guarded
    def get_profile(self, profile_id: str) -> Profile | None:
        got = self.profiles.get(ids=[profile_id], include=["documents"])
        if not got["ids"]:
            return None
        return Profile.model_validate_json(got["documents"][0])

    @_guarded
    def get_profiles(self, profile_ids: Sequence[str]) -> dict[str, Profile]:
        """Stored profiles by id, fetched in pages (one request per profile is slow at scale)."""
        out: dict[str, Profile] = {}
        ids = list(dict.fromkeys(profile_ids))
        for start in range(0, len(ids), _PROFILES_PER_GET):
            got = self.profiles.get(
                ids=ids[start : start + _PROFILES_PER_GET], include=["documents"]
            )
            for pid, doc in zip(got["ids"], got["documents"] or [], strict=True):
                out[pid] = Profile.model_validate_json(doc)
        return out

    def profiles_in_other_indexes(self) -> int:
        """Profile records this store holds under other index names (other embedding or
        chunking settings); 0 when that cannot be told (a best-effort hint, never an error)."""
        own = f"{self.index}_profiles"
        try:
            names = [c if isinstance(c, str) else c.name for c in self._client.list_collections()]
            return sum(
                self._client.get_collection(n).count()
                for n in names
                if n.startswith("chunks_") and n.endswith("_profiles") and n != own
            )
        except Exception:
            return 0

    @_guarded
    def list_profiles(self) -> list[ProfileSummary]:
        got = self.profiles.get(include=["metadatas"])
        rows = [
            ProfileSummary(
                id=pid,
                name=m.get("name") or None,
                papers=int(m.get("papers", 0)),
                chunks=int(m.get("chunks", 0)),
                source_format=str(m.get("source_format", "")),
                source_path=m.get("source_path") or None,
                stamp=f"{m.get('content_hash', '')}:{m.get('reading', '')}:{m.get('chunks', 0)}",
            )
            for pid, m in zip(got["ids"], got["metadatas"] or [], strict=True)
        ]
        return sorted(rows, key=lambda r: r.id)
