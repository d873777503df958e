"""The general reader: any researcher's publication list, as copied text, Markdown or HTML lines.

Rules, not a layout per site. The page is cut into sections by its headings (a section named
like news, talks, teaching, service, grants, demos, patents or software holds no papers and is
reported in ``skipped``; year headings set the year of what follows). Entries are then found
two ways:

* blocks anchored on an author line: the lines just above it are the title, the lines below
  it (until a blank line or the next entry's title) the venue, year, links and abstract;
* one-line citations ("Authors (2020). Title. In Venue.", "Title (with X). 2020. Journal",
  "Surname, I.; ..., Title, Venue, 2020.", "Title: Authors, Journal, 2020", numbered lists),
  where emphasised spans of HTML (links, bold) name the title when there are any.

Every title is a span of the page text. ``seen`` counts the entry-like lines of paper sections
so that :mod:`retrieval.parse` can say when the parse falls short.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from ..models import NameSource
from ..names import name_key
from ._page import RawEntry, RawPage
from ._text import is_name_token
from .html_page import HtmlDoc

FORMAT = "general"

# --- lines --------------------------------------------------------------------------------


@dataclass
class GLine:
    number: int
    text: str
    heading: int = 0
    item: bool = False
    emph: list[str] = field(default_factory=list)
    strong: list[str] = field(default_factory=list)

    @property
    def blank(self) -> bool:
        return not self.text.strip()


def lines_from_text(text: str) -> list[GLine]:
    out = []
    for i, raw in enumerate(text.split("\n"), start=1):
        t = raw.rstrip()
        heading = 0
        m = re.match(r"^(#{1,6})\s+(.*)$", t)  # Markdown heading
        if m:
            heading, t = len(m[1]), m[2]
        item = bool(re.match(r"^\s*(?:[-*+•]\s+|\d{1,3}[.)]\s+|\[\d{1,3}\]\s*)", t))
        t = re.sub(r"^(\s*)[-*+]\s+", r"\1", t)  # Markdown bullet
        t = re.sub(r"\[([^\]]+)\]\((?:[^)\s]+)\)", r"\1", t)  # Markdown links
        strong = [a or b for a, b in re.findall(r"\*\*(.+?)\*\*|__(.+?)__", t)]
        t = re.sub(r"\*\*(.+?)\*\*|__(.+?)__", lambda g: g[1] or g[2], t)
        emph = [
            a or b
            for a, b in re.findall(
                r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])|(?<![\w_])_(?!\s)(.+?)(?<!\s)_(?![\w_])",
                t,
            )
        ]
        t = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", t)
        t = re.sub(r"(?<![\w_])_(?!\s)(.+?)(?<!\s)_(?![\w_])", r"\1", t)
        out.append(GLine(i, t, heading, item, emph + strong, strong))
    return out


def lines_from_html(doc: HtmlDoc) -> list[GLine]:
    return [
        GLine(i, ln.text, ln.heading, ln.item, ln.emph, ln.strong)
        for i, ln in enumerate(doc.lines, start=1)
    ]


# --- vocabulary ---------------------------------------------------------------------------

_YEAR = re.compile(r"(?<![\d.:/\-])(19[5-9]\d|20[0-4]\d)(?![\d])(?!\.\d)")
_ARXIV_ID = re.compile(r"\b(?:arXiv:)?\d{4}\.\d{4,5}(?:v\d+)?\b", re.I)
_PAPER_HEADS = re.compile(
    r"\b(publikationen|veröffentlichungen|publicaciones|pubblicazioni|artículos|articles?|"
    r"publications?|papers?|preprints?|articles?|journals?|conferences?|proceedings|"
    r"manuscripts?|working|forthcoming|published|thesis|theses|dissertations?|books?|"
    r"chapters?|comments|monographs?|reports?|workshops?|under review|submitted|"
    r"peer[- ]reviewed|refereed)\b",
    re.I,
)
_OTHER_HEADS = re.compile(
    r"\b(news|updates?|talks?|presentations?|seminars?|lectures?|teaching|courses?|"
    r"service|services|volunteer\w*|reviewing|grants?|funding|awards?|honou?rs?|demos?|"
    r"demonstrations?|patents?|software|projects?|misc\.?|miscellaneous|students?|alumni|"
    r"group|mentoring|outreach|contact|bio|biography|about|links|blog|posts?|"
    r"recently updated|tags|experience|education|media|press|employment|positions?|"
    r"events?|organi[sz]ation|activities|hobbies|codes?|datasets?|resources|"
    r"interests|posters?|videos?|tutorials?|invited|upcoming|cv)\b",
    re.I,
)
_OTHER_REASON = {
    "news": "news",
    "update": "news",
    "talk": "talks",
    "presentation": "talks",
    "seminar": "talks",
    "lecture": "talks",
    "teaching": "teaching",
    "course": "teaching",
    "service": "service",
    "volunteer": "service",
    "reviewing": "service",
    "grant": "grants",
    "funding": "grants",
    "award": "awards",
    "honor": "awards",
    "honour": "awards",
    "demo": "demos",
    "demonstration": "demos",
    "patent": "patents",
    "software": "software",
    "code": "software",
    "project": "projects",
}
_LINK_WORDS = {
    "pdf", "paper", "papers", "code", "arxiv", "bibtex", "bib", "project", "page", "website",
    "webpage", "video", "videos", "slides", "doi", "journal", "poster", "supplementary",
    "supplement", "materials", "abstract", "draft", "github", "html", "link", "talk", "data",
    "dataset", "demo", "proceeding", "proceedings", "cite", "openreview", "appendix", "blog",
    "press", "media", "preprint", "ssrn", "nber", "repo", "package", "packages", "r", "stata",
    "matlab", "python", "shiny", "replication", "cvf", "acm", "dl", "ieee", "springer",
    "pubmed", "tl;dr", "tldr", "show", "more", "less", "hide", "toggle", "summary", "oral",
    "spotlight", "interactive", "writeup", "version", "previous", "old", "longer", "reanalysis",
    "initial", "letter", "hal", "pmc", "scholar", "google", "twitter", "&", "|", "/", "[",
    "]", "-", "·", "•", "new", "and", "the", "site", "results", "documentation", "docs",
}  # fmt: skip
_VENUE_WORDS = re.compile(
    r"\b(proceedings|proc\.|conference|journal|transactions|trans\.|letters|review|symposium|"
    r"workshop|arxiv|preprint|press|annals|quarterly|magazine|neurips|nips|icml|iclr|cvpr|"
    r"iccv|eccv|aaai|ijcai|acl|emnlp|naacl|siggraph|chi|kdd|www|icra|iros|rss|corl|"
    r"in press|to appear|forthcoming|submitted|under review|accepted|vol\.|pp\.|no\.|"
    r"thesis|university|phys\.|rev\.|math\.|j\.)",
    re.I,
)
_COMMON_WORDS = set(
    [
        "a",
        "an",
        "the",
        "of",
        "for",
        "and",
        "or",
        "in",
        "on",
        "with",
        "to",
        "from",
        "by",
        "via",
        "using",
        "towards",
        "toward",
        "learning",
        "deep",
        "neural",
        "network",
        "networks",
        "model",
        "models",
        "graph",
        "graphs",
        "data",
        "analysis",
        "method",
        "methods",
        "system",
        "systems",
        "optimization",
        "estimation",
        "theory",
        "robust",
        "efficient",
        "fast",
        "sparse",
        "large",
        "language",
        "vision",
        "image",
        "images",
        "video",
        "visual",
        "generation",
        "generative",
        "diffusion",
        "transformer",
        "transformers",
        "inference",
        "bayesian",
        "random",
        "control",
        "robot",
        "robots",
        "robotic",
        "dynamic",
        "dynamics",
        "linear",
        "nonlinear",
        "convex",
        "algorithm",
        "algorithms",
        "approach",
        "framework",
        "study",
        "evidence",
        "policy",
        "economic",
        "markets",
        "market",
        "quantum",
        "field",
        "fields",
        "function",
        "functions",
        "equations",
        "equation",
        "structure",
        "structures",
        "representation",
        "representations",
        "detection",
        "segmentation",
        "recognition",
        "reconstruction",
        "tracking",
        "planning",
        "reasoning",
        "training",
        "self",
        "supervised",
        "unsupervised",
        "semi",
        "multi",
        "new",
        "on",
        "towards",
        "scalable",
        "adaptive",
        "online",
        "stochastic",
        "spectral",
        "matrix",
        "tensor",
        "kernel",
        "regression",
        "classification",
        "prediction",
        "causal",
        "effects",
        "effect",
        "treatment",
        "trends",
        "test",
        "testing",
        "sampling",
        "flow",
        "flows",
        "energy",
        "physics",
        "chemical",
        "chemistry",
        "molecular",
        "protein",
        "cell",
        "cells",
        "gene",
        "genes",
        "brain",
        "human",
        "social",
        "health",
        "medical",
        "clinical",
    ]
)
# Words of site chrome and institutions: a heading made of them is not a person.
_NOT_NAME = set(
    re.findall(
        r"\S+",
        """home page homepage menu toggle navigation nav welcome search skip content main site
    website personal academic lab laboratory university institute department school college
    center centre faculty team members people overview profile curriculum vitae resume
    selected recent all full list dark light mode english""",
    )
)
_PROSE_START = re.compile(
    r"^(?:©|\(c\)\s)|^(Copyright|Powered|Last updated|Template|Designed|I|I'm|I've|My|We|Our|This|These|Please|He|She|They|It|Here|In this|Currently|"
    r"Previously|Prior|Before|Check|See|Find|Click|Feel|If|Note|Thanks|Thank)\b"
)
_ABSTRACT_START = re.compile(r"^(abstract|tl;?dr|summary)\s*[:.\-–]\s*\S", re.I)
_MARKS = re.compile(r"[*†‡§¶#✉⋆∗♠♣♦♥]+|\^\w+|(?<=[a-zà-ÿ])\d{1,2}\b")
_PAREN = re.compile(r"\s*\([^()]*\)")
_NUMBERING = re.compile(r"^\s*(?:\[[A-Za-z]{0,3}\d{1,3}\]|\d{1,3}[.)]|[-•*·▪►]|[A-Z]?\d{1,3}\.)\s+")
_CITE_LABEL = re.compile(
    r"^(?:recommended citation|citation|cite as|cite|reference|published in|appeared in)\s*:\s*",
    re.I,
)
_LEADING_TAGS = re.compile(r"^(?:\s*\[[^\]]{1,20}\]\s*)+")
_TRAILING_BRACKET = re.compile(r"\s*\[[^\]]*\]\s*$")
_HONORIFIC = re.compile(r"^(?:dr\.?|prof\.?|professor|mr\.?|ms\.?|mrs\.?)\s+", re.I)
_CJK = re.compile(r"[\u3000-\u9fff\uac00-\ud7af\uff00-\uffef]")


def find_year(text: str) -> int | None:
    m = _YEAR.search(_ARXIV_ID.sub(" ", text))
    return int(m.group(1)) if m else None


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Za-zÀ-ÿ][\w'’\-]*", text)


def is_link_line(text: str) -> bool:
    """``[ Abstract | Draft ]``, ``pdf / code / bibtex``, ``Paper | Code | Video``."""
    toks = re.findall(r"[^\s|/\[\]()•·,]+", text.lower())
    if not toks:
        return True
    if find_year(text):
        return False
    if len(toks) > 12:
        return False
    hits = sum(1 for t in toks if t.strip(":.") in _LINK_WORDS)
    return hits >= max(1, (len(toks) + 1) // 2) and len(text) < 120


def _heading_text(text: str) -> str:
    s = _PAREN.sub("", text)
    s = re.sub(r"[#:*_|\-–—=]+", " ", s)
    return re.sub(r"\s+", " ", s).strip()


_HEAD_FILLER = {
    "selected",
    "recent",
    "past",
    "and",
    "of",
    "my",
    "other",
    "public",
    "invited",
    "some",
    "list",
    "full",
    "all",
    "the",
    "&",
    "upcoming",
    "research",
    "academic",
    "professional",
}


def _all_vocab(text: str) -> bool:
    words = _heading_text(text).lower().split()
    return (
        bool(words)
        and len(words) <= 4
        and all(
            w in _HEAD_FILLER or _PAPER_HEADS.fullmatch(w) or _OTHER_HEADS.fullmatch(w)
            for w in words
        )
    )


def classify_heading(line: GLine) -> tuple[str, int | None] | None:
    """('paper'|'other'|'year'|'neutral', year) when ``line`` is a section heading."""
    raw = line.text.strip()
    s = _heading_text(raw)
    if not s:
        return None
    if re.fullmatch(r"(19[5-9]\d|20[0-4]\d)(\s*[-–]\s*\d{2,4})?", s) or re.fullmatch(
        r"(19[5-9]\d|20[0-4]\d)", raw.strip("#*: ")
    ):
        return "year", int(s[:4])
    words = s.split()
    if len(words) > 6 or len(s) > 50 or (raw.endswith((".", ",", ";")) and not raw.endswith(".")):
        return ("neutral", None) if line.heading else None
    if raw.endswith(".") and not re.search(r"misc\.$", raw, re.I):
        return ("neutral", None) if line.heading else None
    paper = _PAPER_HEADS.search(s)
    other = _OTHER_HEADS.search(s)
    if paper and not (other and other.start() < paper.start()):
        return "paper", None
    if other:
        return "other", None
    return ("neutral", None) if line.heading else None


# --- names and author lines ---------------------------------------------------------------


def _clean_name(part: str) -> str:
    s = _MARKS.sub("", part.replace("\u2010", "-").replace("\u2011", "-"))
    s = _PAREN.sub("", s)
    s = re.sub(r"\s+", " ", s).strip(" .,;:")
    return s


_KIND_WORDS = {"thesis", "phd", "dissertation", "preprint", "report", "proceedings", "journal",
               "conference", "workshop", "press", "arxiv", "submitted", "accepted", "review"}  # fmt: skip


def _name_ok(name: str, lenient: bool) -> bool:
    toks = name.split()
    if not 1 <= len(toks) <= 5:
        return False
    if any(t.lower().strip(".") in _KIND_WORDS or t.lower() in _NOT_NAME for t in toks):
        return False
    for t in toks:
        if is_name_token(t):
            continue
        if lenient and re.fullmatch(r"[A-Z][a-zà-ÿ]+[A-Z][a-zà-ÿ]+", t):  # YinYin, AbdusSalam
            continue
        if re.fullmatch(r"[A-Z]\.?(?:-?[A-Z]\.?)*", t):  # K, R, C.V., J.J.
            continue
        return False
    return True


def parse_authors(text: str) -> list[str] | None:
    """Names of an author line, or None when ``text`` is not one.

    Accepts "A B, C D and E F", "A. B, C. D", "Surname, I.; Surname, I." and contribution marks
    (* † #), trailing commas, "et al." and notes in parentheses.
    """
    s = text.strip()
    if not s or len(s) > 1500 or ":" in _PAREN.sub("", s):
        return None
    s = _PAREN.sub("", s)
    s = re.sub(r"\bet\.? al\.?", "", s)
    s = s.strip(" ,;.")
    if not s or re.search(r"\d{3,}|[!?]|https?:", _MARKS.sub("", s)):
        return None
    if ";" in s:
        parts = [p for p in (x.strip() for x in s.split(";")) if p]
        names = []
        for p in parts:
            p = _clean_name(p)
            m = re.fullmatch(r"([^,]+),\s*((?:[A-Z][a-z]?\.?\s*-?)+)", p)
            names.append(f"{m[2].strip()} {m[1].strip()}" if m else p)
    else:
        s = re.sub(r",?\s+(?:and|&)\s+", ", ", s)
        names = [_clean_name(p) for p in s.split(",")]
        # "Gonzalez, M., Patel, R." (surname, initials; APA)
        if (
            len(names) >= 2
            and len(names) % 2 == 0
            and all(re.fullmatch(r"(?:[A-Z]\.?\s*-?)+", names[k]) for k in range(1, len(names), 2))
        ):
            names = [f"{names[k + 1]} {names[k]}" for k in range(0, len(names), 2)]
    names = [n for n in names if n]
    if not names:
        return None
    ok = [n for n in names if _name_ok(n, lenient=True)]
    if len(ok) < len(names):
        return None
    multi = sum(1 for n in names if len(n.split()) >= 2)
    if multi < max(1, (len(names) + 1) // 2):
        return None
    commonish = sum(
        1 for n in names for t in n.split() if t.lower() in _COMMON_WORDS and len(t) > 2
    )
    if commonish >= max(2, len(names)):
        return None
    return names


def is_author_line(line: GLine, known: set[str] | None = None) -> bool:
    """An author line. A lone name counts only when it is in ``known`` (names that also occur
    in lists of several authors on the page), so that a short title such as "Self-Normalizing
    Flows" is not read as a person."""
    if line.blank or line.heading:
        return False
    text = line.text.strip()
    if is_link_line(text) and not re.search(r"[A-Z][a-z]+ [A-Z][a-z]+", text):
        return False
    names = parse_authors(text)
    if names is None:
        return False
    if len(names) == 1 and known is not None:
        return name_key(names[0]) in known
    return True


def known_names(lines: list[GLine]) -> set[str]:
    """Name keys of everyone in a list of two or more authors on the page."""
    keys: set[str] = set()
    for ln in lines:
        if ln.blank or ln.heading or ("," not in ln.text and " and " not in ln.text):
            continue
        names = parse_authors(ln.text)
        if names and len(names) >= 2:
            keys.update(name_key(n) for n in names)
    return keys


def looks_like_name(text: str) -> str | None:
    """The name in a page heading ("Dr Adam Luke Baskerville", "WONG Tian An 黄天安"), or None."""
    raw = re.sub(r"\s+", " ", text).strip()
    s = _CJK.sub("", _PAREN.sub("", raw)).strip(" -|·,")
    s = _HONORIFIC.sub("", s)
    toks = s.split()
    if not 2 <= len(toks) <= 5 or len(raw) > 60:
        return None
    for t in toks:
        if re.fullmatch(r"[A-Z]{2,}", t):  # family name in capitals
            continue
        if not is_name_token(t):
            return None
    if any(
        (len(t) > 3 and t.lower().strip(".") in _COMMON_WORDS)
        or _OTHER_HEADS.fullmatch(t)
        or t.lower().strip(".") in _NOT_NAME
        for t in toks
    ):
        return None
    if _PAPER_HEADS.search(s):
        return None
    return raw


# --- titles -------------------------------------------------------------------------------


def clean_title(text: str) -> str:
    s = _NUMBERING.sub("", text.strip())
    s = _LEADING_TAGS.sub("", s)
    s = _TRAILING_BRACKET.sub("", s)
    s = re.sub(r"\s+", " ", s).strip()
    s = s.strip(" ,;")
    if s.endswith(".") and not re.search(r"\b(?:[A-Z]|al|etc|vs|Jr|Sr|Inc)\.$", s):
        s = s[:-1]
    if len(s) > 2 and s[0] in "\"“'‘" and s[-1] in "\"”'’":
        s = s[1:-1].strip()
    return s


_PUBLISHED_IN = re.compile(
    r"^(?:published in|appeared in|to appear in|forthcoming in)\b:?\s*", re.I
)
_NOT_TITLE_START = re.compile(
    r"^(?:published in|appeared in|appears in|presented at|accepted (?:at|to|in)|to appear in|"
    r"in proceedings|proceedings of|recommended citation|citation|bibtex|abstract)\b",
    re.I,
)


def title_ok(title: str | None) -> bool:
    if not title or _NOT_TITLE_START.match(title):
        return False
    words = _words(title)
    if len(title) < 4 or len(title) > 400:
        return False
    if len(words) < 2 and not (len(words) == 1 and len(title) >= 5 and len(title) <= 40):
        return False
    letters = sum(c.isalpha() for c in title)
    if letters < 0.5 * len(title.replace(" ", "")):
        return False
    return not is_link_line(title)


# --- sections -----------------------------------------------------------------------------


@dataclass
class Section:
    kind: str  # paper | other | neutral
    start: int  # index into lines
    end: int  # exclusive
    head: str
    year: list[int | None] = field(default_factory=list)


def _sections(lines: list[GLine]) -> tuple[list[str], list[int | None], list[str]]:
    """Per line: section kind, heading year in force, heading text."""
    kinds: list[str] = []
    years: list[int | None] = []
    heads: list[str] = []
    kind, year, head = "neutral", None, ""
    for i, ln in enumerate(lines):
        c = None
        if not ln.blank:
            prev_blank = i == 0 or lines[i - 1].blank or lines[i - 1].heading
            nxt = lines[i + 1] if i + 1 < len(lines) else None
            short = len(ln.text) <= 60
            isolated = prev_blank and (nxt is None or nxt.blank)
            link = is_link_line(ln.text)
            if ln.heading or (short and (not link or (isolated and _all_vocab(ln.text)))):
                c = classify_heading(ln)
                # A line in plain text is a heading when it is made of section words, or
                # stands alone and is short.
                loose = not isolated or len(ln.text.split()) > 4 or re.search(r"\d", ln.text)
                if c and not ln.heading and c[0] != "year" and not _all_vocab(ln.text) and loose:
                    c = None
                if c and nxt is not None and is_author_line(nxt):
                    c = None  # a title whose first word happens to be "Software"
        if c:
            what, y = c
            if what == "year":
                year = y
            elif what == "neutral":
                # A top-level heading of no known kind ends a non-paper section; inside the
                # publications it is a topic group ("Machine Learning") and changes nothing.
                if ln.heading and ln.heading <= 2 and kind != "paper":
                    kind, head, year = "neutral", ln.text.strip(), None
            else:
                kind, head, year = what, ln.text.strip(), None
            kinds.append("heading")
        else:
            kinds.append(kind)
        years.append(year)
        heads.append(head)
    return kinds, years, heads


# --- entries ------------------------------------------------------------------------------


@dataclass
class _Draft:
    start: int  # line index
    end: int  # last line index used
    title: str
    authors: list[str]
    venue: str | None
    year: int | None
    abstract: str | None
    url: str | None = None
    kind: str | None = None


def _title_below(lines: list[GLine], a_end: int, known: set[str]) -> bool:
    """Whether the entry reads authors, then title, then a venue/year line."""
    if a_end + 2 >= len(lines):
        return False
    below, venue = lines[a_end + 1], lines[a_end + 2]
    if below.blank or venue.blank or below.heading or is_author_line(below, known):
        return False
    text = below.text.strip()
    if find_year(text) or is_link_line(text) or not title_ok(clean_title(text)):
        return False
    return bool(find_year(venue.text) or _VENUE_WORDS.search(venue.text))


def _tail_kind(text: str) -> str:
    t = text.strip()
    if is_link_line(t):
        return "link"
    if _ABSTRACT_START.match(t) or (len(t) > 180 and t.count(". ") >= 1):
        return "abstract"
    return "other"


def _block_entries(lines: list[GLine], kinds: list[str], years: list[int | None]) -> list[_Draft]:
    n = len(lines)
    known = known_names(lines)
    author_idx = [
        i
        for i in range(n)
        if kinds[i] not in ("heading", "other") and is_author_line(lines[i], known)
    ]
    drafts: list[_Draft] = []
    used_until = -1
    k = 0
    while k < len(author_idx):
        a = author_idx[k]
        a_end = a
        # An author list wrapped over two lines ("..., Laura Middleton*," / "Kayla Regan*, ...").
        while (
            k + 1 < len(author_idx)
            and author_idx[k + 1] == a_end + 1
            and lines[a_end].text.rstrip().endswith(",")
        ):
            k += 1
            a_end = author_idx[k]
        # Title: the contiguous non-blank lines just above, after what the last entry used.
        before: list[int] = []  # a venue line between title and authors
        j = a - 1
        tl: list[int] = []
        while j > used_until and not lines[j].blank and kinds[j] not in ("heading",):
            if is_author_line(lines[j], known):
                break
            tl.insert(0, j)
            j -= 1
        tl = [
            x
            for x in tl
            if not is_link_line(lines[x].text) and _tail_kind(lines[x].text) != "abstract"
        ]
        if len(tl) > 2:
            tl = tl[-2:]
        if len(tl) == 2:
            first, second = lines[tl[0]].text.strip(), lines[tl[1]].text.strip()
            joinable = second[:1].islower() or second.split()[0].lower() in (
                "with",
                "and",
                "for",
                "via",
                "from",
                "in",
                "on",
                "of",
            )
            if find_year(second) and not find_year(first) and len(_words(second)) <= 14:
                before = [tl[1]]  # title / venue-year / authors
                tl = tl[:1]
            elif not joinable or (first.endswith((".", "?", "!")) and not first[-2:-1].isupper()):
                tl = tl[1:]
        title = clean_title(" ".join(lines[x].text.strip() for x in tl)) if tl else ""
        tail_start = a_end + 1
        if not tl and _title_below(lines, a_end, known):
            # Authors first: "A. Author, B. Author" / title / venue-year.
            tl, tail_start = [a_end + 1], a_end + 2
            title = clean_title(lines[a_end + 1].text)
        if (
            not tl
            or not title_ok(title)
            or (find_year(title) and _VENUE_WORDS.search(title) and len(_words(title)) < 6)
        ):
            k += 1
            continue
        authors = parse_authors(" ".join(lines[x].text.strip() for x in range(a, a_end + 1))) or []
        # Tail: until a blank line, the next entry's title or a heading.
        next_a = author_idx[k + 1] if k + 1 < len(author_idx) else n
        stop = next_a - 1  # the next entry's title line
        tail: list[int] = []
        i = tail_start
        while i < min(stop, n) and not lines[i].blank and kinds[i] != "heading":
            tail.append(i)
            i += 1
        # An abstract may follow after one blank line ("Abstract: ...").
        if (
            i < n
            and lines[i].blank
            and i + 1 < min(stop, n)
            and _ABSTRACT_START.match(lines[i + 1].text.strip())
        ):
            tail.append(i + 1)
        venue = None
        year = None
        abstract = None
        for t in before + tail:
            text = lines[t].text.strip()
            kind = _tail_kind(text)
            if kind == "abstract":
                if abstract is None:
                    abstract = (
                        _ABSTRACT_START.sub(lambda m: m.group(0)[-1], text)
                        if _ABSTRACT_START.match(text)
                        else text
                    )
                continue
            if kind == "link":
                continue
            y = find_year(text)
            if venue is None and (y or _VENUE_WORDS.search(text)) and len(text) < 250:
                venue = text
            if year is None and y and len(text) < 250:
                year = y
        if venue is None:
            short = [
                lines[t].text.strip()
                for t in tail
                if _tail_kind(lines[t].text) == "other" and len(lines[t].text) < 120
            ]
            venue = short[0] if short else None
        if year is None:
            year = years[a]
        end = max([a_end, *tl, *tail])
        drafts.append(_Draft(min(tl[0], a), end, title, authors, venue, year, abstract))
        used_until = end
        k += 1
    return drafts


_ABBREV = set(
    [
        "al",
        "vs",
        "no",
        "nos",
        "vol",
        "pp",
        "proc",
        "int",
        "rev",
        "phys",
        "math",
        "comment",
        "approx",
        "funct",
        "théor",
        "nombres",
        "sci",
        "soc",
        "mol",
        "chem",
        "quant",
        "adv",
        "inf",
        "theor",
        "stat",
        "ann",
        "appl",
        "comput",
        "lett",
        "eng",
        "nat",
        "acad",
        "natl",
        "jr",
        "sr",
        "st",
        "dr",
        "prof",
        "univ",
        "dept",
        "conf",
        "trans",
        "symp",
        "ed",
        "eds",
        "j",
        "intl",
        "res",
        "sys",
        "mech",
        "biol",
        "med",
        "geom",
        "anal",
        "algebra",
        "optim",
    ]
)
_WITH_START = re.compile(r"\s*(?:(\()\s*(?:joint\s+)?with\s+|,\s*(?:joint\s+)?with\s+(?=[A-Z]))")
_SENT_GAP = re.compile(r"(?<=[.?!])\s+(?=[A-Z0-9“\"(\[])")


class _SentSplit:
    """Split at sentence ends, not after initials ("C. Ma") or abbreviations ("J. Number")."""

    @staticmethod
    def split(text: str, maxsplit: int = 0) -> list[str]:
        out, last = [], 0
        for m in _SENT_GAP.finditer(text):
            before = text[last : m.start()]
            tok = re.findall(r"[\w.\-]+[.?!]$", before)
            word = tok[0][:-1] if tok else ""
            if text[m.start() - 1] == "." and (
                re.fullmatch(r"(?:[A-Z]\.?-?)+", word.split(".")[-1] or word)
                or word.split(".")[-1].lower() in _ABBREV
            ):
                continue
            out.append(text[last : m.start()])
            last = m.end()
            if maxsplit and len(out) >= maxsplit:
                break
        out.append(text[last:])
        return out


_SENT_SPLIT = _SentSplit()
_AUTH_YEAR = re.compile(r"^(?P<auth>.+?)\s*\((?P<year>(?:19|20)\d\d)[a-z]?\)\.?\s*(?P<rest>.+)$")


def _venue_like(text: str) -> bool:
    t = text.strip()
    if not t:
        return False
    if re.match(
        r"^(submitted|to appear|in\b|accepted|under review|preprint|arxiv|forthcoming|proc)",
        t,
        re.I,
    ):
        return True
    words = [
        w for w in _words(t) if w.lower() not in ("of", "on", "and", "the", "in", "for", "&", "a")
    ]
    if not words:
        return bool(find_year(t))
    caps = sum(1 for w in words if w[0].isupper())
    return t[0].isupper() and caps >= 0.6 * len(words)


def parse_citation(
    text: str, emph: list[str]
) -> tuple[str, list[str], str | None, str | None] | None:
    """(title, authors, venue, kind) of a one-line citation, or None."""
    s = _NUMBERING.sub("", text.strip())
    s = _CITE_LABEL.sub("", s)
    s = re.sub(r"^(?:19|20)\d\d\s*(?:\t|[:\-–—]\s)\s*", "", s)  # a year column / "2020: ..."
    # Trailing link words ("... 2018. Journal arXiv").
    while True:
        m = re.search(r"(?:^|[\s.,;)])([A-Za-z]+)\s*$", s)
        if m and m.group(1).lower() in _LINK_WORDS and m.start(1) > len(s) * 0.5:
            s = s[: m.start(1)].rstrip()
            continue
        break
    kind = None
    m = re.match(
        r"^(?:(ph\.?\s?d\.?|master'?s?|m\.?sc\.?|b\.?sc\.?|bachelor'?s?|doctoral)\s+)?(thesis|dissertation)\s*[:\-–]\s*",
        s,
        re.I,
    )
    if m:
        kind, s = "thesis", s[m.end() :]
    # 1. An emphasised span (HTML link/bold/em) that is title-like.
    spans = [clean_title(e) for e in emph if e and e in text]
    spans = [
        e
        for e in spans
        if title_ok(e)
        and len(_words(e)) >= 3
        and parse_authors(e) is None
        and not (find_year(e) and _VENUE_WORDS.search(e) and len(_words(e)) < 8)
    ]
    if spans:
        title = max(spans, key=len)
        pos = s.find(title)
        before, after = (s[:pos], s[pos + len(title) :]) if pos >= 0 else ("", s)
        authors = (
            parse_authors(re.sub(r"\(\s*(?:19|20)\d\d[a-z]?\s*\)\.?\s*$", "", before.strip(" .:,")))
            if before.strip(" .:,")
            else None
        )
        venue = None
        if not authors:
            rest = after.strip(" .:,")
            # "Title: A. Author, B. Author and C. Author, Journal, 2020"
            parts = [p.strip() for p in rest.split(",")]
            for cut in range(len(parts), 0, -1):
                got = parse_authors(", ".join(parts[:cut]))
                if got:
                    authors = got
                    venue = ", ".join(parts[cut:]).strip() or None
                    break
            if venue is None:
                venue = rest or None
        else:
            venue = after.strip(" .:,") or None
        if venue and venue.lower().startswith("in "):
            venue = venue[3:]
        return title, authors or [], venue, kind
    # 2. "Title: A. Author, B. Author and C. Author, Journal 12, 2020" (the last colon that is
    # followed by names; titles have colons of their own).
    for m in reversed(list(re.finditer(r":\s+", s))):
        got = _authors_prefix(s[m.end() :])
        if got and m.start() > 10 and (find_year(s) or len(got[0]) >= 2):
            names, venue = got
            title = clean_title(s[: m.start()])
            if title_ok(title):
                return title, names, venue, kind
    # 3. A quoted title: 'A. Author, "Title," Venue, 2020.'
    m = re.search(r"[\"“]([^\"“”]{12,}?)[,.]?[\"”]", s)
    if m and len(_words(m.group(1))) >= 2:
        title = clean_title(m.group(1))
        before = re.sub(r"\(\s*(?:19|20)\d\d[a-z]?\s*\)\.?\s*$", "", s[: m.start()].strip())
        authors = parse_authors(before.strip(" ,.:")) or []
        venue = s[m.end() :].strip(" ,.") or None
        if title_ok(title) and (authors or m.start() < 3):
            return title, authors, venue, kind
    # 3. "Authors (2020). Title. Venue."
    m = _AUTH_YEAR.match(s)
    if m and parse_authors(m["auth"]):
        sents = _SENT_SPLIT.split(m["rest"], maxsplit=1)
        title = clean_title(sents[0])
        venue = sents[1].strip() if len(sents) > 1 else None
        if venue and venue.lower().startswith("in "):
            venue = venue[3:]
        return (title, parse_authors(m["auth"]) or [], venue, kind) if title_ok(title) else None
    # 3. "Title (with X and Y). 2020. Venue" / "Title, with X. Venue 12 (2020)".
    m = _WITH_START.search(s)
    if m and m.start() > 10:
        title = clean_title(s[: m.start()])
        rest = s[m.end() :]
        if m.group(1):  # "(with X and Y)"
            close = rest.find(")")
            co = parse_authors(rest[:close]) if close > 0 else None
            venue = rest[close + 1 :].strip(" .,;") if close > 0 else rest
        else:  # ", with X, Y. Venue": the longest run of names before a full stop
            co, venue = None, rest
            for gap in re.finditer(r"\.(?:\s+|$)", rest):
                got = parse_authors(rest[: gap.start()])
                if got:
                    co, venue = got, rest[gap.end() :]
        return (
            (title, co or [], (venue or "").strip(" .,;") or None, kind)
            if title_ok(title)
            else None
        )
    # 4. "Surname, I.; Surname, I., Title, Venue, 2020."
    if ";" in s.split(",")[0] or re.match(r"^[^,;]+,\s*(?:[A-Z]\.\s*-?)+[;,]", s):
        m = re.match(
            r"^((?:[^,;]+,\s*(?:[A-Z]\.\s*-?)+\s*;\s*)*[^,;]+,\s*(?:[A-Z]\.\s*-?)+)\s*,\s*(?:et al\.,?\s*)?(?:\([^)]*\),\s*)?",
            s,
        )
        if m:
            authors = parse_authors(m.group(1)) or []
            rest = s[m.end() :]
            title, venue = _split_title_venue(rest)
            return (title, authors, venue, kind) if title_ok(title) else None
    # 5. "A. Author, B. Author. Title. Venue, 2020."
    sents = _SENT_SPLIT.split(s)
    if len(sents) >= 2 and parse_authors(sents[0]):
        title = clean_title(sents[1])
        venue = " ".join(sents[2:]).strip() or None
        return (title, parse_authors(sents[0]) or [], venue, kind) if title_ok(title) else None
    # 6. "Title. Venue 2020" or "Title, Venue, 2020" (no authors).
    if len(sents) >= 2:
        title = clean_title(sents[0])
        venue = " ".join(sents[1:]).strip() or None
        if title_ok(title):
            return title, [], venue, kind
    title, venue = _split_title_venue(s)
    return (title, [], venue, kind) if title_ok(title) else None


_STOP = {"a", "an", "the", "of", "on", "for", "to", "in", "and", "with", "from", "by", "via"}


def _authors_prefix(text: str) -> tuple[list[str], str | None] | None:
    """The longest run of comma-separated names that starts ``text``, and what follows."""
    parts = text.split(", ")
    for cut in range(len(parts), 0, -1):
        names = parse_authors(", ".join(parts[:cut]))
        if not names:
            # "Adam L. Baskerville PhD Thesis, 1-251, 2018": the venue starts inside the part.
            toks = parts[cut - 1].split()
            k = next((i for i, t in enumerate(toks) if t.lower().strip(".") in _KIND_WORDS), 0)
            if k and (names := parse_authors(", ".join([*parts[: cut - 1], " ".join(toks[:k])]))):
                rest = ", ".join([" ".join(toks[k:]), *parts[cut:]])
                return names, rest.strip(" .") or None
            continue
        if len(names) == 1:
            toks = names[0].split()
            if len(toks) < 2 or any(t.lower() in _STOP or t.lower() in _COMMON_WORDS for t in toks):
                return None
        return names, ", ".join(parts[cut:]).strip(" .") or None
    return None


def _split_title_venue(rest: str) -> tuple[str, str | None]:
    parts = rest.split(", ")
    for cut in range(1, len(parts)):
        venue = ", ".join(parts[cut:])
        if _venue_like(venue) and (find_year(venue) or _VENUE_WORDS.search(venue)):
            return clean_title(", ".join(parts[:cut])), venue.strip(" .")
    return clean_title(rest), None


def _is_citation_candidate(line: GLine, year_section: bool = False) -> bool:
    t = line.text.strip()
    if len(t) < 20 or len(t) > 700 or is_link_line(t) or _ABSTRACT_START.match(t):
        return False
    if _PROSE_START.match(_NUMBERING.sub("", t)):
        return False
    numbered = bool(_NUMBERING.match(t)) or line.item
    with_clause = bool(_WITH_START.search(t))
    year = find_year(t) is not None
    # Under a year heading, a line of the list needs no year of its own ("Title. Working paper.").
    listed = year_section and len(_words(t)) >= 3 and bool(re.search(r"[.,;]\s+\S", t))
    # "Title: A. Author, B. Author and C. Author" (no year on the line).
    colon = t.rfind(": ")
    if colon > 10 and not listed:
        got = _authors_prefix(t[colon + 2 :])
        listed = bool(got and len(got[0]) >= 2)
    if not (numbered or with_clause or year or listed):
        return False
    # Prose: several long sentences of lower-case words.
    words = _words(t)
    lower = sum(1 for w in words if w[0].islower())
    return not (len(words) > 45 and lower > 0.7 * len(words))


def _line_entries(
    lines: list[GLine], kinds: list[str], years: list[int | None], used: set[int], strict: bool
) -> list[_Draft]:
    drafts = []
    for i, ln in enumerate(lines):
        if i in used or ln.blank or kinds[i] in ("heading", "other"):
            continue
        if strict and kinds[i] != "paper":
            continue
        t = ln.text.strip()
        m = _PUBLISHED_IN.match(t)
        venue_line = m is not None or (
            kinds[i] == "paper"
            and find_year(t) is not None
            and len(_words(t)) <= 14
            and _venue_like(t)
            and bool(
                _VENUE_WORDS.search(t)
                or re.fullmatch(r"[^.;\d]{2,60},?\s*\(?(?:19|20)\d\d\)?\.?", t)
            )
        )
        prev = lines[i - 1] if i > 0 else None
        if (
            venue_line
            and prev is not None
            and i - 1 not in used
            and not prev.blank
            and not prev.heading
            and kinds[i - 1] != "heading"
            and not find_year(prev.text)
            and not is_author_line(prev)
            and not _NUMBERING.match(prev.text)
        ):
            # "Title" / "Venue, 2021" or "Published in Venue, 2021" (no author line).
            title = clean_title(prev.text)
            if title_ok(title) and not _PROSE_START.match(title):
                venue = t[m.end() :].strip(" .") if m else t.strip(" .")
                year = find_year(venue or "") or years[i]
                drafts.append(_Draft(i - 1, i, title, [], venue or None, year, None))
                continue
        if not _is_citation_candidate(ln, kinds[i] == "paper" and years[i] is not None):
            continue
        got = parse_citation(ln.text, ln.emph)
        if not got:
            continue
        title, authors, venue, kind = got
        rest = ln.text.replace(title, " ")
        if _VENUE_WORDS.search(title) and not re.search(r"[A-Za-z]{3,}", rest):
            continue  # a venue line ("Journal of Field Robotics (JFR), 2020"), not a paper
        if len(_words(title)) < 2 or (
            title not in ln.text.replace("  ", " ") and title not in ln.text
        ):
            continue
        year = find_year(venue or "") or find_year(ln.text.replace(title, " "))
        if year is None:
            year = years[i]
        drafts.append(_Draft(i, i, title, authors, venue, year, None, kind=kind))
    return drafts


# --- owner --------------------------------------------------------------------------------


def _owner(
    lines: list[GLine], doc: HtmlDoc | None, author_lists: list[list[str]]
) -> tuple[str | None, int | None]:
    def support(name: str) -> int:
        toks = _CJK.sub("", _PAREN.sub("", _HONORIFIC.sub("", name))).split()
        if not toks:
            return 0
        fam = {name_key(t) for t in toks if len(t) > 1}
        return sum(
            1 for a in author_lists if any(name_key(x.split()[-1]) in fam for x in a if x.split())
        )

    cands: list[tuple[str, int | None]] = []
    for ln in lines[:15]:
        if ln.blank:
            continue
        for part in re.split(r"\s{2,}|\t|\s[|·–—\-:]\s", ln.text):
            got = looks_like_name(part)
            if got:
                cands.append((got, ln.number))
    if doc is not None:
        for h in doc.h1:
            got = looks_like_name(h)
            if got:
                cands.append((got, None))
        if doc.title:
            for part in re.split(r"\s[|·\-–—:]\s", doc.title):
                got = looks_like_name(part)
                if got:
                    cands.append((got, None))
    for ln in lines:
        m = re.search(
            r"\b(?:I am|I'm|My name is)\s+([A-Z][\w'’\-]+(?:\s+[A-Z][\w'’\-.]+){1,3})", ln.text
        )
        if m and looks_like_name(m.group(1)):
            cands.append((m.group(1), ln.number))
            break
    n = sum(1 for a in author_lists if a)
    if cands:
        best = max(cands, key=lambda c: (support(c[0]) >= max(1, 0.3 * n), -cands.index(c)))
        return best
    # A bolded name on most entries.
    strong = Counter(s for ln in lines for s in ln.strong if looks_like_name(_clean_name(s)))
    if strong:
        name, count = strong.most_common(1)[0]
        if count >= 3 and support(name) >= 0.5 * n:
            return _clean_name(name), None
    return None, None


# --- the reader ---------------------------------------------------------------------------


def read(lines: list[GLine], fmt: str = FORMAT, doc: HtmlDoc | None = None) -> RawPage:
    page = RawPage(format=fmt)
    kinds, years, heads = _sections(lines)
    drafts = _block_entries(lines, kinds, years)
    _attach_descriptions(lines, kinds, drafts)
    used = {i for d in drafts for i in range(d.start, d.end + 1)}
    has_paper_heads = any(k == "paper" for k in kinds)
    line_drafts = _line_entries(lines, kinds, years, used, strict=has_paper_heads)
    # One-line citations only count when the page is read that way (or blocks found few).
    if len(line_drafts) >= 2 or not drafts:
        drafts = sorted(drafts + line_drafts, key=lambda d: d.start)
    # Duplicates (same title twice, e.g. a "selected" list above the full one): keep the first.
    seen_titles: dict[str, int] = {}
    repeats = 0
    for d in drafts:
        key = re.sub(r"[\W_]+", " ", d.title.lower()).strip()
        if key in seen_titles:
            repeats += 1
            page.warn(
                "duplicate_entry",
                f"{d.title[:60]!r} is listed again; kept the first listing (line {seen_titles[key]}), "
                "completed with what this one adds",
                lines[d.start].number,
            )
            kept = next(e for e in page.entries if e.line == seen_titles[key])
            kept.authors = kept.authors or d.authors
            kept.venue = kept.venue or d.venue
            kept.abstract = kept.abstract or d.abstract
            if kept.year is None and d.year is not None:
                kept.year, kept.date_text = d.year, str(d.year)
            continue
        seen_titles[key] = lines[d.start].number
        page.entries.append(
            RawEntry(
                line=lines[d.start].number,
                title=d.title,
                authors=d.authors,
                venue=d.venue,
                year=d.year,
                date_text=str(d.year) if d.year else None,
                abstract=d.abstract,
                kind=d.kind,
            )
        )
    _skip_other_sections(page, lines, kinds, heads)
    # Entries listed twice were read twice: they count once against the estimate too.
    seen, loose = _estimate(lines, kinds, used)
    page.seen_entries = max(0, seen - repeats)
    read_lines = {i for d in drafts for i in range(d.start, d.end + 1)}
    for i in loose:
        if i not in read_lines:  # looks like an entry, but none was read from it
            page.unparsed(lines[i].number, lines[i].text)
    name, line = _owner(lines, doc, [e.authors for e in page.entries])
    if name:
        page.name, page.name_source, page.name_line = name, NameSource.heading, line
    return page


def _attach_descriptions(lines: list[GLine], kinds: list[str], drafts: list[_Draft]) -> None:
    """A paragraph after an entry, one blank line down and before the next entry's title, is
    its description (Barron-style summaries, bullet highlights): kept as the abstract."""
    starts = sorted(d.start for d in drafts)
    for d in drafts:
        if d.abstract is not None:
            continue
        nxt = next((x for x in starts if x > d.end), len(lines))
        i = d.end + 1
        if i >= len(lines) or not lines[i].blank:
            continue
        i += 1
        body: list[int] = []
        while i < nxt and not lines[i].blank and kinds[i] not in ("heading", "other"):
            body.append(i)
            i += 1
        texts = [lines[x].text.strip() for x in body]
        if not texts or any(is_link_line(t) for t in texts) or (i >= nxt and nxt < len(lines)):
            continue  # the paragraph runs into the next entry: it is that entry's title
        text = " ".join(texts)
        if (len(_words(text)) >= 5 and not _PROSE_START.match(text)) or text.endswith("."):
            d.abstract = text[:2000]
            d.end = body[-1]


def _skip_other_sections(
    page: RawPage, lines: list[GLine], kinds: list[str], heads: list[str]
) -> None:
    i = 0
    n = len(lines)
    while i < n:
        if kinds[i] == "other":
            j = i
            while j + 1 < n and kinds[j + 1] == "other":
                j += 1
            content = [x for x in range(i, j + 1) if not lines[x].blank]
            if content:
                head = heads[i]
                m = _OTHER_HEADS.search(_heading_text(head))
                word = m.group(1).lower().rstrip("s") if m else "other"
                reason = _OTHER_REASON.get(word, _OTHER_REASON.get(word + "s", word))
                page.skip(
                    lines[content[0] - 1].number if content[0] > 0 else lines[content[0]].number,
                    lines[content[-1]].number,
                    f"{reason} section {head!r}: not papers",
                )
            i = j + 1
        else:
            i += 1


def _estimate(lines: list[GLine], kinds: list[str], used: set[int]) -> tuple[int, list[int]]:
    """How many entries the page seems to list (author lines, and citation-like lines in paper
    sections), and which of those lines no block entry used."""
    count = 0
    loose: list[int] = []
    known = known_names(lines)
    for i, ln in enumerate(lines):
        if kinds[i] in ("heading", "other") or ln.blank:
            continue
        if is_author_line(ln, known):
            prev = lines[i - 1] if i > 0 else None
            # An entry's author line sits right under its title (a wrapped list counts once).
            if prev is None or prev.blank or prev.heading or is_author_line(prev, known):
                continue
            count += 1
            if i not in used:
                loose.append(i)
        elif i not in used and kinds[i] == "paper" and _is_citation_candidate(ln):
            count += 1
            loose.append(i)
    return count, loose
