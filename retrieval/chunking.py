"""Papers -> chunks: title + abstract per paper; longer texts split into overlapping windows."""

from __future__ import annotations

import hashlib
from typing import Protocol

from .config import ChunkConfig
from .models import Chunk, Paper, Profile

# [CLS] and [SEP] take two of the encoder's positions.
_SPECIAL_TOKENS = 2


class Tokenizing(Protocol):
    def token_offsets(self, text: str) -> list[tuple[int, int]]: ...


def chunk_id(profile_id: str, paper_id: str, index: int, text: str) -> str:
    """Content-hash id: the same text in the same place always gets the same id."""
    key = f"{profile_id}\x1f{paper_id}\x1f{index}\x1f{text}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def windows(offsets: list[tuple[int, int]], room: int, step: int) -> list[tuple[int, int]]:
    """Character spans of overlapping windows of at most ``room`` tokens, ``step`` apart.

    A window starts on a word boundary when one is near (at most half a step back, and never
    at or before the previous window's start); a run with no spaces (a SMILES string, LaTeX)
    is cut inside the run. Every window starts later than the one before, so this ends.
    """
    spans: list[tuple[int, int]] = []
    start, previous = 0, -1
    while start < len(offsets):
        begin = start
        floor = max(previous + 1, start - step // 2)
        while begin > floor and offsets[begin][0] == offsets[begin - 1][1]:
            begin -= 1
        if begin == 0 or offsets[begin][0] != offsets[begin - 1][1]:
            start = begin  # a word boundary within reach
        end = min(start + room, len(offsets))
        spans.append((offsets[start][0], offsets[end - 1][1]))
        if end == len(offsets):
            break
        previous = start
        start += step
    return spans


def chunk_paper(paper: Paper, profile_id: str, tok: Tokenizing, cfg: ChunkConfig) -> list[Chunk]:
    budget = cfg.max_tokens - _SPECIAL_TOKENS
    full = paper.text()
    texts: list[str]
    if len(tok.token_offsets(full)) <= budget:
        texts = [full]
    else:
        # Every window repeats the title, so each chunk says what paper it is from.
        prefix = f"{paper.title}\n" if paper.title else ""
        body = paper.abstract or paper.title or ""
        room = max(budget - len(tok.token_offsets(prefix)), 16)
        step = max(room - min(cfg.overlap_tokens, room // 2), 1)
        offsets = tok.token_offsets(body)
        texts = [prefix + body[a:b] for a, b in windows(offsets, room, step)]
    return [
        Chunk(
            id=chunk_id(profile_id, paper.id, i, text),
            profile_id=profile_id,
            paper_id=paper.id,
            position=paper.position,
            index=i,
            text=text,
            year=paper.year,
            categories=paper.categories,
            identity_id=paper.identity_id,
        )
        for i, text in enumerate(texts)
    ]


def chunk_profile(profile: Profile, tok: Tokenizing, cfg: ChunkConfig) -> list[Chunk]:
    return [c for paper in profile.papers for c in chunk_paper(paper, profile.id, tok, cfg)]
