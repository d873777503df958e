"""The general reader on hand-written pages in layouts that are not in the dev set, the HTML
renderer, the coverage guard and --name. The dev pages themselves are scored by
tests/test_eval_dev.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from interface.cli import app
from retrieval.errors import InputFileError
from retrieval.formats import detect, general, html_page
from retrieval.models import NameSource
from retrieval.parse import load_profiles, parse_text

MARKDOWN = """\
# Maria Gonzalez

Assistant Professor of Biology, Example University.

## News

- **2024**: Our paper on coral bleaching was accepted at Nature Ecology.
- I gave a talk at ISME 2023.

## Publications

### 2024

1. M. Gonzalez, J. Smith and K. Lee. Thermal tolerance of reef-building corals under repeated heatwaves. *Nature Ecology & Evolution*, 8(3):211-220, 2024. [pdf](x.pdf) [code](y)
2. A. Brown, M. Gonzalez. Symbiont shuffling predicts recovery after bleaching. *Global Change Biology*, 2024.

### 2022

3. Gonzalez, M., Patel, R. (2022). Microbial communities on degraded reefs. Marine Biology, 169, 44.
4. M. Gonzalez, "A field guide to coral disease diagnostics," Coral Reefs, vol. 41, pp. 1-12, 2022.

## Teaching

- BIO 101: Introduction to Biology, Fall 2023
- BIO 330: Marine Ecology, Spring 2022
"""

SELECTED_AND_FULL = """\
Hiroshi Tanaka
Home  Publications  CV

Selected Publications

Deep kernel methods for spatio-temporal forecasting
H. Tanaka, Y. Sato, and K. Ito
ICML 2023

Robust estimation under heavy-tailed noise
H. Tanaka and Y. Sato
Annals of Statistics, 2021
[PDF] [arXiv]

Full list

[1] H. Tanaka, Y. Sato, K. Ito. Deep kernel methods for spatio-temporal forecasting. In Proceedings of ICML, 2023.
[2] H. Tanaka, Y. Sato. Robust estimation under heavy-tailed noise. Annals of Statistics 49(2), 2021.
[3] H. Tanaka. On the convergence of stochastic mirror descent. Journal of Machine Learning Research 20, 2019.
[4] K. Ito, H. Tanaka. Variational inference for point processes. AISTATS 2018.

Talks
Invited talk at JSM 2022, "Heavy tails"
Seminar at Kyoto University, 2021
"""

BARRON = """\
<!DOCTYPE HTML>
<html lang="en"><head><title>Jane Doe</title><style>.x{color:red}</style></head>
<body>
<table><tr><td>
<p style="text-align:center"><name>Jane Doe</name></p>
<p>I am a PhD student at Somewhere University, where I work on 3D vision.</p>
<p><a href="mailto:x">Email</a> / <a href="cv.pdf">CV</a> / <a href="gs">Google Scholar</a></p>
</td></tr></table>
<table>
<tr><td><img src="a.jpg"></td><td>
<a href="p1"><span class="papertitle">Neural Fields for Sparse-View Reconstruction</span></a><br>
<strong>Jane Doe</strong>, <a href="x">John Roe</a>, <a href="y">Ann Poe</a><br>
<em>CVPR</em>, 2024 &nbsp; <strong>(Oral)</strong><br>
<a href="pp">project page</a> / <a href="ar">arXiv</a> / <a href="c">code</a>
<p></p><p>We reconstruct scenes from few views.</p>
<pre style="display:none">@inproceedings{doe24, title={Neural Fields for Sparse-View Reconstruction}}</pre>
</td></tr>
<!-- <tr><td><papertitle>Title</papertitle><br>Author<br>Venue, 2000</td></tr> -->
<tr><td><img src="b.jpg"></td><td>
<a href="p2"><papertitle>Learning to Relight Portraits</papertitle></a><br>
<a href="x">John Roe</a>, <strong>Jane Doe</strong><br>
<em>SIGGRAPH Asia</em>, 2022<br>
<a href="ar">arXiv</a>
<pre>@article{roe22, title = {Learning to Relight Portraits}, year = {2022}}</pre>
</td></tr>
<tr><td><img src="c.jpg"></td><td>
<a href="p3"><papertitle>Depth from Defocus in the Wild</papertitle></a><br>
<strong>Jane Doe</strong><br>
<em>ECCV</em>, 2020<br>
</td></tr>
</table>
<h2>Service</h2>
<ul><li>Reviewer, CVPR 2023, ICCV 2023</li></ul>
<h2>Patents</h2>
<ul><li>J. Doe, J. Roe. Method for relighting portraits. US Patent 11,111,111, 2023.</li></ul>
</body></html>
"""


def _parse(tmp_path: Path, file: str, text: str, **kw):
    path = tmp_path / file
    path.write_text(text, encoding="utf-8")
    return load_profiles(path, **kw)[0]


def test_markdown_citations_in_several_styles(tmp_path: Path) -> None:
    prof = _parse(tmp_path, "gonzalez.md", MARKDOWN)
    assert prof.source_format == "general"
    assert prof.name == "Maria Gonzalez" and prof.name_source == NameSource.heading
    assert [(p.title, p.year) for p in prof.papers] == [
        ("Thermal tolerance of reef-building corals under repeated heatwaves", 2024),
        ("Symbiont shuffling predicts recovery after bleaching", 2024),
        ("Microbial communities on degraded reefs", 2022),
        ("A field guide to coral disease diagnostics", 2022),
    ]
    assert prof.papers[0].authors == ["M. Gonzalez", "J. Smith", "K. Lee"]
    assert prof.papers[0].venue and prof.papers[0].venue.startswith("Nature Ecology & Evolution")
    assert len(prof.papers[2].authors) == 2  # APA "Surname, I., Surname, I."
    reasons = [s.reason for s in prof.skipped]
    assert any(r.startswith("news section") for r in reasons)
    assert any(r.startswith("teaching section") for r in reasons)
    # News lines mention a venue and a year but are not papers.
    assert not any("accepted" in (p.title or "") for p in prof.papers)


def test_selected_list_repeated_in_full_list_counts_once(tmp_path: Path) -> None:
    prof = _parse(tmp_path, "tanaka.txt", SELECTED_AND_FULL)
    assert prof.name == "Hiroshi Tanaka"
    assert [p.title for p in prof.papers] == [
        "Deep kernel methods for spatio-temporal forecasting",
        "Robust estimation under heavy-tailed noise",
        "On the convergence of stochastic mirror descent",
        "Variational inference for point processes",
    ]
    assert [p.year for p in prof.papers] == [2023, 2021, 2019, 2018]
    assert sum(w.code == "duplicate_entry" for w in prof.warnings) == 2
    assert any(s.reason.startswith("talks section") for s in prof.skipped)
    # The owner signs as "H. Tanaka": counted as the owner in the author lists.
    info = next(w for w in prof.warnings if w.code == "owner_in_authors")
    assert "4 of 4 papers" in info.message


def test_barron_html_uses_the_dom(tmp_path: Path) -> None:
    assert detect(BARRON) == "html-page"
    prof = _parse(tmp_path, "index.html", BARRON)
    assert prof.id == f"{tmp_path.name}-index"  # a generic file name takes its folder's
    assert prof.name == "Jane Doe"
    assert [(p.title, p.year) for p in prof.papers] == [
        ("Neural Fields for Sparse-View Reconstruction", 2024),
        ("Learning to Relight Portraits", 2022),
        ("Depth from Defocus in the Wild", 2020),
    ]
    assert prof.papers[1].authors == ["John Roe", "Jane Doe"]
    assert prof.papers[0].abstract == "We reconstruct scenes from few views."
    reasons = " ".join(s.reason for s in prof.skipped)
    assert "service section" in reasons and "patents section" in reasons


def test_the_last_entry_keeps_its_venue_line(tmp_path: Path) -> None:
    """An HTML list with nothing after its last item: the last entry's venue and year are
    its last lines, not the title of an entry that does not follow."""
    items = [
        ("Graph networks for molecules", "Ada Lovelace, Bob Smith", "NeurIPS, 2021"),
        ("Sparse attention for long documents", "Ada Lovelace, Carol Jones", "ICML, 2022"),
        ("Robust control of quadrotors in wind", "Ada Lovelace, Dan Brown", "ICRA, 2020"),
    ]
    html = (
        "<html><body><h1>Ada Lovelace</h1><h2>Publications</h2><ul>"
        + "".join(f"<li><b>{t}</b><br>{a}<br>{v}</li>" for t, a, v in items)
        + "</ul></body></html>"
    )
    prof = _parse(tmp_path, "page.html", html)
    assert [(p.title, p.venue, p.year) for p in prof.papers] == [
        (t, v, int(v[-4:])) for t, _, v in items
    ]


def test_html_renderer_drops_what_a_browser_hides() -> None:
    doc = html_page.render(BARRON)
    text = "\n".join(ln.text for ln in doc.lines)
    assert "@inproceedings" not in text and "@article" not in text  # hidden BibTeX
    assert "<papertitle>Title" not in text and "Venue, 2000" not in text  # comment
    assert "color:red" not in text  # style
    assert doc.title == "Jane Doe"
    first = next(ln for ln in doc.lines if "Neural Fields" in ln.text)
    assert "Neural Fields for Sparse-View Reconstruction" in first.emph
    details = html_page.render(
        "<html><body><details><summary>Abstract</summary><p>Hidden body.</p></details>"
        "<table><tr><td>a</td><td>b</td></tr></table></body></html>"
    )
    assert [ln.text for ln in details.lines if ln.text] == ["Abstract", "a\tb"]


def test_year_headings_and_with_lists(tmp_path: Path) -> None:
    page = """\
Ana Lima
Research

Papers

2021

Optimal transport for labour markets (with Bo Chen and Carla Diaz). Econometrica, forthcoming.

Search frictions and wage dispersion, with D. Evans. J. Econ. Theory 190 (2020), 1-30.

2019

Matching with contracts revisited. Working paper.
"""
    prof = _parse(tmp_path, "lima.txt", page)
    assert [(p.title, p.year) for p in prof.papers] == [
        ("Optimal transport for labour markets", 2021),
        ("Search frictions and wage dispersion", 2020),
        ("Matching with contracts revisited", 2019),
    ]
    assert prof.papers[0].authors == ["Bo Chen", "Carla Diaz"]  # the owner is implied
    assert prof.papers[1].authors == ["D. Evans"]


def test_name_option_overrides_the_page(tmp_path: Path) -> None:
    prof = _parse(tmp_path, "t.txt", SELECTED_AND_FULL, name="  Hiroshi  TANAKA ")
    assert prof.name == "Hiroshi TANAKA" and prof.name_source == NameSource.user
    res = CliRunner().invoke(
        app, ["parse", str(tmp_path / "t.txt"), "--json", "--name", "H. Tanaka"]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["name"] == "H. Tanaka" and data["name_source"] == "user"


PARTIAL = """\
Publications

1. Alpha beta gamma networks for things. Journal of Things, 2020.
2. Delta epsilon estimators in practice. Annals of Practice, 2019.
3. 2018 2017 -- 11(2) 33-44 -- 2016.
4. 2015 -- 12(1) 1-9 -- 2014.
5. 2013 -- 7(3) 5-8 -- 2012.
"""


def test_coverage_guard_says_seen_and_read(tmp_path: Path) -> None:
    path = tmp_path / "partial.txt"
    path.write_text(PARTIAL)
    with pytest.raises(InputFileError, match=r"seen 5 entries, read 2.*--allow-partial"):
        load_profiles(path)
    prof = load_profiles(path, allow_partial=True)[0]
    assert len(prof.papers) == 2
    assert any(
        w.code == "coverage" and "seen 5 entries, read 2" in w.message for w in prof.warnings
    )
    res = CliRunner().invoke(app, ["parse", str(path)])
    assert res.exit_code == 2 and "seen 5 entries, read 2" in res.stderr
    assert "Traceback" not in res.output
    assert CliRunner().invoke(app, ["parse", str(path), "--allow-partial"]).exit_code == 0


def test_single_author_bibtex_names_its_owner(tmp_path: Path) -> None:
    others = ["Lee, Ann", "Moss, Ben", "Diaz, Carla", "Evans, Dan", "Fox, Eve"]
    entries = "\n".join(
        f"@article{{k{i}, title={{Paper number {i} on graphs}}, author={{Okafor, Chidi and "
        f"{co}}}, year={{{2010 + i}}}, journal={{J. Graphs}}}}"
        for i, co in enumerate(others)
    )
    prof = _parse(tmp_path, "okafor.bib", entries)
    assert prof.name == "Chidi Okafor" and prof.name_source == NameSource.inferred


def test_seed_layout_sniffed_but_read_in_part_falls_back(tmp_path: Path) -> None:
    # Two "arXiv ..." venue lines make the collab-list layout sniff this page; that layout
    # reads only the entries whose venue starts with arXiv, the general reader all of them.
    venues = ["arXiv preprint, 2024", "arXiv preprint, 2023", "NeurIPS, 2022", "ICML, 2021",
              "Annals of Statistics, 2020", "CVPR, 2019", "JMLR, 2018", "COLT, 2017"]  # fmt: skip
    entries = "\n\n".join(
        f"Study number {i} of sparse graphs\nAda Byron, Kai Sun\n{venue}"
        for i, venue in enumerate(venues)
    )
    text = "Ada Byron\n\n" + entries + "\n"
    assert detect(text) == "collab-list"
    prof = parse_text(text, Path("byron.txt"))[0]
    assert prof.source_format == "general"
    assert [p.year for p in prof.papers] == list(range(2024, 2016, -1))
    assert all(p.authors == ["Ada Byron", "Kai Sun"] for p in prof.papers)
    assert any(w.code == "layout_fallback" for w in prof.warnings)
    # Forcing the layout still reads it that way.
    assert parse_text(text, Path("byron.txt"), fmt="collab-list")[0].source_format == "collab-list"


_TOKEN = st.sampled_from(
    ["Ada", "Byron", "Kai", "Sun", "graphs", "of", "the", "Learning", "2019", "(2020)", "1.",
     "with", ",", ".", ";", ":", "-", "*", "[pdf]", "|", "arXiv", "In", "Journal", "and", "\t"]
)  # fmt: skip
_LINE = st.lists(_TOKEN, max_size=14).map(" ".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_LINE, min_size=1, max_size=25))
def test_every_title_is_page_text_and_nothing_crashes(lines: list[str]) -> None:
    text = "\n".join(lines)
    page = general.read(general.lines_from_text(text))
    flat = re.sub(r"\s+", " ", text)
    for entry in page.entries:
        assert entry.title and entry.title in flat


PAGES = Path(__file__).parent / "data" / "pages"  # hand-written, one per common template


@pytest.mark.parametrize(
    ("file", "owner", "expected"),
    [
        (
            "alfolio.html",  # al-folio: title/author/periodical divs, hidden abstract and BibTeX
            "Wei Chen",
            [
                ("Scaling Laws for Sparse Mixture Models", 2023, ["Wei Chen", "Maria Rossi", "Tom Baker"]),
                ("Consistent Estimators for Mixture Weights", 2023, ["Maria Rossi", "Wei Chen"]),
                ("A Note on Gating Networks", 2021, ["Wei Chen"]),
            ],
        ),
        (
            "academicpages.txt",  # title / "Published in ..." / excerpt / "Recommended citation:"
            "Sofia Alvarez",
            [
                ("Voting power in weighted committees", 2021, ["S Alvarez", "K Brandt"]),
                ("Coalition formation with outside options", 2019, ["S Alvarez"]),
            ],
        ),
        (
            "cv.txt",  # LaTeX CV: "[J3] A. B, C. D, "Title," Venue, vol., 2022."
            "Olu Adeyemi",
            [
                ("Low-power sensing for crop monitoring", 2022, ["O. Adeyemi", "P. Nkemelu", "R. Obi"]),
                ("Energy harvesting in rural networks", 2020, ["O. Adeyemi", "R. Obi"]),
                ("A survey of agricultural IoT", 2019, ["P. Nkemelu", "O. Adeyemi"]),
                ("Solar-aware routing", 2018, ["O. Adeyemi"]),
            ],
        ),
        (
            "authfirst.txt",  # authors above the title
            "Lena Vogt",
            [
                ("Quantum error mitigation on noisy devices", 2022, ["L. Vogt", "M. Kaya"]),
                ("Benchmarking variational eigensolvers", 2021, ["M. Kaya", "L. Vogt", "T. Reuter"]),
                ("Notes on randomized compiling", 2020, ["L. Vogt"]),
            ],
        ),
    ],
)  # fmt: skip
def test_common_templates(file: str, owner: str, expected: list) -> None:
    prof = load_profiles(PAGES / file)[0]
    assert prof.name == owner
    assert [(p.title, p.year, p.authors) for p in prof.papers] == [tuple(e) for e in expected]


def test_blocks_without_authors_year_tables_and_venue_first(tmp_path: Path) -> None:
    prof = load_profiles(PAGES / "noauthors.txt")[0]
    assert prof.name == "Prof. Elena Marchetti"
    assert [(p.title, p.year, p.venue) for p in prof.papers] == [
        ("Fiscal rules and sovereign spreads", 2022, "Journal of International Economics, 2022"),
        ("Debt brakes in federal states", 2019, "Economic Policy, 2019"),
    ]
    prof = load_profiles(PAGES / "yeartable.html")[0]
    assert prof.name == "Tomás Herrera"
    assert [(p.title, p.year) for p in prof.papers] == [
        ("Fast multipole methods on GPUs", 2023),
        ("Adaptive quadrature for singular integrals", 2021),
    ]
    assert any(s.reason.startswith("talks section") for s in prof.skipped)
    prof = load_profiles(PAGES / "venuefirst.txt")[0]
    assert [(p.title, p.year, p.authors[0]) for p in prof.papers] == [
        ("Graph neural networks for traffic forecasting", 2022, "Ravi Kumar"),
        ("Anomaly detection in sensor streams", 2020, "Mei Lin"),
    ]


def test_topic_groups_inside_publications_stay_papers() -> None:
    prof = load_profiles(PAGES / "topics.html")[0]
    assert prof.name == "Noor Haddad"
    assert [(p.title, p.year) for p in prof.papers] == [
        ("Grasping in clutter with tactile priors", 2021),
        ("Learning contact models", 2020),
        ("Depth completion from sparse lidar", 2019),
    ]
    assert [s.reason.split()[0] for s in prof.skipped] == ["teaching"]


def test_name_applies_to_one_page(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(SELECTED_AND_FULL)
    b.write_text(SELECTED_AND_FULL)
    res = CliRunner().invoke(
        app, ["ingest", str(a), str(b), "--name", "X Y", "--store", str(tmp_path / "s")]
    )
    assert res.exit_code == 2 and "--name applies to one page" in res.stderr
