"""The evaluators on small hand-made cases with known right answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.llm import ScriptedChat
from evals.cases import EvalCase, load_suite
from evals.evaluators import b3, blurb_claims, content, grounding, identities, prf, supports
from evals.judge import judge_blurb
from retrieval.config import EmbeddingConfig
from retrieval.embeddings import build_embedder
from retrieval.errors import InputFileError

TEXTS = {
    "P1": "We prove that zero topological entropy is equivalent to unique ergodicity.",
    "P2": "We propose GradientFlow, a communication backend for distributed DNN training "
    "on 512 GPUs.",
    "P3": "We study soft gluon resummation in dijet azimuthal correlations.",
}


def test_supported_and_unsupported_sentence():
    assert supports("Zero topological entropy is equivalent to unique ergodicity.", [TEXTS["P1"]])
    assert not supports("The authors design quantum error-correcting codes.", [TEXTS["P1"]])
    # A number or name the evidence does not state fails even when the words match.
    assert not supports("GradientFlow trains DNNs on 1024 GPUs.", [TEXTS["P2"]])


def test_valid_and_invented_citations():
    scores = grounding(
        [
            (
                "Zero topological entropy is equivalent to unique ergodicity [P1]. "
                "GradientFlow is a communication backend for distributed DNN training [P9].",
                TEXTS,
            )
        ],
        None,
    )
    assert scores["grounding.citation_validity"] == 0.5
    assert scores["grounding.citation_recall"] == 0.5  # the P9 sentence has no valid support
    assert scores["grounding.unsupported_share"] == 0.5
    assert scores["grounding.unsupported_facts"] == 2  # GradientFlow and DNN: nothing cited


def test_citing_another_identitys_paper_is_invalid():
    # P1 exists on the page but belongs to another person's blurb scope.
    scores = grounding(
        [
            (
                "Zero topological entropy is equivalent to unique ergodicity [P1].",
                {"P2": TEXTS["P2"]},
            )
        ],
        None,
    )
    assert scores["grounding.citation_validity"] == 0.0
    assert scores["grounding.citation_recall"] == 0.0


def test_citation_precision_alce():
    precise = grounding(
        [("Soft gluon resummation in dijet azimuthal correlations [P3].", TEXTS)], None
    )
    assert precise["grounding.citation_precision"] == 1.0
    padded = grounding(
        [("Soft gluon resummation in dijet azimuthal correlations [P3, P1].", TEXTS)], None
    )
    assert padded["grounding.citation_precision"] == 0.5  # P1 neither supports nor is needed
    assert padded["grounding.citation_recall"] == 1.0
    # Inline markers: each cites the part of the sentence it closes.
    inline = grounding(
        [("The papers span unique ergodicity [P1] and soft gluon resummation [P3].", TEXTS)], None
    )
    assert inline["grounding.citation_precision"] == 1.0
    assert inline["grounding.citation_recall"] == 1.0
    crossed = grounding(
        [("The papers span unique ergodicity [P3] and soft gluon resummation [P1].", TEXTS)], None
    )
    assert crossed["grounding.citation_recall"] == 0.0


def test_blurb_claims_split_sentences_and_markers():
    claims = blurb_claims("A is B [P1]. C spans D [P2, P3] and E [P4]. ")
    assert [c.citations for c in claims] == [("P1",), ("P2", "P3", "P4")]
    assert claims[1].segments == (("C spans D", ("P2", "P3")), ("and E", ("P4",)))


def test_clustering_scores():
    groups = [["a", "b"], ["c"]]
    assert b3({"a": "x", "b": "x", "c": "y"}, groups) == (1.0, 1.0, 1.0)
    p, r, f = b3({"a": "x", "b": "x", "c": "x"}, groups)  # everything merged
    assert (round(p, 4), r, round(f, 4)) == (round(5 / 9, 4), 1.0, round(10 / 14, 4))
    p, r, f = b3({"a": "x", "b": "y", "c": "z"}, groups)  # everything split
    assert (p, round(r, 4), round(f, 4)) == (1.0, round(2 / 3, 4), 0.8)
    case = EvalCase.model_validate(
        {
            "id": "t",
            "seed": "x.txt",
            "expect": {
                "owner": None,
                "papers": 3,
                "identities": {"groups": groups, "apart": [["a", "c"]]},
            },
        }
    )
    assert (
        identities(case, {"a": "x", "b": "x", "c": "x"})["identities.must_separate_violations"] == 1
    )
    assert (
        identities(case, {"a": "x", "b": "x", "c": "y"})["identities.must_separate_violations"] == 0
    )


def test_prf():
    assert prf({"cs.LG", "cs.CV"}, {"cs.LG"}) == (0.5, 1.0, pytest.approx(2 / 3))
    assert prf(set(), set()) == (1.0, 1.0, 1.0)


def test_content_key_facts_and_forbidden_claims():
    case = EvalCase.model_validate(
        {
            "id": "t",
            "seed": "x.txt",
            "expect": {
                "owner": None,
                "papers": 2,
                "themes": ["ergodic theory"],
                "key_facts": [
                    {"fact": "ergodic", "any_of": ["ergodicity", "ergodic"]},
                    {"fact": "games", "any_of": ["StarCraft"]},
                ],
                "forbidden": [{"claim": "QCD + games", "all_of": [["gluon"], ["StarCraft"]]}],
            },
        }
    )
    embedder = build_embedder(EmbeddingConfig())
    blended = content(
        case, ["Work on ergodicity [P1] and StarCraft with gluon terms [P2]."], embedder
    )
    assert blended["content.key_fact_coverage"] == 1.0
    assert blended["content.forbidden_violations"] == 1
    split = content(case, ["Ergodicity and gluon resummation [P1].", "StarCraft [P2]."], embedder)
    assert split["content.forbidden_violations"] == 0  # one person per blurb
    assert split["content.sentences"] == 1  # the report's own blurb
    assert 0 < split["content.theme_similarity"] <= 1


def test_judge_averages_repeats():
    chat = ScriptedChat(*(json.dumps({"score": s, "reason": "ok"}) for s in (4, 5, 3)))
    assert judge_blurb(chat, "A blurb [P1].", ["t"], repeats=3) == {
        "judge.score": 4.0,
        "judge.spread": 2.0,
    }


def test_case_files_validate(tmp_path: Path):
    assert {c.id for c in load_suite("seeds")} == {
        "peng-sun",
        "liang-shen",
        "huazhong-yang",
        "zhenyu-guo",
        "unnamed-trust",
    }
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nseed: a.txt\nexpect:\n  owner: A\n  papers: -1\n")
    with pytest.raises(InputFileError, match=r"bad.yaml: expect.papers"):
        load_suite(bad)
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: x\nexpect: [unclosed\n")
    with pytest.raises(InputFileError, match=r"broken.yaml:\d+: invalid YAML"):
        load_suite(broken)
