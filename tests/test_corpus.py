"""Novelty against the right field: a small synthetic reference corpus (no third-party
abstracts), loaded with ``corpus add``; each paper is compared only with its own field."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.settings import Settings
from agent.workspace import Workspace
from interface.cli import app
from tests.conftest import SEED, SEEDS_DIR

_OBJECTS = [
    "expansive homeomorphisms",
    "subshifts of finite type",
    "interval maps",
    "partially hyperbolic diffeomorphisms",
    "flows on compact manifolds",
    "beta-transformations",
    "continued fraction maps",
]
_RESULTS = [
    "the topological entropy equals the supremum of metric entropies",
    "ergodic invariant measures are dense in the space of invariant measures",
    "the equilibrium state of every Hölder potential is unique",
    "the set of irregular points carries full topological pressure",
    "periodic measures approximate every invariant measure",
]
_CS = ["a convolutional network for image segmentation trained on medical scans",
       "a distributed training system for large language models on GPU clusters",
       "a reinforcement learning agent that plays real-time strategy games"]  # fmt: skip


def _bibtex(path: Path) -> Path:
    """28 synthetic ergodic-theory papers (math.DS, 1990-2009) and 3 machine-learning ones."""
    entries = []
    for n, (obj, res) in enumerate(itertools.islice(itertools.product(_OBJECTS, _RESULTS), 28)):
        entries.append(
            f"@article{{m{n},\n  title = {{On {res.split(' ', 2)[1]} properties of {obj} {n}}},\n"
            f"  author = {{Author{n}, A. and Writer{n}, B.}},\n  year = {{{1990 + n % 20}}},\n"
            f"  primaryClass = {{math.DS}},\n  abstract = {{We study {obj}. We prove that {res}. "
            f"As a consequence we obtain results on dynamical systems with the specification "
            f"property.}}\n}}"
        )
    for n, text in enumerate(_CS):
        entries.append(
            f"@article{{c{n},\n  title = {{A study of {text}}},\n  author = {{Coder{n}, C.}},\n"
            f"  year = {{2015}},\n  primaryClass = {{cs.LG}},\n  abstract = {{We present {text}.}}\n}}"
        )
    path.write_text("\n\n".join(entries) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    ws = Workspace(Settings(store_dir=root / "store", seeds_dir=SEEDS_DIR, chroma_host=None))
    ws.ingest(ws.parse(SEED["000"])[0])
    return root


def _ws(root: Path) -> Workspace:
    return Workspace(Settings(store_dir=root / "store", seeds_dir=SEEDS_DIR, chroma_host=None))


def test_without_a_field_corpus_novelty_abstains_and_says_why(store: Path):
    nov = _ws(store).summarize("000").novelty
    assert nov.status == "abstained" and nov.score is None
    assert "mathematics" in (nov.reason or "") and "corpus add" in (nov.reason or "")


def test_corpus_add_then_novelty_is_computed_against_mathematics_only(store: Path):
    bib = _bibtex(store / "ergodic.bib")
    run = CliRunner().invoke(
        app, ["corpus", "add", str(bib), "--json", "--store", str(store / "store")]
    )
    assert run.exit_code == 0, run.output
    added = json.loads(run.stdout)
    assert added[0]["added"] == 31 and added[0]["fields"] == {"computing": 3, "mathematics": 28}
    listed = CliRunner().invoke(app, ["corpus", "list", "--store", str(store / "store")])
    assert "ergodic.bib: 31 papers" in listed.stdout

    report = _ws(store).summarize("000")
    nov = report.novelty
    assert nov.status == "scored", nov.reason
    assert nov.reference_set and nov.reference_set.startswith("mathematics: 28 papers")
    assert "ergodic.bib" in nov.reference_set
    for n in nov.most_novel + nov.least_novel:
        # The nearest earlier work is one of the synthetic mathematics papers.
        assert n.nearest.profile_name == "ergodic.bib" and "properties of" in n.nearest.text


def test_corpus_add_bad_file_is_one_clear_line(store: Path, tmp_path: Path):
    missing = tmp_path / "nope.bib"
    run = CliRunner().invoke(app, ["corpus", "add", str(missing), "--store", str(store / "store")])
    assert run.exit_code == 2
    assert "nope.bib" in run.output and "Traceback" not in run.output
