"""Deterministic evaluators: each takes what a run produced and the reference case, and returns
named scores. No LLM is needed; the optional judge lives in ``evals/judge.py``.

Grounding is scored independently of the report's own verifier: the blurb is re-read as
rendered (sentences and their ``[P..]`` markers) and each claim is checked lexically against
the cited papers' text (content-word recall >= ``SUPPORT_RECALL`` and every number and named
thing present), so a verifier bug cannot grade its own homework.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from agent.language import appears_in, content_terms, salient_facts
from agent.models import Report
from retrieval.embeddings import Embedder
from retrieval.models import Profile

from . import quality as quality_checks
from .cases import EvalCase, Gold

SUPPORT_RECALL = 0.6
THEME_MATCH = 0.5
PUBLISHED_BERTSCORE = (0.54, 0.56)
# The predicted "identity" of a paper the report attributes to nobody (+ its label: a group of one).
UNATTRIBUTED = "unattributed:"


@dataclass(frozen=True)
class Metric:
    name: str
    higher_is_better: bool | None  # None: a range to stay in, not a direction
    description: str
    exact: bool = False  # a count or a yes/no: equal on every machine, not within a tolerance


METRICS: dict[str, Metric] = {
    m.name: m
    for m in [
        Metric("parse.owner", True, "owner name matches the reference (1/0)", exact=True),
        Metric("parse.papers", True, "paper count matches (1/0)", exact=True),
        Metric("parse.metrics", True, "share of reference header metrics parsed exactly"),
        Metric("topics.coarse_precision", True, "predicted arXiv tags that are in the reference"),
        Metric("topics.coarse_recall", True, "reference arXiv tags that were predicted"),
        Metric("topics.coarse_f1", True, "F1 of the two above"),
        Metric(
            "topics.theme_coverage",
            True,
            f"reference themes matched by a fine topic or theme (cosine >= {THEME_MATCH})",
        ),
        Metric("grounding.citation_validity", True, "cited ids that exist in scope"),
        Metric("grounding.citation_precision", True, "ALCE citation precision"),
        Metric("grounding.citation_recall", True, "ALCE citation recall (sentences supported)"),
        Metric("grounding.unsupported_share", False, "blurb sentences their citations miss"),
        Metric(
            "grounding.unsupported_facts",
            False,
            "numbers/names not in the cited papers",
            exact=True,
        ),
        Metric("content.sentences", None, "sentences in the blurb", exact=True),
        Metric("content.key_fact_coverage", True, "reference key facts the blurb mentions"),
        Metric(
            "content.forbidden_violations", False, "forbidden claims the blurb makes", exact=True
        ),
        Metric(
            "content.theme_similarity",
            True,
            "cosine of blurb and reference themes (MiniLM); published LLM profiles reach "
            f"{PUBLISHED_BERTSCORE[0]}-{PUBLISHED_BERTSCORE[1]} BERTScore-F1 against "
            "self-written ones: a different metric, shown only for orientation",
        ),
        Metric("identities.b3_precision", True, "B3 precision over annotated papers"),
        Metric("identities.b3_recall", True, "B3 recall over annotated papers"),
        Metric("identities.b3_f1", True, "B3 F1"),
        Metric(
            "identities.must_separate_violations", False, "apart pairs put together", exact=True
        ),
        Metric("parse.title_recall", True, "dev pages: reference titles read (exact text)"),
        Metric("parse.title_precision", True, "dev pages: read titles that are reference titles"),
        Metric(
            "parse.year_accuracy", True, "dev pages: right year, of matched papers that show one"
        ),
        Metric(
            "parse.owner_in_authors",
            True,
            "dev pages where the owner signs the papers: matched papers whose parsed author list "
            "holds the owner's family name (the gold has no author lists)",
        ),
        Metric("parse.papers_read", None, "dev pages: papers read"),
        Metric("identities.people", None, "mixed dev pages: people found among the papers"),
        Metric(
            "identities.owner_people",
            False,
            "single-owner dev pages: people the report lists (1 is right: the page is one person)",
            exact=True,
        ),
        Metric(
            "identities.owner_share",
            True,
            "single-owner dev pages: share of the papers the report gives the primary identity",
        ),
        Metric("identities.must_merge_recall", True, "same-person pairs put together"),
        Metric("identities.must_separate", True, "different-person pairs kept apart"),
        Metric(
            "quality.findings",
            False,
            "quality findings of every kind, over all blurbs",
            exact=True,
        ),
        *(
            Metric(f"quality.{kind}", False, f"quality findings of kind {kind!r}", exact=True)
            for kind in quality_checks.KINDS
        ),
        Metric(
            "quality.duplicate_themes",
            False,
            "pairs of theme names that say the same thing",
            exact=True,
        ),
        Metric(
            "quality.paper_coverage",
            True,
            "share of the papers in scope the blurb speaks about (cited, or in a theme it names)",
        ),
        Metric("judge.score", True, "optional LLM judge: mean 1-5 rating over repeats"),
        Metric("judge.spread", None, "optional LLM judge: max - min of the repeated ratings"),
    ]
}

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_CITE = re.compile(r"\[(P\d+(?:\s*,\s*P\d+)*)\]")


# Words that describe the page or the blurb's framing rather than any scientific claim.
FRAMING = frozenset(
    content_terms(
        "papers paper listed list page owner names name span spans main lines line work works "
        "three two four earliest most recent dated stays smaller threads thread include "
        "includes authors co-authors researcher topics themes centre center earlier later "
        "turns turn"
    )
)


def _plain(text: str) -> str:
    return " ".join(_CITE.sub(" ", text).split()).replace(" .", ".").replace(" ,", ",")


@dataclass(frozen=True)
class Claim:
    text: str  # without markers
    citations: tuple[str, ...]
    # (text, labels) per citation marker: the text a marker closes is what it must support.
    segments: tuple[tuple[str, tuple[str, ...]], ...]


def blurb_claims(blurb: str) -> list[Claim]:
    """The blurb's sentences as rendered, each with the labels its markers cite."""
    out = []
    for sentence in _SENTENCE_END.split(blurb.strip()):
        if not sentence:
            continue
        labels = [x.strip() for g in _CITE.findall(sentence) for x in g.split(",")]
        segments = []
        start = 0
        for m in _CITE.finditer(sentence):
            seg_labels = tuple(x.strip() for x in m.group(1).split(","))
            segments.append((_plain(sentence[start : m.start()]), seg_labels))
            start = m.end()
        if len(segments) == 1:  # one marker cites the whole sentence
            segments = [(_plain(sentence), segments[0][1])]
        out.append(Claim(_plain(sentence), tuple(dict.fromkeys(labels)), tuple(segments)))
    return out


def supports(
    claim: str,
    evidence: Iterable[str],
    allowed: frozenset[str] = frozenset(),
    names: frozenset[str] = frozenset(),
) -> bool:
    """Whether the evidence texts jointly state the claim (lexical entailment proxy).
    ``allowed``: stemmed framing words; ``names``: lowercase names needing no evidence."""
    text = "\n".join(evidence)
    if not text:
        return False
    terms = {t for t in content_terms(claim) if t not in allowed}
    have = set(content_terms(text))
    recall = len(terms & have) / len(terms) if terms else 1.0
    facts_ok = all(appears_in(f.text, text) for f in salient_facts(claim, names))
    return recall >= SUPPORT_RECALL and facts_ok


# -- evaluators -----------------------------------------------------------------------------------


def parsing(case: EvalCase, profile: Profile) -> dict[str, float]:
    exp = case.expectation()
    metrics_ok = [profile.metrics.get(k) == v for k, v in exp.metrics.items()]
    return {
        "parse.owner": float(profile.name == exp.owner),
        "parse.papers": float(len(profile.papers) == exp.papers),
        "parse.metrics": float(np.mean(metrics_ok)) if metrics_ok else 1.0,
    }


def prf(predicted: set[str], reference: set[str]) -> tuple[float, float, float]:
    if not predicted or not reference:
        return (0.0, 0.0, 0.0) if predicted or reference else (1.0, 1.0, 1.0)
    tp = len(predicted & reference)
    p, r = tp / len(predicted), tp / len(reference)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def topics(case: EvalCase, report: Report, embedder: Embedder) -> dict[str, float]:
    p, r, f = prf({t.code for t in report.topics.coarse}, set(case.expectation().categories))
    phrases = [t.phrase for t in report.topics.fine] + [t.phrase for t in report.topics.themes]
    themes = case.expectation().themes
    coverage = 1.0
    if themes:
        if phrases:
            sims = embedder.embed(themes) @ embedder.embed(phrases).T
            coverage = float((sims.max(axis=1) >= THEME_MATCH).mean())
        else:
            coverage = 0.0
    return {
        "topics.coarse_precision": p,
        "topics.coarse_recall": r,
        "topics.coarse_f1": f,
        "topics.theme_coverage": coverage,
    }


def grounding(parts: list[tuple[str, Mapping[str, str]]], owner: str | None) -> dict[str, float]:
    """``parts``: (blurb, label -> evidence text of the papers in that blurb's scope), one per
    identity the report describes; a citation outside its blurb's scope is invalid.

    ALCE-style, per citation marker: a sentence is supported (recall) when every marker's
    papers jointly support the text the marker closes; a citation is precise when its paper
    supports that text alone, or when the others do not without it.
    """
    names = frozenset({owner.lower(), *owner.lower().split()}) if owner else frozenset()
    allowed = FRAMING | frozenset(content_terms(owner or ""))
    cited: list[str] = []
    valid: list[str] = []
    supported = 0
    precise = 0
    unsupported_facts = 0
    n = 0
    for blurb, texts in parts:
        claims = blurb_claims(blurb)
        n += len(claims)
        cited += [c for claim in claims for c in claim.citations]
        valid += [c for claim in claims for c in claim.citations if c in texts]
        for claim in claims:
            s, p, u = _ground_claim(claim, texts, allowed, names)
            supported += s
            precise += p
            unsupported_facts += u
    return {
        "grounding.citation_validity": len(valid) / len(cited) if cited else 0.0,
        "grounding.citation_precision": precise / len(valid) if valid else 0.0,
        "grounding.citation_recall": supported / n if n else 0.0,
        "grounding.unsupported_share": (n - supported) / n if n else 1.0,
        "grounding.unsupported_facts": float(unsupported_facts),
    }


def _ground_claim(
    claim: Claim, texts: Mapping[str, str], allowed: frozenset[str], names: frozenset[str]
) -> tuple[int, int, int]:
    """(supported 0/1, precise citations, unsupported facts) of one sentence."""
    precise = 0
    ok = bool(claim.segments)
    for segment, seg_labels in claim.segments:
        labels = [c for c in seg_labels if c in texts]
        joint = supports(segment, (texts[c] for c in labels), allowed, names)
        ok = ok and joint
        for c in labels:
            rest = [x for x in labels if x != c]
            alone = supports(segment, [texts[c]], allowed, names)
            needed = joint and not supports(segment, (texts[x] for x in rest), allowed, names)
            precise += alone or needed
    evidence = "\n".join(texts[c] for c in claim.citations if c in texts)
    unsupported = sum(not appears_in(f.text, evidence) for f in salient_facts(claim.text, names))
    return int(ok), precise, unsupported


def _mentions(text: str, phrase: str) -> bool:
    return phrase.casefold() in text.casefold()


def content(case: EvalCase, blurbs: list[str], embedder: Embedder) -> dict[str, float]:
    """``blurbs``: the report's blurb first, then one per other identity it describes.
    ``content.sentences`` counts the report's blurb; facts and claims are checked on all."""
    everything = " ".join(blurbs)
    facts = case.expectation().key_facts
    covered = [any(_mentions(everything, p) for p in f.any_of) for f in facts]
    violations = sum(
        all(any(_mentions(blurb, p) for p in group) for group in claim.all_of)
        for claim in case.expectation().forbidden
        for blurb in blurbs
    )
    similarity = 0.0
    plain = " ".join(c.text for b in blurbs for c in blurb_claims(b))
    if plain and case.expectation().themes:
        a, b = embedder.embed([plain, "; ".join(case.expectation().themes)])
        similarity = float(a @ b)
    return {
        "content.sentences": float(len(blurb_claims(blurbs[0]))) if blurbs else 0.0,
        "content.key_fact_coverage": float(np.mean(covered)) if covered else 1.0,
        "content.forbidden_violations": float(violations),
        "content.theme_similarity": similarity,
    }


def b3(predicted: Mapping[str, str], groups: list[list[str]]) -> tuple[float, float, float]:
    """B-cubed precision/recall/F1 over the papers the reference annotates."""
    ref = {label: i for i, group in enumerate(groups) for label in group}
    items = [x for x in ref if x in predicted]
    if not items:
        return 0.0, 0.0, 0.0
    precisions, recalls = [], []
    for x in items:
        same_pred = {y for y in items if predicted[y] == predicted[x]}
        same_ref = {y for y in items if ref[y] == ref[x]}
        both = same_pred & same_ref
        precisions.append(len(both) / len(same_pred))
        recalls.append(len(both) / len(same_ref))
    p, r = float(np.mean(precisions)), float(np.mean(recalls))
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def identities(case: EvalCase, predicted: Mapping[str, str]) -> dict[str, float]:
    ref = case.expectation().identities
    if ref is None:
        return {}
    p, r, f = b3(predicted, ref.groups)
    violations = sum(
        1
        for a, b in ref.apart
        if a in predicted and b in predicted and predicted[a] == predicted[b]
    )
    return {
        "identities.b3_precision": p,
        "identities.b3_recall": r,
        "identities.b3_f1": f,
        "identities.must_separate_violations": float(violations),
    }


# -- dev pages (gold.json) -----------------------------------------------------------------------


def title_key(title: str | None) -> str:
    """Titles compare on their text: case, spacing and end punctuation aside."""
    t = re.sub(r"\s+", " ", title or "").strip().lower()
    return re.sub(r"[\s\"“”'’.,;:]+$", "", t)


def gold_labels(gold: Gold, profile: Profile) -> dict[str, str]:
    """Gold label (P<position>) -> parsed paper id, matched on title text (first unused)."""
    free: dict[str, list[str]] = {}
    for p in profile.papers:
        free.setdefault(title_key(p.title), []).append(p.id)
    out = {}
    for i, title in enumerate(gold.paper_titles, start=1):
        ids = free.get(title_key(title))
        if ids:
            out[f"P{i}"] = ids.pop(0)
    return out


def page_reading(gold: Gold, profile: Profile) -> dict[str, float]:
    """Title recall/precision, years, owner and owner-in-authors of a dev page."""
    gold_keys = [title_key(t) for t in gold.paper_titles]
    parsed = [title_key(p.title) for p in profile.papers]
    remaining = list(gold_keys)
    hits = 0
    for key in parsed:
        if key in remaining:
            remaining.remove(key)
            hits += 1
    matched = gold_labels(gold, profile)
    by_id = {p.id: p for p in profile.papers}
    years = [
        (gold.years[int(label[1:]) - 1], by_id[pid].year)
        for label, pid in matched.items()
        if gold.years[int(label[1:]) - 1] is not None
    ]
    metrics = {
        "parse.title_recall": hits / len(gold_keys) if gold_keys else 1.0,
        "parse.title_precision": hits / len(parsed) if parsed else 0.0,
        "parse.year_accuracy": float(np.mean([a == b for a, b in years])) if years else 1.0,
        "parse.owner": float(profile.name == gold.name),
        "parse.papers_read": float(len(profile.papers)),
    }
    if gold.owner_in_author_lists and gold.name and matched:
        family = {
            re.sub(r"[^a-z]", "", t.lower())
            for t in re.sub(r"\(.*?\)|[^\w\s\-]", " ", gold.name).split()
            if len(t) > 1 and t.lower() not in ("dr", "prof")
        }
        signed = [
            any(re.sub(r"[^a-z]", "", a.split()[-1].lower()) in family for a in by_id[pid].authors)
            for pid in matched.values()
        ]
        metrics["parse.owner_in_authors"] = float(np.mean(signed))
    return metrics


def gold_identities(gold: Gold, predicted: Mapping[str, str]) -> dict[str, float]:
    """B3, people, pairwise must-merge recall and must-separate over a mixed dev page.

    ``predicted``: gold label -> identity id (papers the parse missed are left out; a paper
    attributed to nobody has its own ``UNATTRIBUTED`` id: a group of one, not a person)."""
    groups = gold.identity_groups()
    if not groups:
        return {}
    p, r, f = b3(predicted, groups)
    ref = {label: i for i, group in enumerate(groups) for label in group}
    labels = [x for x in ref if x in predicted]
    same = [(a, b) for i, a in enumerate(labels) for b in labels[i + 1 :] if ref[a] == ref[b]]
    apart = [(a, b) for i, a in enumerate(labels) for b in labels[i + 1 :] if ref[a] != ref[b]]
    return {
        "identities.b3_precision": p,
        "identities.b3_recall": r,
        "identities.b3_f1": f,
        # People found: identities the papers were attributed to (an unattributed paper is nobody).
        "identities.people": float(
            len({predicted[x] for x in labels if not predicted[x].startswith(UNATTRIBUTED)})
        ),
        "identities.must_merge_recall": (
            sum(predicted[a] == predicted[b] for a, b in same) / len(same) if same else 1.0
        ),
        "identities.must_separate": (
            sum(predicted[a] != predicted[b] for a, b in apart) / len(apart) if apart else 1.0
        ),
        "identities.must_separate_violations": float(
            sum(predicted[a] == predicted[b] for a, b in apart)
        ),
    }


def single_owner(report: Report, n_papers: int) -> dict[str, float]:
    """A page of one person (its gold names no identities): how many people the report
    lists, and the share of the papers it gives the primary identity."""
    ids = report.identities
    if ids is None or not ids.identities:
        return {"identities.owner_people": 1.0, "identities.owner_share": 1.0}
    primary = next((i for i in ids.identities if i.id == ids.primary), ids.identities[0])
    return {
        "identities.owner_people": float(ids.people),
        "identities.owner_share": len(primary.papers) / max(n_papers, 1),
    }


def quality(report: Report) -> tuple[dict[str, float], list[str]]:
    """Blurb quality (``evals/quality.py``) over the report's blurb and every other identity's;
    no reference case needed. Returns the metrics and the findings as readable lines."""
    names = [report.name] if report.name else []
    blurbs = [("blurb", report.blurb)] + [(o.id, o.blurb) for o in report.other_identities]
    found = [(where, f) for where, b in blurbs for f in quality_checks.check_blurb(b, names)]
    metrics = {
        f"quality.{k}": float(sum(f.kind == k for _, f in found)) for k in quality_checks.KINDS
    }
    dupes = quality_checks.duplicate_themes([t.phrase for t in report.topics.themes])
    scope = {pc.paper for pc in report.topics.per_paper}
    themes = [(t.phrase, t.papers) for t in report.topics.themes]
    metrics["quality.findings"] = float(len(found) + len(dupes))
    metrics["quality.duplicate_themes"] = float(len(dupes))
    metrics["quality.paper_coverage"] = quality_checks.paper_coverage(report.blurb, themes, scope)
    lines = [f"{where}: {f.kind}: {f.detail}: {f.sentence[:120]!r}" for where, f in found]
    lines += [f"themes: duplicate_themes: {a!r} / {b!r}" for a, b in dupes]
    return metrics, lines
