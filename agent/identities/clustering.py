"""Identities: the different real people behind one name on a page.

Evidence, strongest first:

1. Shared co-authors (other than the owner; one co-author's spellings with and without middle
   initials are one key) and shared organisations link papers outright.
2. A user's corrections: ``together`` groups are linked, ``apart`` pairs are never merged
   (they override everything else, and are kept across re-ingests).
3. The owner's name as written: a group whose papers write it with a spelled-out given name
   the page's name lacks ("Xiang Lisa Li" on a "Xiang Li" page) and one whose papers write it
   without (two or more papers each) are never merged on content.
4. Field: papers whose arXiv archive (math / physics / q-bio / econ / computing) differs are
   not merged on content; the page's codes are used, else the predicted category. Papers that
   read alike (top-3 similarity >= FIELD_OVERRIDE_SIMILARITY) are on one subject whatever the
   prediction says.
5. Content: groups are merged by the mean of the 3 highest cosine similarities between their
   papers' MiniLM vectors (a small group belongs with a large, varied one when it resembles
   some of that work closely). How similar they must be depends on how much the author lists
   can tell: when both groups list complete author lists and share nobody, that silence is
   evidence of different people, so the bar is high; with truncated ("et al.") or missing
   lists it is low. Single-author papers by the owner join each other at a lower bar still.
6. Time: two groups with real weight one after the other (a PhD lab, then a postdoc lab)
   merge at a lower bar than two that publish in the same years.
7. Weight: a group of fewer than 10% of the page's papers joins the person it clearly
   resembles, else it is left unattributed; so is a single paper. On a page that shows one
   person, every group of their field is theirs.

A page is *mixed* when, beside the primary identity, another identity has real weight: at
least 2 papers and 10% of the page, or a different field.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from retrieval.categories import ARXIV_CATEGORIES, field_of
from retrieval.errors import UserError
from retrieval.models import Profile
from retrieval.names import name_key, same_person
from retrieval.similarity import cosine_matrix, order_desc, rounded, stable

from ..analysis.evidence import Evidence
from ..models import (
    Corrections,
    Identity,
    IdentityEvidence,
    IdentityPaper,
    IdentityResult,
    PaperCategory,
)
from .venue_style import venue_style

STRICT_SIMILARITY = 0.5  # both groups have full author lists and share no co-author
LOOSE_SIMILARITY = 0.28  # author lists truncated or missing
SOLO_SIMILARITY = 0.15  # single-author papers of the owner, same field
# Two collaborator communities (each >= 2 papers held together by co-authors) that share
# nobody merge only when their papers are, on average, about as close as a community's own.
COMMUNITY_SIMILARITY = 0.45
# Two groups one after the other in time (one person's successive collaborator communities: PhD
# lab, postdoc lab, ...) merge at this linkage (mean of the 3 highest paper-paper similarities)
# when nothing else tells them apart; groups that meet in one year need more.
SEQUENTIAL_SIMILARITY = 0.3
TOUCHING_SIMILARITY = 0.45
# A single paper joins the person whose papers it resembles, when it resembles them enough
# (top-3 linkage >= LOOSE_SIMILARITY) and clearly more than anyone else's.
ATTACH_MARGIN = 0.1
# ... or, when content leaves it open, the one person whose venue style it shares (and whose
# papers it resembles at least this much).
STYLE_SIMILARITY = 0.2
MIN_CATEGORY_CONFIDENCE = 0.45
# Papers this close (mean of the 3 highest similarities between two groups) are on one subject:
# a different field predicted for them is the classifier's noise, not a different person.
FIELD_OVERRIDE_SIMILARITY = 0.45
# Two groups whose 3 closest paper pairs are this similar on average work on one narrow
# subject (two people of one name rarely do): they merge whatever their author lists say.
SAME_SUBJECT_SIMILARITY = 0.65
LINK_TOP = 3
MIN_WEIGHT_SHARE = 0.1  # an identity with real weight holds >= 10% of the page's papers


class _Groups:
    """Groups of papers under merging, with what the merge rules need kept up to date:

    * the 3 highest paper-paper similarities between every two groups (``top``, merged as
      top-3 of the union, so the linkage of a merged group costs O(groups), not O(papers^2));
    * which groups may never merge (``apart`` pairs, carried through merges);
    * per group: papers per field and per spelling of the owner's name, first and last year,
      papers with complete author lists, single-author papers (venue styles per paper).
    """

    def __init__(
        self, sim: np.ndarray, facts: list[_PaperFacts], apart: set[tuple[int, int]]
    ) -> None:
        n = len(facts)
        self.n = n
        self.top = np.full((n, n, LINK_TOP), -np.inf, dtype=np.float32)
        if n:
            self.top[:, :, 0] = sim
            np.fill_diagonal(self.top[:, :, 0], -np.inf)
        # Sum of paper-paper similarities between groups, for average linkage.
        self.total = sim.astype(np.float64).copy() if n else np.zeros((0, 0))
        if n:
            np.fill_diagonal(self.total, 0.0)
        self.community = np.zeros(n, dtype=bool)
        self.communities_only = False
        self.cannot = np.zeros((n, n), dtype=bool)
        for i, j in apart:
            self.cannot[i, j] = self.cannot[j, i] = True
        fields = sorted({f.field for f in facts if f.field})
        self.field_counts = np.zeros((n, len(fields) or 1), dtype=np.int32)
        for i, f in enumerate(facts):
            if f.field:
                self.field_counts[i, fields.index(f.field)] = 1
        forms = sorted({f.form for f in facts if f.form is not None})
        self.form_counts = np.zeros((n, len(forms) or 1), dtype=np.int32)
        for i, f in enumerate(facts):
            if f.form is not None:
                self.form_counts[i, forms.index(f.form)] = 1
        self.link = self._top_link(slice(None))
        # Per group, kept up to date on each merge: its field, which owner-name forms it
        # writes, and how many of its papers write one.
        self.group_field = self._field(np.arange(n))
        self.has_form = (self.form_counts > 0).astype(np.int32)
        self.form_total = self.form_counts.sum(axis=1)
        years = [f.year for f in facts]
        self.first = np.array([y if y else 10_000 for y in years], dtype=np.int32)
        self.last = np.array([y if y else -10_000 for y in years], dtype=np.int32)
        self.dated = np.array([bool(y) for y in years], dtype=np.int32)
        self.styles = [f.style for f in facts]
        self.complete = np.array([f.complete for f in facts], dtype=np.int32)
        self.solo = np.array([f.solo for f in facts], dtype=np.int32)
        self.size = np.ones(n, dtype=np.int32)
        self.active = np.ones(n, dtype=bool)
        self.members: dict[int, list[int]] = {i: [i] for i in range(n)}
        self.root = list(range(n))

    def find(self, x: int) -> int:
        while self.root[x] != x:
            self.root[x] = self.root[self.root[x]]
            x = self.root[x]
        return x

    def allowed(self, a: int, b: int) -> bool:
        return not self.cannot[self.find(a), self.find(b)]

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb or self.cannot[ra, rb]:
            return False
        merged = np.sort(np.concatenate([self.top[ra], self.top[rb]], axis=1), axis=1)
        self.top[ra] = merged[:, -LINK_TOP:]
        self.top[:, ra] = self.top[ra]
        self.top[ra, ra] = -np.inf
        self.top[rb] = -np.inf
        self.top[:, rb] = -np.inf
        self.link[ra] = self._top_link(ra)
        self.link[:, ra] = self.link[ra]
        self.link[rb] = -np.inf
        self.link[:, rb] = -np.inf
        self.total[ra] += self.total[rb]
        self.total[:, ra] = self.total[ra]
        self.community[ra] |= self.community[rb]
        self.cannot[ra] |= self.cannot[rb]
        self.cannot[:, ra] = self.cannot[ra]
        self.field_counts[ra] += self.field_counts[rb]
        self.form_counts[ra] += self.form_counts[rb]
        self.group_field[ra] = self._field(ra)
        self.has_form[ra] = self.form_counts[ra] > 0
        self.form_total[ra] = self.form_counts[ra].sum()
        self.first[ra] = min(self.first[ra], self.first[rb])
        self.last[ra] = max(self.last[ra], self.last[rb])
        self.dated[ra] += self.dated[rb]
        self.complete[ra] += self.complete[rb]
        self.solo[ra] += self.solo[rb]
        self.size[ra] += self.size[rb]
        self.active[rb] = False
        self.members[ra] += self.members.pop(rb)
        self.root[rb] = ra
        return True

    def groups(self) -> list[list[int]]:
        return [sorted(m) for m in self.members.values()]

    # -- content merging -------------------------------------------------------------------

    def _field(self, rows: np.ndarray | int) -> np.ndarray:
        counts = self.field_counts[rows]
        return np.where(counts.sum(axis=-1) > 0, counts.argmax(axis=-1), -1)

    def top_link(self, rows: int | slice = slice(None)) -> np.ndarray:
        """Mean of the 3 highest paper-paper similarities between group(s) ``rows`` and every
        group; -inf where there is no pair (kept per pair, updated on each merge)."""
        return self.link[rows]

    def _top_link(self, rows: int | slice) -> np.ndarray:
        top = self.top[rows]
        finite = np.isfinite(top)
        count = finite.sum(axis=-1)
        total = np.where(finite, top, 0).sum(axis=-1)
        return np.where(count > 0, total / np.maximum(count, 1), -np.inf)

    def _margins(self, r: int) -> np.ndarray:
        """linkage - required similarity from group ``r`` to every group; -inf where a merge
        is not allowed."""
        link = self.top_link(r)
        both = self.community[r] & self.community
        average = self.total[r] / np.maximum(self.size[r] * self.size, 1)
        bars = self.bars(r, link)
        # Papers this close are on one narrow subject: whoever the co-authors, one person.
        same_subject = link - SAME_SUBJECT_SIMILARITY
        link = np.where(both, average, link)
        margin = rounded(np.where(np.isnan(bars), np.nan, np.fmax(link - bars, same_subject)))
        margin[np.isnan(margin) | self.cannot[r] | ~self.active | (margin < 0)] = -np.inf
        if self.communities_only:
            margin[~both] = -np.inf
        margin[r] = -np.inf
        return margin

    def bars(self, r: int, link: np.ndarray | None = None) -> np.ndarray:
        """The similarity group ``r`` needs to merge with each group on content; NaN where
        their fields differ (no content merge at all). ``link``: ``top_link(r)``, when at hand."""
        fr, fo = self.group_field[r], self.group_field
        close = rounded(self.top_link(r) if link is None else link) >= FIELD_OVERRIDE_SIMILARITY
        clash = (fr >= 0) & (fo >= 0) & (fo != fr) & ~close
        # Both groups write the owner's name, and never the same way ("Xiang Lisa Li" on one
        # side only): the name itself tells them apart.
        # Two or more papers on each side: one oddly written paper is not a pattern.
        known = self.form_total >= 2
        shared = self.has_form @ self.has_form[r]
        clash |= known[r] & known & (shared == 0)
        solo = (self.solo[r] == self.size[r]) & (self.solo == self.size)
        strict = (self.complete[r] * 2 > self.size[r]) & (self.complete * 2 > self.size)
        bar = np.where(solo, SOLO_SIMILARITY, np.where(strict, STRICT_SIMILARITY, LOOSE_SIMILARITY))
        bar = np.where(self.community[r] & self.community, COMMUNITY_SIMILARITY, bar)
        return np.where(clash, np.nan, bar)

    def clashes(self, r: int) -> np.ndarray:
        return np.isnan(self.bars(r)) | self.cannot[r]

    def merge_sequential(self, weighty: int) -> None:
        """Merge two groups of ``weighty`` or more papers one after the other in time, at a
        linkage (mean of the 3 highest similarities) >= SEQUENTIAL_SIMILARITY when the later
        one's first dated paper comes after the earlier one's last, >= TOUCHING_SIMILARITY
        when they meet in one year: people move from lab to lab, and two people of one name in
        one field rarely publish one after the other. Closest pair first, until none is left."""
        while True:
            big = self.active & (self.size >= weighty) & (self.dated > 0)
            link = rounded(self.top_link())
            best: tuple[float, int, int] | None = None
            for a in np.flatnonzero(big):
                clash = self.clashes(int(a))
                for b in np.flatnonzero(big):
                    if b <= a or clash[b]:
                        continue
                    overlap = min(self.last[a], self.last[b]) - max(self.first[a], self.first[b])
                    bar = SEQUENTIAL_SIMILARITY if overlap < 0 else TOUCHING_SIMILARITY
                    if (
                        overlap <= 0
                        and link[a, b] >= bar
                        and (best is None or link[a, b] > best[0])
                    ):
                        best = (float(link[a, b]), int(a), int(b))
            if best is None:
                return
            self.union(best[1], best[2])

    def _choose(self, r: int, people: list[int], sim: np.ndarray) -> tuple[int, float] | None:
        """The person group ``r`` belongs with, and their similarity, or None. By content: the
        group it resembles most (mean of the 3 highest paper-paper similarities), when that is
        at least LOOSE_SIMILARITY and ATTACH_MARGIN above every other candidate. When content
        leaves it open, a venue style that all of ``r``'s papers show and only one candidate's
        papers share decides, if that candidate is within ATTACH_MARGIN of the closest and at
        least STYLE_SIMILARITY (entries gathered from one source keep its habits)."""
        scores = rounded(
            np.array(
                [
                    np.sort(sim[np.ix_(self.members[r], self.members[g])].ravel())[-LINK_TOP:].mean(
                        dtype=np.float64
                    )
                    for g in people
                ]
            )
        )
        order = order_desc(scores)
        top = float(scores[order[0]])
        second = float(scores[order[1]]) if len(people) > 1 else 0.0
        if top >= LOOSE_SIMILARITY and stable(top - max(second, 0.0)) >= ATTACH_MARGIN:
            return people[order[0]], top
        own = frozenset.intersection(*(self.styles[i] for i in self.members[r]))
        if not own or len(people) < 2:
            return None
        marks = [frozenset().union(*(self.styles[i] for i in self.members[g])) for g in people]
        shared = [
            k
            for k, m in enumerate(marks)
            if own & m - frozenset().union(*(marks[j] for j in range(len(people)) if j != k))
        ]
        if len(shared) == 1:
            score = float(scores[shared[0]])
            if score >= max(STYLE_SIMILARITY, stable(top - ATTACH_MARGIN)):
                return people[shared[0]], score
        return None

    def fold_small(self, sim: np.ndarray, weighty: int) -> None:
        """A group of 2 to ``weighty`` - 1 papers joins the person of ``weighty`` or more
        papers (of a field and name it may merge with) that ``_choose`` picks: a professor's
        recent two-paper collaborations beside sixty papers of their own."""
        everyone = [int(r) for r in np.flatnonzero(self.active & (self.size >= weighty))]
        small = np.flatnonzero(self.active & (self.size < weighty) & (self.size >= 2))
        joins = []
        for r in (int(x) for x in small):
            clash = self.clashes(r)
            people = [g for g in everyone if not clash[g]]
            chosen = self._choose(r, people, sim) if people else None
            if chosen:
                joins.append((r, chosen[0]))
        for r, g in joins:
            self.union(g, r)

    def attach_singles(self, sim: np.ndarray) -> None:
        """A single paper joins the group of >= 2 papers (of a field and name it may merge
        with) that ``_choose`` picks, unless another single paper is closer to it (the two may
        be a further person's). Decided for every single paper against the groups as they
        stand before any joins, so page order does not matter."""
        everyone = [int(r) for r in np.flatnonzero(self.active & (self.size >= 2))]
        singles = [int(r) for r in np.flatnonzero(self.active & (self.size == 1))]
        joins = []
        for i in singles:
            clash = self.clashes(i)
            people = [g for g in everyone if not clash[g]]
            chosen = self._choose(i, people, sim) if people else None
            # Only singles it could be merged with; a copy of the same paper is no other work.
            peers = [sim[i, j] for j in singles if j != i and not clash[j] and sim[i, j] < 1.0]
            peer = float(max(peers)) if peers else -np.inf  # sim is rounded
            if chosen and chosen[1] >= peer:
                joins.append((i, chosen[0]))
        for i, g in joins:
            self.union(g, i)

    def merge_by_content(self, communities_only: bool = False) -> None:
        """Greedy: merge the pair with the largest margin over its bar (ties: the lowest group
        index, then the lowest partner index), until none is left. Each group caches its best
        partner and margin. After a merge, the merged group's row is recomputed; a group whose
        best partner was one of the two merged keeps an upper bound (its old best or its margin
        to the merged group, whichever is higher) and is recomputed only when that bound comes
        out on top: the merges of recomputing every row after each merge, without the cost
        when a large group absorbs many single papers one by one. ``communities_only``: merge
        collaborator communities with each other only."""
        self.communities_only = communities_only
        best_val = np.full(self.n, -np.inf)
        best_col = np.full(self.n, -1)
        stale = np.zeros(self.n, dtype=bool)

        def refresh(r: int) -> np.ndarray:
            m = self._margins(r)
            best_col[r] = int(m.argmax())
            best_val[r] = m[best_col[r]]
            stale[r] = False
            return m

        if not self.active.any():
            return

        for r in np.flatnonzero(self.active):
            refresh(int(r))
        while True:
            a = int(best_val.argmax())
            if not np.isfinite(best_val[a]):
                return
            if stale[a]:
                refresh(a)
                continue
            b = int(best_col[a])
            self.union(a, b)
            keep, gone = self.find(a), (b if self.find(a) == a else a)
            best_val[gone] = -np.inf
            stale[gone] = False
            m = refresh(keep)
            rows = np.flatnonzero(self.active)
            rows = rows[rows != keep]
            link = m[rows]
            finite = np.isfinite(link)
            # A group whose partner is gone: the best it can have now is bounded by its old
            # best (every other pair of it is unchanged) or its margin to the merged group.
            orphan = (best_col[rows] == a) | (best_col[rows] == b)
            lifted = orphan & finite & (link > best_val[rows])
            best_val[rows[lifted]] = link[lifted]
            stale[rows[orphan]] = True
            # Every other group's pairs are unchanged: the merged group is its best when it
            # beats the old best (on a tie, when it has the lower index, as a recomputed row
            # would pick it).
            old = best_val[rows]
            won = ~orphan & finite & ((link > old) | ((link == old) & (keep < best_col[rows])))
            best_col[rows[won]] = keep
            best_val[rows[won]] = link[won]


@dataclass
class _PaperFacts:
    coauthors: set[str]
    complete: bool  # a full author list with co-authors: silence about others is evidence
    solo: bool  # the owner is the only author
    orgs: set[str]
    field: str | None
    # How the paper writes the owner's name: "" as the page names them, "lisa" with a spelled-out
    # given name the page's name lacks ("Xiang Lisa Li" for "Xiang Li"), None when the owner is
    # not in the author list or is written with initials only.
    form: str | None = None
    self_key: str | None = None  # the co-author key of the owner's spelling on this paper
    year: int | None = None
    style: frozenset[str] = frozenset()  # how the venue is written (venue_style.py)


def _facts(evidence: Evidence, categories: list[PaperCategory]) -> list[_PaperFacts]:
    name = evidence.profile.name
    owner = name_key(name) if name else None
    cats = {pc.paper: pc for pc in categories}
    keys = _coauthor_keys(a for pe in evidence.papers for a in pe.paper.authors)
    out = []
    for pe in evidence.papers:
        p = pe.paper
        # The owner as this paper writes them: their exact name when it is there (a co-author
        # "Xin Li" on a "Xiang Li" page is someone else), else another spelling of it.
        written = next((a for a in p.authors if name_key(a) == owner), None) or next(
            (a for a in p.authors if name and same_person(name, a)), None
        )
        others = {keys[a] for a in p.authors if name_key(a) != owner}
        # The owner under another spelling ("A. L. Baskerville", "Xiang Lisa Li") stays in
        # ``others``: papers that write the owner the same unusual way are linked by it.
        form = _name_form(written, name) if written and name else None
        pc = cats.get(pe.label)
        field = None
        if pc and pc.codes and (pc.source == "page" or pc.confidence >= MIN_CATEGORY_CONFIDENCE):
            fields = Counter(field_of(c) for c in pc.codes)
            field = fields.most_common(1)[0][0]
        out.append(
            _PaperFacts(
                coauthors=others,
                complete=bool(others) and not p.authors_truncated,
                solo=bool(owner) and [name_key(a) for a in p.authors] == [owner],
                orgs={o.lower() for o in p.orgs},
                field=field,
                form=form,
                self_key=keys[written] if written else None,
                year=p.year,
                style=venue_style(p.venue),
            )
        )
    return out


_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})


def _name_parts(author: str) -> tuple[str, tuple[str, ...], str]:
    """(first given name or its initial, middle initials, family name), name_key-normalised;
    "Jr."-style suffixes dropped; "Family, Given" understood."""
    if "," in author:
        family, _, given = author.partition(",")
        tokens = [t for t in re.split(r"[\s.]+", given) if t and name_key(t) not in _SUFFIXES]
    else:
        parts = [t for t in re.split(r"[\s.]+", author) if t and name_key(t) not in _SUFFIXES]
        family, tokens = (parts[-1], parts[:-1]) if len(parts) > 1 else (author, [])
    first = name_key(tokens[0]) if tokens else ""
    middles = tuple(k[:1] for t in tokens[1:] if (k := name_key(t)))
    return first, middles, name_key(family)


def _coauthor_keys(authors: Iterable[str]) -> dict[str, str]:
    """One key per co-author spelling on the page, shared by the spellings of one person:
    the first given name (or initial) and the family name, middle initials left out when the
    page never writes two different ones for that first and family name ("Masood S.
    Mortazavi" = "Masood Mortazavi", "S. M. Shekatkar" = "S. Shekatkar"), kept when it does
    ("J. A. Smith" != "J. B. Smith"); "Yu Wang" != "Yi Wang"."""
    parts = {a: _name_parts(a) for a in dict.fromkeys(authors)}
    middles: dict[tuple[str, str], set[tuple[str, ...]]] = {}
    for first, mid, family in parts.values():
        middles.setdefault((first, family), set()).add(mid)
    keys = {}
    for a, (first, mid, family) in parts.items():
        several = len({m for m in middles[(first, family)] if m}) > 1
        keys[a] = " ".join(x for x in (first, ".".join(mid) if several else "", family) if x)
    return keys


def _name_form(written: str, owner: str) -> str | None:
    """The spelled-out given names in ``written`` that the page's ``owner`` name lacks, joined
    ("" when there are none: the same name however spaced or hyphenated, "Jane" for a page's
    "J."); None when ``written`` gives initials only beside the family name."""
    if name_key(written) == name_key(owner):
        return ""
    tokens = [t for t in re.split(r"[\s.,]+", written) if t]
    spelled = [name_key(t) for t in tokens if len(name_key(t)) >= 2]
    if len(spelled) < 2:
        return None
    own = [name_key(t) for t in re.split(r"[\s.,\-]+", owner) if t]
    known = set(own) | {"".join(own)}
    initials = [k for k in own if len(k) == 1]
    extra = []
    for t in spelled:
        if t in known or any(t in k for k in known if len(k) > len(t)):
            continue
        if t[:1] in initials:  # "Jane" writes out the page's "J."
            initials.remove(t[:1])
            continue
        extra.append(t)
    return " ".join(sorted(extra))


def _labels_to_index(labels: Iterable[str], index: dict[str, int], what: str) -> list[int]:
    out = []
    for label in labels:
        if label not in index:
            raise UserError(f"corrections: {what} names {label!r}, which is not on this page")
        out.append(index[label])
    return out


def assign_identities(
    evidence: Evidence,
    categories: list[PaperCategory],
    corrections: Corrections | None = None,
    topics_of: Callable[[set[str]], list[str]] | None = None,
) -> IdentityResult:
    """Group the papers in ``evidence`` into identities (see the module docstring).
    ``topics_of`` names a group of papers (labels -> its best keyphrases)."""
    papers = evidence.papers
    n = len(papers)
    index = {pe.label: i for i, pe in enumerate(papers)}
    facts = _facts(evidence, categories)
    apart: set[tuple[int, int]] = set()
    if corrections:
        for a, b in corrections.apart:
            i, j = _labels_to_index((a, b), index, "apart")
            apart.add((i, j))
    vectors = np.stack(
        [
            pe.vector if pe.vector is not None else np.zeros(_dim(evidence), np.float32)
            for pe in papers
        ]
    ) if n else np.zeros((0, 1), np.float32)  # fmt: skip
    sim = cosine_matrix(vectors)
    groups = _Groups(sim, facts, apart)
    if corrections:
        for together in corrections.together:
            idx = _labels_to_index(together, index, "together")
            for j in idx[1:]:
                if groups.find(idx[0]) != groups.find(j) and not groups.union(idx[0], j):
                    raise UserError(
                        f"corrections: together {together} conflicts with an 'apart' pair"
                    )

    # 1. Co-authors and organisations link papers outright.
    for key in ("coauthors", "orgs"):
        seen: dict[str, int] = {}
        for i, f in enumerate(facts):
            for value in sorted(getattr(f, key)):
                if value in seen:
                    groups.union(seen[value], i)
                else:
                    seen[value] = i

    # A group the co-author links built is a collaborator community.
    for members in groups.members.values():
        if len(members) >= 2:
            groups.community[groups.find(members[0])] = True

    # 2. Content merges between groups, closest first, under the field and evidence rules:
    # communities with each other first, before single papers blur their averages.
    groups.merge_by_content(communities_only=True)
    groups.merge_by_content()
    weighty = _weighty(n)
    groups.merge_sequential(weighty)
    groups.fold_small(sim, weighty)
    groups.attach_singles(sim)

    final = sorted(groups.groups(), key=lambda g: (-len(g), g[0]))
    if final and len(_listed(final, facts, set())[0]) == 1:
        # One person with some outlying papers: fold in every group of their field (author
        # lists that share nobody are the rule for a single paper, not evidence of someone
        # else, once the page shows one person).
        root = groups.find(final[0][0])
        bars = groups.bars(root)
        for group in final[1:]:
            if not np.isnan(bars[groups.find(group[0])]):
                groups.union(root, group[0])
        final = groups.groups()
    pinned = set()
    if corrections:
        named = [x for group in [*corrections.apart, *corrections.together] for x in group]
        pinned = {index[label] for label in named}
    return _result(evidence, final, facts, sim, categories, topics_of, corrections, pinned)


def _weighty(n: int) -> int:
    """Papers a group needs to have real weight on a page of ``n`` papers."""
    return max(2, int(np.ceil(MIN_WEIGHT_SHARE * n - 1e-9)))


def _listed(
    groups: list[list[int]], facts: list[_PaperFacts], pinned: set[int]
) -> tuple[list[list[int]], list[int]]:
    """The groups reported as people (largest first), and the papers left unattributed: a
    group with real weight (``_weighty``) is a person, and so is a group the user's
    corrections name; another group is one only when its field differs from every person
    listed before it (a lone physics paper among computing work); any other group has no
    evidence that separates it from the listed people."""
    n = sum(len(g) for g in groups)
    listed = [g for g in groups if len(g) >= _weighty(n) or pinned & set(g)] or groups[:1]
    fields = {_group_field(g, facts) for g in listed}
    unattributed: list[int] = []
    for g in groups:
        if g in listed:
            continue
        f = _group_field(g, facts)
        if f is not None and f not in fields:
            listed.append(g)
            fields.add(f)
        else:
            unattributed += g
    return listed, unattributed


def _ranked(counts: Counter[str]) -> list[tuple[str, int]]:
    """Most frequent first, ties by name: the counted items come from sets, whose order
    changes with Python's hash seed from run to run."""
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _dim(evidence: Evidence) -> int:
    return next((pe.vector.shape[0] for pe in evidence.papers if pe.vector is not None), 1)


def _group_field(group: list[int], facts: list[_PaperFacts]) -> str | None:
    fields = Counter(facts[i].field for i in group if facts[i].field)
    return fields.most_common(1)[0][0] if fields else None


def _result(
    evidence: Evidence,
    groups: list[list[int]],
    facts: list[_PaperFacts],
    sim: np.ndarray,
    categories: list[PaperCategory],
    topics_of: Callable[[set[str]], list[str]] | None,
    corrections: Corrections | None,
    pinned: set[int],
) -> IdentityResult:
    papers = evidence.papers
    groups, single = _listed(sorted(groups, key=lambda g: (-len(g), g[0])), facts, pinned)
    people = len(groups)
    cats = {pc.paper: pc.codes for pc in categories}
    keys = _coauthor_keys(a for pe in papers for a in pe.paper.authors)
    identities: list[Identity] = []
    for k, group in enumerate(groups, start=1):
        inside_mask = np.zeros(len(papers), dtype=bool)
        inside_mask[group] = True
        coauthor_counts = Counter(a for i in group for a in facts[i].coauthors)
        members = []
        for i in group:
            linked = any(coauthor_counts[a] >= 2 for a in facts[i].coauthors)
            row = sim[i]
            inside = (
                float((row[inside_mask].sum() - row[i]) / (len(group) - 1))
                if len(group) > 1
                else 1.0
            )
            outside = float(row[~inside_mask].max()) if (~inside_mask).any() else 0.0
            conf = 0.95 if linked else min(0.95, max(0.3, stable(0.6 + inside - outside)))
            members.append((i, round(conf, 3)))
        spelled = {keys[a]: a for i in group for a in papers[i].paper.authors}
        selves = {facts[i].self_key for i in group}
        shared = [
            spelled.get(a, a) for a, c in _ranked(coauthor_counts) if c >= 2 and a not in selves
        ][:5]
        orgs = Counter(o for i in group for o in facts[i].orgs)
        codes = Counter(c for i in group for c in cats.get(papers[i].label, []))
        field = _group_field(group, facts)
        terms = topics_of({papers[i].label for i in group})[:4] if topics_of else []
        years = sorted({y for i in group if (y := papers[i].paper.year)})
        ev = IdentityEvidence(
            coauthors=shared,
            orgs=[o for o, _ in _ranked(orgs)[:3]],
            top_terms=terms,
            categories=[c for c, _ in codes.most_common(3)],
            years=years,
            single_author=sum(facts[i].solo for i in group),
        )
        identities.append(
            Identity(
                id=f"I{k}",
                label=_label(ev, field, len(group)),
                confidence=round(float(np.mean([c for _, c in members])), 3),
                field=field,
                evidence=ev,
                papers=[
                    IdentityPaper(
                        id=papers[i].paper.id,
                        position=papers[i].paper.position,
                        label=papers[i].label,
                        title=papers[i].paper.title,
                        year=papers[i].paper.year,
                        confidence=c,
                    )
                    for i, c in sorted(members, key=lambda m: papers[m[0]].paper.position)
                ],
            )
        )
    primary = identities[0] if identities else None
    n = len(papers)
    if primary is None:
        reason = "the page lists no papers"
    else:
        reason = f"the largest group: {len(primary.papers)} of {n} papers"
        if primary.evidence.coauthors:
            reason += f", held together by co-authors {', '.join(primary.evidence.coauthors[:2])}"
    return IdentityResult(
        mixed=people > 1,
        people=people,
        primary=primary.id if primary else "",
        reason=reason,
        identities=identities,
        unattributed=[
            IdentityPaper(
                id=papers[i].paper.id,
                position=papers[i].paper.position,
                label=papers[i].label,
                title=papers[i].paper.title,
                confidence=0.0,
            )
            for i in sorted(single, key=lambda i: papers[i].paper.position)
        ],
        corrections_applied=corrections is not None
        and bool(corrections.together or corrections.apart),
    )


def _label(ev: IdentityEvidence, field: str | None, size: int) -> str:
    topic = ev.top_terms[0] if ev.top_terms else None
    area = ARXIV_CATEGORIES.get(ev.categories[0]) if ev.categories else None
    head = area or (field.capitalize() if field else "Unclassified")
    parts = [f"{head}: {topic}" if topic else head]
    if ev.coauthors:
        parts.append("with " + ", ".join(ev.coauthors[:2]))
    elif ev.orgs:
        parts.append(ev.orgs[0])
    elif ev.single_author and ev.single_author == size:
        parts.append("single-author papers")
    return "; ".join(parts)


def apply_identities(profile: Profile, result: IdentityResult) -> Profile:
    """A copy of ``profile`` whose papers carry their identity ids."""
    assignment = result.assignment()
    return profile.model_copy(
        update={
            "papers": [
                p.model_copy(update={"identity_id": assignment.get(p.id)}) for p in profile.papers
            ]
        }
    )
