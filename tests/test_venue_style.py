"""Venue style marks (agent/identities/venue_style.py): what tells one source's entries from
another's on a page gathered from several."""

from __future__ import annotations

import pytest

from agent.identities.venue_style import venue_style


@pytest.mark.parametrize(
    ("venue", "marks"),
    [
        (
            "43rd International Conference on Machine Learning (ICML'26), Seoul, South Korea, 2026",
            {"ordinal", "place", "short-year", "acronym-in-parentheses", "long-name"},
        ),
        (
            "41st International Symposium on Reliable Distributed Systems, Vienna, Austria, 2022",
            {"ordinal", "place", "long-name"},
        ),
        ("CVPR, 2024", {"acronym"}),
        ("CVPR'24, 2024", {"acronym", "short-year"}),
        ("arXiv Preprint, 2024", {"arxiv:arXiv Preprint"}),
        ("ArXiv, 2024", {"arxiv:ArXiv"}),
        (
            "IEEE Transactions on Image Processing (TIP), 27(9): 4608-4622, 2018",
            {"acronym-in-parentheses", "long-name", "volume-pages"},
        ),
        ("Nature Communications, 2021", set()),
        ("", set()),
        (None, set()),
    ],
)
def test_marks(venue: str | None, marks: set[str]):
    assert venue_style(venue) == marks


def test_a_year_or_volume_is_not_a_place():
    assert "place" not in venue_style("Journal of Physics, 12, 2020")
    assert "place" not in venue_style("Proceedings of the ACL (ACL) , 2020., 2020")
