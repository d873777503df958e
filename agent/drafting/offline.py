"""The offline drafter: a fluent, specific, cited blurb with no model at all.

Themes come from clustering the papers; each sentence is either a template that joins facts
taken from the papers (theme phrases they state, their years) or a sentence extracted from an
abstract, with first-person pronouns rewritten. It cannot state anything the evidence does not.
"""

from __future__ import annotations

import re
from dataclasses import replace

from retrieval.names import name_key

from ..analysis.evidence import Evidence, PaperEvidence
from ..analysis.topics import Analysis, Theme
from ..language import content_terms, split_sentences
from ..templating import render_prompt
from .base import DraftSentence
from .editing import acronyms_in, definitions, edit, expand_acronyms, undefined_acronyms

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
_HEDGE = re.compile(r"\b(?:could|might|may|expect|hope|believe|future)\b", re.IGNORECASE)
MAX_SENTENCES = 6
COVERAGE = 0.8  # the themes the blurb names cover at least this share of the papers
MAX_THREADS = 5
MIN_THREADS = 3


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
        defined = {k: v for pe in evidence.papers for k, v in definitions(pe.abstract).items() if v}
        known = frozenset(profile.name.split()) if profile.name else frozenset()
        themes = self._readable_names(themes, defined, known)
        named = [t for t in themes if t.named_by]
        # A main line is a theme at least two papers state; one paper is a thread.
        main = [t for t in named if len(t.named_by) >= 2][:3]
        rest = [t for t in named if t not in main]
        if not main:
            main, rest = rest[:1], rest[1:]
        covered = {pe.label for t in main for pe in t.papers}
        threads: list[Theme] = []
        for theme in rest:
            # Name the smaller threads (up to three), and more while coverage is short.
            enough = len(covered) >= COVERAGE * len(evidence.papers)
            if len(threads) == MAX_THREADS or (enough and len(threads) >= MIN_THREADS):
                break
            threads.append(theme)
            covered |= {pe.label for pe in theme.papers}
        self._defined: set[str] = set()
        self._known = known

        def shown(theme: Theme, k: int) -> dict[str, object]:
            name = expand_acronyms(theme.name, defined)
            self._defined |= {a for a in acronyms_in(name) if a in defined}
            return {"name": name, "cites": theme.named_by[:k]}

        overview = [shown(t, 3) for t in main]
        shown_threads = [shown(t, 2) for t in threads]
        used: set[str] = set()
        contributions: list[dict[str, object]] = []
        wanted = 1 if short else 3
        # One sentence per theme first; then more from the main lines, other papers.
        for theme in [*main, *threads, *main, *main]:
            if len(contributions) == wanted:
                break
            picked = self._contribution(theme, used, evidence)
            if picked:
                contributions.append(picked)
        evolution = None if short else self._evolution(evidence, main + threads)
        room = self.max_sentences - 1 - len(contributions) - (1 if evolution else 0)
        text = render_prompt(
            "offline_blurb",
            subject=subject,
            overview=overview,
            several=len(main) > 1 and all(len(t.named_by) > 1 for t in main),
            contributions=contributions,
            evolution=evolution,
            threads=shown_threads if room > 0 else [],
            singular=len(evidence.papers) == 1,
        )
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        return [DraftSentence(text=line) for line in lines[: self.max_sentences]]

    def _readable_names(
        self, themes: list[Theme], defined: dict[str, str], known: frozenset[str]
    ) -> list[Theme]:
        """Themes whose name holds an acronym the papers never define ("single cell ATAC-seq
        data") are named by their next phrase that a reader can decode, when they have one."""
        taken = {t.name.lower() for t in themes}
        out: list[Theme] = []
        for theme in themes:
            if undefined_acronyms(theme.name, defined, known):
                labels = {pe.label for pe in theme.papers}
                for phrase, _ in self.analysis.phrases.top(8, within=labels):
                    if phrase.text.lower() in taken or undefined_acronyms(
                        phrase.text, defined, known
                    ):
                        continue
                    taken.add(phrase.text.lower())
                    theme = replace(
                        theme,
                        name=phrase.text,
                        named_by=[pe.label for pe in theme.papers if pe.label in phrase.papers],
                    )
                    break
            out.append(theme)
        return out

    def _contribution(
        self, theme: Theme, used: set[str], evidence: Evidence
    ) -> dict[str, object] | None:
        theme_terms = set(content_terms(theme.name))
        candidates: list[tuple[float, int, int, PaperEvidence, str]] = []
        for rank, pe in enumerate(theme.papers[:4]):
            if pe.label in used:
                continue
            sentences = split_sentences(pe.abstract)
            for i, sentence in enumerate(sentences):
                score = round(_score(sentence, theme_terms, i, len(sentences)), 6)
                candidates.append((score, rank, i, pe, sentence))
        candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
        for score, _, _, pe, sentence in candidates:
            if score < 2:
                return None
            already = set(self._defined)
            edited = edit(sentence, definitions(pe.abstract), already, self._known)
            if edited is None:
                continue
            self._defined = already
            used.add(pe.label)
            who = _who(pe, evidence)
            text = _rewrite(edited, who)
            lead = ""
            if pe.label in theme.named_by and not _mentions(text, theme.name):
                lead = f"On {theme.name}, "
                text = _lower_first(text, who)
            return {"lead": lead, "sentence": text, "cites": [pe.label]}
        return None

    def _evolution(self, evidence: Evidence, themes: list[Theme]) -> dict[str, object] | None:
        """Where the work started and where it went: the theme most of the earlier half of the
        dated papers belong to, and the one most of the later half do."""
        dated = sorted(
            (pe for pe in evidence.papers if pe.paper.year),
            key=lambda pe: (pe.paper.year, pe.paper.position),
        )
        if len({pe.paper.year for pe in dated}) < 2:
            return None
        half = len(dated) // 2
        early, late = dated[: max(half, 1)], dated[max(half, 1) :]
        first = self._period(early, themes, latest=False)
        after = first["year"] if first else None
        last = self._period(late, themes, latest=True, after=after)  # type: ignore[arg-type]  # a year
        if first is None or last is None or first["year"] == last["year"]:
            return None
        return {"first": first, "last": last}

    def _period(
        self, pes: list[PaperEvidence], themes: list[Theme], latest: bool, after: int | None = None
    ) -> dict[str, object] | None:
        """The theme most papers of the period belong to, cited by the ones that state its
        name (the year given is theirs; for the later period, a year after ``after``)."""
        if after is not None:
            pes = [pe for pe in pes if (pe.paper.year or 0) > after]
            if not pes:
                return None
        labels = {pe.label for pe in pes}
        ranked = sorted(
            range(len(themes)),
            key=lambda k: (-sum(pe.label in labels for pe in themes[k].papers), k),
        )
        for k in ranked:
            theme = themes[k]
            stating = [pe for pe in pes if pe.label in theme.named_by]
            if not stating:
                continue
            stating.sort(key=lambda pe: pe.paper.year or 0, reverse=latest)
            return {
                "year": stating[0].paper.year,
                "topic": theme.name,
                "cites": [pe.label for pe in stating[:2]],
            }
        pe = pes[-1] if latest else pes[0]
        topic = self._topic_of(pe)
        if topic is None:
            return None
        return {"year": pe.paper.year, "topic": topic, "cites": [pe.label]}

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
    edited = edit(sentence, definitions(pe.abstract), set())
    return _rewrite(
        edited if edited is not None else sentence.strip().rstrip(" ."), _who(pe, evidence)
    )
