"""An embedder wrapper that remembers what it has encoded, keyed by a hash of the text.

Encoding is the costly step of ingest, search and verification, and the same texts come back
(re-ingesting a page, the verifier re-reading a sentence, a test suite building several stores
from the same pages). The encoder is a pure function of the text, so a vector computed once in
this process is reused; the cache is bounded and forgets the least recently used texts first.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from .embeddings import Embedder


class CachedEmbedder:
    """``inner`` with an in-memory LRU cache of at most ``max_items`` vectors."""

    def __init__(self, inner: Embedder, max_items: int = 50_000) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.max_items = max_items
        self._cache: OrderedDict[bytes, np.ndarray] = OrderedDict()

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        return self.inner.token_offsets(text)

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        keys = [
            hashlib.blake2b(t.encode("utf-8", "surrogatepass"), digest_size=16).digest()
            for t in texts
        ]
        missing: dict[bytes, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in self._cache and key not in missing:
                missing[key] = text
        if missing:
            vectors = self.inner.embed(list(missing.values()), batch_size=batch_size)
            for key, vector in zip(missing, vectors, strict=True):
                self._cache[key] = np.asarray(vector, dtype=np.float32)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for row, key in enumerate(keys):
            out[row] = self._cache[key]
            self._cache.move_to_end(key)
        while len(self._cache) > self.max_items:
            self._cache.popitem(last=False)
        return out
