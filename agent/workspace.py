"""The library's front door: settings + store + embedder, with the operations the CLI and
the HTTP API expose. Heavy parts (Chroma, the encoder) are built on first use."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from retrieval.config import index_name
from retrieval.embeddings import Embedder, build_embedder
from retrieval.errors import NotFoundError
from retrieval.ingest import IngestResult, ingest_profiles
from retrieval.models import SCHEMA_VERSION, Profile, ProfileSummary, SearchHit
from retrieval.names import name_key
from retrieval.parse import load_bytes, load_profiles
from retrieval.search import search
from retrieval.store import VectorStore

from .settings import Settings

if TYPE_CHECKING:
    from .llm import ChatModel
    from .models import Corrections, IdentityResult, Report


class Workspace:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.index = index_name(settings.embedding, settings.chunking, SCHEMA_VERSION)

    @cached_property
    def embedder(self) -> Embedder:
        key = self.settings.openai_api_key
        return build_embedder(
            self.settings.embedding,
            key.get_secret_value() if key else None,
            self.settings.openai_base_url,
        )

    @cached_property
    def store(self) -> VectorStore:
        return VectorStore(self.settings.store_config(), self.index)

    def warm(self) -> None:
        """Open the store, load the encoder and embed the topic prototypes, so the first
        report of a long-running server is as fast as the next (and threads do not race)."""
        from .analysis.topics import warm_up

        _ = self.store
        warm_up(self.embedder)

    def parse(self, path: Path, fmt: str | None = None) -> list[Profile]:
        return load_profiles(path, max_bytes=self.settings.max_file_bytes, fmt=fmt)

    def parse_upload(self, data: bytes, name: str, fmt: str | None = None) -> list[Profile]:
        """Parse a page received as bytes; ``name`` labels it and is never opened."""
        return load_bytes(data, name, max_bytes=self.settings.max_file_bytes, fmt=fmt)

    def ingest(
        self, profile: Profile, progress: Callable[[int, int], None] | None = None
    ) -> IngestResult:
        return self.ingest_many([profile], progress)[0]

    def ingest_many(
        self, profiles: list[Profile], progress: Callable[[int, int], None] | None = None
    ) -> list[IngestResult]:
        """Index the profiles, then group each changed one's papers into identities."""
        from .identities.assignment import identify, persist_identities

        # Papers keep the identity they were given (unchanged pages stay unchanged).
        profiles = [self._with_stored_identities(p) for p in profiles]
        results = ingest_profiles(
            profiles,
            self.store,
            self.embedder,
            self.settings.chunking,
            batch_size=self.settings.embedding.batch_size,
            progress=progress,
        )
        for profile, result in zip(profiles, results, strict=True):
            # Identity ids given with the input (a JSON profile, a test) are kept as given.
            if not result.unchanged and any(p.identity_id is None for p in profile.papers):
                persist_identities(
                    self.store, profile, identify(self.store, self.embedder, profile)
                )
        return results

    def _with_stored_identities(self, profile: Profile) -> Profile:
        stored = self.store.get_profile(profile.id)
        if stored is None:
            return profile
        known = {p.id: p.identity_id for p in stored.papers}
        return profile.model_copy(
            update={
                "papers": [
                    p.model_copy(update={"identity_id": p.identity_id or known.get(p.id)})
                    for p in profile.papers
                ]
            }
        )

    def identities(
        self, ref: str, corrections: Corrections | None = None
    ) -> tuple[Profile, IdentityResult]:
        """The identities of a stored profile. ``corrections`` are saved for the profile (they
        override the clustering from now on, across re-ingests) before grouping."""
        from .identities.assignment import identify, persist_identities

        profile = self.resolve(ref)
        # Validate the corrections against the page before keeping them.
        result = identify(self.store, self.embedder, profile, corrections)
        if corrections is not None:
            self.store.put_corrections(profile.id, corrections.model_dump_json())
        return persist_identities(self.store, profile, result), result

    def corrections(self, ref: str) -> Corrections:
        """The corrections stored for a profile (empty when the user gave none)."""
        from .identities.assignment import stored_corrections
        from .models import Corrections

        profile = self.resolve(ref)
        return stored_corrections(self.store, profile.id) or Corrections()

    def profiles(self) -> list[ProfileSummary]:
        return self.store.list_profiles()

    def resolve(self, ref: str) -> Profile:
        """A stored profile by id, by owner name (case-insensitive), or by unique id prefix."""
        rows = self.profiles()
        by_id = [r for r in rows if r.id == ref]
        by_name = [r for r in rows if r.name and name_key(r.name) == name_key(ref)]
        by_prefix = [r for r in rows if r.id.startswith(ref)]
        for group in (by_id, by_name, by_prefix):
            if len(group) == 1:
                profile = self.store.get_profile(group[0].id)
                if profile is not None:
                    return profile
            elif len(group) > 1:
                raise NotFoundError(
                    f"{ref!r} matches several profiles ({', '.join(r.id for r in group)}); use an id"
                )
        known = ", ".join(r.id for r in rows) or "none; run 'profile-agent ingest FILE' first"
        raise NotFoundError(
            f"no profile {ref!r} in {self.settings.store_config().describe()} (profiles: {known})"
        )

    def search(
        self, ref: str, query: str, k: int = 5, identity_id: str | None = None
    ) -> tuple[Profile, list[SearchHit]]:
        profile = self.resolve(ref)
        return profile, search(
            self.store, self.embedder, profile, query, k=k, identity_id=identity_id
        )

    def summarize(
        self,
        ref: str,
        llm: Literal["offline", "openai"] | None = None,
        chat: ChatModel | None = None,
        identity_id: str | None = None,
    ) -> Report:
        """The grounded report for a stored profile (see ``agent.reporting.build_report``)."""
        from .reporting.build import build_report

        profile = self.resolve(ref)
        return build_report(
            profile, self.store, self.embedder, self.settings, llm, chat, identity_id
        )
