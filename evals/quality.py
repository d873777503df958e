"""Blurb quality, read as an editor would: deterministic checks that need no reference case,
so they apply to any page (seeds, dev pages, a user's own).

Each check returns *findings* (the sentence and what is wrong with it), so a failing gate can
say what to fix; the metrics are their counts. ``paper_coverage`` is the share of the papers in
the blurb's scope that it speaks about: cited, or in a theme the blurb names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from agent.language import content_terms, stem, words

MAX_WORDS = 45  # a sentence longer than this is hard to read in a profile

# Words that open a sentence by pointing at a sentence the blurb does not contain.
DISCOURSE_MARKERS = (
    "at last", "at first", "first", "firstly", "second", "secondly", "third", "thirdly", "then",
    "finally", "lastly", "next", "moreover", "furthermore", "in addition", "additionally",
    "also", "besides", "however", "nevertheless", "nonetheless", "therefore", "thus", "hence",
    "consequently", "accordingly", "meanwhile", "instead", "in particular", "specifically",
    "notably", "importantly", "to this end", "for this purpose", "in this way", "as a result",
    "on the other hand", "in contrast", "similarly", "likewise", "in summary", "in conclusion",
    "overall", "to sum up", "in short", "subsequently", "afterwards", "further",
    "more specifically", "more concretely", "concretely", "to be specific", "in detail",
    "in other words", "that is", "namely",
)  # fmt: skip
_MARKER = re.compile(
    r"^(?:On [^,]{1,80},\s+)?(?:the authors\s+|[A-Z][\w.-]*(?: [A-Z][\w.-]*)* and co-authors\s+)?"
    r"(?P<m>"
    + "|".join(re.escape(m) for m in sorted(DISCOURSE_MARKERS, key=len, reverse=True))
    + r")\b(?:,|\s+(?=\w+s?\b))",
    re.IGNORECASE,
)
# A demonstrative + a problem noun, or a bare pronoun opening the sentence: it needs an
# antecedent the blurb does not give.
_PROBLEM_NOUNS = (
    r"issues?|problems?|challenges?|limitations?|gaps?|drawbacks?|difficult(?:y|ies)|"
    r"shortcomings?|bottlenecks?|obstacles?|concerns?|questions?|tasks?|settings?|scenarios?|"
    r"methods?|approach(?:es)?|models?|framework|techniques?|phenomen(?:on|a)|observations?|"
    r"findings?|results?|idea|goal|need"
)
_DEMONSTRATIVE = re.compile(
    rf"\b(?:this|these|those|such|the above|the aforementioned|said)\s+(?P<n>{_PROBLEM_NOUNS})\b",
    re.IGNORECASE,
)
_OPENING_PRONOUN = re.compile(
    r"^(?:It|They|Its|Their|Them|He|She|His|Her|This|These|Such)\b(?!\s+papers?\b)"
)
_MARKUP = re.compile(
    r"\$|\\[A-Za-z]+|\\[{}()\[\]]|[_^]\{|</?[a-z][a-z0-9]*[^>]*>|\*\*|__|`|&[a-z]+;|&#\d+;"
)
_BACKGROUND = re.compile(
    r"^(?:Since (?:\d{4}|the)|Recently|In recent years|Over the (?:past|last)|Nowadays|Today|"
    r"Currently|With the (?:rapid |recent |fast )?(?:development|advance|growth|rise|success|"
    r"emergence|popularity|proliferation)|Despite|Although|While|As (?:a|an|the) "
    r"(?:important|fundamental|key|popular|emerging|promising)|It is (?:well )?known|"
    r"(?:Traditional|Conventional|Existing|Previous|Prior|Most|Many|Current) "
    r"(?:\w+ ){0,3}(?:methods?|approaches|works?|studies|models|systems|techniques))\b"
    r"|\b(?:has|have) (?:been|attracted|received|become|gained|drawn|emerged)\b"
    r"(?!.*\b(?:propos|introduc|present|develop|design|show|prove|establish)\w*\b)"
    r"|\b(?:is|are|remains?) (?:a |an )?(?:challenging|crucial|critical|fundamental|"
    r"important|essential|key|popular|widely used|increasingly)\b"
    r"(?!.*\b(?:propos|introduc|present|develop|design|show|prove|establish)\w*\b)",
)
_CONTRIBUTION = re.compile(
    r"\b(?:propos|introduc|present|develop|design|prove|show|derive|establish|build|construct|"
    r"formulat|obtain|provid|extend|achiev|outperform|improv|reduc|demonstrat)\w*",
    re.IGNORECASE,
)
# An acronym: mostly capitals, at least two of them ("LPIRC", "LbT", "MAPPO", "FT-NAS").
_ACRO = re.compile(
    r"(?<![\w-])(?=[A-Za-z0-9-]*[A-Z][A-Za-z0-9-]*[A-Z])[A-Za-z][A-Za-z0-9-]*(?![\w-])"
)
# Known to any reader of a research profile; everything else is defined or left out.
COMMON_ACRONYMS = frozenset(
    [
        "AI",
        "ML",
        "NLP",
        "GPU",
        "GPUs",
        "CPU",
        "CPUs",
        "TPU",
        "DNA",
        "RNA",
        "MRI",
        "CT",
        "PET",
        "HIV",
        "COVID",
        "COVID-19",
        "SARS-CoV-2",
        "US",
        "USA",
        "UK",
        "EU",
        "UN",
        "IEEE",
        "ACM",
        "URL",
        "API",
        "APIs",
        "PhD",
        "MSc",
        "BSc",
        "2D",
        "3D",
        "4D",
        "IoT",
        "LLM",
        "LLMs",
        "GPT",
        "RGB",
        "RGB-D",
        "HDR",
        "CNN",
        "CNNs",
        "RNN",
        "RNNs",
        "LSTM",
        "GAN",
        "GANs",
        "QCD",
        "PDE",
        "PDEs",
        "ODE",
        "ODEs",
        "SQL",
        "HTML",
        "PDF",
    ]
)
_ROMAN = re.compile(r"^(?:II|III|IV|VI|VII|VIII|IX|XI|XII)$")
# "To better understand X, the authors ...": the motivation, not what was done.
_MOTIVATION = re.compile(
    r"^(?:On [^,]{1,80},\s+)?(?:In order )?[Tt]o (?:better |further |fully )?[a-z]+ [^,]{3,80},"
)
# "The X Challenge is an annual competition ...": a definition of something, not a finding.
_DEFINITION = re.compile(r"^(?:The|A|An)\b[^,]{0,100}?\b(?:is|are|was|were) (?:a|an|the|one)\b")
_CITE = re.compile(r"\[(P\d+(?:\s*,\s*P\d+)*)\]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


@dataclass(frozen=True)
class Finding:
    kind: str
    sentence: str
    detail: str


def sentences_of(blurb: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(blurb.strip()) if s]


def _plain(sentence: str) -> str:
    return " ".join(_CITE.sub(" ", sentence).split()).replace(" .", ".").replace(" ,", ",")


def _acronyms(text: str) -> list[str]:
    out = []
    for m in _ACRO.finditer(text):
        token = m.group().rstrip("-")
        letters = [c for c in token if c.isalpha()]
        upper = sum(c.isupper() for c in letters)
        if _ROMAN.match(token):
            continue  # "StarCraft II", "Type III"
        if upper >= 2 and upper * 2 >= len(letters) + (1 if len(letters) > 5 else 0):
            out.append(token)
    return out


def _defined(acronym: str, text: str) -> bool:
    """Whether ``text`` defines ``acronym``: "long form (ACR)", "ACR (long form)" or an
    appositive "ACR, a ...". A plural ("CNNs") counts as its singular."""
    base = acronym[:-1] if acronym.endswith("s") and acronym[:-1].isupper() else acronym
    a = re.escape(base)
    return bool(
        re.search(rf"\w[\w\s-]{{3,}}\(\s*{a}s?\s*[),;]", text)
        or re.search(rf"(?<![\w-]){a}s?\s*\(\s*[a-z][^)]{{3,}}\)", text)
        or re.search(rf"(?<![\w-]){a}s?,\s+(?:a|an|the)\s+\w", text)
        or re.search(rf"\w+,?\s+(?:named|called|dubbed|termed|coined)\s+{a}\b", text)
    )


def _known(acronym: str, known: Iterable[str]) -> bool:
    base = acronym[:-1] if acronym.endswith("s") and acronym[:-1].isupper() else acronym
    return base in COMMON_ACRONYMS or acronym in COMMON_ACRONYMS or base in known


def check_blurb(blurb: str, known_names: Sequence[str] = ()) -> list[Finding]:
    """Findings in one blurb. ``known_names``: words the blurb may use without definition
    (the owner's name, for instance)."""
    findings: list[Finding] = []
    known = {w for name in known_names for w in words(name)}
    seen_text = ""
    for raw in sentences_of(blurb):
        s = _plain(raw)
        if m := _MARKER.match(s):
            findings.append(Finding("discourse_marker", s, f"opens with {m.group('m')!r}"))
        if m := _OPENING_PRONOUN.match(s):
            findings.append(Finding("dangling_reference", s, f"opens with {m.group()!r}"))
        for m in _DEMONSTRATIVE.finditer(s):
            noun = stem(m.group("n").lower())
            if noun not in set(content_terms(seen_text)):
                findings.append(
                    Finding("dangling_reference", s, f"{m.group()!r} has no antecedent")
                )
        if m := _MARKUP.search(s):
            findings.append(Finding("markup", s, f"markup {m.group()!r}"))
        for acr in dict.fromkeys(_acronyms(s)):
            if not _known(acr, known) and not _defined(acr, seen_text + " " + s):
                findings.append(Finding("undefined_acronym", s, f"{acr!r} is not defined"))
        background = _BACKGROUND.search(s) or _DEFINITION.match(s)
        if background and not (_CONTRIBUTION.search(s) and not _BACKGROUND.match(s)):
            findings.append(Finding("background", s, "states background, not a contribution"))
        elif _MOTIVATION.match(s):
            findings.append(Finding("background", s, "opens with a motivation clause"))
        n_words = len(s.split())
        if n_words > MAX_WORDS:
            findings.append(Finding("long_sentence", s, f"{n_words} words (max {MAX_WORDS})"))
        for group in re.findall(r"main (?:lines?|themes?|threads?) of (?:work|research)[^.]*", raw):
            singles = [g for g in _CITE.findall(group) if "," not in g]
            if singles:
                findings.append(
                    Finding("single_paper_line", s, f"a main line cites one paper: [{singles[0]}]")
                )
        seen_text += " " + s
    return findings


def _theme_key(phrase: str) -> tuple[str, ...]:
    return tuple(content_terms(phrase))


def duplicate_themes(themes: Sequence[str]) -> list[tuple[str, str]]:
    """Pairs of theme names that say the same thing: same head word and another word shared,
    or one name's words inside the other's."""
    out = []
    keys = [_theme_key(t) for t in themes]
    for i in range(len(themes)):
        for j in range(i + 1, len(themes)):
            a, b = keys[i], keys[j]
            if not a or not b:
                continue
            sa, sb = set(a), set(b)
            same_head = a[-1] == b[-1] and len(sa & sb) >= 2
            if same_head or sa <= sb or sb <= sa:
                out.append((themes[i], themes[j]))
    return out


def paper_coverage(
    blurb: str, themes: Sequence[tuple[str, Sequence[str]]], papers: set[str]
) -> float:
    """Share of ``papers`` the blurb speaks about: cited, or in a theme whose name it uses."""
    if not papers:
        return 1.0
    sentences = [set(content_terms(_plain(s))) for s in sentences_of(blurb)]
    covered = {x.strip() for g in _CITE.findall(blurb) for x in g.split(",")}
    for name, labels in themes:
        # Named: every word of the theme's name in one sentence (spelled-out acronyms allowed).
        terms = set(content_terms(name))
        if terms and any(terms <= s for s in sentences):
            covered |= set(labels)
    return len(covered & papers) / len(papers)


KINDS = (
    "discourse_marker",
    "dangling_reference",
    "markup",
    "undefined_acronym",
    "background",
    "long_sentence",
    "single_paper_line",
)
