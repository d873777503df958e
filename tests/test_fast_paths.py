"""The analysis steps rewritten for large profiles and stores give exactly what the
straightforward versions give, ties included: theme clustering (a closest partner kept per
row instead of an argmax over the whole matrix per merge), the top-k of a score list, and
novelty (a matrix product per block of papers instead of a candidate list per paper)."""

from __future__ import annotations

import random

import numpy as np

from agent.analysis.evidence import Evidence, PaperEvidence
from agent.analysis.novelty import (
    K_NEIGHBOURS,
    MIN_CALIBRATION,
    MIN_FIELD_REFERENCE,
    MIN_PAPERS,
    SAME_PAPER,
    RefPaper,
    _profile_refs,
    assess,
)
from agent.analysis.reference import ReferenceSet, RefRow
from agent.analysis.topics import cluster
from agent.models import PaperCategory
from retrieval.models import Paper, Profile
from retrieval.similarity import cosine_matrix, cosines, order_desc, rounded, stable, top_desc


def _cluster_by_full_argmax(vectors: np.ndarray, threshold: float) -> list[list[int]]:
    """The straightforward average linkage: an argmax over the whole matrix per merge."""
    n = len(vectors)
    sim = cosine_matrix(vectors)
    np.fill_diagonal(sim, -np.inf)
    members = {i: [i] for i in range(n)}
    active = np.ones(n, dtype=bool)
    while active.sum() > 1:
        masked = np.where(active[:, None] & active[None, :], sim, -np.inf)
        i, j = divmod(int(np.argmax(masked)), n)
        if masked[i, j] < threshold:
            break
        ni, nj = len(members[i]), len(members[j])
        sim[i, :] = rounded((ni * sim[i, :] + nj * sim[j, :]) / (ni + nj))
        sim[:, i] = sim[i, :]
        sim[i, i] = -np.inf
        members[i] += members.pop(j)
        active[j] = False
        sim[j, :] = -np.inf
        sim[:, j] = -np.inf
    groups = [sorted(m) for m in members.values()]
    return sorted(groups, key=lambda g: (-len(g), g[0]))


def _page(rng: np.random.Generator, n: int) -> np.ndarray:
    """Papers around a few centres, some repeated exactly and on a coarse grid, so that
    similarities tie often."""
    dim = int(rng.choice([3, 8]))
    centres = rng.standard_normal((int(rng.integers(1, 5)), dim))
    rows = centres[rng.integers(0, len(centres), n)] + 0.6 * rng.standard_normal((n, dim))
    rows = np.round(rows)
    for i in range(n):
        if rng.random() < 0.25 and i:
            rows[i] = rows[int(rng.integers(0, i))]
    rows[np.all(rows == 0, axis=1)] = 1.0
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_theme_clustering_matches_an_argmax_over_the_whole_matrix() -> None:
    rng = np.random.default_rng(5)
    merges = 0
    for _ in range(250):
        vectors = _page(rng, int(rng.integers(1, 40)))
        threshold = float(rng.choice([0.2, 0.42, 0.6, 0.9]))
        want = _cluster_by_full_argmax(vectors, threshold)
        assert cluster(vectors, threshold) == want
        merges += len(vectors) - len(want)
    assert merges > 1000  # the pages do cluster


def test_top_desc_is_the_head_of_order_desc() -> None:
    rng = random.Random(3)
    for _ in range(500):
        n = rng.randrange(0, 60)
        scores = [rng.choice([0.1, 0.5, 0.5, 0.9, -1.0, rng.random()]) for _ in range(n)]
        for k in (0, 1, 3, 5, n, n + 2):
            assert top_desc(scores, k) == order_desc(scores)[:k]


def _novelty_paper_by_paper(
    evidence: Evidence, fields: dict[str, str], corpus: list[RefPaper]
) -> dict[str, tuple[float, str, float]]:
    """The straightforward novelty: per paper, its earlier field papers from other sources
    in a list, one similarity pass each; per field, every reference paper calibrated the
    same way. Label -> (percentile, nearest label, its similarity)."""
    refs = [*corpus, *_profile_refs(evidence)]

    def earlier(idx: list[int], year: int | None, source: str) -> list[int]:
        return [
            i
            for i in idx
            if refs[i].source != source
            and (year is None or (refs[i].year is not None and refs[i].year < year))
        ]

    def distance(sims: np.ndarray) -> float:
        sims = sims[sims < SAME_PAPER]
        return 1.0 if sims.size == 0 else stable(1.0 - np.sort(sims)[-K_NEIGHBOURS:].mean())

    mat = np.stack([r.vector for r in refs])
    out = {}
    for pe in evidence.papers:
        f = fields[pe.label]
        idx = [i for i, r in enumerate(refs) if r.field == f]
        calib = np.sort(
            [
                distance(cosines(mat[c], refs[i].vector))
                for i in idx
                if len(c := earlier(idx, refs[i].year, refs[i].source)) >= K_NEIGHBOURS
            ]
        )
        cand = earlier(idx, pe.paper.year, evidence.profile.id)
        if len(cand) < MIN_FIELD_REFERENCE or len(calib) < MIN_CALIBRATION:
            continue
        sims = cosines(mat[cand], pe.vector)
        pct = 100.0 * float(np.searchsorted(calib, distance(sims), side="right")) / len(calib)
        order = order_desc(sims)
        pick = next((i for i in order if sims[i] < SAME_PAPER), order[0])
        out[pe.label] = (round(pct, 1), refs[cand[pick]].label, round(float(sims[pick]), 3))
    return out


def test_novelty_matches_scoring_paper_by_paper() -> None:
    rng = np.random.default_rng(11)
    checked = 0
    for case in range(60):
        # Small vectors on a grid (exact ties), or full-size ones with near-copies whose
        # similarities differ below float32's precision.
        dim = 6 if case % 2 else 384
        centre = rng.standard_normal(dim)
        made: list[np.ndarray] = []

        def vec(
            spread: float, centre: np.ndarray = centre, dim: int = dim, made: list = made
        ) -> np.ndarray:
            if dim == 6:
                v = np.round(centre + spread * rng.standard_normal(dim), 1)
            elif made and rng.random() < 0.4:
                v = made[int(rng.integers(0, len(made)))] + 1e-7 * rng.standard_normal(dim)
            else:
                v = centre + spread * rng.standard_normal(dim)
            made.append(v)
            return (v / np.linalg.norm(v)).astype(np.float32)

        def year() -> int | None:
            return None if rng.random() < 0.15 else int(rng.integers(2000, 2010))

        rows = []
        for p in range(int(rng.integers(20, 90))):
            v = vec(1.0)
            rows.append(
                RefRow(f"other{p % 7}", None, f"x{p}", f"P{p + 1}", year(), (), "computing", "t", v)
            )
            if rng.random() < 0.1:  # the same paper listed twice: never its own neighbour
                rows.append(
                    RefRow(
                        f"other{p % 5}",
                        None,
                        f"y{p}",
                        f"P{p + 50}",
                        year(),
                        (),
                        "computing",
                        "t",
                        v,
                    )
                )
        corpus = [
            RefPaper(f"corpus:c{i}", "file.bib", f"c{i}", "t", year(), "computing", vec(1.0))
            for i in range(int(rng.integers(0, 30)))
        ]
        papers = [
            PaperEvidence(
                Paper(id=f"own{i}", position=i + 1, year=year(), source_line=i + 1),
                "me",
                "text",
                vec(0.8),
            )
            for i in range(int(rng.integers(3, 12)))
        ]
        evidence = Evidence(Profile(id="me", source_format="json"), papers, ReferenceSet(rows))
        fields = {pe.label: "computing" for pe in papers}
        cats = [
            PaperCategory(paper=lb, codes=["cs.LG"], source="page", confidence=1.0) for lb in fields
        ]
        got = assess(evidence, cats, corpus)
        want = _novelty_paper_by_paper(evidence, fields, corpus)
        if len(want) < MIN_PAPERS:
            assert got.status == "abstained" and not got.percentiles, case
            continue
        assert got.percentiles == {lb: w[0] for lb, w in want.items()}, case
        for item in [*got.most_novel, *got.least_novel]:
            assert item.nearest is not None
            assert (item.nearest.label, item.nearest.similarity) == want[item.paper][1:]
        checked += len(want)
    assert checked > 100  # most papers are scored, not abstained on


def test_novelty_of_a_field_with_no_reference_papers_abstains() -> None:
    rng = np.random.default_rng(2)

    def vec() -> np.ndarray:
        v = rng.standard_normal(6)
        return (v / np.linalg.norm(v)).astype(np.float32)

    rows = [
        RefRow("other", None, f"x{p}", f"P{p}", 2001, (), "computing", "t", vec())
        for p in range(40)
    ]
    papers = [
        PaperEvidence(
            Paper(id=f"own{i}", position=i + 1, year=2005, source_line=1), "me", "t", vec()
        )
        for i in range(5)
    ]
    evidence = Evidence(Profile(id="me", source_format="json"), papers, ReferenceSet(rows))
    cats = [
        PaperCategory(paper=pe.label, codes=["physics.optics"], source="page", confidence=1.0)
        for pe in papers
    ]
    got = assess(evidence, cats)
    assert got.status == "abstained"
    assert got.reason is not None and "physics: 5 paper(s), 0 reference papers" in got.reason


def test_nearest_coded_papers_are_the_float64_top_k() -> None:
    """Screened in float32, decided in float64: the same neighbours, in the same order, as
    ranking every coded paper by its float64 similarity (ties to store order)."""
    rng = np.random.default_rng(8)
    for case in range(30):
        dim = int(rng.choice([4, 32, 384]))
        n = int(rng.integers(1, 400))
        raw = rng.standard_normal((n, dim))
        if case % 2:  # a coarse grid and repeats: many exact ties
            raw = np.round(raw)
            raw[rng.integers(0, n, n // 3)] = raw[0]
        raw[np.all(raw == 0, axis=1)] = 1.0
        vecs = (raw / np.linalg.norm(raw, axis=1, keepdims=True)).astype(np.float32)
        rows = [
            RefRow(
                "p",
                None,
                f"x{i}",
                f"P{i}",
                None,
                (f"c{i}",) if rng.random() < 0.7 else (),
                None,
                "",
                vecs[i],
            )
            for i in range(n)
        ]
        coded = [r for r in rows if r.categories]
        queries = [vecs[int(rng.integers(0, n))] for _ in range(20)]
        got = ReferenceSet(rows).nearest_coded(queries, 5)
        for q, near in zip(queries, got, strict=True):
            if not coded:
                assert near == []
                continue
            sims = rounded(
                np.array([r.vector for r in coded], dtype=np.float64) @ q.astype(np.float64)
            )
            assert near == [(float(sims[j]), coded[j].categories) for j in order_desc(sims)[:5]]
