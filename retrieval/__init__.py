"""Parse profile pages into models, chunk them, embed them, store and search them.

The names below are loaded on first use (``import retrieval.errors`` must not pay for the
parsers, numpy or the store). Searching is ``retrieval.search.search`` (the submodule of that
name shadows a package-level function)."""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    **dict.fromkeys(("ChunkConfig", "EmbeddingConfig", "StoreConfig", "index_name"), "config"),
    **dict.fromkeys(("Embedder", "build_embedder"), "embeddings"),
    **dict.fromkeys(
        (
            "ConfigError",
            "InputFileError",
            "ModelError",
            "NotFoundError",
            "ProfileAgentError",
            "StoreError",
            "TransientError",
            "UserError",
        ),
        "errors",
    ),
    **dict.fromkeys(("IngestResult", "ingest_profile", "ingest_profiles"), "ingest"),
    **dict.fromkeys(
        ("Chunk", "NameSource", "Paper", "ParseIssue", "Profile", "SearchHit", "SkippedBlock"),
        "models",
    ),
    **dict.fromkeys(("FORMATS", "load_profiles", "parse_text"), "parse"),
    "VectorStore": "store",
}

__all__ = [
    "FORMATS",
    "Chunk",
    "ChunkConfig",
    "ConfigError",
    "Embedder",
    "EmbeddingConfig",
    "IngestResult",
    "InputFileError",
    "ModelError",
    "NameSource",
    "NotFoundError",
    "Paper",
    "ParseIssue",
    "Profile",
    "ProfileAgentError",
    "SearchHit",
    "SkippedBlock",
    "StoreConfig",
    "StoreError",
    "TransientError",
    "UserError",
    "VectorStore",
    "build_embedder",
    "index_name",
    "ingest_profile",
    "ingest_profiles",
    "load_profiles",
    "parse_text",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'retrieval' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)
