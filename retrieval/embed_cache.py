"""Caches of encoder outputs, keyed by a hash of the text.

The same texts are embedded again and again: re-ingesting a page after an edit, a test session
building several stores from the same seeds, and every report embedding the same topic
prototypes and the same drafted sentences. Encoding is the whole cost of those. Vectors are
deterministic for a given encoder, so a hit returns the stored row.

Two levels: a bounded in-process LRU, and an optional on-disk SQLite file in the user cache
directory (named by the encoder's fingerprint, so other weights never read it), which is what
lets a fresh ``profile-agent summarize`` skip loading the encoder at all.
``PROFILE_AGENT_EMBED_CACHE=0`` turns the disk level off (the benchmarks do, to time encoding).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .blob_cache import BlobCache, env_flag
from .embeddings import Embedder

_DISK_MAX_ROWS = 100_000  # ~160 MB of 384-d float32 vectors; the oldest rows go first


def disk_cache_enabled() -> bool:
    return env_flag("PROFILE_AGENT_EMBED_CACHE")


class DiskVectorCache:
    """Vectors by text key in one SQLite file (``BlobCache``: any failure is a miss)."""

    def __init__(self, path: Path, dim: int) -> None:
        self.path = path
        self.dim = dim
        self._blobs = BlobCache(path, "v", "vec", _DISK_MAX_ROWS)

    def get(self, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        out: dict[bytes, np.ndarray] = {}
        for k, blob in self._blobs.get(keys).items():
            vec = np.frombuffer(blob, dtype=np.float32)
            if vec.shape == (self.dim,):
                out[k] = vec
        return out

    def put(self, rows: dict[bytes, np.ndarray]) -> None:
        self._blobs.put(
            {k: np.ascontiguousarray(v, dtype=np.float32).tobytes() for k, v in rows.items()}
        )


class CachedEmbedder:
    """Wraps an ``Embedder``; ``embed`` only encodes texts it has not seen (most recent first).

    Safe to call from several threads: the cache is read and written under a lock, the
    encoding itself runs outside it (two threads may then encode one new text twice, alike)."""

    def __init__(
        self, inner: Embedder, max_entries: int = 20_000, disk: DiskVectorCache | None = None
    ) -> None:
        self.inner = inner
        self.name = inner.name
        self.max_entries = max_entries
        self.disk = disk
        self._rows: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()

    @property
    def dim(self) -> int:
        """The wrapped encoder's width, read when needed: an API embedder learns it from its
        first answer."""
        return self.inner.dim

    @staticmethod
    def _key(text: str) -> bytes:
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        keys = [self._key(t) for t in texts]
        found: dict[bytes, np.ndarray] = {}
        todo: dict[bytes, str] = {}
        with self._lock:
            for key, text in zip(keys, texts, strict=True):
                if key in found or key in todo:
                    continue
                if key in self._rows:
                    found[key] = self._rows[key]
                    self._rows.move_to_end(key)
                else:
                    todo[key] = text
            if todo and self.disk is not None:
                from_disk = self.disk.get(list(todo))
                found.update(from_disk)
                todo = {k: t for k, t in todo.items() if k not in from_disk}
            self.misses += len(todo)
            self.hits += len(keys) - len(todo)
        fresh: dict[bytes, np.ndarray] = {}
        if todo:
            encoded = self.inner.embed(list(todo.values()), batch_size=batch_size)
            fresh = dict(zip(todo, encoded, strict=True))
        with self._lock:
            if fresh and self.disk is not None:
                self.disk.put(fresh)
            found.update(fresh)
            for key, vec in found.items():
                if key not in self._rows:
                    self._rows[key] = vec.copy()
            while len(self._rows) > self.max_entries:
                self._rows.popitem(last=False)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for row, key in enumerate(keys):
            out[row] = found[key]
        return out

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        return self.inner.token_offsets(text)

    def __getattr__(self, name: str):
        # Anything else (tokenizer, max_seq_length, ...) is the wrapped encoder's.
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)
