"""Novelty from evidence: how far each paper sits from earlier work in its own field.

The reference set is the reference corpus the user loaded (``profile-agent corpus add``,
its own collection in the store) plus the papers of every other profile in the store. Each
reference paper has a field (mathematics, physics, biology or computing: from its arXiv codes,
else predicted from its embedding) and a year.

A paper is compared only with reference papers of its own field published in earlier years
(all of its field when the paper has no year). Its novelty distance is 1 - the mean cosine
similarity of its 3 nearest neighbours there; the distance is calibrated into a percentile
against the same statistic computed for the field's reference papers (each against the
field's earlier papers from other sources). The profile's score is the median percentile of
its papers. A paper whose field has fewer than ``MIN_FIELD_REFERENCE`` earlier reference
papers is not scored, and with fewer than ``MIN_PAPERS`` scored papers the assessment abstains
and says which field lacked references, rather than measure a mathematician against
machine-learning papers.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from retrieval.categories import field_of
from retrieval.similarity import rounded, screen_margin, stable

from ..models import NeighbourPaper, Novelty, NoveltyPaper, PaperCategory
from .evidence import Evidence

K_NEIGHBOURS = 3
MIN_FIELD_REFERENCE = 20
MIN_CALIBRATION = 10
MIN_PAPERS = 3
MIN_CATEGORY_CONFIDENCE = 0.45
SAME_PAPER = 0.985  # a near-identical text is the same paper listed twice, not prior work
MAX_FIELD_REFERENCE = 20_000  # reference papers per field; a larger field is sampled
MAX_CALIBRATION = 2_000  # reference papers per field whose distances calibrate percentiles
_BLOCK = 256  # papers per matrix product

METHOD = (
    f"Each paper is compared only with reference papers of its own field (mathematics, "
    "physics, biology or computing; from arXiv codes, else predicted) published in earlier "
    f"years. Its novelty distance is 1 - mean cosine similarity (all-MiniLM-L6-v2) to its "
    f"{K_NEIGHBOURS} nearest such papers, turned into a percentile against the same distance "
    "computed for the field's reference papers. Score = median percentile of the papers "
    "(0 = like earlier work in the field, 100 = furthest from it). Papers with fewer than "
    f"{MIN_FIELD_REFERENCE} earlier reference papers in their field are not scored. It "
    "measures distance from this reference set, not scientific merit, and changes with it."
)


@dataclass(frozen=True)
class RefPaper:
    """A paper novelty is measured against."""

    source: str  # a profile id, or "corpus:<paper id>" (never compared with itself)
    source_name: str | None
    label: str
    text: str
    year: int | None
    field: str | None
    vector: np.ndarray


def corpus_papers(rows: Sequence[tuple[str, str, dict[str, Any], np.ndarray]]) -> list[RefPaper]:
    """Reference-corpus records as stored (``VectorStore.reference_papers``)."""
    out = []
    for rid, text, meta, vector in rows:
        year = meta.get("year")
        out.append(
            RefPaper(
                # Papers of one export are by different people: each is its own source.
                source=f"corpus:{rid}",
                source_name=str(meta.get("source", "")) or None,
                label=rid,
                text=text,
                year=int(year) if isinstance(year, int | float) and year > 0 else None,
                field=str(meta.get("field")) or None,
                vector=vector,
            )
        )
    return out


def _group(ref: RefPaper) -> str:
    """A profile, or a corpus file."""
    return f"corpus:{ref.source_name}" if ref.source.startswith("corpus:") else ref.source


def _profile_refs(evidence: Evidence) -> list[RefPaper]:
    """Other profiles' papers with a vector; their field was worked out when they were
    indexed (``agent.analysis.reference``: from their codes, else predicted)."""
    return [
        RefPaper(
            source=r.profile_id,
            source_name=r.profile_name,
            label=r.label,
            text=r.short,
            year=r.year,
            field=r.field,
            vector=r.vector,
        )
        for r in evidence.reference.rows
        if r.vector is not None
    ]


def field_of_codes(codes: Sequence[str]) -> str | None:
    """The field most of ``codes`` belong to (ties: alphabetical)."""
    fields = Counter(field_of(c) for c in codes)
    return min(fields, key=lambda f: (-fields[f], f)) if fields else None


def _paper_fields(categories: Sequence[PaperCategory]) -> dict[str, str | None]:
    return {
        pc.paper: field_of_codes(pc.codes)
        if pc.codes and (pc.source == "page" or pc.confidence >= MIN_CATEGORY_CONFIDENCE)
        else None
        for pc in categories
    }


class _FieldRefs:
    """The reference papers of one field as arrays: vectors (float64), years (NaN when
    unknown) and source numbers. A field of more than ``MAX_FIELD_REFERENCE`` papers is
    represented by a fixed sample of that many (the first by a hash of source and label, so
    the same papers whatever the order they are stored in); scored papers and calibration
    both use it, so percentiles compare like with like."""

    def __init__(
        self, refs: list[RefPaper], idx: list[int], sources: dict[str, int], dim: int
    ) -> None:
        if len(idx) > MAX_FIELD_REFERENCE:
            idx = sorted(sorted(idx, key=lambda i: _sample_key(refs[i]))[:MAX_FIELD_REFERENCE])
        self.refs = [refs[i] for i in idx]
        self.mat = np.array([r.vector for r in self.refs], dtype=np.float64).reshape(len(idx), dim)
        self.mat32 = self.mat.astype(np.float32)
        self.margin = screen_margin(dim)
        self.years = np.array(
            [np.nan if r.year is None else r.year for r in self.refs], dtype=np.float64
        )
        self.sources = np.array([sources[r.source] for r in self.refs], dtype=np.int64)
        self._calibration: np.ndarray | None = None

    def earlier(self, years: Sequence[int | None], sources: Sequence[int]) -> np.ndarray:
        """Per query row: which papers count as earlier work for a paper of that year from
        that source (another source; an earlier year, or any when the paper has none)."""
        mask = self.sources[None, :] != np.asarray(sources, dtype=np.int64)[:, None]
        for row, year in enumerate(years):
            if year is not None:
                mask[row] &= self.years < year  # NaN (no year) is never earlier
        return mask

    def neighbours(
        self, vectors: np.ndarray, mask: np.ndarray
    ) -> tuple[list[float], list[int], list[float]]:
        """Per query row: the novelty distance (1 - mean similarity of the ``K_NEIGHBOURS``
        nearest papers the mask allows that are not the same paper listed twice), the index
        of the nearest such paper (the nearest allowed one when every one is the same paper;
        -1 when none is allowed) and its similarity.

        Similarities are screened in float32 (one matrix product per block) and the ones that
        decide are computed in float64: every allowed paper within ``screen_margin`` of the
        k-th best that is surely not the same paper,
        or every allowed paper when fewer than k are surely not. So the answer is the float64
        one, at the cost of a float32 product."""
        approx = np.asarray(vectors, dtype=np.float32) @ self.mat32.T
        n = approx.shape[1]
        k = min(K_NEIGHBOURS, n)
        sure = np.where(mask & (approx < SAME_PAPER - self.margin), approx, -np.inf)
        bars = np.partition(sure, n - k, axis=1)[:, n - k] - self.margin
        dists: list[float] = []
        nearest: list[int] = []
        similarity: list[float] = []
        for row, query in enumerate(np.asarray(vectors, dtype=np.float64)):
            near = np.flatnonzero(mask[row] & (approx[row] >= bars[row]))
            if near.size == 0:
                dists.append(1.0)
                nearest.append(-1)
                similarity.append(0.0)
                continue
            sims = rounded(self.mat[near] @ query)
            usable = sims < SAME_PAPER
            top = np.sort(sims[usable])[-k:]
            dists.append(1.0 if top.size == 0 else stable(1.0 - top.mean()))
            # The first highest similarity: order_desc's order (ties to the lower index).
            pick = (
                int(np.where(usable, sims, -np.inf).argmax())
                if usable.any()
                else int(sims.argmax())
            )
            nearest.append(int(near[pick]))
            similarity.append(float(sims[pick]))
        return dists, nearest, similarity

    def calibration(self) -> np.ndarray:
        """Sorted novelty distances of (at most ``MAX_CALIBRATION`` of) the field's papers,
        each against the field's earlier papers from other sources."""
        if self._calibration is None:
            members = sorted(range(len(self.refs)), key=lambda i: _sample_key(self.refs[i]))
            members = sorted(members[:MAX_CALIBRATION])
            dists: list[float] = []
            for start in range(0, len(members), _BLOCK):
                block = members[start : start + _BLOCK]
                mask = self.earlier(
                    [self.refs[i].year for i in block], self.sources[block].tolist()
                )
                got, _, _ = self.neighbours(self.mat[block], mask)
                dists += [d for d, m in zip(got, mask, strict=True) if m.sum() >= K_NEIGHBOURS]
            self._calibration = np.sort(np.array(dists))
        return self._calibration


def _sample_key(ref: RefPaper) -> str:
    return hashlib.sha256(f"{ref.source}\0{ref.label}".encode()).hexdigest()


def assess(
    evidence: Evidence,
    categories: Sequence[PaperCategory],
    corpus: Sequence[RefPaper] = (),
    page_metrics: Mapping[str, object] | None = None,
) -> Novelty:
    """Novelty of the papers in ``evidence`` (see the module docstring). ``categories``: the
    papers' arXiv codes (page or predicted); ``corpus``: the loaded reference corpus."""
    refs = [*corpus, *_profile_refs(evidence)]
    by_field: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(refs):
        if r.field:
            by_field[r.field].append(i)
    fields = _paper_fields(categories)
    papers, own = evidence.matrix()
    page_figure = _page_figure(page_metrics or {})
    used_fields = Counter(f for pe in papers if (f := fields.get(pe.label)))
    base = {
        "method": METHOD,
        "reference_papers": sum(len(by_field[f]) for f in used_fields),
        "reference_profiles": len({_group(refs[i]) for f in used_fields for i in by_field[f]}),
        "reference_set": _describe(refs, by_field, used_fields),
        "page_figure": page_figure,
    }
    sources = {
        s: n for n, s in enumerate(dict.fromkeys([evidence.profile.id, *(r.source for r in refs)]))
    }
    result: dict[int, NoveltyPaper | str] = {}  # own row -> scored paper, or the field it lacked
    for f in sorted(used_fields):
        rows = [row for row, pe in enumerate(papers) if fields.get(pe.label) == f]
        field_refs = _FieldRefs(refs, by_field[f], sources, own.shape[1])
        calib = field_refs.calibration()
        if not field_refs.refs:
            result.update((row, f) for row in rows)
            continue
        for start in range(0, len(rows), _BLOCK):
            block = rows[start : start + _BLOCK]
            years = [papers[row].paper.year for row in block]
            mask = field_refs.earlier(years, [sources[evidence.profile.id]] * len(block))
            dists, nearest, sims = field_refs.neighbours(own[block], mask)
            for k, row in enumerate(block):
                if int(mask[k].sum()) < MIN_FIELD_REFERENCE or len(calib) < MIN_CALIBRATION:
                    result[row] = f
                    continue
                pe = papers[row]
                pct = 100.0 * float(np.searchsorted(calib, dists[k], side="right")) / len(calib)
                result[row] = NoveltyPaper(
                    paper=pe.label,
                    text=pe.short(),
                    year=pe.paper.year,
                    percentile=round(pct, 1),
                    nearest=_neighbour(field_refs.refs[nearest[k]], sims[k], years[k]),
                )
    scored: list[NoveltyPaper] = []
    short: Counter[str] = Counter()
    for row in range(len(papers)):
        got = result.get(row, "no field")
        if isinstance(got, str):
            short[got] += 1
        else:
            scored.append(got)
    if len(scored) < MIN_PAPERS:
        return Novelty(
            status="abstained",
            reason=_abstain_reason(len(papers), len(scored), short, by_field),
            page_comparison=_compare(page_figure, None),
            **base,
        )
    score = round(float(np.median([s.percentile for s in scored])))
    ranked = sorted(scored, key=lambda s: (-s.percentile, int(s.paper.lstrip("P"))))
    k = 2 if len(ranked) >= 4 else 1
    return Novelty(
        status="scored",
        score=score,
        scored_papers=len(scored),
        most_novel=ranked[:k],
        least_novel=ranked[::-1][:k],
        percentiles={s.paper: s.percentile for s in scored},
        page_comparison=_compare(page_figure, score),
        **base,
    )


def _describe(
    refs: list[RefPaper], by_field: dict[str, list[int]], used: Counter[str]
) -> str | None:
    """The reference set in words: per field of the papers, how many reference papers from
    the corpus and from other profiles."""
    parts = []
    for f in sorted(used, key=lambda f: (-used[f], f)):
        sources = Counter(
            "the reference corpus" if refs[i].source.startswith("corpus:") else "other profiles"
            for i in by_field[f]
        )
        files = sorted(
            {refs[i].source_name or "" for i in by_field[f] if refs[i].source.startswith("corpus:")}
        )
        where = ", ".join(
            f"{n} from {s}" + (f" ({', '.join(files)})" if s.startswith("the ref") else "")
            for s, n in sorted(sources.items())
        )
        sampled = (
            f", compared through a fixed sample of {MAX_FIELD_REFERENCE:,}"
            if len(by_field[f]) > MAX_FIELD_REFERENCE
            else ""
        )
        parts.append(f"{f}: {len(by_field[f])} papers" + (f" ({where})" if where else "") + sampled)
    return "; ".join(parts) or None


def _abstain_reason(
    n: int, scored: int, short: Counter[str], by_field: dict[str, list[int]]
) -> str:
    if n < MIN_PAPERS:
        return f"only {n} paper(s) with text in scope (need >= {MIN_PAPERS})"
    lacking = ", ".join(
        f"{f}: {short[f]} paper(s), {len(by_field.get(f, []))} reference papers in the field"
        for f in sorted(short, key=lambda f: (-short[f], f))
        if f != "no field"
    )
    unknown = short.get("no field", 0)
    return (
        f"only {scored} of {n} papers could be compared with at least {MIN_FIELD_REFERENCE} "
        "earlier reference papers of their own field"
        + (f" ({lacking})" if lacking else "")
        + (f"; {unknown} paper(s) have no confident field" if unknown else "")
        + "; load papers of the field with 'profile-agent corpus add FILE'"
    )


def _neighbour(ref: RefPaper, similarity: float, year: int | None) -> NeighbourPaper:
    return NeighbourPaper(
        profile_id=ref.source,
        profile_name=ref.source_name,
        label=ref.label,
        text=ref.text,
        year=ref.year,
        similarity=round(similarity, 3),
        earlier=None if year is None or ref.year is None else ref.year <= year,
    )


def _page_figure(metrics: Mapping[str, object]) -> float | None:
    for key in ("novelty_percent", "novelty"):
        value = metrics.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return None


def _compare(page: float | None, ours: int | None) -> str | None:
    if page is None:
        return None
    head = f"The page states its own novelty figure, {page:g}%, without saying how it is computed."
    if ours is None:
        return head + " We abstained, so there is nothing of ours to set beside it."
    diff = ours - page
    rel = "the same as" if abs(diff) < 1 else ("higher than" if diff > 0 else "lower than")
    return (
        f"{head} Ours is {ours}/100, {rel} the page's figure"
        + ("" if abs(diff) < 1 else f" by {abs(diff):g} points")
        + ". They are different measurements: ours is a percentile of distance from earlier "
        "papers of the same field in the reference set, so the two should not be read as the "
        "same scale."
    )
