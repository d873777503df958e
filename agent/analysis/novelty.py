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

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from retrieval.categories import field_of
from retrieval.similarity import cosines, order_desc, stable

from ..models import NeighbourPaper, Novelty, NoveltyPaper, PaperCategory
from .evidence import Evidence

K_NEIGHBOURS = 3
MIN_FIELD_REFERENCE = 20
MIN_CALIBRATION = 10
MIN_PAPERS = 3
MIN_CATEGORY_CONFIDENCE = 0.45
SAME_PAPER = 0.985  # a near-identical text is the same paper listed twice, not prior work

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


def _profile_refs(
    evidence: Evidence, predict: Callable[[np.ndarray], list[str | None]] | None
) -> list[RefPaper]:
    rows = [r for r in evidence.reference if r.vector is not None]
    unlabelled = [r for r in rows if not r.paper.categories]
    predicted: dict[int, str | None] = {}
    if unlabelled and predict is not None:
        fields = predict(np.stack([r.vector for r in unlabelled]))  # type: ignore[misc]  # filtered
        predicted = {id(r): f for r, f in zip(unlabelled, fields, strict=True)}
    return [
        RefPaper(
            source=r.profile_id,
            source_name=r.profile_name,
            label=r.label,
            text=r.short(),
            year=r.paper.year,
            field=field_of_codes(r.paper.categories)
            if r.paper.categories
            else predicted.get(id(r)),
            vector=r.vector,  # type: ignore[arg-type]  # filtered above
        )
        for r in rows
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


def _candidates(refs: list[RefPaper], idx: list[int], year: int | None, source: str) -> list[int]:
    """Reference papers (indices into ``refs``) that count as earlier work for a paper of
    ``year`` from ``source``."""
    out = []
    for i in idx:
        ref_year = refs[i].year
        if refs[i].source != source and (
            year is None or (ref_year is not None and ref_year < year)
        ):
            out.append(i)
    return out


def _knn_distance(sims: np.ndarray) -> float:
    sims = sims[sims < SAME_PAPER]
    if sims.size == 0:
        return 1.0
    top = np.sort(sims)[-K_NEIGHBOURS:]
    return stable(1.0 - top.mean())


def _calibration(refs: list[RefPaper], idx: list[int], mat: np.ndarray) -> np.ndarray:
    dists = []
    for i in idx:
        cand = _candidates(refs, idx, refs[i].year, refs[i].source)
        if len(cand) >= K_NEIGHBOURS:
            dists.append(_knn_distance(cosines(mat[cand], refs[i].vector)))
    return np.sort(np.array(dists))


def assess(
    evidence: Evidence,
    categories: Sequence[PaperCategory],
    corpus: Sequence[RefPaper] = (),
    predict_field: Callable[[np.ndarray], list[str | None]] | None = None,
    page_metrics: Mapping[str, object] | None = None,
) -> Novelty:
    """Novelty of the papers in ``evidence`` (see the module docstring). ``categories``: the
    papers' arXiv codes (page or predicted); ``corpus``: the loaded reference corpus;
    ``predict_field``: vectors -> field, for other profiles' papers the page gives no codes."""
    refs = [*corpus, *_profile_refs(evidence, predict_field)]
    by_field: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(refs):
        if r.field:
            by_field[r.field].append(i)
    fields = _paper_fields(categories)
    papers, own = evidence.matrix()
    page_figure = _page_figure(page_metrics or {})
    mat = np.stack([r.vector for r in refs]) if refs else np.zeros((0, own.shape[1]))
    used_fields = Counter(f for pe in papers if (f := fields.get(pe.label)))
    base = {
        "method": METHOD,
        "reference_papers": sum(len(by_field[f]) for f in used_fields),
        "reference_profiles": len({_group(refs[i]) for f in used_fields for i in by_field[f]}),
        "reference_set": _describe(refs, by_field, used_fields),
        "page_figure": page_figure,
    }
    calib: dict[str, np.ndarray] = {}
    scored: list[NoveltyPaper] = []
    short: Counter[str] = Counter()
    for row, pe in enumerate(papers):
        f = fields.get(pe.label)
        if f is None:
            short["no field"] += 1
            continue
        cand = _candidates(refs, by_field[f], pe.paper.year, evidence.profile.id)
        if f not in calib:
            calib[f] = _calibration(refs, by_field[f], mat)
        if len(cand) < MIN_FIELD_REFERENCE or len(calib[f]) < MIN_CALIBRATION:
            short[f] += 1
            continue
        sims = cosines(mat[cand], own[row])
        d = _knn_distance(sims)
        pct = 100.0 * float(np.searchsorted(calib[f], d, side="right")) / len(calib[f])
        scored.append(
            NoveltyPaper(
                paper=pe.label,
                text=pe.short(),
                year=pe.paper.year,
                percentile=round(pct, 1),
                nearest=_nearest(sims, [refs[i] for i in cand], pe.paper.year),
            )
        )
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
        parts.append(f"{f}: {len(by_field[f])} papers" + (f" ({where})" if where else ""))
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


def _nearest(sims: np.ndarray, cand: list[RefPaper], year: int | None) -> NeighbourPaper:
    order = order_desc(sims)
    pick = next((i for i in order if sims[i] < SAME_PAPER), order[0])
    ref = cand[pick]
    return NeighbourPaper(
        profile_id=ref.source,
        profile_name=ref.source_name,
        label=ref.label,
        text=ref.text,
        year=ref.year,
        similarity=round(float(sims[pick]), 3),
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
