"""Words and patterns of publication pages: years, headings, link rows, titles."""

from __future__ import annotations

import re

from ._lines import GLine

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
    re.findall(
        r"\S+",
        """a an the of for and or in on with to from by via using towards toward learning deep neural
    network networks model models graph graphs data analysis method methods system systems
    optimization estimation theory robust efficient fast sparse large language vision image
    images video visual generation generative diffusion transformer transformers inference
    bayesian random control robot robots robotic dynamic dynamics linear nonlinear convex
    algorithm algorithms approach framework study evidence policy economic markets market
    quantum field fields function functions equations equation structure structures
    representation representations detection segmentation recognition reconstruction tracking
    planning reasoning training self supervised unsupervised semi multi new on towards scalable
    adaptive online stochastic spectral matrix tensor kernel regression classification
    prediction causal effects effect treatment trends test testing sampling flow flows energy
    physics chemical chemistry molecular protein cell cells gene genes brain human social
    health medical clinical""",
    )
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
