"""Page-derived text in HTML: LaTeX made readable, only safe links, citations linked, escaped."""

from __future__ import annotations

import pytest

from agent.reporting.html_text import cite_links, link, readable, safe_url


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"Ergodic $\mathbb{Z}^d$-actions", "Ergodic ℤ^d-actions"),
        (r"A bound $\alpha \leq 2$ for \emph{all} graphs", "A bound α≤ 2 for all graphs"),
        # '%' and '&' are literal in titles (in LaTeX they start a comment / align).
        (r"50% fewer FLOPs & $O(n)$ memory", "50% fewer FLOPs & O(n) memory"),
        ("Plain title, no markup", "Plain title, no markup"),
    ],
)
def test_latex_is_readable(text: str, expected: str):
    assert readable(text).replace(" ", "") == expected.replace(" ", "")


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "data:text/html,<b>",
        "vbscript:x",
        "file:///etc/passwd",
        "//evil",
    ],
)
def test_unsafe_urls_are_not_links(url: str):
    assert safe_url(url) is None
    assert "<a" not in link(url, "<title>")
    assert "&lt;title&gt;" in link(url, "<title>")


@pytest.mark.parametrize(
    "url", ["https://arxiv.org/abs/1", "http://x.org/?a=1&b=2", "mailto:a@b.org"]
)
def test_safe_urls_are_links_with_escaped_attributes(url: str):
    html = link(url, "T")
    assert html.startswith("<a href=") and 'rel="noopener noreferrer nofollow"' in html


def test_citations_become_links_and_text_is_escaped():
    html = cite_links("Uses <b>GNNs</b> [P1, P3] and [P9].", {"P1": 'a "title"', "P3": "t"}, "ref-")
    assert "&lt;b&gt;GNNs&lt;/b&gt;" in html
    assert 'href="#ref-P1" data-paper="P1" title="a &#34;title&#34;"' in html
    assert 'href="#ref-P3"' in html
    assert "[P9]" in html and 'data-paper="P9"' not in html  # unknown label: plain text
