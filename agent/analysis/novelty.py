"""Novelty from evidence: how far each paper sits from other researchers' work.

For every paper, its novelty distance is 1 - the mean cosine similarity of its 3 nearest
neighbours among the reference corpus (the papers of every other profile in the store). The
distance is calibrated into a percentile against the same statistic computed for each
reference paper (against the reference papers of *other* profiles, so nobody is compared
with themselves). The profile's score is the median percentile of its papers. With too small
a reference corpus or too few papers the assessment abstains rather than guess.
"""

from __future__ import annotations

import numpy as np

from retrieval.similarity import cosine_matrix, order_desc, stable

from ..models import NeighbourPaper, Novelty, NoveltyPaper
from .evidence import Evidence, PaperEvidence

K_NEIGHBOURS = 3
MIN_REFERENCE_PAPERS = 30
MIN_REFERENCE_PROFILES = 2
MIN_PAPERS = 3
SAME_PAPER = 0.985  # a near-identical text is the same paper listed twice, not prior work

METHOD = (
    f"Each paper's novelty distance is 1 - mean cosine similarity (all-MiniLM-L6-v2) to its "
    f"{K_NEIGHBOURS} nearest papers in a reference corpus of other researchers' papers (every "
    "other profile in the store); it is turned into a percentile against the same distance "
    "computed for each reference paper against the other profiles. Score = median percentile "
    "of the papers (0 = like everything else in the corpus, 100 = furthest from it). It "
    "measures distance from this corpus, not scientific merit, and changes when the corpus does."
)


def _knn_distance(sims: np.ndarray) -> float:
    sims = sims[sims < SAME_PAPER]
    if sims.size == 0:
        return 1.0
    top = np.sort(sims)[-K_NEIGHBOURS:]
    return stable(1.0 - top.mean())


def _calibration(reference: list[PaperEvidence], mat: np.ndarray) -> np.ndarray:
    owners = np.array([r.profile_id for r in reference])
    sims = cosine_matrix(mat)
    dists = [
        _knn_distance(sims[i][owners != owners[i]])
        for i in range(len(reference))
        if (owners != owners[i]).any()
    ]
    return np.sort(np.array(dists))


def assess(evidence: Evidence, page_metrics: dict[str, object] | None = None) -> Novelty:
    reference = [r for r in evidence.reference if r.vector is not None]
    n_profiles = len({r.profile_id for r in reference})
    papers, own = evidence.matrix()
    page_figure = _page_figure(page_metrics or {})
    base = {
        "method": METHOD,
        "reference_papers": len(reference),
        "reference_profiles": n_profiles,
        "page_figure": page_figure,
    }
    reason = None
    if len(reference) < MIN_REFERENCE_PAPERS or n_profiles < MIN_REFERENCE_PROFILES:
        reason = (
            f"too little reference evidence: {len(reference)} papers from {n_profiles} other "
            f"profiles in the store (need >= {MIN_REFERENCE_PAPERS} papers from >= "
            f"{MIN_REFERENCE_PROFILES} profiles); ingest more researchers' pages"
        )
    elif len(papers) < MIN_PAPERS:
        reason = f"only {len(papers)} paper(s) with text in scope (need >= {MIN_PAPERS})"
    if reason:
        return Novelty(
            status="abstained",
            reason=reason,
            page_comparison=_compare(page_figure, None),
            **base,  # type: ignore[arg-type]  # keys match the model's fields
        )
    ref_mat = np.stack([r.vector for r in reference])  # type: ignore[misc]  # filtered above
    calib = _calibration(reference, ref_mat)
    sims = cosine_matrix(own, ref_mat)
    scored: list[NoveltyPaper] = []
    for i, pe in enumerate(papers):
        d = _knn_distance(sims[i])
        pct = 100.0 * float(np.searchsorted(calib, d, side="right")) / len(calib)
        scored.append(
            NoveltyPaper(
                paper=pe.label,
                text=pe.short(),
                year=pe.paper.year,
                percentile=round(pct, 1),
                nearest=_nearest(pe, sims[i], reference),
            )
        )
    score = round(float(np.median([s.percentile for s in scored])))
    ranked = sorted(scored, key=lambda s: (-s.percentile, int(s.paper.lstrip("P"))))
    k = 2 if len(ranked) >= 4 else 1
    return Novelty(
        status="scored",
        score=score,
        most_novel=ranked[:k],
        least_novel=ranked[::-1][:k],
        percentiles={s.paper: s.percentile for s in scored},
        page_comparison=_compare(page_figure, score),
        **base,  # type: ignore[arg-type]  # keys match the model's fields
    )


def _nearest(pe: PaperEvidence, sims: np.ndarray, reference: list[PaperEvidence]) -> NeighbourPaper:
    """The closest reference paper, preferring one dated no later than ``pe`` (prior work)."""
    order = [i for i in order_desc(sims) if sims[i] < SAME_PAPER]
    year = pe.paper.year
    pick = order[0]
    if year is not None:
        earlier = [i for i in order[:10] if (reference[i].paper.year or 10**4) <= year]
        if earlier and sims[earlier[0]] >= stable(sims[pick] - 0.05):
            pick = earlier[0]
    ref = reference[pick]
    ref_year = ref.paper.year
    return NeighbourPaper(
        profile_id=ref.profile_id,
        profile_name=ref.profile_name,
        label=ref.label,
        text=ref.short(),
        year=ref_year,
        similarity=round(float(sims[pick]), 3),
        earlier=None if year is None or ref_year is None else ref_year <= year,
    )


def _page_figure(metrics: dict[str, object]) -> float | None:
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
        + ". They are different measurements: ours is a percentile of distance from the other "
        "researchers' papers in this store, so the two should not be read as the same scale."
    )
