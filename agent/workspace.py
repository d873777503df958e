"""The library's front door: settings + store + embedder, with the operations the CLI and
the HTTP API expose. Heavy parts (Chroma, the encoder) are built on first use."""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NoReturn

from retrieval.cleaning import is_blank
from retrieval.config import index_name
from retrieval.errors import AmbiguousRefError, NotFoundError, UserError
from retrieval.models import (
    SCHEMA_VERSION,
    ParseIssue,
    Profile,
    ProfileSummary,
    SearchHit,
    Severity,
)
from retrieval.names import name_key

from .settings import Settings

if TYPE_CHECKING:
    from retrieval.embeddings import Embedder
    from retrieval.ingest import IngestResult
    from retrieval.store import VectorStore

    from .analysis.corpus import CorpusAdded
    from .chat import Answer, ChatContext
    from .llm import ChatModel
    from .models import Corrections, IdentityResult, Report
    from .reporting.cache import ReportCache


_PERSIST_EVERY = 50  # pages whose identities ingest writes at once


class Workspace:
    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        """``embedder`` replaces the one the settings name (tests pass a wrapped one)."""
        self.settings = settings
        self.index = index_name(settings.embedding, settings.chunking, SCHEMA_VERSION)
        self._injected_embedder = embedder is not None
        if embedder is not None:
            self.__dict__["embedder"] = embedder  # fills the cached property below
        # Chat contexts by (profile id, content hash, corrections): reused while unchanged.
        self._chat: dict[tuple[str, str, str | None], ChatContext] = {}

    @cached_property
    def embedder(self) -> Embedder:
        from retrieval.embeddings import build_embedder

        key = self.settings.openai_api_key
        return build_embedder(
            self.settings.embedding,
            key.get_secret_value() if key else None,
            self.settings.openai_base_url,
            self.settings.retry_policy(),
        )

    @cached_property
    def store(self) -> VectorStore:
        from retrieval.store import VectorStore

        return VectorStore(self.settings.store_config(), self.index)

    def warm(self) -> None:
        """Open the store, load the encoder and embed the topic prototypes, so the first
        report of a long-running server is as fast as the next (and threads do not race)."""
        from .analysis.topics import warm_up

        self.store.open()
        warm_up(self.embedder)

    def load_encoder_in_background(self) -> None:
        """Start loading the encoder (a local model's weights and runtime) in a thread, so it is
        ready when the pages being parsed meanwhile are ingested (a page that turns out to be
        unchanged then loaded it for nothing: ~0.3 s of the other core, ~150 MB). Nothing to do
        for an API embedder; a failure surfaces, with its message, where the encoder is first
        used."""
        warm = getattr(self.embedder, "warm", None)
        if callable(warm):
            threading.Thread(target=_quietly, args=(warm,), name="profile-agent-load").start()

    def parse(
        self,
        path: Path | str,
        fmt: str | None = None,
        *,
        name: str | None = None,
        allow_partial: bool = False,
        public_only: bool = False,
    ) -> list[Profile]:
        """Parse a file, or an http(s) URL (fetched with bounded time, size and redirects;
        ``public_only`` refuses private and local addresses, as a server must)."""
        from retrieval.fetch import is_url, load_url
        from retrieval.parse import load_profiles

        if isinstance(path, str) and is_url(path):
            return load_url(
                path,
                max_bytes=self.settings.max_file_bytes,
                fmt=fmt,
                name=name,
                allow_partial=allow_partial,
                public_only=public_only,
            )
        return load_profiles(
            path,
            max_bytes=self.settings.max_file_bytes,
            fmt=fmt,
            name=name,
            allow_partial=allow_partial,
        )

    def parse_many(
        self, paths: list[Path | str], *, name: str | None = None, allow_partial: bool = False
    ) -> list[Profile]:
        """Profiles of several files or URLs. Ids come from file names; two files of one name
        in different directories (``a/page.txt``, ``b/page.txt``) would share one, so each of
        those is qualified by its directory's name, with a note on the profile."""
        from retrieval.parse import profile_id_for

        unique, repeats = _distinct_files(paths)
        parsed = [
            (Path(path), p)
            for path in unique
            for p in self.parse(path, name=name, allow_partial=allow_partial)
        ]
        files_of: dict[str, set[Path]] = {}
        for path, profile in parsed:
            files_of.setdefault(profile.id, set()).add(path.resolve())
        out: list[Profile] = []
        taken: set[str] = set()
        for path, profile in parsed:
            new_id = profile.id
            if len(files_of[profile.id]) > 1:
                new_id = profile_id_for(Path(f"{path.resolve().parent.name}-{profile.id}"))
            base, n = new_id, 1
            while new_id in taken:
                n += 1
                new_id = f"{base}-{n}"
            taken.add(new_id)
            again = repeats.get(str(path))
            if again:
                profile = profile.model_copy(
                    update={
                        "warnings": [
                            *profile.warnings,
                            ParseIssue(
                                code="file_repeated",
                                severity=Severity.info,
                                message=f"the same file is also named as {', '.join(again)}; "
                                "it is read once",
                            ),
                        ]
                    }
                )
            if new_id != profile.id:
                note = ParseIssue(
                    code="id_qualified",
                    severity=Severity.info,
                    message=f"another file in this run also gives the id {profile.id!r}; this "
                    f"one is stored as {new_id!r}",
                )
                profile = profile.model_copy(
                    update={"id": new_id, "warnings": [*profile.warnings, note]}
                )
            out.append(profile)
        return out

    def parse_upload(self, data: bytes, name: str, fmt: str | None = None) -> list[Profile]:
        """Parse a page received as bytes; ``name`` labels it and is never opened."""
        from retrieval.parse import load_bytes

        return load_bytes(data, name, max_bytes=self.settings.max_file_bytes, fmt=fmt)

    def ingest(
        self, profile: Profile, progress: Callable[[int, int], None] | None = None
    ) -> IngestResult:
        return self.ingest_many([profile], progress)[0]

    def ingest_many(
        self, profiles: list[Profile], progress: Callable[[int, int], None] | None = None
    ) -> list[IngestResult]:
        """Index the profiles, then group each changed one's papers into identities."""
        from retrieval.ingest import ingest_profiles

        from .analysis.topics import warm_up
        from .identities.assignment import identify, persist_all

        results = ingest_profiles(
            profiles,
            self.store,
            self.embedder,
            self.settings.chunking,
            batch_size=self.settings.embedding.batch_size,
            progress=progress,
            # The identity step below embeds the category prototypes first.
            after_encoding=lambda: warm_up(self.embedder),
        )
        # Identity ids given with the input (a JSON profile, a test) or by the store are kept
        # (unchanged pages stay unchanged). A paper without one is new, or a run was killed
        # between writing the profile record and assigning identities: an unchanged page still
        # gets its identities finished. One page's identities do not depend on another's, so
        # they are worked out for up to 50 pages, then written together (an interrupted run
        # loses at most those).
        indexed = self.store.get_profiles([r.profile_id for r in results])
        # (A record deleted meanwhile by another client sharing the server has nothing left
        # to group.)
        todo = [
            profile
            for r in results
            if (profile := indexed.get(r.profile_id))
            and any(p.identity_id is None for p in profile.papers)
        ]
        for start in range(0, len(todo), _PERSIST_EVERY):
            persist_all(
                self.store,
                [
                    (p, identify(self.store, self.embedder, p, named=False))
                    for p in todo[start : start + _PERSIST_EVERY]
                ],
            )
        return results

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

    def add_corpus(self, paths: list[Path], fmt: str | None = None) -> list[CorpusAdded]:
        """Load the papers of each file into the reference corpus novelty is measured against
        (its own collection; files are parsed like pages, in any format the parser reads)."""
        from .analysis.corpus import add_to_corpus

        parsed = [(path, self.parse(path, fmt)) for path in paths]  # all files parse first
        return [
            add_to_corpus(
                self.store,
                self.embedder,
                self.settings.chunking,
                profiles,
                path.name,
                batch_size=self.settings.embedding.batch_size,
            )
            for path, profiles in parsed
        ]

    def corpus(self) -> dict[str, Counter[str]]:
        """The reference corpus: source file -> papers per field."""
        from .analysis.corpus import corpus_summary

        return corpus_summary(self.store)

    def corrections(self, ref: str) -> Corrections:
        """The corrections stored for a profile (empty when the user gave none)."""
        from .identities.assignment import stored_corrections
        from .models import Corrections

        profile = self.resolve(ref)
        return stored_corrections(self.store, profile.id) or Corrections()

    def profiles(self) -> list[ProfileSummary]:
        cache = self._report_cache
        position = cache.position() if cache is not None else None
        if cache is not None and position is not None:
            rows = cache.listing(position)
            if rows is not None:
                return rows
        rows = self.store.list_profiles()
        if cache is not None and position is not None:
            cache.put_listing(position, rows)
        return rows

    def none_indexed_note(self) -> str:
        """What to do when no profile is indexed under the current settings: ingest, or (when
        the store holds profiles indexed with other embedding or chunking settings) go back
        to those settings or re-ingest."""
        hidden = self.store.profiles_in_other_indexes()
        if not hidden:
            return "run 'profile-agent ingest FILE' (or --seeds)"
        return (
            f"{hidden} profile record(s) in this store were indexed with other embedding or "
            "chunking settings (PROFILE_AGENT_EMBEDDING__*, PROFILE_AGENT_CHUNKING__*); unset or "
            "restore those settings to see them, or re-ingest the pages with the current ones"
        )

    def resolve(self, ref: str) -> Profile:
        """A stored profile by id, owner name (case and accents aside), unique id prefix, or a
        unique first name, last name or name prefix ("Huazhong", "Yang", "Huaz")."""
        for profile_id in self._matches(ref):
            profile = self.store.get_profile(profile_id)
            if profile is not None:
                return profile
        self._not_found(ref)

    def _matches(self, ref: str) -> list[str]:
        """The ids ``ref`` names, most specific way first (an id, a name, an id prefix, a part
        of a name), one per way that matches exactly one profile; several matches by a way
        tried before are an error."""
        rows = self.profiles()
        key = name_key(ref)
        by_id = [r for r in rows if r.id == ref]
        by_name = [r for r in rows if r.name and key and name_key(r.name) == key]
        by_prefix = [r for r in rows if ref and r.id.startswith(ref)]
        by_part = [
            r
            for r in rows
            if r.name
            and key
            and (
                name_key(r.name).startswith(key)
                or any(name_key(part) == key for part in r.name.split())
            )
        ]
        out = []
        for group in (by_id, by_name, by_prefix, by_part):
            if len(group) == 1:
                out.append(group[0].id)
            elif len(group) > 1:
                if out:
                    break
                raise AmbiguousRefError(
                    f"{ref!r} matches several profiles ({_listing(group)}); use an id"
                )
        return out

    def _not_found(self, ref: str) -> NoReturn:
        known = _listing(self.profiles()) or f"none; {self.none_indexed_note()}"
        raise NotFoundError(
            f"no profile {ref!r} in {self.settings.store_config().describe()} (profiles: {known})"
        )

    def search(
        self, ref: str, query: str, k: int = 5, identity_id: str | None = None
    ) -> tuple[Profile, list[SearchHit]]:
        from retrieval.search import search

        if is_blank(query):
            raise UserError(
                "the query is empty; say what to look for, e.g. 'graph neural networks'"
            )
        profile = self.resolve(ref)
        if identity_id is not None:
            known = sorted({p.identity_id for p in profile.papers if p.identity_id})
            if identity_id not in known:
                raise NotFoundError(
                    f"no identity {identity_id!r} in {profile.id} (identities: "
                    f"{', '.join(known) or 'none yet; run profile-agent identities'})"
                )
        return profile, search(
            self.store, self.embedder, profile, query, k=k, identity_id=identity_id
        )

    @cached_property
    def _report_cache(self) -> ReportCache | None:
        """Offline reports and the profile listing kept beside an embedded store (see
        ``agent.reporting.cache``); None in server mode, with an injected encoder (its
        vectors are not the settings' ones) or with PROFILE_AGENT_REPORT_CACHE=0."""
        from .reporting import cache

        if self._injected_embedder or self.settings.chroma_host or not cache.enabled():
            return None
        return cache.ReportCache(self.settings.store_dir, self.settings.model_dump_json())

    def summarize(
        self,
        ref: str,
        llm: Literal["offline", "openai"] | None = None,
        chat: ChatModel | None = None,
        identity_id: str | None = None,
    ) -> Report:
        """The grounded report for a stored profile (see ``agent.reporting.build_report``).
        An offline report is deterministic: one built earlier for the same store contents,
        settings and code is returned as stored (``agent.reporting.cache``)."""
        requested = llm or self.settings.llm.provider
        cache = self._report_cache if requested == "offline" and chat is None else None
        position = cache.position() if cache is not None else None
        if cache is not None and position is not None:
            ids = self._matches(ref)
            stored = cache.report(position, ids[0], identity_id) if ids else None
            if stored is not None:
                return stored

        from .reporting.build import build_chat_model, build_report

        if chat is None and requested == "openai":
            # Before the store or the encoder load: a missing key fails at once.
            chat = build_chat_model(self.settings)
        profile = self.resolve(ref)
        report = build_report(
            profile, self.store, self.embedder, self.settings, llm, chat, identity_id
        )
        if cache is not None and position is not None:
            cache.put_report(position, profile.id, identity_id, report)
        return report

    def chat_context(self, ref: str) -> ChatContext:
        """What answering needs about a profile, built once per page version and process."""
        from .chat import build_context

        profile = self.resolve(ref)
        key = (profile.id, profile.content_hash, self.store.get_corrections(profile.id))
        if key not in self._chat:
            self._chat = {k: v for k, v in self._chat.items() if k[0] != profile.id}
            self._chat[key] = build_context(self.store, self.embedder, profile)
        return self._chat[key]

    def ask(
        self,
        ref: str,
        question: str,
        identity_id: str | None = None,
        llm: Literal["offline", "openai"] | None = None,
        session_id: str | None = None,
        chat: ChatModel | None = None,
        on_token: Callable[[str], None] | None = None,
        save_lock: AbstractContextManager[object] | None = None,
    ) -> Answer:
        """Answer one question about a stored profile, cited and verified. With
        ``session_id`` the turn joins that session (created on first use; follow-ups refer to
        its earlier turns); ``identity_id`` picks the person on a mixed page (and is kept for
        the session). ``save_lock`` is held while the session is written, and only then (a
        server's store write lock: a slow answer must not hold up other writes)."""
        from retrieval.errors import UserError

        from .chat import SessionStore, Turner

        if is_blank(question):
            raise UserError("the question is empty; ask something about the papers")
        if len(question) > 2000:
            raise UserError(f"the question is {len(question)} characters; keep it under 2000")
        ctx = self.chat_context(ref)
        sessions = SessionStore(self.store)
        session = sessions.load(session_id, ctx.profile.id) if session_id else None
        if session is not None and identity_id is not None:
            session.identity_id = identity_id
        turner = Turner(
            ctx, self.embedder, self.settings, llm or self.settings.llm.provider, chat, on_token
        )
        answer = turner.ask(question, session, identity_id)
        if session is not None:
            with save_lock or nullcontext():
                sessions.save(session)
        return answer


def _listing(rows: list[ProfileSummary]) -> str:
    """``id (Name)`` for each row, so a user can pick by what they recognise."""
    return ", ".join(f"{r.id} ({r.name})" if r.name else r.id for r in rows)


def _distinct_files(paths: list[Path | str]) -> tuple[list[Path | str], dict[str, list[str]]]:
    """``paths`` with each file kept once (``b/page.txt`` and ``b/./page.txt``, a symlink or a
    hard link to it: one file, one profile), and the other names each kept one was given as."""
    from retrieval.fetch import is_url  # httpx: only when files are read

    unique: list[Path | str] = []
    first: dict[object, str] = {}
    repeats: dict[str, list[str]] = {}
    for path in paths:
        key: object = path
        if not (isinstance(path, str) and is_url(path)):
            try:
                st = Path(path).stat()
                key = (st.st_dev, st.st_ino)
            except OSError:
                key = str(path)  # missing: parse() says so
        if key in first:
            repeats.setdefault(first[key], []).append(str(path))
            continue
        first[key] = str(Path(path)) if not (isinstance(path, str) and is_url(path)) else path
        unique.append(path)
    return unique, repeats


def _quietly(fn: Callable[[], Any]) -> None:
    """Run ``fn``, dropping its error: a background warm-up that fails is tried again, and
    reported, by the code that needs it."""
    with contextlib.suppress(Exception):
        fn()
