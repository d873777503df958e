"""An in-process cache of encoder outputs, keyed by a hash of the text.

The same chunk texts are embedded again and again within one process (re-ingesting a page
after an edit, a test session building several stores from the same seeds), and encoding is
the whole cost of those. Vectors are deterministic for a given encoder, so a hit returns the
stored row; the cache is bounded and keeps the most recently used texts.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from .embeddings import Embedder


class CachedEmbedder:
    """Wraps an ``Embedder``; ``embed`` only encodes texts it has not seen (most recent first)."""

    def __init__(self, inner: Embedder, max_entries: int = 20_000) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.max_entries = max_entries
        self._rows: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def _key(text: str) -> bytes:
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        keys = [self._key(t) for t in texts]
        todo: dict[bytes, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in self._rows and key not in todo:
                todo[key] = text
        self.misses += len(todo)
        self.hits += len(keys) - len(todo)
        fresh = dict(
            zip(todo, self.inner.embed(list(todo.values()), batch_size=batch_size), strict=True)
        )
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for row, key in enumerate(keys):
            if key in fresh:
                out[row] = fresh[key]
            else:
                out[row] = self._rows[key]
                self._rows.move_to_end(key)
        for key, vec in fresh.items():
            self._rows[key] = vec.copy()
        while len(self._rows) > self.max_entries:
            self._rows.popitem(last=False)
        return out

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        return self.inner.token_offsets(text)

    def __getattr__(self, name: str):
        # Anything else (tokenizer, max_seq_length, ...) is the wrapped encoder's.
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)
