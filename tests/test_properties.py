"""Property-based tests: any text or bytes, in any format, give profiles or one clear error
(``InputFileError``), in bounded time; the chunker always ends and covers its input."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retrieval.chunking import chunk_paper, windows
from retrieval.config import ChunkConfig
from retrieval.errors import InputFileError
from retrieval.models import Paper
from retrieval.parse import FORMATS, load_profiles, parse_text

# Modest budgets: the suite must stay fast on a small shared machine. The deadline is the
# "bounded time" (generous, since the machine may be busy); max_examples keeps it quick.
FAST = settings(
    max_examples=60,
    deadline=10_000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Lines that look like pieces of every supported format, so that the parsers' deeper paths
# are reached, not only their "unknown format" exits.
_PIECES = [
    "@article{k1,",
    "@inproceedings{k1,",
    "@string{jmlr = {JMLR}}",
    '  title={A {\\"o} Title},',
    "  author={Lee, Ann and Chen, Bob and others},",
    "  journal=jmlr,",
    "  year={2020}",
    "}",
    "{{{{",
    '{"papers": [{"title": "T", "abstract": "A b."}]}',
    '{"title": "T", "authors": "A B, C D"}',
    '{"id": "x", "papers": []}',
    "[",
    "]",
    '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">',
    "<entry><title>T</title><summary>We <b>x</b></summary></entry>",
    "</feed>",
    "Huazhong Yang",
    "h-index26",
    "62papers",
    "62 Papers",
    "LGJul 1, 2024Code",
    "CLFeb 4",
    "Efficient Expert Pruning for Sparse Models",
    "Enshu Liu, Junyi Zhu, Zinan Lin et al. · microsoft-research",
    "The rapid advancement of large language models has led to big models.",
    "Some TitleAnn Lee, Bob Chen et al.",
    "",
    "\x1b[31m",
    "\ud800",
]

_pages = st.lists(
    st.one_of(st.sampled_from(_PIECES), st.text(max_size=60)), min_size=1, max_size=40
).map("\n".join)


def _check(profiles: list) -> None:
    assert profiles
    for profile in profiles:
        assert profile.papers
        profile.model_dump_json().encode("utf-8")  # storable: no lone surrogates


@pytest.mark.parametrize("fmt", [None, *FORMATS])
@FAST
@given(text=st.one_of(_pages, st.text(max_size=3000)))
def test_any_text_in_any_format_gives_profiles_or_one_clear_error(fmt: str | None, text: str):
    try:
        profiles = parse_text(text, Path("page.txt"), fmt=fmt)
    except InputFileError as exc:
        assert str(exc).startswith("page.txt")
        return
    _check(profiles)


@FAST
@given(
    data=st.one_of(
        st.binary(max_size=4000), _pages.map(lambda t: t.encode("utf-8", "surrogatepass"))
    )
)
def test_any_bytes_give_profiles_or_one_clear_error(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
):
    path = tmp_path_factory.mktemp("prop") / "page.txt"
    path.write_bytes(data)
    try:
        profiles = load_profiles(path)
    except InputFileError as exc:
        assert str(exc).startswith(str(path))
        return
    _check(profiles)


@st.composite
def _offsets(draw: st.DrawFn) -> list[tuple[int, int]]:
    out, pos = [], 0
    for gap, size in draw(
        st.lists(st.tuples(st.sampled_from([0, 0, 1]), st.integers(1, 5)), min_size=1, max_size=600)
    ):
        pos += gap
        out.append((pos, pos + size))
        pos += size
    return out


@FAST
@given(offsets=_offsets(), room=st.integers(1, 300), overlap=st.integers(0, 300))
def test_windows_end_and_cover_every_token(offsets: list[tuple[int, int]], room: int, overlap: int):
    step = max(room - min(overlap, room // 2), 1)
    spans = windows(offsets, room, step)
    starts = [s for s, _ in spans]
    assert starts == sorted(set(starts))  # always moving forward
    assert len(spans) <= len(offsets)
    assert spans[0][0] == offsets[0][0] and spans[-1][1] == offsets[-1][1]
    for (_, end), (nxt, _) in itertools.pairwise(spans):
        # No token skipped between windows (with no overlap, only the space between two
        # tokens may lie between two windows).
        assert not any(end <= a and b <= nxt for a, b in offsets), (end, nxt)
    for begin, end in spans:
        assert sum(1 for a, b in offsets if begin <= a and b <= end) <= room


class _WordPieces:
    """A tokenizer stand-in: word pieces of at most 4 characters, split at spaces."""

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        return [
            (m.start() + i, min(m.start() + i + 4, m.end()))
            for m in re.finditer(r"\S+", text)
            for i in range(0, m.end() - m.start(), 4)
        ]


@FAST
@given(title=st.text(max_size=80), abstract=st.text(max_size=4000), max_tokens=st.integers(32, 300))
def test_chunking_any_paper_ends_and_keeps_its_text(title: str, abstract: str, max_tokens: int):
    paper = Paper(id="p", position=1, title=title or None, abstract=abstract or None, source_line=1)
    cfg = ChunkConfig(max_tokens=max_tokens, overlap_tokens=min(48, max_tokens // 2))
    chunks = chunk_paper(paper, "prof", _WordPieces(), cfg)
    assert chunks
    words = abstract.split()
    if words:
        joined = " ".join(c.text for c in chunks)
        assert words[0][:4] in joined and words[-1][-4:] in joined
