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
        texts = []
        start = 0
        while start < len(offsets):
            # Start windows on a word boundary, not inside a word-piece.
            while 0 < start < len(offsets) and offsets[start][0] == offsets[start - 1][1]:
                start -= 1
            end = min(start + room, len(offsets))
            begin_char = offsets[start][0]
            end_char = offsets[end - 1][1]
            texts.append(prefix + body[begin_char:end_char])
            if end == len(offsets):
                break
            start += step
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
