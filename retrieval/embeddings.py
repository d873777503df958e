"""The embedder interface and its factory."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Protocol

import numpy as np

from .config import EmbeddingConfig
from .openai_api import RetryPolicy


class Embedder(Protocol):
    """Turns texts into unit-length vectors; also tokenizes, for chunking. An embedder that
    runs on this machine says so with ``local = True`` (ingest then encodes in a background
    thread, and ahead on a guess); without it, it is called when and where vectors are needed.
    """

    name: str

    @property
    def dim(self) -> int:
        """Vector width (an API embedder knows it after its first answer)."""
        ...

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray: ...

    def token_offsets(self, text: str) -> list[tuple[int, int]]: ...


@lru_cache(maxsize=4)
def build_embedder(
    config: EmbeddingConfig,
    api_key: str | None = None,
    base_url: str | None = None,
    policy: RetryPolicy | None = None,
) -> Embedder:
    """The embedder for ``config``, built once per process (loading weights is not free), with
    its vectors cached by text."""
    from .embed_cache import CachedEmbedder, DiskVectorCache, disk_cache_enabled

    if config.provider == "openai":
        from .embed_openai import OpenAIEmbedder

        return CachedEmbedder(
            OpenAIEmbedder(config.model, api_key=api_key, base_url=base_url, policy=policy)
        )
    from .embed_local import MiniLMEncoder
    from .embed_onnx import cache_dir

    encoder = MiniLMEncoder()
    disk = None
    if disk_cache_enabled():
        disk = DiskVectorCache(cache_dir() / f"vectors-{encoder.fingerprint}.sqlite", encoder.dim)
    return CachedEmbedder(encoder, disk=disk)
