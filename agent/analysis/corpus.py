"""The reference corpus novelty is measured against: papers loaded from any file the parser
reads (an arXiv Atom or OpenAlex-style export, BibTeX, a JSON profile, a publication page),
kept in their own collection with a vector, a year and a field per paper."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from retrieval.chunking import chunk_paper
from retrieval.config import ChunkConfig
from retrieval.embeddings import Embedder
from retrieval.models import Profile
from retrieval.store import VectorStore

from ..language import readable
from .novelty import field_of_codes
from .topics import predict_fields


@dataclass
class CorpusAdded:
    """What one ``corpus add`` of a file did."""

    source: str
    added: int = 0
    without_text: int = 0
    fields: Counter[str] = field(default_factory=Counter)


def add_to_corpus(
    store: VectorStore,
    embedder: Embedder,
    chunking: ChunkConfig,
    profiles: list[Profile],
    source: str,
    batch_size: int = 32,
) -> CorpusAdded:
    """Embed every paper of ``profiles`` with text (the mean of its chunks' vectors, as for
    ingested pages) and upsert it into the reference corpus under ``source``. Re-adding a
    file replaces its papers (ids are source + profile + paper id)."""
    result = CorpusAdded(source)
    ids: list[str] = []
    texts: list[str] = []
    metas: list[dict[str, str | int]] = []
    vectors: list[np.ndarray] = []
    chunks_of: list[list[str]] = []
    papers = []
    for profile in profiles:
        for paper in profile.papers:
            if not (paper.title or paper.abstract):
                result.without_text += 1
                continue
            chunks = chunk_paper(paper, profile.id, embedder, chunking)
            chunks_of.append([c.text for c in chunks])
            papers.append(paper)
            ids.append(f"{source}:{profile.id}:{paper.id}")
            title = readable(paper.title or "")
            texts.append("\n".join(t for t in (title, readable(paper.abstract or "")) if t))
    flat = [t for group in chunks_of for t in group]
    embedded = embedder.embed(flat, batch_size=batch_size) if flat else np.zeros((0, 1))
    start = 0
    for group in chunks_of:
        v = embedded[start : start + len(group)].sum(axis=0)
        vectors.append(v / (np.linalg.norm(v) or 1.0))
        start += len(group)
    if not vectors:
        return result
    mat = np.stack(vectors).astype(np.float32)
    predicted = predict_fields(mat, embedder)
    for paper, guess in zip(papers, predicted, strict=True):
        f = field_of_codes(paper.categories) if paper.categories else guess
        result.fields[f or "unknown"] += 1
        metas.append(
            {
                "source": source,
                "year": paper.year or 0,
                "field": f or "",
                "codes": ",".join(paper.categories),
                "title": (paper.title or "")[:300],
            }
        )
    store.add_reference(ids, mat, texts, metas)
    result.added = len(ids)
    return result


def corpus_summary(store: VectorStore) -> dict[str, Counter[str]]:
    """Source file -> papers per field."""
    out: dict[str, Counter[str]] = {}
    for _, _, meta, _ in store.reference_papers():
        out.setdefault(str(meta.get("source", "")), Counter())[
            str(meta.get("field")) or "unknown"
        ] += 1
    return out
