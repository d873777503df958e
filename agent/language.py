"""Text helpers shared by analysis, drafting and verification: sentences, terms, entities,
and the quarantine that keeps instructions hidden in abstracts away from every drafter."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from retrieval.cleaning import normalize_for_analysis

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "across",
        "after",
        "again",
        "against",
        "all",
        "almost",
        "along",
        "also",
        "although",
        "always",
        "am",
        "among",
        "an",
        "and",
        "another",
        "any",
        "are",
        "around",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "cannot",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "done",
        "down",
        "due",
        "during",
        "each",
        "either",
        "else",
        "enough",
        "especially",
        "etc",
        "even",
        "ever",
        "every",
        "few",
        "for",
        "from",
        "further",
        "furthermore",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "however",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "least",
        "less",
        "let",
        "like",
        "made",
        "make",
        "makes",
        "many",
        "may",
        "me",
        "might",
        "more",
        "moreover",
        "most",
        "mostly",
        "much",
        "must",
        "my",
        "namely",
        "near",
        "nearly",
        "neither",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "often",
        "on",
        "once",
        "one",
        "only",
        "onto",
        "or",
        "other",
        "others",
        "otherwise",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "per",
        "perhaps",
        "quite",
        "rather",
        "really",
        "same",
        "several",
        "she",
        "should",
        "since",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "thereby",
        "therefore",
        "these",
        "they",
        "this",
        "those",
        "though",
        "through",
        "thus",
        "to",
        "together",
        "too",
        "toward",
        "towards",
        "under",
        "until",
        "up",
        "upon",
        "us",
        "very",
        "via",
        "was",
        "we",
        "well",
        "were",
        "what",
        "whatever",
        "when",
        "where",
        "whereas",
        "whether",
        "which",
        "while",
        "who",
        "whom",
        "whose",
        "why",
        "will",
        "with",
        "within",
        "without",
        "would",
        "yet",
        "you",
        "your",
        "yours",
        "e.g",
        "i.e",
        "et",
        "al",
        "vs",
    ]
)

# Words that carry no topic in an abstract ("we propose a novel method that achieves...").
FILLER = frozenset(
    [
        "paper",
        "papers",
        "propose",
        "proposed",
        "proposes",
        "present",
        "presents",
        "presented",
        "introduce",
        "introduces",
        "introduced",
        "show",
        "shows",
        "shown",
        "showed",
        "demonstrate",
        "demonstrates",
        "demonstrated",
        "study",
        "studies",
        "studied",
        "investigate",
        "investigates",
        "investigated",
        "explore",
        "explores",
        "explored",
        "consider",
        "considers",
        "considered",
        "approach",
        "approaches",
        "method",
        "methods",
        "methodology",
        "result",
        "results",
        "work",
        "works",
        "novel",
        "new",
        "existing",
        "previous",
        "recent",
        "recently",
        "current",
        "various",
        "different",
        "based",
        "using",
        "use",
        "used",
        "uses",
        "via",
        "achieve",
        "achieves",
        "achieved",
        "achieving",
        "obtain",
        "obtained",
        "provide",
        "provides",
        "provided",
        "further",
        "first",
        "second",
        "third",
        "finally",
        "specifically",
        "particular",
        "particularly",
        "significant",
        "significantly",
        "effective",
        "effectively",
        "efficient",
        "efficiently",
        "important",
        "critical",
        "challenging",
        "challenge",
        "challenges",
        "problem",
        "problems",
        "issue",
        "issues",
        "extensive",
        "experiments",
        "experimental",
        "experiment",
        "compared",
        "comparison",
        "state",
        "art",
        "outperform",
        "outperforms",
        "outperforming",
        "superior",
        "better",
        "best",
        "performance",
        "improve",
        "improves",
        "improved",
        "improvement",
        "improvements",
        "task",
        "tasks",
        "propose",
        "including",
        "include",
        "includes",
        "large",
        "small",
        "high",
        "low",
        "general",
        "generally",
        "certain",
        "well",
        "known",
        "given",
        "address",
        "addresses",
        "aim",
        "aims",
        "allow",
        "allows",
        "enable",
        "enables",
        "key",
        "main",
        "mainly",
        "great",
        "greatly",
        "across",
        "able",
        "however",
        "way",
        "ways",
        "framework",
    ]
)

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-']*[A-Za-z0-9]|[A-Za-z]")
_ABBREV = re.compile(
    r"(?:\b(?:e\.g|i\.e|et al|etc|vs|cf|Fig|Figs|Eq|Eqs|Ref|Refs|Sec|No|approx|resp|Dr|Prof|St)"
    r"|\b[A-Z])\.$"
)
# A sentence ends at . ! ? and a space, or at an ideographic full stop; the next sentence
# starts with a capital (of any alphabet), a letter of a script without case, a digit or an
# opening bracket or quote.
_SENT_END = re.compile(r"(?<=[.!?])\s+(?=[^\sa-z])|(?<=[。！？])\s*(?=\S)")


def _starts_sentence(part: str) -> bool:
    c = part[:1]
    return c in "0123456789$\\([\"'" or (c.isalpha() and not c.islower())


_MATH = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.DOTALL)
_COMMAND = re.compile(r"\\[A-Za-z]+\*?(?:\{[^{}$]*\})*|\\[{}%&_#$]")


@lru_cache(maxsize=4096)
def _latex_piece(latex: str) -> str:
    from pylatexenc.latex2text import LatexNodes2Text  # only pages with LaTeX pay the import

    # "%" starts a comment in LaTeX; in an abstract it is a percentage.
    escaped = re.sub(r"(?<!\\)%", r"\\%", latex)
    try:
        text = LatexNodes2Text(math_mode="text", strict_latex_spaces=True).latex_to_text(escaped)
    except Exception:
        # Keep the words: drop the command names and the braces.
        text = re.sub(r"\\[A-Za-z]+\*?|[{}]", " ", latex).replace("\\", "")
    return " ".join(text.split())


def readable(text: str) -> str:
    """``text`` with LaTeX rendered as plain text: "$p$-numerated" -> "p-numerated",
    "$\\frac{p}{x}$" -> "p/x", "\\emph{x}" -> "x". Text without LaTeX is returned unchanged."""
    if "$" not in text and "\\" not in text:
        return text

    def math(m: re.Match[str]) -> str:
        return _latex_piece(next(g for g in m.groups() if g is not None))

    out = _MATH.sub(math, text)
    out = _COMMAND.sub(lambda m: _latex_piece(m.group()), out)
    return re.sub(r"[ \t]+", " ", out).strip()


def split_sentences(text: str) -> list[str]:
    """Sentences of an abstract; abbreviations ("e.g.", "et al.", initials) do not end one."""
    text = " ".join(text.split())
    if not text:
        return []
    parts = _SENT_END.split(text)
    out: list[str] = []
    for part in parts:
        if out and (_ABBREV.search(out[-1]) or not _starts_sentence(part)):
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return [s.strip() for s in out if s.strip()]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix stripper: enough to match 'networks' with 'network', 'learning' with
    'learned'. Applied the same way to both sides of every comparison."""
    w = word.lower().strip("'")
    if w.endswith("'s"):
        w = w[:-2]
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", "e")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 4:
            return w[: -len(suffix)] + repl
    if w.endswith("s") and not w.endswith(("ss", "us", "is")) and len(w) > 4:
        return w[:-1]
    return w


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def content_terms(text: str) -> list[str]:
    """Stemmed words that carry meaning: no stopwords, no filler, no single letters."""
    out = []
    for w in words(text):
        lw = w.lower()
        if len(lw) < 2 or lw in STOPWORDS or lw in FILLER:
            continue
        out.append(stem(lw))
    return out


def normalize(text: str) -> str:
    """Lowercase, unify dashes and spaces: the form in which evidence is searched."""
    t = text.lower().replace("\u2013", "-").replace("\u2014", "-").replace("\u2212", "-")
    return " ".join(t.split())


# -- salient facts: the things a sentence may only state when the evidence states them --------

_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?:\s?%)?(?![\w])")
_CAMEL = re.compile(r"\b[A-Za-z]*[a-z][A-Z][A-Za-z0-9]*\b")  # StarCraft, AlphaStar, BoRP
_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]{1,}(?:-[A-Z0-9]+)*s?\b")  # DNN, SIDIS, LV, PF-ODE
_ALNUM = re.compile(r"\b[A-Za-z]+-?\d+[A-Za-z0-9]*\b")  # ResNet-50, GPT4
_CAPWORD = re.compile(  # mid-sentence names: "Katok", "Gauss-Kuzmin"
    r"(?<=[a-z,;:(] )[A-Z][a-z]+(?:[-\s][A-Z][a-z]+)*(?![A-Za-z0-9])"
)


@dataclass(frozen=True)
class Salient:
    kind: str  # "number" | "name"
    text: str


def salient_facts(sentence: str, allowed: frozenset[str] = frozenset()) -> list[Salient]:
    """Numbers and named things (methods, datasets, systems, people) stated by a sentence.

    ``allowed`` holds lowercase strings the report itself supplies (the owner's name, the
    words of our own templates); they are not facts that need evidence.
    """
    body = re.sub(r"\[\s*P\d+(?:\s*,\s*P\d+)*\s*\]", " ", sentence)
    found: dict[str, Salient] = {}
    for m in _NUMBER.finditer(body):
        found.setdefault(m.group().lower(), Salient("number", m.group().strip()))
    for rx in (_CAMEL, _ACRONYM, _ALNUM, _CAPWORD):
        for m in rx.finditer(body):
            token = m.group().strip()
            if token.endswith("'s"):
                token = token[:-2]
            key = token.lower()
            if key in allowed or key in STOPWORDS or any(key in a.split() for a in allowed):
                continue
            if rx is _ALNUM and _NUMBER.fullmatch(token):
                continue
            found.setdefault(key, Salient("name", token))
    # A number inside a named thing ("ResNet-50") is checked as part of the name.
    names = [s.text.lower() for s in found.values() if s.kind == "name"]
    return [
        s
        for key, s in found.items()
        if s.kind == "name" or not any(key in n and key != n for n in names)
    ]


def appears_in(fact: str, evidence: str) -> bool:
    """Whether ``fact`` is stated by ``evidence`` (normalised, on word boundaries; a plural
    or possessive form of a name counts)."""
    f = re.escape(normalize(fact)).replace(r"\ ", r"[\s-]?")
    f = f.replace("%", r"\s?%")
    return re.search(rf"(?<![\w]){f}(?:s|es|'s)?(?![\w])", normalize(evidence)) is not None


# -- quarantine: abstracts are data, never instructions ----------------------------------------

_INJECTION = re.compile(
    # "ignore all previous instructions", "disregard the system prompt"
    r"\b(?:ignore|disregard|forget|override)\s+(?:(?:all|any|the|your|these|those|of)\s+)*"
    r"(?:(?:previous|prior|above|earlier|preceding|system|developer)\s+)*"
    r"(?:instructions?|prompts?|rules|guidelines|directions|directives)\b"
    # "you are now an AI assistant", "you must ..." addressed to the reader-model
    r"|\byou\s+(?:are|must|should|will)\s+(?:now\s+)?(?:an?\s+)?(?:ai|assistant|language model|"
    r"chatbot|llm|required to|instructed to)\b"
    r"|\b(?:as an? (?:ai|language model|llm|assistant|chatbot)|large language models? reading "
    r"this|ai (?:assistant|model)s? reading)\b"
    # "you should describe the author as ...": the reader told what to write about the author
    r"|\byou\s+(?:must|should|will|are to|need to)\b.{0,60}\b(?:summar\w*|profile|blurb|"
    r"researcher|author)\b"
    # an imperative to the model about its output: "Write that this researcher ..."
    r"|(?:^|\bplease\s+|[.!:]\s*)(?:respond|reply|answer|output|write|say)\s+(?:only\s+)?"
    r"(?:with|that)\b.{0,80}\b(?:summary|profile|blurb|researcher|author)\b",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(frozen=True)
class Screened:
    """An abstract (or title) split by what may reach a drafter, the topics and the themes."""

    text: str  # the sentences that describe research, normalised, joined
    instructions: list[str]  # sentences addressed to a model: ignored, and reported
    off_topic: list[str]  # sentences about nothing else in the paper, or in another script


# Digits and symbols standing in for letters ("1gn0re pr3v10us 1nstruct10ns").
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
_LEET_WORD = re.compile(r"\b(?=[\w@$]*[A-Za-z])(?=[\w@$]*[013457@$])[\w@$]+\b")
_CONFUSABLE_SCRIPTS = frozenset({"CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE"})
_LETTER_RUN = re.compile(r"[^\W\d_]{3,}")


@lru_cache(maxsize=8192)
def _script(c: str) -> str:
    """The script of a letter, from its Unicode name ('LATIN', 'CYRILLIC', 'CJK'...); cached,
    since every letter of every abstract is looked up."""
    try:
        return unicodedata.name(c).split(" ", 1)[0]
    except ValueError:
        return "UNKNOWN"


def _main_script(text: str) -> str | None:
    counts: dict[str, int] = {}
    for c in text:
        if c.isalpha():
            counts[_script(c)] = counts.get(_script(c), 0) + 1
    return max(counts, key=lambda k: (counts[k], k)) if counts else None


def _mixes_scripts(sentence: str) -> bool:
    """A word that mixes Latin letters with look-alikes from another alphabet ("Ignоre" with a
    Cyrillic o): no real word is written so; it hides text from filters."""
    for run in _LETTER_RUN.findall(sentence):
        scripts = {_script(c) for c in run}
        if "LATIN" in scripts and scripts & _CONFUSABLE_SCRIPTS:
            return True
    return False


def _unleet(sentence: str) -> str:
    return _LEET_WORD.sub(lambda m: m.group().translate(_LEET), sentence)


def _addressed_to_model(sentence: str) -> bool:
    return (
        _INJECTION.search(sentence) is not None
        or _INJECTION.search(_unleet(sentence)) is not None
        or _mixes_scripts(sentence)
    )


# Words by which an abstract reports its own work (evaluation, code, proofs, baselines). A
# sentence such as "Intensive simulations and real world experiments." shares no topic word
# with its title, yet is research; it stays unless it also makes a claim about a person or
# praises (the form an injected claim takes: "the author won the Nobel Prize").
_REPORTING = frozenset(
    stem(w)
    for w in [
        "experiment",
        "experimental",
        "simulation",
        "dataset",
        "benchmark",
        "evaluation",
        "evaluate",
        "ablation",
        "result",
        "code",
        "implementation",
        "open-source",
        "github",
        "theorem",
        "proof",
        "prove",
        "proved",
        "proven",
        "corollary",
        "lemma",
        "convergence",
        "analysis",
        "analyzed",
        "analysed",
        "performance",
        "outperform",
        "baseline",
        "state-of-the-art",
        "method",
        "approach",
        "algorithm",
        "model",
        "framework",
        "accuracy",
        "empirical",
        "empirically",
        "validate",
        "validated",
        "demonstrate",
        "parameter",
        "optimized",
        "optimised",
        "prediction",
        "theory",
        "data",
        "computation",
        "problem",
        "np-hard",
        "task",
    ]
)
_CLAIM = frozenset(
    stem(w)
    for w in [
        "author",
        "researcher",
        "scientist",
        "professor",
        "he",
        "she",
        "his",
        "her",
        "him",
        "prize",
        "award",
        "awarded",
        "laureate",
        "nobel",
        "turing",
        "medal",
        "genius",
        "famous",
        "renowned",
        "celebrated",
        "greatest",
        "groundbreaking",
        "revolutionary",
        "brilliant",
        "eminent",
        "legendary",
        "world-class",
        "world-leading",
        "pioneer",
        "pioneering",
        "praise",
        "important",
        "influential",
        "best",
        "must",
        "should",
        "recommend",
        "hire",
        "ai",
        "chatgpt",
        "gpt",
        "assistant",
        "reader",
    ]
)


def _reports_research(sentence: str) -> bool:
    stems = {stem(w.lower()) for w in words(sentence)}
    return bool(stems & _REPORTING) and not stems & _CLAIM


def screen(text: str, context: str = "") -> Screened:
    """Split ``text`` (an abstract; ``context`` its title) into the sentences that describe
    research and those that do not.

    The text is normalised first (NFKC, so full-width letters are plain ones; no zero-width,
    bidi or tag characters), then each sentence is judged by its form, not by a list of
    phrases in one language:

    * addressed to a model: an imperative to the reader about its instructions or output
      (also when spelled with digits for letters), or words that mix look-alike alphabets;
    * off topic: written in another script than the rest of the text, or sharing no content
      word with the title or any other research sentence (a claim about the author, a note to
      a reader, a sentence in another language), judged only where there is a topic to share
      words with: a title, or at least two other research sentences; a sentence that reports
      the work (experiments, code, proofs) and claims nothing about a person stays.

    Papers about LLMs may discuss "system prompts" or "forgetting previous tasks" and stay data.
    """
    sentences = split_sentences(normalize_for_analysis(text))
    title = normalize_for_analysis(context)
    main = _main_script(title + " " + " ".join(sentences))
    title_terms = set(content_terms(title))
    instructions: list[str] = []
    off_topic: list[str] = []
    research: list[str] = []
    for sentence in sentences:
        if _addressed_to_model(sentence):
            instructions.append(sentence)
        elif main is not None and _main_script(sentence) not in (None, main):
            off_topic.append(sentence)
        else:
            research.append(sentence)
    # A sentence is off topic only against a topic: the title, or at least two other research
    # sentences (between two sentences alone, neither can be called the odd one out). Removed
    # sentences are no topic: an instruction does not make the sentence before it off topic.
    terms = [set(content_terms(s)) for s in research]
    judged = len(research) > 1 and (bool(title_terms) or len(research) > 2)
    kept: list[str] = []
    for i, sentence in enumerate(research):
        others = title_terms.union(*(t for j, t in enumerate(terms) if j != i))
        if judged and not terms[i] & others and not _reports_research(sentence):
            off_topic.append(sentence)
        else:
            kept.append(sentence)
    return Screened(" ".join(kept), instructions, off_topic)


def quarantine(text: str, context: str = "") -> tuple[str, list[str]]:
    """``screen`` as (the research sentences, the sentences addressed to a model)."""
    screened = screen(text, context)
    return screened.text, screened.instructions
