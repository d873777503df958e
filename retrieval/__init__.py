"""Parse profile pages into models, chunk them, embed them, store and search them."""

from .config import ChunkConfig, EmbeddingConfig, StoreConfig, index_name
from .embeddings import Embedder, build_embedder
from .errors import (
    ConfigError,
    InputFileError,
    ModelError,
    NotFoundError,
    ProfileAgentError,
    StoreError,
    TransientError,
    UserError,
)
from .ingest import IngestResult, ingest_profile, ingest_profiles
from .models import Chunk, NameSource, Paper, ParseIssue, Profile, SearchHit, SkippedBlock
from .parse import FORMATS, load_profiles, parse_text
from .search import search
from .store import VectorStore

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
    "search",
]
