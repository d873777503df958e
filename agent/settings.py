"""The one typed Settings, read from the environment (prefix ``PROFILE_AGENT_``) once per run."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from retrieval.config import DEFAULT_MAX_BYTES, ChunkConfig, EmbeddingConfig, StoreConfig
from retrieval.openai_api import RetryPolicy

_REPO_ROOT = Path(__file__).resolve().parent.parent


def default_store_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("profile-agent", appauthor=False)) / "store"


def default_seeds_dir() -> Path:
    """``../shared/seeds`` beside the checkout (where CI puts it)."""
    return (_REPO_ROOT.parent / "shared" / "seeds").resolve()


class LLMSettings(BaseModel):
    """Which drafter writes reports: the offline one, or an OpenAI-compatible model."""

    model_config = ConfigDict(extra="forbid")

    provider: Literal["offline", "openai"] = Field("offline", description="Default drafter.")
    model: str = Field("gpt-4o-mini", description="Chat model name for the 'openai' provider.")
    timeout_s: float = Field(
        60.0, gt=0, description="Per-request timeout in seconds (chat and embedding requests)."
    )
    max_retries: int = Field(
        4, ge=0, le=10, description="Retries of transient faults per OpenAI request (both)."
    )
    max_reasks: int = Field(2, ge=0, le=5, description="Re-asks after invalid structured output.")
    token_budget: int = Field(24000, ge=1000, description="Prompt+completion tokens per report.")
    backoff_s: float = Field(
        1.0, ge=0, description="First retry wait in seconds (doubles each retry, capped at 30x)."
    )
    max_evidence: int = Field(12, ge=1, le=100, description="Papers shown to the model per report.")
    fallback: bool = Field(
        True,
        description="When the model is unreachable or its output unusable: draft offline and "
        "say so (exit 0); false: fail (exit 75 unreachable, 3 unusable output).",
    )


class HttpSettings(BaseModel):
    """The HTTP API and web page (``profile-agent serve``)."""

    model_config = ConfigDict(extra="forbid")

    rate_per_minute: int = Field(
        60, ge=1, description="Report and chat requests per client per minute."
    )
    rate_burst: int = Field(20, ge=1, description="Requests a client may make at once.")
    cors_origins: list[str] = Field(
        default_factory=list, description="Origins allowed cross-site (none: CORS off)."
    )
    job_workers: int = Field(2, ge=1, le=16, description="Background jobs run at once.")
    fetch_private: bool = Field(
        False,
        description="Let the server fetch URLs on private or local addresses (off: a page URL "
        "sent to the API cannot reach the server's own network).",
    )


class Settings(BaseSettings):
    """All configuration of profile-agent. Environment: ``PROFILE_AGENT_<FIELD>``, nested
    groups with ``__`` (``PROFILE_AGENT_EMBEDDING__PROVIDER=openai``); Chroma and OpenAI also
    read their conventional variables (``CHROMA_HOST``, ``OPENAI_API_KEY``...)."""

    model_config = SettingsConfigDict(
        env_prefix="PROFILE_AGENT_",
        env_nested_delimiter="__",
        extra="forbid",
        populate_by_name=True,
    )

    store_dir: Path = Field(
        default_factory=default_store_dir,
        description="Embedded Chroma store directory (--store overrides).",
    )
    chroma_host: str | None = Field(
        None,
        validation_alias=AliasChoices("CHROMA_HOST", "PROFILE_AGENT_CHROMA_HOST"),
        description="Chroma server host; when set, the server is used instead of the embedded store.",
    )
    chroma_port: int = Field(
        8000,
        ge=1,
        le=65535,
        validation_alias=AliasChoices("CHROMA_PORT", "PROFILE_AGENT_CHROMA_PORT"),
        description="Chroma server port.",
    )
    seeds_dir: Path = Field(
        default_factory=default_seeds_dir, description="Directory of the seed profile pages."
    )
    max_file_bytes: int = Field(DEFAULT_MAX_BYTES, ge=1, description="Largest input file accepted.")
    embedding: EmbeddingConfig = Field(default_factory=EmbeddingConfig)
    chunking: ChunkConfig = Field(default_factory=ChunkConfig)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    api_token: SecretStr | None = Field(
        None,
        description="Token the HTTP API requires for writes (Authorization: Bearer TOKEN).",
    )
    openai_api_key: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("OPENAI_API_KEY", "PROFILE_AGENT_OPENAI_API_KEY"),
        description="Key for the OpenAI-compatible endpoint.",
    )
    openai_base_url: str | None = Field(
        None,
        validation_alias=AliasChoices("OPENAI_BASE_URL", "PROFILE_AGENT_OPENAI_BASE_URL"),
        description="Base URL of the OpenAI-compatible endpoint (default: api.openai.com).",
    )

    def retry_policy(self) -> RetryPolicy:
        """Timeout and retries of every request to the OpenAI-compatible endpoint."""
        return RetryPolicy(
            timeout_s=self.llm.timeout_s,
            max_retries=self.llm.max_retries,
            backoff_s=self.llm.backoff_s,
        )

    def store_config(self) -> StoreConfig:
        return StoreConfig(
            path=self.store_dir, chroma_host=self.chroma_host, chroma_port=self.chroma_port
        )


def load_settings(**overrides: object) -> Settings:
    """Read the environment once; ``overrides`` (from CLI flags) win. Errors name the variable."""
    from pydantic import AliasChoices, ValidationError
    from pydantic_settings import SettingsError

    from retrieval.errors import ConfigError

    try:
        given: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
        return Settings(**given)
    except SettingsError as exc:
        # A nested group given as JSON that does not parse: 'error parsing value for field
        # "llm" from source "EnvSettingsSource"'.
        field = str(exc).split('"')[1] if str(exc).count('"') >= 2 else "?"
        raise ConfigError(
            f"invalid setting PROFILE_AGENT_{field.upper()}: not valid JSON; write it as a "
            f"JSON object or set one field at a time with PROFILE_AGENT_{field.upper()}__FIELD"
        ) from None
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [str(p) for p in err["loc"]]
        # The error names the field, or for aliased fields the alias that was read.
        alias = next(
            (
                f.validation_alias
                for n, f in Settings.model_fields.items()
                if isinstance(f.validation_alias, AliasChoices)
                and loc[0] in (n, *map(str, f.validation_alias.choices))
            ),
            None,
        )
        if alias is not None:
            # Name every variable that feeds the field: the user may have set either.
            name = " or ".join(str(c) for c in alias.choices)
        else:
            name = "PROFILE_AGENT_" + "__".join(loc).upper()
        raise ConfigError(f"invalid setting {name} = {err.get('input')!r}: {err['msg']}") from None
