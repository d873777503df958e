"""arXiv subject codes: which strings are codes, and the broad field each belongs to (identity
grouping keeps papers of different fields apart, novelty compares within a field)."""

from __future__ import annotations

import pytest

from retrieval.categories import field_of, is_arxiv_code, normalize_category


@pytest.mark.parametrize(
    ("code", "field"),
    [
        ("cs.LG", "computing"),
        ("stat.ME", "computing"),
        ("math.OC", "computing"),  # applied mathematics is shared with computing
        ("eess.IV", "computing"),
        ("math.GT", "mathematics"),
        ("hep-ex", "physics"),
        ("astro-ph.GA", "physics"),
        ("cond-mat.str-el", "physics"),
        ("nlin.CD", "physics"),
        ("gr-qc", "physics"),
        ("q-bio.GN", "biology"),
        ("q-fin.ST", "economics"),
        ("econ.EM", "economics"),
    ],
)
def test_field_of(code: str, field: str) -> None:
    assert is_arxiv_code(code)
    assert field_of(code) == field


@pytest.mark.parametrize("text", ["LG", "Machine Learning", "foo.bar", "cs.LG extra", ""])
def test_free_text_is_not_a_code(text: str) -> None:
    assert not is_arxiv_code(text)


def test_bare_and_named_codes_are_normalised() -> None:
    assert normalize_category("LG") == "cs.LG"
    assert normalize_category("arXiv.org Machine Learning") == "cs.LG"
    assert normalize_category("Something Else") is None
