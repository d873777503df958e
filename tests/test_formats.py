"""JSON/JSONL, BibTeX and Atom inputs, and every kind of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval.errors import InputFileError
from retrieval.models import NameSource, Profile
from retrieval.parse import load_profiles

from .conftest import SEED

BIB = r"""
@article{sun2019,
  title = {Zero Entropy and {Unique} Ergodicity},
  author = {Sun, Peng and Yuan, Feng},
  journal = {Ergodic Theory Dynam. Systems},
  year = {2019},
  abstract = {We show that zero topological entropy is equivalent to unique ergodicity.}
}

@inproceedings{sun2020,
  title = {Lebesgue Numbers of Open Covers},
  author = {Peng Sun and others},
  booktitle = {Proc. Dynamics},
  year = 2020,
  abstract = {We study the exponential rate of decay of Lebesgue numbers.}
}

@article{broken2021
  title = {No comma after the key},
}

@article{sun2021,
  title = {Katok's Conjecture},
  author = {Sun, Peng},
  year = {2021},
  eprint = {2101.00001},
  primaryClass = {math.DS},
}
"""

ATOM = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <title>arXiv Query: au:Sun_Peng</title>
  <entry>
    <id>http://arxiv.org/abs/1901.00001v1</id>
    <published>2019-01-02T10:00:00Z</published>
    <title>Zero Entropy and
      Unique Ergodicity</title>
    <summary>We show that zero topological entropy is equivalent to unique ergodicity.</summary>
    <author><name>Peng Sun</name></author>
    <arxiv:primary_category term="math.DS"/>
    <category term="math.DS"/><category term="math.PR"/>
    <link rel="alternate" href="http://arxiv.org/abs/1901.00001v1"/>
  </entry>
  <entry>
    <id>http://arxiv.org/abs/2001.00002v1</id>
    <published>2020-03-04T10:00:00Z</published>
    <title>Lebesgue Numbers</title>
    <summary>We study Lebesgue numbers of open covers.</summary>
    <author><name>Peng Sun</name></author>
    <author><name>Feng Yuan</name></author>
  </entry>
  <entry>
    <id>http://arxiv.org/abs/2101.00003v1</id>
    <published>2021-05-06T10:00:00Z</published>
    <title>Katok's Conjecture</title>
    <summary>We prove Katok's conjecture for Mane diffeomorphisms.</summary>
    <author><name>Peng Sun</name></author>
  </entry>
</feed>
"""


def _write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


@pytest.mark.parametrize("seed", sorted(SEED))
def test_profile_json_round_trips(tmp_path: Path, seed: str) -> None:
    [original] = load_profiles(SEED[seed])
    path = _write(tmp_path, f"{seed}.json", original.model_dump_json(indent=2))
    [again] = load_profiles(path)
    assert again.source_format == "json"
    assert again.name == original.name
    assert again.name_source == (original.name_source if original.name else NameSource.none)
    assert again.metrics == original.metrics
    strip = {"source_line"}
    assert [p.model_dump(exclude=strip) for p in again.papers] == [
        p.model_dump(exclude=strip) for p in original.papers
    ]


def test_lenient_json_list_of_papers(tmp_path: Path) -> None:
    data = [
        {"title": "A", "authors": "Ann Lee, Bo Chen", "abstract": "x" * 20, "year": 2020},
        {"title": "B", "authors": ["Ann Lee", "et al."], "categories": "cs.LG, CV"},
    ]
    [p] = load_profiles(_write(tmp_path, "papers.json", json.dumps(data, indent=1)))
    assert [x.authors for x in p.papers] == [["Ann Lee", "Bo Chen"], ["Ann Lee"]]
    assert p.papers[1].authors_truncated
    assert p.papers[1].categories == ["cs.LG", "cs.CV"]
    assert p.papers[1].source_line == 9  # where "B" occurs in the file


def test_json_validation_error_names_field_and_line(tmp_path: Path) -> None:
    data = {"name": "X", "papers": [{"title": "ok"}, {"title": "bad", "year": "soon"}]}
    path = _write(tmp_path, "bad.json", json.dumps(data, indent=2))
    with pytest.raises(InputFileError) as exc:
        load_profiles(path)
    assert "papers.1.year" in str(exc.value)
    assert exc.value.line == 8


def test_json_syntax_error_has_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "broken.json", '{"papers": [\n  {"title": "a"},\n  {"title": }\n]}')
    with pytest.raises(InputFileError, match=r"broken.json:3: invalid JSON"):
        load_profiles(path)


def test_jsonl_papers_and_bad_line(tmp_path: Path) -> None:
    good = "\n".join(json.dumps({"title": f"T{i}", "authors": ["Ann Lee"]}) for i in range(3))
    [p] = load_profiles(_write(tmp_path, "p.jsonl", good + "\n"))
    assert p.source_format == "jsonl" and len(p.papers) == 3
    assert p.name == "Ann Lee" and p.name_source == NameSource.inferred
    bad = good + '\n{"title": "T9", "year": "x"}\n'
    with pytest.raises(InputFileError) as exc:
        load_profiles(_write(tmp_path, "bad.jsonl", bad))
    assert exc.value.line == 4 and "year" in str(exc.value)


def test_jsonl_of_profiles_gives_several(tmp_path: Path) -> None:
    a, b = (load_profiles(SEED[s])[0] for s in ("003", "004"))
    path = _write(tmp_path, "many.jsonl", a.model_dump_json() + "\n" + b.model_dump_json() + "\n")
    profiles = load_profiles(path)
    assert [(x.id, len(x.papers)) for x in profiles] == [(a.id, 10), (b.id, 39)]


def test_bibtex(tmp_path: Path) -> None:
    [p] = load_profiles(_write(tmp_path, "sun.bib", BIB))
    assert p.source_format == "bibtex"
    assert [x.title for x in p.papers] == [
        "Zero Entropy and Unique Ergodicity",
        "Lebesgue Numbers of Open Covers",
        "Katok's Conjecture",
    ]
    assert p.papers[0].authors == ["Peng Sun", "Feng Yuan"]
    assert p.papers[1].authors_truncated
    assert p.papers[2].categories == ["math.DS"]
    assert p.papers[2].url == "https://arxiv.org/abs/2101.00001"
    assert p.name == "Peng Sun" and p.name_source == NameSource.inferred
    broken = [w for w in p.warnings if w.code == "unparsed_block"]
    assert len(broken) == 1 and broken[0].line == 18 and "broken2021" in broken[0].message


def test_arxiv_atom(tmp_path: Path) -> None:
    [p] = load_profiles(_write(tmp_path, "feed.xml", ATOM))
    assert p.source_format == "arxiv-atom"
    assert len(p.papers) == 3
    first = p.papers[0]
    assert first.title == "Zero Entropy and Unique Ergodicity"
    assert first.categories == ["math.DS", "math.PR"]
    assert str(first.date) == "2019-01-02" and first.year == 2019
    assert first.source_line == 4
    assert p.name == "Peng Sun"


def test_unparsed_line_in_a_page_is_reported_with_its_line(tmp_path: Path) -> None:
    lines = SEED["003"].read_text().splitlines()
    lines.insert(13, "Sponsored: buy our premium plan")  # between two entries
    [p] = load_profiles(_write(tmp_path, "003.txt", "\n".join(lines)))
    assert len(p.papers) == 10
    [w] = [w for w in p.warnings if w.code == "unparsed_block"]
    assert w.line == 14 and "premium" in w.message


@pytest.mark.parametrize(
    ("name", "data", "message", "line"),
    [
        ("empty.txt", "", "file is empty", None),
        ("blank.txt", "\n   \n\n", "file is empty", None),
        ("bin.txt", b"abc\n\x00\x01\x02", "binary file", 2),
        ("latin1.txt", "Peng Sun\nline two\nMa\xf1\xe9\n".encode("latin-1"), "not UTF-8", 3),
        ("junk.txt", "hello world\nthis is not a profile\n", "no papers found", None),
        (
            "feed.xml",
            '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry>',
            "invalid XML",
            1,
        ),
    ],
)
def test_bad_files_fail_with_one_clear_message(
    tmp_path: Path, name: str, data: str | bytes, message: str, line: int | None
) -> None:
    path = _write(tmp_path, name, data)
    with pytest.raises(InputFileError) as exc:
        load_profiles(path)
    assert message in str(exc.value)
    assert str(path) in str(exc.value)
    assert exc.value.line == line
    assert "\n" not in str(exc.value)


def test_too_big_missing_and_directory(tmp_path: Path) -> None:
    big = _write(tmp_path, "big.txt", SEED["000"].read_text())
    with pytest.raises(InputFileError, match=r"over the limit of 1,000 bytes"):
        load_profiles(big, max_bytes=1000)
    with pytest.raises(InputFileError, match="no such file"):
        load_profiles(tmp_path / "nope.txt")
    with pytest.raises(InputFileError, match="is a directory"):
        load_profiles(tmp_path)


def test_crlf_and_bom_are_accepted(tmp_path: Path) -> None:
    text = SEED["001"].read_text().replace("\n", "\r\n")
    [p] = load_profiles(_write(tmp_path, "001.txt", b"\xef\xbb\xbf" + text.encode()))
    assert len(p.papers) == 17 and p.papers[0].title.startswith("MoESys")


def test_profile_schema_rejects_unknown_fields() -> None:
    with pytest.raises(ValueError):
        Profile.model_validate({"id": "x", "source_format": "json", "bogus": 1})
