"""Every template renders with exactly the variables its callers pass; a missing one fails."""

from __future__ import annotations

import jinja2
import pytest
from jinja2 import meta

from agent.templating import (
    OUTPUTS_DIR,
    PROMPTS_DIR,
    _prompt_env,
    output_names,
    prompt_names,
    render_prompt,
)

SAMPLES: dict[str, dict[str, object]] = {
    "offline_blurb": {
        "subject": "The papers listed for Ada",
        "singular": False,
        "overview": [
            {"name": "ergodic theory", "cites": ["P1", "P2"]},
            {"name": "QCD", "cites": ["P3"]},
        ],
        "contributions": [
            {"lead": "On QCD, ", "sentence": "the authors derive X", "cites": ["P3"]}
        ],
        "evolution": {
            "first": {"year": 2012, "topic": "QCD", "cites": ["P3"]},
            "last": {"year": 2020, "topic": "ergodic theory", "cites": ["P1"]},
        },
        "threads": [{"name": "games", "cites": ["P4"]}],
    },
    "draft_system": {},
    "draft_user": {
        "subject": "the papers listed for Ada",
        "themes": [{"name": "QCD", "cites": ["P3"]}],
        "evidence": [{"label": "P3", "year": 2012, "title": "T", "text": "We derive X."}],
        "min_sentences": 3,
        "max_sentences": 6,
        "schema": "{}",
    },
    "reask": {"error": "not valid JSON"},
    "judge_blurb": {"blurb": "A blurb [P1].", "themes": ["ergodic theory"]},
    "chat_system": {},
    "chat_user": {
        "evidence": [{"label": "P3", "year": 2012, "title": "T", "text": "We derive X."}],
        "question": "What do they derive?",
        "subject": "by one person named Ada",
    },
    "chat_condense": {
        "history": [{"question": "What is X?", "answer": "X is Y [P3]."}],
        "question": "And how was it tested?",
    },
}


def test_every_prompt_has_a_sample():
    assert sorted(SAMPLES) == prompt_names()


@pytest.mark.parametrize("name", prompt_names())
def test_prompt_variables_match_and_render(name: str):
    source = (PROMPTS_DIR / f"{name}.jinja").read_text()
    declared = meta.find_undeclared_variables(_prompt_env().parse(source))
    assert declared == set(SAMPLES[name])
    text = render_prompt(name, **SAMPLES[name])
    assert text.strip()
    if declared:
        with pytest.raises(jinja2.UndefinedError):
            render_prompt(name)


def test_offline_blurb_template_output():
    lines = render_prompt("offline_blurb", **SAMPLES["offline_blurb"]).splitlines()
    assert lines == [
        "The papers listed for Ada span two main lines of work: ergodic theory [P1, P2] and QCD [P3].",
        "On QCD, the authors derive X [P3].",
        "The earliest dated paper (2012) is on QCD [P3], the most recent (2020) on ergodic theory [P1].",
        "Smaller threads include games [P4].",
    ]


def test_output_templates_exist():
    assert output_names() == ["report.html", "report.md"]
    assert all((OUTPUTS_DIR / f"{n}.jinja").is_file() for n in output_names())


def test_sandbox_blocks_unsafe_attribute_access():
    env = _prompt_env()
    with pytest.raises(jinja2.exceptions.SecurityError):
        env.from_string("{{ x.__class__.__mro__ }}").render(x=1)
