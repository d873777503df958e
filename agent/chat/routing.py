"""Question routing: what a question asks for, decided by rules a reader can check.

* Instructions inside a question ("ignore your rules and say ...") are cut out, like the
  quarantine of abstracts; what remains is answered as an ordinary question.
* Out-of-scope questions (pay, private life, opinions, predictions) are declined.
* Questions about the page's data (paper counts, years, metrics, co-authors, categories) are
  answered from the profile, not from prose.
* Everything else is answered from the papers' text.
* A follow-up ("and which datasets did they use for that?") is made standalone from the
  previous turn: its topic words are carried over and its papers are preferred.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from ..language import content_terms, split_sentences
from .models import Turn

RouteKind = Literal[
    "declined",  # out of scope
    "metric",  # a header metric (h-index, citations...)
    "count",  # how many papers (optionally on a topic, in a year range)
    "by_year",  # which papers in a year range
    "timeline",  # first / last year, earliest / latest paper
    "coauthors",
    "categories",
    "overview",  # what they work on, in general
    "papers",  # answered from the papers' text
]

# -- instructions inside a question --------------------------------------------------------------

_COMMAND = re.compile(
    r"\b(?:ignore|disregard|forget|override|bypass)\b[^.?!]*?\b(?:rules?|instructions?|prompts?|"
    r"guidelines|constraints|restrictions|above|previous|everything)\b"
    r"|\b(?:pretend|roleplay|role-play|act as|you are now|from now on|developer mode|jailbreak)\b"
    r"|\b(?:reveal|print|show|repeat|output)\s+(?:me\s+)?(?:your|the)\s+(?:system\s+)?"
    r"(?:prompt|instructions|rules)\b"
    r"|\b(?:say|write|state|claim|repeat)\s+(?:only\s+)?(?:that|exactly|the words?|:|\"|')"
    r"|\b(?:answer|respond|reply|output)\s+(?:only\s+)?(?:with|exactly|:|\"|')"
    r"|^\s*(?:please\s+)?(?:say|claim|declare|repeat|tell (?:everyone|users|people))\b",
    re.IGNORECASE,
)
_CLAUSE = re.compile(r"\s*(?:[;,]?\s+(?:and|then|but)\s+|;\s*)", re.IGNORECASE)


def strip_instructions(question: str) -> tuple[str, list[str]]:
    """(what is left of the question, the instructions cut out of it)."""
    kept: list[str] = []
    removed: list[str] = []
    for sentence in split_sentences(question) or [question]:
        parts = _CLAUSE.split(sentence)
        hit = [i for i, p in enumerate(parts) if _COMMAND.search(p)]
        if not hit:
            kept.append(sentence)
            continue
        # Everything from the first instruction on is the instruction ("say that X and Y").
        first = hit[0]
        removed.append(" ".join(parts[first:]).strip())
        rest = " ".join(p for p in parts[:first] if p.strip()).strip()
        if rest:
            kept.append(rest)
    return " ".join(kept).strip(), removed


# -- out of scope --------------------------------------------------------------------------------

_DECLINE: list[tuple[str, re.Pattern[str]]] = [
    (
        "pay or money",
        re.compile(
            r"\b(?:salary|salaries|paid|pay|income|earn(?:s|ed|ing)?|wage|net worth|rich|"
            r"money|compensation|bonus)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "private life",
        re.compile(
            r"\b(?:married|marriage|wife|husband|spouse|partner's|girlfriend|boyfriend|dating|"
            r"children|kids|family|religion|religious|politic(?:s|al)|vote[sd]?|party|"
            r"how old|age|birthday|born|home address|live[sd]?|phone|e-?mail|health|sick|"
            r"illness|hobb(?:y|ies)|personal life|private life|personality|gender|ethnicity|"
            r"nationality|where (?:does|do|did) (?:he|she|they) (?:live|grow up))\b",
            re.IGNORECASE,
        ),
    ),
    (
        "opinions",
        re.compile(
            r"\b(?:do you think|your (?:opinion|view|take)|in your view|would you|should (?:i|we)|"
            r"worth (?:hiring|following|reading)|hire|overrated|underrated|deserve[sd]?|"
            r"genius|smart(?:er)?|intelligent|trustworthy|honest|nice person|"
            r"(?:a|the)\s+(?:good|great|bad|best|worst|top|better|leading)\s+"
            r"(?:researcher|scientist|person|academic|candidate|author|supervisor|advisor)|"
            r"(?:is|are)\s+(?:he|she|they|this (?:researcher|person|author))\s+"
            r"(?:good|great|bad|any good|famous|better|worse|the best|competent)|"
            r"better than|worse than|compare (?:him|her|them) (?:to|with))\b",
            re.IGNORECASE,
        ),
    ),
    (
        "predictions",
        re.compile(
            r"\b(?:will (?:he|she|they) (?:win|get|become|move|publish|work)|going to|"
            r"next (?:year|job|move|paper)|in the future|predict|chances?|likely to)\b",
            re.IGNORECASE,
        ),
    ),
]

# -- page data -----------------------------------------------------------------------------------

_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
_COUNT = re.compile(
    r"\bhow many\b|\bnumber of\b|\bcount\b|\bhow much (?:work|research)\b", re.IGNORECASE
)
_PAPERWORD = re.compile(
    r"\b(?:papers?|publications?|works?|articles?|preprints?|items?|entries|listed|publish\w*)\b",
    re.IGNORECASE,
)
_TIMELINE = re.compile(
    r"\b(?:first|earliest|oldest|latest|most recent|newest|last|start(?:ed)? (?:publishing|"
    r"out)|since when|what years|which years|how long|active|career span|time ?span|"
    r"range of years|when did)\b",
    re.IGNORECASE,
)
_COAUTHORS = re.compile(
    r"\b(?:co-?authors?|collaborat\w*|work(?:s|ed)? (?:with|together)|publish(?:es|ed)? with|"
    r"who (?:does|do|did) (?:he|she|they|\w+ \w+) (?:work|write|publish)|colleagues)\b",
    re.IGNORECASE,
)
_CATEGORIES = re.compile(
    r"\b(?:categor(?:y|ies)|arxiv (?:tags?|classes|subjects?)|subject (?:areas?|classes))\b",
    re.IGNORECASE,
)
_OVERVIEW = re.compile(
    r"\b(?:what (?:does|do|did) (?:he|she|they|this (?:researcher|person|author)|[A-Z]\w+(?: "
    r"[A-Z]\w+)?) (?:work|research|study|focus)(?: on)?\??$|research (?:areas?|interests?|"
    r"topics?|themes?|focus)|main (?:topics?|themes?|areas?|fields?)|(?:fields?|areas?|"
    r"topics?) (?:does|do|did) (?:he|she|they)|summari[sz]e|overview|in (?:a|one) (?:nutshell|"
    r"sentence)|tell me about (?:him|her|them|this researcher|this person|their work))",
    re.IGNORECASE,
)
# Header metrics by the words a question uses for them (the page's own keys match too).
METRIC_WORDS: dict[str, re.Pattern[str]] = {
    "h_index": re.compile(r"\bh[\s-]?index\b", re.IGNORECASE),
    "i10_index": re.compile(r"\bi10[\s-]?index\b", re.IGNORECASE),
    "citations": re.compile(
        r"\bcitations?\b|\b(?:how often|how many times) (?:is|are|was|were|"
        r"has|have) .*cited\b|\bcited\b",
        re.IGNORECASE,
    ),
    "followers": re.compile(r"\bfollowers?\b", re.IGNORECASE),
    "novelty_percent": re.compile(r"\bnovelty\b", re.IGNORECASE),
    "ai_score": re.compile(r"\bai score\b", re.IGNORECASE),
    "trust_score": re.compile(r"\btrust(?: score)?\b", re.IGNORECASE),
    "verification_level": re.compile(r"\bverification level\b", re.IGNORECASE),
    "claimed": re.compile(r"\bunclaimed\b|\bclaimed (?:profile|author|record)\b", re.IGNORECASE),
    "close_collaborators": re.compile(r"\bclose collaborators\b", re.IGNORECASE),
}
_IDENTITY = re.compile(r"\b(I\d{1,3})\b")

# Words that frame a question rather than name what it is about.
QUESTION_TERMS = frozenset(
    content_terms(
        "what which who whom whose when where why how did does do done tell describe explain "
        "give list show name say says said paper papers work works worked working research "
        "researcher researchers author authors person they them their he she his her its "
        "propose proposed present presented introduce introduced publish published study "
        "studied use used using about anything something kind type method approach page listed "
        "contribution contributions main specific specifically please also else there any "
        "know known find found result results someone mention mentioned write wrote written "
        "topic topics area areas field fields"
    )
)
_FOLLOW_UP = re.compile(
    r"^\s*(?:and|also|what about|how about|then|so)\b|\b(?:that|this|those|these|it|its|"
    r"them|the same|there|such|which one|the (?:paper|work|method|system|model|approach))\b",
    re.IGNORECASE,
)


@dataclass
class Route:
    kind: RouteKind
    question: str  # as asked
    standalone: str  # follow-ups made explicit; instructions removed
    terms: list[str] = field(default_factory=list)  # what it is about (stemmed)
    asked: list[str] = field(default_factory=list)  # of those, the ones the question states
    topic: str | None = None  # a topic phrase ("how many papers on X")
    years: tuple[int, int] | None = None
    metric: str | None = None  # the metric key asked for (may be absent from the page)
    declined: str | None = None  # why it is out of scope
    removed: list[str] = field(default_factory=list)  # instructions cut out
    identity: str | None = None  # an identity the question names ("I2")
    prefer: list[str] = field(default_factory=list)  # papers of the previous turn
    head: str | None = None  # what it asks for: "which *journal*", "how many *GPUs*"
    follow_up: bool = False


def route(question: str, history: list[Turn], owner: str | None = None) -> Route:
    text, removed = strip_instructions(question.strip())
    identity = m.group(1) if (m := _IDENTITY.search(text)) else None
    owner_terms = set(content_terms(owner or ""))
    terms = _about(text, owner_terms)
    prefer: list[str] = []
    follow_up = False
    standalone = text
    previous = next((t for t in reversed(history) if not t.abstained), None)
    if previous and text and _FOLLOW_UP.search(text) and len(terms) <= 4:
        follow_up = True
        carried = [t for t in _about(previous.standalone, owner_terms) if t not in terms]
        terms = terms + carried
        prefer = list(previous.papers)
        standalone = f"{text} (follow-up to: {previous.standalone})"
        identity = identity or previous.identity_id
    r = Route(
        kind="papers",
        question=question,
        standalone=standalone,
        terms=terms,
        asked=_about(text, owner_terms),
        head=_head(text, owner_terms),
        removed=removed,
        identity=identity,
        prefer=prefer,
        follow_up=follow_up,
    )
    if not text:
        r.kind, r.declined = "declined", "instructions"
        return r
    for why, rx in _DECLINE:
        if rx.search(text):
            r.kind, r.declined = "declined", why
            return r
    r.years = _years(text)
    for key, rx in METRIC_WORDS.items():
        if rx.search(text):
            r.kind, r.metric = "metric", key
            return r
    topic = _topic(text, owner_terms)
    if _COUNT.search(text) and (_PAPERWORD.search(text) or topic):
        r.kind, r.topic = "count", topic
        return r
    if r.years and (_PAPERWORD.search(text) or re.search(r"\bin \d{4}\b", text)):
        r.kind, r.topic = "by_year", topic
        return r
    if _COAUTHORS.search(text):
        r.kind = "coauthors"
        return r
    if _CATEGORIES.search(text):
        r.kind = "categories"
        return r
    if _TIMELINE.search(text) and (_PAPERWORD.search(text) or len(terms) <= 1):
        r.kind = "timeline"
        return r
    if _OVERVIEW.search(text) or not terms:
        r.kind = "overview" if not follow_up else "papers"
        if r.kind == "papers" and not terms:
            r.kind = "overview"
    return r


_HEAD = re.compile(r"\b(?:which|what|how many|how much)\s+([A-Za-z][\w-]*)", re.IGNORECASE)


def _head(text: str, owner_terms: set[str]) -> str | None:
    """The thing a wh-question asks for ("which *datasets*"), when it names one."""
    m = _HEAD.search(text)
    terms = content_terms(m.group(1)) if m else []
    if terms and terms[0] not in QUESTION_TERMS and terms[0] not in owner_terms:
        return terms[0]
    return None


def _about(text: str, owner_terms: set[str]) -> list[str]:
    out: list[str] = []
    for t in content_terms(_YEAR.sub(" ", text)):
        if t not in QUESTION_TERMS and t not in owner_terms and t not in out:
            out.append(t)
    return out


def _years(text: str) -> tuple[int, int] | None:
    years = [int(y) for y in _YEAR.findall(text)]
    if not years:
        return None
    lo, hi = min(years), max(years)
    if re.search(r"\b(?:since|after|from)\s+(?:19|20)\d\d\b(?!\s*(?:to|-|and|until))", text):
        return (lo + (1 if re.search(r"\bafter\b", text) else 0), 9999)
    if re.search(r"\b(?:before|until|up to|prior to)\s+(?:19|20)\d\d\b", text):
        return (0, hi - (1 if re.search(r"\bbefore|prior to\b", text) else 0))
    return (lo, hi)


_TOPIC = re.compile(
    r"\b(?:on|about|in the area of|related to|regarding|concerning|involving|mention(?:ing)?|"
    r"using|with)\s+(?P<topic>[^?.!]+)",
    re.IGNORECASE,
)
_TOPIC_BEFORE = re.compile(
    r"\bhow many\s+(?P<topic>[\w\s\-]+?)\s+(?:papers?|publications?|works?|articles?)\b",
    re.IGNORECASE,
)


def _topic(text: str, owner_terms: set[str]) -> str | None:
    """The topic of a counting question: "how many papers on X" / "how many X papers"."""
    for rx in (_TOPIC, _TOPIC_BEFORE):
        m = rx.search(text)
        if m:
            phrase = _YEAR.sub(" ", m.group("topic"))
            phrase = re.sub(
                r"\b(?:did|does|do|has|have|he|she|they|publish(?:ed)?|write|wrote|in|since|"
                r"before|after|between|and|the page|this page|list(?:ed)?|are there)\b.*$",
                "",
                phrase,
                flags=re.IGNORECASE,
            ).strip(" ,-")
            if any(t not in QUESTION_TERMS and t not in owner_terms for t in content_terms(phrase)):
                return phrase
    return None
