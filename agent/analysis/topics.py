"""Topics of a profile: coarse arXiv categories (from the page or predicted, with confidence),
fine keyphrases with the papers that state them, themes (clusters of related papers) and a
timeline of theme weight by year."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np

from retrieval.categories import ARXIV_CATEGORIES, field_of, is_arxiv_code
from retrieval.embeddings import Embedder
from retrieval.similarity import argmax, cosine_matrix, cosines, order_desc, rounded, stable

from ..language import content_terms
from ..models import CoarseTag, FineTopic, PaperCategory, TimelinePoint, Topics
from .evidence import Evidence, PaperEvidence, phrase_sources
from .keyphrases import PhraseIndex

# What each category is about, in the words abstracts use; embedded as the category's prototype.
_SCOPE: dict[str, str] = {
    "cs.AI": "artificial intelligence, reasoning, planning, knowledge representation, agents",
    "cs.AR": "hardware architecture, accelerators, FPGA, circuits, chip design, memory systems",
    "cs.CL": "natural language processing, language models, text, translation, dialogue",
    "cs.CR": "security, privacy, cryptography, attacks, adversarial robustness",
    "cs.CV": "computer vision, images, video, object detection, segmentation, recognition",
    "cs.CY": "computers and society, public health, policy, social impact",
    "cs.DC": "distributed and parallel computing, GPU clusters, communication, training systems",
    "cs.GT": "game theory, mechanism design, equilibria",
    "cs.HC": "human-computer interaction, user studies, interfaces",
    "cs.IR": "information retrieval, search, recommendation",
    "cs.IT": "information theory, coding, channel capacity",
    "cs.LG": "machine learning, neural networks, deep learning, training, optimization, "
    "generative models",
    "cs.MA": "multi-agent systems, multi-agent reinforcement learning, self-play, games",
    "cs.NA": "numerical analysis, numerical methods, discretization, solvers",
    "cs.NE": "neural and evolutionary computing, spiking neural networks, evolutionary algorithms",
    "cs.RO": "robotics, robots, manipulation, navigation, control, drones",
    "cs.SE": "software engineering, programs, code, testing",
    "cs.SY": "systems and control, controllers, stability",
    "eess.IV": "image and video processing, medical imaging, MRI, CT, reconstruction",
    "eess.SP": "signal processing, sensors, wireless signals, spectrum, optical fibre sensing",
    "math.DS": "dynamical systems, ergodic theory, entropy, invariant measures, topological pressure",
    "math.NT": "number theory, continued fractions, Diophantine approximation",
    "math.OC": "optimization and control, convex optimization",
    "math.PR": "probability, stochastic processes, random walks",
    "stat.ML": "statistical machine learning, Bayesian inference, statistical learning theory",
    "hep-ph": "high energy physics phenomenology, QCD, gluons, hadron collisions, resummation",
    "hep-th": "high energy physics theory, string theory, AdS/CFT, gravity, black holes",
    "physics.comp-ph": "computational physics, molecular dynamics simulation",
    "physics.optics": "optics, lasers, optical fibres, Brillouin scattering, photonics",
    "cond-mat.soft": "soft condensed matter, liquids, interfaces, polymers, fluids",
    "q-bio.NC": "neuroscience, brain, cognition, neuroimaging, fMRI",
    "q-bio.QM": "quantitative biology, medical diagnosis, disease, Alzheimer's, clinical data",
    "q-bio.GN": "genomics, DNA sequencing, gene expression and its regulation, epigenomics, "
    "single-cell sequencing",
    "q-bio.BM": "biomolecules, protein structure, drug molecules, molecular docking",
    "q-bio.PE": "populations and evolution, epidemics, infectious disease spread, ecology",
    "econ.EM": "econometrics, causal inference, treatment effects, instrumental variables, "
    "panel data",
    "econ.GN": "economics, labor markets, wages, firms, trade, households, public policy",
    "econ.TH": "economic theory, auctions, matching markets, decision theory, preferences",
    "stat.ME": "statistical methodology, estimation, hypothesis testing, confidence intervals, "
    "regression",
    "math.ST": "statistics theory, estimators, minimax rates, asymptotics, high-dimensional "
    "statistics",
    "math.AP": "partial differential equations, existence and regularity of solutions",
    "math.AG": "algebraic geometry, varieties, schemes, moduli spaces",
    "math.CO": "combinatorics, graphs, enumeration, permutations, partitions",
    "math.RT": "representation theory, automorphic forms, Lie groups",
    "math-ph": "mathematical physics, integrable systems, rigorous quantum field theory",
    "quant-ph": "quantum physics, quantum computing, qubits, entanglement",
    "cond-mat.mtrl-sci": "materials science, crystals, electronic structure, density functional "
    "theory",
    "cond-mat.stat-mech": "statistical mechanics, phase transitions, Ising model",
    "physics.chem-ph": "chemical physics, quantum chemistry, molecular energies and dynamics, "
    "force fields",
    "astro-ph": "astrophysics, galaxies, stars, cosmology, telescopes",
    "gr-qc": "general relativity, gravitational waves, spacetime",
}
_TEMPERATURE = 0.04
_MIN_CONFIDENCE = 0.3
_MIN_SIMILARITY = 0.15
_THEME_SIMILARITY = 0.42
_MAX_THEMES = 6
_MERGE_SIMILARITY = 0.8  # theme centres this close are one theme
_ABSORB_SIMILARITY = 0.3  # a paper outside every theme joins the closest above this

METHOD = (
    "Coarse tags: the page's arXiv codes where given; otherwise predicted per paper from its "
    "embedding, mixing similarity to a prototype text for each category (softmax, T="
    f"{_TEMPERATURE}) with the codes of its 5 nearest labelled papers in the store; below "
    f"{_MIN_CONFIDENCE} confidence a paper is 'not classifiable'. Fine topics: keyphrases stated "
    "by the papers, ranked by papers stating them x rarity in other researchers' papers. "
    "Themes: average-linkage clusters of paper embeddings (cosine >= "
    f"{_THEME_SIMILARITY}), each named by its best keyphrase."
)


# Prototype vectors per embedder (by identity; the embedder is kept so a reused id cannot
# return another embedder's vectors).
_PROTOTYPES: dict[int, tuple[Embedder, list[str], np.ndarray]] = {}


def _prototypes(embedder: Embedder) -> tuple[list[str], np.ndarray]:
    cached = _PROTOTYPES.get(id(embedder))
    if cached is None or cached[0] is not embedder:
        codes = [c for c in _SCOPE if c in ARXIV_CATEGORIES]
        texts = [f"{ARXIV_CATEGORIES[c]}: {_SCOPE[c]}" for c in codes]
        if len(_PROTOTYPES) >= 8:
            _PROTOTYPES.clear()
        cached = _PROTOTYPES[id(embedder)] = (embedder, codes, embedder.embed(texts))
    return cached[1], cached[2]


_PHRASE_VECTORS: dict[tuple[int, str], np.ndarray] = {}


def _embed_phrases(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """Phrase vectors, cached across analyses: a report analyses the page, its identity and
    each other identity, and they share most candidate phrases."""
    if len(_PHRASE_VECTORS) > 100_000:
        _PHRASE_VECTORS.clear()
    todo = [t for t in dict.fromkeys(texts) if (id(embedder), t) not in _PHRASE_VECTORS]
    if todo:
        for t, v in zip(todo, embedder.embed(todo), strict=True):
            _PHRASE_VECTORS[(id(embedder), t)] = v
    return np.stack([_PHRASE_VECTORS[(id(embedder), t)] for t in texts])


def warm_up(embedder: Embedder) -> None:
    """Embed the category prototypes now (they are cached per embedder)."""
    _prototypes(embedder)


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp((x - x.max()) / _TEMPERATURE)
    return e / e.sum()


def classify(evidence: Evidence, embedder: Embedder) -> list[PaperCategory]:
    codes, protos = _prototypes(embedder)
    neighbours = _labelled_neighbours(evidence)
    out: list[PaperCategory] = []
    for pe in evidence.papers:
        # Topics are arXiv categories: a page's own label that is no arXiv code (free text,
        # possibly hostile) stays on the paper record and never becomes a topic.
        known = [c for c in pe.paper.categories if is_arxiv_code(c)]
        if known:
            out.append(PaperCategory(paper=pe.label, codes=known, source="page", confidence=1.0))
            continue
        if pe.vector is None:
            out.append(
                PaperCategory(paper=pe.label, codes=[], source="not_classifiable", confidence=0.0)
            )
            continue
        sims = cosines(protos, pe.vector)
        probs = rounded(_softmax(sims))
        if pe.label in neighbours:
            vote = np.zeros(len(codes))
            for sim, cats in neighbours[pe.label]:
                if sim < 0.3:
                    continue
                known_cats = [c for c in cats if c in codes]
                for c in known_cats:
                    vote[codes.index(c)] += sim / len(known_cats)
            if vote.sum() > 0:
                probs = rounded(0.6 * probs + 0.4 * vote / vote.sum())
        order = order_desc(probs)
        best, second = order[0], order[1]
        conf = float(probs[best])
        if conf < _MIN_CONFIDENCE or float(sims[best]) < _MIN_SIMILARITY:
            out.append(
                PaperCategory(
                    paper=pe.label,
                    codes=[],
                    source="not_classifiable",
                    confidence=round(conf, 3),
                    runner_up=codes[best],
                )
            )
        else:
            out.append(
                PaperCategory(
                    paper=pe.label,
                    codes=[codes[best]],
                    source="predicted",
                    confidence=round(conf, 3),
                    runner_up=codes[second],
                )
            )
    return out


def _labelled_neighbours(evidence: Evidence) -> dict[str, list[tuple[float, tuple[str, ...]]]]:
    """For each paper that needs a predicted category: its 5 nearest reference papers that
    carry arXiv codes (similarity, codes), nearest first."""
    todo = [
        pe
        for pe in evidence.papers
        if pe.vector is not None and not any(is_arxiv_code(c) for c in pe.paper.categories)
    ]
    found = evidence.reference.nearest_coded([pe.vector for pe in todo], 5)  # type: ignore[misc]  # filtered to vectors
    return {pe.label: got for pe, got in zip(todo, found, strict=True) if got}


def predict_fields(vectors: np.ndarray, embedder: Embedder) -> list[str | None]:
    """The broad field of each vector's paper from the category prototypes alone (papers of
    other profiles and of a reference corpus that give no codes); None below the bars."""
    codes, protos = _prototypes(embedder)
    out: list[str | None] = []
    for sims in cosine_matrix(vectors, protos):
        probs = rounded(_softmax(sims))
        best = order_desc(probs)[0]
        ok = float(probs[best]) >= _MIN_CONFIDENCE and float(sims[best]) >= _MIN_SIMILARITY
        out.append(field_of(codes[best]) if ok else None)
    return out


def coarse_tags(per_paper: list[PaperCategory], n_papers: int) -> list[CoarseTag]:
    papers: dict[str, list[str]] = defaultdict(list)
    confs: dict[str, list[float]] = defaultdict(list)
    sources: dict[str, set[str]] = defaultdict(set)
    for pc in per_paper:
        for code in pc.codes:
            papers[code].append(pc.paper)
            confs[code].append(pc.confidence)
            sources[code].add(pc.source)
    tags = [
        CoarseTag(
            code=code,
            name=ARXIV_CATEGORIES.get(code, code),
            weight=round(len(labels) / max(n_papers, 1), 3),
            confidence=round(sum(confs[code]) / len(confs[code]), 3),
            source="page+predicted" if len(sources[code]) > 1 else sources[code].pop(),
            papers=labels,
        )
        for code, labels in papers.items()
    ]
    return sorted(tags, key=lambda t: (-t.weight, -t.confidence, t.code))


def cluster(vectors: np.ndarray, threshold: float = _THEME_SIMILARITY) -> list[list[int]]:
    """Average-linkage agglomerative clustering on cosine similarity; stops when the closest
    pair of clusters is below ``threshold``. Clusters are returned largest first."""
    n = len(vectors)
    if n == 0:
        return []
    sim = cosine_matrix(vectors)
    np.fill_diagonal(sim, -np.inf)
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    # Each row's highest similarity and its first column: the closest pair is the first row
    # holding the highest of them, as an argmax over the whole matrix would find it. A merged
    # cluster is -inf in every row and column, so it never comes out on top.
    best = sim.argmax(axis=1)
    best_sim = sim[np.arange(n), best]
    for _ in range(n - 1):
        i = int(np.argmax(best_sim))
        j = int(best[i])
        if best_sim[i] < threshold:
            break
        ni, nj = len(members[i]), len(members[j])
        # Lance-Williams update for average linkage.
        sim[i, :] = rounded((ni * sim[i, :] + nj * sim[j, :]) / (ni + nj))
        sim[:, i] = sim[i, :]
        sim[i, i] = -np.inf
        members[i] += members.pop(j)
        sim[j, :] = -np.inf
        sim[:, j] = -np.inf
        best_sim[j] = -np.inf
        # Rows whose closest was i or j (and i itself) are read again; any other row keeps its
        # closest unless the merged cluster is closer (or as close, at a lower column).
        redo = np.flatnonzero((best == i) | (best == j))
        redo = np.union1d(redo[redo != j], [i])
        best[redo] = sim[redo].argmax(axis=1)
        best_sim[redo] = sim[redo, best[redo]]
        col = sim[:, i]
        closer = (col > best_sim) | ((col == best_sim) & (i < best))
        closer[redo] = False
        closer[j] = False
        best[closer] = i
        best_sim[closer] = col[closer]
    groups = [sorted(m) for m in members.values()]
    return sorted(groups, key=lambda g: (-len(g), g[0]))


@dataclass
class Theme:
    name: str
    papers: list[PaperEvidence]  # most central first
    centroid: np.ndarray
    named_by: list[str]  # labels of the papers that state ``name``


@dataclass
class PaperTopics:
    """What identity grouping reads of the analysis: each paper's category and the page's
    phrases (to name a group), without the report's themes, fine topics and timeline."""

    per_paper: list[PaperCategory]
    phrases: PhraseIndex

    def topics_of(self, labels: set[str], k: int = 4) -> list[str]:
        """The best phrases of a group of papers."""
        return [ph.text for ph, _ in self.phrases.top(k, within=labels)]


@dataclass
class Analysis(PaperTopics):
    """Everything a report reads: ``topics`` (its ``per_paper`` is this ``per_paper``) and
    the themes."""

    topics: Topics
    themes: list[Theme]

    def paper_topic(self, label: str) -> str | None:
        """The best phrase a single paper states."""
        best = self.phrases.top(1, within={label})
        return best[0][0].text if best else None


def _phrase_index(evidence: Evidence, embedder: Embedder) -> PhraseIndex:
    return PhraseIndex(
        phrase_sources(evidence.papers),
        evidence.reference,
        {pe.label: pe.vector for pe in evidence.papers if pe.vector is not None},
        lambda texts: _embed_phrases(embedder, texts),
    )


def paper_topics(evidence: Evidence, embedder: Embedder) -> PaperTopics:
    """Categories and phrases only: what ingest's identity step needs."""
    return PaperTopics(classify(evidence, embedder), _phrase_index(evidence, embedder))


def analyse(evidence: Evidence, embedder: Embedder) -> Analysis:
    index = _phrase_index(evidence, embedder)
    n = len(evidence.papers)
    fine = [
        FineTopic(
            phrase=ph.text,
            weight=round(len(ph.papers) / max(n, 1), 3),
            papers=_ordered(ph.papers, evidence),
        )
        for ph, _ in index.top(10, min_papers=2 if n >= 8 else 1)
    ]
    rows, mat = evidence.matrix()
    themes = _themes(rows, mat, index)
    per_paper = classify(evidence, embedder)
    timeline, note = _timeline(themes, evidence)
    topics = Topics(
        coarse=coarse_tags(per_paper, n),
        per_paper=per_paper,
        not_classifiable=[pc.paper for pc in per_paper if pc.source == "not_classifiable"],
        fine=fine,
        themes=[
            FineTopic(
                phrase=t.name,
                weight=round(len(t.papers) / max(n, 1), 3),
                papers=[pe.label for pe in t.papers],
            )
            for t in themes
        ],
        timeline=timeline,
        timeline_note=note,
        method=METHOD,
    )
    return Analysis(per_paper, index, topics, themes)


def _themes(rows: list[PaperEvidence], mat: np.ndarray, index: PhraseIndex) -> list[Theme]:
    """Clusters named by their best keyphrase; clusters whose names say the same thing
    ("diffusion probabilistic models" / "diffusion generative models") or whose centres are
    close are merged, and papers left outside every theme join the closest one when it is
    close enough."""
    groups = [list(g) for g in cluster(mat)]
    themes: list[Theme] = []
    while groups and len(themes) < _MAX_THEMES:
        group = groups.pop(0)
        theme = _name(group, rows, mat, index, {t.name.lower() for t in themes})
        if theme is None:
            continue
        twin = next((t for t in themes if _same_theme(t, theme)), None)
        if twin is None:
            themes.append(theme)
            continue
        themes.remove(twin)
        merged = sorted({*[rows.index(pe) for pe in twin.papers], *group})
        groups.insert(0, merged)
    placed = {pe.label for t in themes for pe in t.papers}
    for i, pe in enumerate(rows):
        if pe.label in placed or not themes:
            continue
        sims = [stable(mat[i] @ t.centroid) for t in themes]
        k = argmax(sims)
        if sims[k] >= _ABSORB_SIMILARITY:
            themes[k].papers.append(pe)
            if pe.label in index_papers(index, themes[k].name):
                themes[k].named_by.append(pe.label)
    return themes


def index_papers(index: PhraseIndex, name: str) -> set[str]:
    ph = index.by_text.get(name)
    return ph.papers if ph is not None else set()


def _name(
    group: list[int],
    rows: list[PaperEvidence],
    mat: np.ndarray,
    index: PhraseIndex,
    used_names: set[str],
) -> Theme | None:
    pes = [rows[i] for i in group]
    centroid = mat[group].mean(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    pes = [pes[k] for k in order_desc(centrality(mat[group]))]
    labels = {pe.label for pe in pes}
    phrase = next(
        (ph for ph, _ in index.top(8, within=labels) if ph.text.lower() not in used_names), None
    )
    if phrase is None:
        return None
    named_by = [pe.label for pe in pes if pe.label in phrase.papers]
    return Theme(phrase.text, pes, centroid, named_by)


def centrality(mat: np.ndarray) -> np.ndarray:
    """Each row's summed similarity to the other rows: the order of cosines to the group's
    centre, but exact where the geometry is symmetric (the two papers of a pair score the same,
    so position decides, not the last bits of two vectors)."""
    sims = cosine_matrix(mat)  # symmetric: A @ A.T is computed as one
    np.fill_diagonal(sims, 0.0)
    return sims.sum(axis=1)


def _same_theme(a: Theme, b: Theme) -> bool:
    """Names that say the same thing (same head word and another word in common, or one's
    words inside the other's), or centres closer than two papers of one theme usually are."""
    ka, kb = tuple(content_terms(a.name)), tuple(content_terms(b.name))
    if ka and kb:
        sa, sb = set(ka), set(kb)
        if (ka[-1] == kb[-1] and len(sa & sb) >= 2) or sa <= sb or sb <= sa:
            return True
    return stable(a.centroid @ b.centroid) >= _MERGE_SIMILARITY


def _ordered(labels: set[str], evidence: Evidence) -> list[str]:
    return [pe.label for pe in evidence.papers if pe.label in labels]


def _timeline(themes: list[Theme], evidence: Evidence) -> tuple[list[TimelinePoint], str | None]:
    dated = [pe for pe in evidence.papers if pe.paper.year]
    if not dated:
        return [], "The page gives no publication years, so no timeline can be drawn."
    per_year = Counter(pe.paper.year for pe in dated)
    points: list[TimelinePoint] = []
    for theme in themes:
        by_year: dict[int, list[str]] = defaultdict(list)
        for pe in theme.papers:
            if pe.paper.year:
                by_year[pe.paper.year].append(pe.label)
        for year, labels in sorted(by_year.items()):
            points.append(
                TimelinePoint(
                    year=year,
                    topic=theme.name,
                    weight=round(len(labels) / per_year[year], 3),
                    papers=labels,
                )
            )
    undated = len(evidence.papers) - len(dated)
    note = f"{undated} paper(s) have no year and are not on the timeline." if undated else None
    return sorted(points, key=lambda p: (p.year, -p.weight, p.topic)), note
