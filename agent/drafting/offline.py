"""The offline drafter: a fluent, specific, cited blurb with no model at all.

Themes come from clustering the papers; each sentence is either a template that joins facts
taken from the papers (theme phrases they state, their years) or a sentence extracted from an
abstract, with first-person pronouns rewritten. It cannot state anything the evidence does not.
"""

from __future__ import annotations

import re

from retrieval.names import name_key

from ..analysis.evidence import Evidence, PaperEvidence
from ..analysis.topics import Analysis, Theme
from ..language import content_terms, split_sentences
from ..templating import render_prompt
from .base import DraftSentence

CUE = re.compile(
    r"\b(?:we|the authors|this (?:paper|work|study|article))\s+(?:\w+\s+){0,2}?"
    r"(?:propose|introduce|present|develop|design|prove|show|derive|establish|characteri[sz]e|"
    r"demonstrate|study|investigate|explore|build|construct|formulate|report|find|obtain|"
    r"provide|extend|apply|analy[sz]e|evaluate|train|release)",
    re.IGNORECASE,
)
_PRONOUNS = [
    (re.compile(r"^(?:In|Here,? in) this (?:paper|work|study|article|letter),?\s+we\b"), "{who}"),
    (re.compile(r"^(?:Here|In this (?:paper|work|study|article|letter)),?\s+we\b"), "{who}"),
    (re.compile(r"^This (?:paper|work|study|article|letter)\b"), "One paper"),
    (re.compile(r"^We\b"), "{who}"),
    (re.compile(r"\bwe\b"), "{who_lower}"),
    (re.compile(r"\bWe\b"), "{who}"),
    (re.compile(r"\bour\b"), "their"),
    (re.compile(r"\bOur\b"), "Their"),
    (re.compile(r"\bus\b"), "them"),
    (re.compile(r"\bourselves\b"), "themselves"),
]
# A leading connective or a clause pointing back at a sentence we do not quote.
_LEAD = re.compile(
    r"^(?:Therefore|Thus|Hence|Moreover|Furthermore|However|In addition|Additionally|"
    r"Specifically|Finally|First(?:ly)?|Second(?:ly)?|Then|Instead|Consequently|Accordingly|"
    r"Meanwhile|Besides|Importantly|Notably|In particular|To this end|For this purpose|"
    r"(?:To|In order to) (?:address|tackle|solve|overcome|bridge|fill|mitigate|handle|alleviate|"
    r"remedy|resolve|close) (?:this|these|such|that|the|those)\b[^,]{0,60}|"
    r"(?:Given|Based on|Motivated by|Inspired by) (?:this|these|such|that|those)\b[^,]{0,60}|"
    r"In (?:this|that) (?:way|case|context|regard|setting))\s*,\s+"
)
_HEDGE = re.compile(r"\b(?:could|might|may|expect|hope|believe|future)\b", re.IGNORECASE)
MAX_SENTENCES = 6


class OfflineDrafter:
    name = "offline"

    def __init__(
        self, analysis: Analysis, subject: str | None = None, max_sentences: int = MAX_SENTENCES
    ) -> None:
        self.analysis = analysis
        self.subject = subject
        self.max_sentences = max_sentences

    def draft(self, evidence: Evidence, themes: list[Theme]) -> list[DraftSentence]:
        profile = evidence.profile
        subject = self.subject or (
            f"The papers listed for {profile.name}"
            if profile.name
            else "The papers on this page (it names no owner)"
        )
        short = self.max_sentences <= 2
        named = [t for t in themes if t.named_by]
        overview = [{"name": t.name, "cites": t.named_by[:3]} for t in named[:3]]
        used: set[str] = set()
        contributions = []
        for theme in named[: 1 if short else 3]:
            picked = self._contribution(theme, used, evidence)
            if picked:
                contributions.append(picked)
        evolution = None if short else self._evolution(evidence)
        room = self.max_sentences - 1 - len(contributions) - (1 if evolution else 0)
        threads = (
            [{"name": t.name, "cites": t.named_by[:2]} for t in named[3:6]] if room > 0 else []
        )
        text = render_prompt(
            "offline_blurb",
            subject=subject,
            overview=overview,
            contributions=contributions,
            evolution=evolution,
            threads=threads,
            singular=len(evidence.papers) == 1,
        )
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        return [DraftSentence(text=line) for line in lines[: self.max_sentences]]

    def _contribution(
        self, theme: Theme, used: set[str], evidence: Evidence
    ) -> dict[str, object] | None:
        theme_terms = set(content_terms(theme.name))
        best: tuple[float, PaperEvidence, str] | None = None
        for pe in theme.papers[:4]:
            if pe.label in used:
                continue
            sentences = split_sentences(pe.abstract)
            for i, sentence in enumerate(sentences):
                score = _score(sentence, theme_terms, i, len(sentences))
                if best is None or score > best[0]:
                    best = (score, pe, sentence)
        if best is None or best[0] < 2:
            return None
        _, pe, sentence = best
        used.add(pe.label)
        who = _who(pe, evidence)
        text = _rewrite(_LEAD.sub("", sentence.rstrip(" .")), who)
        lead = ""
        if pe.label in theme.named_by and not _mentions(text, theme.name):
            lead = f"On {theme.name}, "
            text = _lower_first(text, who)
        return {"lead": lead, "sentence": text, "cites": [pe.label]}

    def _evolution(self, evidence: Evidence) -> dict[str, object] | None:
        dated = [pe for pe in evidence.papers if pe.paper.year]
        if len({pe.paper.year for pe in dated}) < 2:
            return None
        first = min(dated, key=lambda pe: (pe.paper.year, pe.paper.position))
        last = max(dated, key=lambda pe: (pe.paper.year, -pe.paper.position))
        out = {}
        for key, pe in (("first", first), ("last", last)):
            topic = self._topic_of(pe)
            if topic is None:
                return None
            out[key] = {"year": pe.paper.year, "topic": topic, "cites": [pe.label]}
        return out

    def _topic_of(self, pe: PaperEvidence) -> str | None:
        for theme in self.analysis.themes:
            if pe.label in theme.named_by:
                return theme.name
        return self.analysis.paper_topic(pe.label)


def _score(sentence: str, theme_terms: set[str], index: int, count: int) -> float:
    n_words = len(sentence.split())
    score = 3.0 if CUE.search(sentence) else 0.0
    score += len(theme_terms & set(content_terms(sentence)))
    if 10 <= n_words <= 45:
        score += 1.0
    elif n_words > 55 or n_words < 6:
        score -= 3.0
    if "$" in sentence or "\\" in sentence:
        score -= 1.5  # LaTeX reads badly out of context
    if re.search(r"\d", sentence):
        score += 0.5  # results with numbers are specific
    if index == 0 and not CUE.search(sentence):
        score -= 0.5  # first sentences are usually background
    if _HEDGE.search(sentence) or (index == count - 1 and count > 2):
        score -= 1.5  # closing outlook, not a contribution
    if re.search(r"\(\s*(?:1|i|a)\s*\)", sentence):
        score -= 2.0  # an enumeration continues in sentences we do not quote
    if re.search(r"\b(?:these|those|such|aforementioned|above)\b", sentence, re.IGNORECASE):
        score -= 1.0  # points back at a sentence we do not quote
    return score


def _who(pe: PaperEvidence, evidence: Evidence) -> str:
    owner = evidence.profile.name
    authors = pe.paper.authors
    if owner and authors and any(name_key(a) == name_key(owner) for a in authors):
        return (
            owner
            if len(authors) == 1 and not pe.paper.authors_truncated
            else f"{owner} and co-authors"
        )
    return "the authors"


def _rewrite(sentence: str, who: str) -> str:
    for rx, repl in _PRONOUNS:
        sentence = rx.sub(
            repl.format(who=who[0].upper() + who[1:], who_lower=who) if "{" in repl else repl,
            sentence,
        )
    # "Peng Sun and co-authors show" / "Peng Sun show": fix agreement for a single person.
    if who and not who.startswith("the authors") and " and co-authors" not in who:
        sentence = re.sub(rf"({re.escape(who)}) (\w+?)(?<!s)\b", _agree, sentence)
    return sentence[0].upper() + sentence[1:] if sentence else sentence


_THIRD_PERSON = {
    "prove": "proves",
    "show": "shows",
    "study": "studies",
    "derive": "derives",
    "give": "gives",
    "explore": "explores",
    "propose": "proposes",
    "introduce": "introduces",
    "present": "presents",
    "investigate": "investigates",
    "establish": "establishes",
    "characterize": "characterizes",
    "obtain": "obtains",
    "find": "finds",
    "consider": "considers",
    "develop": "develops",
    "construct": "constructs",
    "discuss": "discusses",
    "apply": "applies",
    "extend": "extends",
    "compute": "computes",
    "describe": "describes",
    "provide": "provides",
}


def _agree(m: re.Match[str]) -> str:
    verb = m.group(2)
    return f"{m.group(1)} {_THIRD_PERSON.get(verb, verb)}"


def _mentions(text: str, phrase: str) -> bool:
    return phrase.lower() in text.lower()


def _lower_first(text: str, who: str) -> str:
    """Lowercase a plain first word after a lead-in; names and acronyms keep their case."""
    first = text.split(" ", 1)[0]
    if who != "the authors" and text.startswith(who):
        return text
    if first[:1].isupper() and first[1:].islower():
        return text[0].lower() + text[1:]
    return text


def reader_sentence(sentence: str, pe: PaperEvidence, evidence: Evidence) -> str:
    """An abstract's sentence rewritten for a reader: no leading connective, no "we"."""
    return _rewrite(_LEAD.sub("", sentence.strip().rstrip(" .")), _who(pe, evidence))
