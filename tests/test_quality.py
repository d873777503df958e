"""The blurb-quality evaluator and the drafter's sentence editor, on hand-made sentences."""

from __future__ import annotations

from agent.drafting.editing import definitions, edit, expand_acronyms
from agent.language import readable
from evals.quality import check_blurb, duplicate_themes, paper_coverage


def _kinds(blurb: str) -> list[str]:
    return [f.kind for f in check_blurb(blurb, ["Ada Lovelace"])]


def test_each_kind_of_finding():
    assert _kinds("On channel pruning, at last, the authors show that X beats Y [P3].") == [
        "discourse_marker"
    ]
    assert _kinds("The authors propose a method to address this issue [P2].") == [
        "dangling_reference"
    ]
    assert _kinds("Ada Lovelace proves a theorem for $$T_p(x)=\\{\\frac{p}{x}\\}.$$ [P1]") == [
        "markup"
    ]
    assert _kinds("The authors study three levels of LbT in classrooms [P4].") == [
        "undefined_acronym"
    ]
    assert _kinds(
        "Since 2015, the annual challenge has been held to find efficient vision systems [P11]."
    ) == ["background"]
    assert _kinds(
        "The IEEE Low-Power Image Recognition Challenge is an annual competition [P12]."
    ) == ["background"]
    assert _kinds(
        "The papers listed for Ada Lovelace span two main lines of work: ergodic theory "
        "[P1, P2] and Gauss maps [P10]."
    ) == ["single_paper_line"]
    long = "The authors show that " + " ".join(["results"] * 50) + " hold [P1]."
    assert _kinds(long) == ["long_sentence"]


def test_a_clean_blurb_has_no_findings():
    blurb = (
        "The papers listed for Ada Lovelace span two main lines of work: ergodic theory "
        "[P1, P2] and neural architecture search [P3, P4]. Ada Lovelace proves that zero "
        "entropy implies unique ergodicity [P1]. The authors propose Fault-Tolerant Neural "
        "Architecture Search (FT-NAS) to find reliable CNN architectures [P3]. FT-NAS is "
        "then applied to accelerators [P4]. The authors propose a framework named Dis-PFL "
        "for federated learning [P5]. Earlier work, from 2012, is on ergodic theory [P1]; "
        "later work, up to 2020, turns to neural architecture search [P3]."
    )
    assert check_blurb(blurb, ["Ada Lovelace"]) == []


def test_duplicate_themes_and_coverage():
    themes = ["diffusion probabilistic models", "diffusion generative models", "language models"]
    assert duplicate_themes(themes) == [(themes[0], themes[1])]
    assert duplicate_themes(["reinforcement learning", "neural architecture search"]) == []
    scope = {"P1", "P2", "P3", "P4", "P5"}
    named = [("ergodic theory", ["P1", "P2", "P3"]), ("games", ["P4"])]
    assert paper_coverage("Work on ergodic theory [P1].", named, scope) == 0.6
    assert paper_coverage("Work on ergodic theory [P1] and P5 [P5].", named, scope) == 0.8


def test_definitions_follow_schwartz_hearst():
    text = (
        "We extend multi-agent PPO (MAPPO) and propose Fault-Tolerant Neural Architecture "
        "Search (FT-NAS). We propose a framework, named Dis-PFL, for the edge."
    )
    found = definitions(text)
    assert found["MAPPO"] == "multi-agent PPO"
    assert found["FT-NAS"] == "Fault-Tolerant Neural Architecture Search"
    assert found["Dis-PFL"] == ""
    assert expand_acronyms("LV segmentation", {"LV": "left ventricle"}) == (
        "left ventricle (LV) segmentation"
    )


def test_edit_removes_what_points_elsewhere_and_defines_acronyms():
    defined = definitions("We study left ventricle (LV) segmentation.")
    already: set[str] = set()
    got = edit(
        "Finally, we first propose a novel LV segmentation method to address this issue.",
        defined,
        already,
    )
    assert got == "We propose a left ventricle (LV) segmentation method"
    assert already == {"LV"}
    # Background, a dangling reference or an acronym the paper never defines: unusable.
    assert (
        edit("Since 2015, the challenge has been held every year in Salt Lake.", {}, set()) is None
    )
    assert edit("We show that these problems are hard for general graphs.", {}, set()) is None
    assert edit("We propose three levels of LbT for teaching robots.", {}, set()) is None


def test_edit_keeps_an_acronym_inside_a_name_as_written():
    """Spelled out inside a name, an acronym would make a name the paper never states
    ("Elastic Mixture-of-Experts"), which the verifier rightly drops."""
    defined = definitions("Mixture-of-Experts (MoE) lowers the cost of training.")
    sentence = "We adopt an Elastic MoE training strategy with prefetch over hierarchical storage."
    assert edit(sentence, defined, set()) == (
        "We adopt an Elastic MoE training strategy with prefetch over hierarchical storage"
    )
    got = edit("We train a large MoE model over hierarchical storage.", defined, set())
    assert got == "We train a large Mixture-of-Experts (MoE) model over hierarchical storage"


def test_latex_is_rendered_as_text():
    assert readable("the $p$-numerated map $$T_p(x)=\\{\\frac{p}{x}\\}.$$ and 50% more") == (
        "the p-numerated map T_p(x)={p/x}. and 50% more"
    )
    assert readable("no markup, 50% of it") == "no markup, 50% of it"
    assert readable("broken \\href{x} macro") == "broken x macro"
