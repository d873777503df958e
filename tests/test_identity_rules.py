"""The identity rules one at a time, on synthetic pages whose similarities are set exactly:
each paper's vector mixes unit "subject" directions with a direction of its own, so the cosine
of two papers is the dot product of their subject weights. Each rule is shown with a control
page that differs only in the evidence the rule reads."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from agent.analysis.evidence import Evidence, PaperEvidence
from agent.identities.clustering import assign_identities
from agent.models import IdentityResult, PaperCategory
from retrieval.models import Paper, Profile

DIM = 384


@dataclass
class P:
    """One synthetic paper: authors, year, subject weights ({subject: weight}), codes."""

    authors: list[str]
    year: int | None = 2020
    subjects: dict[int, float] = field(default_factory=dict)
    codes: list[str] = field(default_factory=list)  # from the page
    predicted: list[str] = field(default_factory=list)  # predicted, confidence 0.9
    venue: str | None = None


def _page(owner: str, papers: list[P]) -> tuple[Evidence, list[PaperCategory]]:
    rows, cats = [], []
    for i, spec in enumerate(papers):
        vec = np.zeros(DIM, dtype=np.float64)
        for subject, weight in spec.subjects.items():
            vec[subject] = weight
        rest = 1.0 - float(np.sum(vec**2))
        assert rest >= 0, "subject weights must have a squared sum <= 1"
        vec[200 + i] = np.sqrt(rest)  # the paper's own direction
        paper = Paper(
            id=f"p{i + 1}",
            position=i + 1,
            title=f"Paper {i + 1}",
            authors=spec.authors,
            year=spec.year,
            categories=spec.codes,
            venue=spec.venue,
            source_line=i + 1,
        )
        rows.append(PaperEvidence(paper, "page", paper.text(), vec.astype(np.float32)))
        if spec.codes:
            cats.append(
                PaperCategory(paper=paper.label, codes=spec.codes, source="page", confidence=1)
            )
        elif spec.predicted:
            cats.append(
                PaperCategory(
                    paper=paper.label, codes=spec.predicted, source="predicted", confidence=0.9
                )
            )
        else:
            cats.append(
                PaperCategory(paper=paper.label, codes=[], source="not_classifiable", confidence=0)
            )
    profile = Profile(id="page", name=owner, source_format="json", papers=[r.paper for r in rows])
    return Evidence(profile, rows), cats


def _identify(owner: str, papers: list[P]) -> IdentityResult:
    evidence, cats = _page(owner, papers)
    return assign_identities(evidence, cats)


def _groups(result: IdentityResult) -> list[set[int]]:
    return [{p.position for p in i.papers} for i in result.identities]


def _together(result: IdentityResult, *positions: int) -> bool:
    return any(set(positions) <= g for g in _groups(result))


def _community(owner: str, partner: str, years: list[int], subjects: dict[int, float]) -> list[P]:
    return [P([owner, partner], y, subjects) for y in years]


def test_a_spelled_out_middle_name_keeps_two_people_apart():
    """Two collaborator communities on one subject: the same name written 'Xiang Lisa Li' on
    one side only tells them apart; written the same way on both, they are one person."""

    def page(other_spelling: str) -> list[P]:
        a = [P([other_spelling, "Percy Liang"], 2020 + k, {0: 0.9}) for k in range(4)]
        b = [P(["Xiang Li", "Ning Yan"], 2020 + k, {0: 0.9}) for k in range(4)]
        return a + b

    apart = _identify("Xiang Li", page("Xiang Lisa Li"))
    assert apart.people == 2 and not _together(apart, 1, 5)
    one = _identify("Xiang Li", page("Xiang Li"))
    assert one.people == 1 and _together(one, 1, 5)


def test_coauthor_spellings_with_and_without_a_middle_initial_are_one_coauthor():
    """'Masood S. Mortazavi' and 'Masood Mortazavi' link two papers with nothing else in
    common; 'Yu Wang' and 'Yi Wang' are two people and link nothing."""
    codes_a, codes_b = ["math.DS"], ["cs.CL"]
    papers = [
        *_community("Sam Lee", "Ann Poe", [2010, 2011, 2012], {0: 0.8}),
        P(["Sam Lee", "Masood S. Mortazavi", "Yu Wang"], 2011, {1: 0.8}, codes=codes_a),
        P(["Sam Lee", "Masood Mortazavi"], 2012, {2: 0.8}, codes=codes_a),
        *_community("Sam Lee", "Bo Chan", [2010, 2011, 2012], {3: 0.8}),
        P(["Sam Lee", "Yi Wang"], 2011, {4: 0.8}, codes=codes_b),
    ]
    for p in papers[:3]:
        p.codes = codes_a
    for p in papers[5:8]:
        p.codes = codes_b
    result = _identify("Sam Lee", papers)
    assert _together(result, 4, 5)
    assert not _together(result, 4, 9)
    linked = next(i for i in result.identities if {4, 5} <= {p.position for p in i.papers})
    assert any("Mortazavi" in c for c in linked.evidence.coauthors)


def test_successive_labs_are_one_person_and_concurrent_ones_are_not():
    """A PhD community (2012-2015) and a postdoc community (2017-2021) on related subjects
    (papers close enough pairwise, not on average) are one person's career; the same two
    communities publishing in the same years are two people."""

    def page(second_years: list[int]) -> list[P]:
        first = _community("Sam Lee", "Ann Poe", [2012, 2013, 2014, 2015], {0: 0.6, 1: 0.6})
        second = _community("Sam Lee", "Bo Chan", second_years, {2: 0.6, 1: 0.6})
        return first + second

    career = _identify("Sam Lee", page([2017, 2018, 2020, 2021]))
    assert career.people == 1 and _together(career, 1, 8)
    concurrent = _identify("Sam Lee", page([2012, 2013, 2014, 2015]))
    assert concurrent.people == 2 and not _together(concurrent, 1, 8)


def test_a_small_group_close_to_a_large_body_of_work_joins_it():
    """Two recent papers with a new co-author, loosely like the owner's twenty (0.36) and
    unlike a second same-name researcher's eight, are the owner's; the same pair on a subject
    of its own is left unattributed, not made a third person (two papers of thirty have no
    weight of their own)."""

    def page(pair_subjects: dict[int, float]) -> list[P]:
        body = [P(["Sam Lee", f"Coauthor {k % 5}"], 2010 + k % 10, {0: 0.8}) for k in range(20)]
        other = [P(["Sam Lee", "Oth Er"], 2010 + k, {0: 0.3, 9: 0.8}) for k in range(8)]
        pair = [P(["Sam Lee", "New Student"], 2024, pair_subjects) for _ in range(2)]
        return body + other + pair

    close = _identify("Sam Lee", page({0: 0.45}))
    assert close.people == 2 and _together(close, 1, 29, 30)
    assert len(close.identities[0].papers) == 22
    unrelated = _identify("Sam Lee", page({5: 0.9}))
    assert unrelated.people == 2
    assert {p.position for p in unrelated.unattributed} == {29, 30}


def test_a_one_person_page_keeps_its_unlinked_papers_of_the_same_field():
    """On a page of one person, single papers of their field that share no co-author and
    read only loosely like the rest are still theirs; a paper of another field (the page's
    own codes) with nothing in common stays apart."""
    papers = [
        *_community("Sam Lee", "Ann Poe", [2010, 2011, 2012, 2013, 2014], {0: 0.8}),
        P(["Sam Lee", "Cy Doe"], 2015, {0: 0.3}),
        P(["Sam Lee", "Di Roe"], 2016, {0: 0.3}),
    ]
    one = _identify("Sam Lee", papers)
    assert one.people == 1 and not one.unattributed
    assert len(one.identities[0].papers) == 7

    for p in papers[:6]:
        p.codes = ["cs.LG"]
    papers[6] = P(["Sam Lee", "Di Roe"], 2016, {7: 0.9}, codes=["physics.optics"])
    two = _identify("Sam Lee", papers)
    assert two.people == 2 and {p.position for p in two.identities[1].papers} == {7}


def test_papers_on_one_subject_are_not_split_by_predicted_fields():
    """Two communities whose papers read alike (0.5) are not kept apart because the
    classifier put one in economics and the other in statistics; without that closeness, the
    predicted fields keep them apart."""

    def page(second_subjects: dict[int, float]) -> list[P]:
        first = _community("Sam Lee", "Ann Poe", [2010, 2012, 2014, 2016], {0: 0.8})
        second = _community("Sam Lee", "Bo Chan", [2011, 2013, 2015, 2017], second_subjects)
        for p in first:
            p.predicted = ["econ.EM"]
        for p in second:
            p.predicted = ["q-bio.PE"]
        return first + second

    assert _identify("Sam Lee", page({0: 0.65})).people == 1
    assert _identify("Sam Lee", page({0: 0.3, 6: 0.9})).people == 2


def test_groups_that_meet_in_one_year_need_closer_papers():
    """Two communities, the second starting the year the first ends: with papers close
    pairwise (top-3 0.49) they are one career; loosely alike (top-3 0.36), which would do for
    communities years apart, they stay two people."""

    def page(shared: float) -> list[P]:
        own = float(np.sqrt(0.9 - shared**2))
        first = _community("Kai Zhang", "Wei Wang", [2016, 2017, 2019, 2020], {0: own, 1: shared})
        second = _community("Kai Zhang", "Bing Ren", [2020, 2021, 2021, 2021], {2: own, 1: shared})
        return first + second

    assert _identify("Kai Zhang", page(0.7)).people == 1
    assert _identify("Kai Zhang", page(0.6)).people == 2


def test_a_single_paper_joins_the_person_it_clearly_resembles():
    """On a page of two people, a single paper sharing no co-author but loosely like one
    person's papers (top-3 0.4) and unlike the other's is that person's; a paper closer to
    another unattached paper than to anyone (it may be a third person's) stays unattributed."""
    first = _community("Sam Lee", "Ann Poe", [2010, 2012, 2014, 2016], {0: 0.8})
    second = _community("Sam Lee", "Bo Chan", [2011, 2013, 2015, 2017], {3: 0.8})
    for p in first:
        p.codes = ["cs.LG"]
    for p in second:
        p.codes = ["hep-th"]
    lone = P(["Sam Lee", "Cy Doe"], 2018, {0: 0.5})
    result = _identify("Sam Lee", [*first, *second, lone])
    assert result.people == 2 and _together(result, 1, 9) and not result.unattributed

    twins = [
        P(["Sam Lee", "Cy Doe"], 2018, {0: 0.5, 5: 0.6}),
        P(["Sam Lee", "Di Roe"], 2019, {5: 0.75}),
    ]
    result = _identify("Sam Lee", [*first, *second, *twins])
    assert {p.position for p in result.unattributed} == {9, 10}


def test_communities_with_papers_on_one_narrow_subject_merge():
    """Two concurrent collaborator communities that share nobody and are unlike on average
    (0.18) are one person when some of their papers are near-identical in subject (top-3
    0.72); at 0.59 they stay two."""

    def page(closest: float) -> list[P]:
        first = _community("Sam Lee", "Ann Poe", [2010, 2012, 2014, 2016], {0: 0.9})
        second = _community("Sam Lee", "Bo Chan", [2011, 2013, 2015], {6: 0.9})
        second.append(P(["Sam Lee", "Bo Chan"], 2017, {0: closest}))
        return first + second

    assert _identify("Sam Lee", page(0.8)).people == 1
    assert _identify("Sam Lee", page(0.65)).people == 2


def test_a_venue_style_only_one_person_shares_decides_what_content_leaves_open():
    """Two people of one name, entries copied from their own pages: a pair of papers that
    reads about as much like either (0.32 / 0.28) goes to the one whose entries write venues
    the same way ('43rd ..., Seoul, South Korea'); with a venue in no one's style it stays
    unattributed."""

    def page(pair_venue: str) -> list[P]:
        a = [
            P(["Xiang Li", f"Nan Kai {k % 4}"], 2016 + k % 9, {0: 0.8}, venue="CVPR, 2020")
            for k in range(14)
        ]
        b = [
            P(
                ["Xiang Li", f"Pur Due {k % 4}"],
                2016 + k % 9,
                {3: 0.8},
                venue="41st International Symposium on Systems, Vienna, Austria, 2022",
            )
            for k in range(14)
        ]
        pair = [
            P(["Xiang Li", "Ning Yan"], 2025, {0: 0.4, 3: 0.35}, venue=pair_venue) for _ in range(2)
        ]
        return a + b + pair

    styled = _identify("Xiang Li", page("43rd Conference on Learning, Seoul, South Korea, 2025"))
    assert styled.people == 2 and _together(styled, 15, 29, 30) and not styled.unattributed
    plain = _identify("Xiang Li", page("Nature Communications, 2025"))
    assert plain.people == 2 and {p.position for p in plain.unattributed} == {29, 30}


def test_a_coauthor_with_the_owners_initial_and_family_name_is_someone_else():
    """On a 'Xiang Li' page, a co-author 'Xin Li' is not the owner written another way: the
    papers that list both are the owner's as written ('Xiang Li'), they merge with the
    owner's other papers on one subject, and 'Xin Li' stays a named co-author."""
    with_xin = [P(["Xin Li", "Xiang Li", "Bob Ray"], 2020 + k, {0: 0.9}) for k in range(4)]
    without = [P(["Xiang Li", "Cy Doe"], 2020 + k, {0: 0.9}) for k in range(4)]
    result = _identify("Xiang Li", with_xin + without)
    assert result.people == 1 and _together(result, 1, 8)
    assert "Xin Li" in result.identities[0].evidence.coauthors


def test_different_middle_initials_are_different_coauthors():
    """'J. A. Smith' and 'J. B. Smith' on one page are two people: they link nothing."""
    first = _community("Sam Lee", "Ann Poe", [2010, 2011, 2012], {0: 0.8})
    second = _community("Sam Lee", "Bo Chan", [2010, 2011, 2012], {3: 0.8})
    for p in first:
        p.codes = ["math.DS"]
    for p in second:
        p.codes = ["cs.CL"]
    first[0].authors.append("J. A. Smith")
    second[0].authors.append("J. B. Smith")
    result = _identify("Sam Lee", first + second)
    assert result.people == 2 and not _together(result, 1, 4)


def test_lazy_greedy_merging_matches_recomputing_every_row():
    """The merge loop keeps upper bounds for rows whose partner was merged; on pages with many
    exactly tied similarities it must still make the merges of recomputing every row after
    each merge (largest margin; ties to the lowest row, then the lowest column)."""
    from agent.identities.clustering import _facts, _Groups

    rng = np.random.default_rng(3)
    for trial in range(300):
        n = int(rng.integers(3, 16))
        papers = [
            P(
                ["Sam Lee"] + ([f"Co {rng.integers(0, 4)}"] if rng.random() < 0.5 else []),
                int(rng.integers(2010, 2020)),
            )
            for _ in range(n)
        ]
        evidence, cats = _page("Sam Lee", papers)
        # Quantised similarities: many exact ties.
        sim = np.round(0.25 + rng.integers(0, 8, size=(n, n)) * 0.05, 6)
        sim = np.triu(sim, 1) + np.triu(sim, 1).T + np.eye(n)
        facts = _facts(evidence, cats)

        lazy = _Groups(sim, facts, set())
        lazy.merge_by_content()

        naive = _Groups(sim, facts, set())
        while True:
            rows = [int(r) for r in np.flatnonzero(naive.active)]
            best = None
            for r in rows:
                m = naive._margins(r)
                c = int(m.argmax())
                if np.isfinite(m[c]) and (best is None or m[c] > best[0]):
                    best = (m[c], r, c)
            if best is None:
                break
            naive.union(best[1], best[2])
        assert sorted(lazy.groups()) == sorted(naive.groups()), trial
