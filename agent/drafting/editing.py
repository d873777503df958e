"""Editing a sentence taken from an abstract into profile prose.

An abstract's sentence leans on its neighbours ("Finally, we ...", "to address this issue"),
opens with background ("Since 2015, the challenge has been held ..."), and uses acronyms the
abstract defined earlier. The editor only removes words or puts back a definition the same
abstract gives, so the result still says nothing its paper does not; it returns ``None`` for
a sentence that cannot stand alone, and the drafter takes the next best one.
"""

from __future__ import annotations

import re

# Openers that point at a sentence we do not quote; removed (repeatedly) from the front.
_LEAD = re.compile(
    r"^(?:Therefore|Thus|Hence|Moreover|Furthermore|Further|However|In addition|Additionally|"
    r"Also|Specifically|Finally|Lastly|At last|Last|First(?:ly)?|Second(?:ly)?|Third(?:ly)?|"
    r"Then|Next|Instead|Consequently|Accordingly|Meanwhile|Besides|Importantly|Notably|"
    r"In particular|To this end|For this purpose|As a result|Overall|In summary|To sum up|"
    r"In conclusion|In short|Subsequently|Afterwards|Similarly|Likewise|In contrast|"
    r"On the other hand|More specifically|More concretely|Concretely|To be specific|In detail|"
    r"In practice|In other words|That is|Namely|"
    # A motivation clause: "To better understand X, we ...".
    r"(?:In order )?[Tt]o (?:better |further |fully )?[a-z]+ [^,]{3,80}(?=,\s+(?:we|the authors|this)\b)|"
    r"(?:To|In order to) (?:address|tackle|solve|overcome|bridge|fill|mitigate|handle|alleviate|"
    r"remedy|resolve|close|achieve|realize|enable) (?:this|these|such|that|the|those)\b[^,]{0,60}|"
    r"(?:Given|Based on|Motivated by|Inspired by|Building on|Towards) "
    r"(?:this|these|such|that|those)\b[^,]{0,60}|"
    r"In (?:this|that) (?:way|case|context|regard|setting|spirit))\s*,?\s+",
    re.IGNORECASE,
)
# "we first extend", "we also show": the adverb orders sentences we do not quote.
_ORDER_ADVERB = re.compile(
    r"\b(we|they|authors)\s+(?:first|also|further|then|finally|additionally|next|subsequently|"
    r"lastly|moreover|now)\s+",
    re.IGNORECASE,
)
_BACK_PURPOSE = re.compile(
    r",?\s+(?:in order )?to (?:address|tackle|solve|overcome|alleviate|mitigate|remedy|resolve|"
    r"handle|fix|close|bridge|fill|meet) (?:this|these|those|such|the above|the aforementioned|"
    r"both|all) (?:[\w-]+ ){0,2}?(?:issues?|problems?|challenges?|limitations?|gaps?|"
    r"drawbacks?|difficult(?:y|ies)|shortcomings?|bottlenecks?|needs?|concerns?|questions?)\b",
    re.IGNORECASE,
)
_HYPE = re.compile(r"\b(?:novel|new|innovative|brand-new)\s+(?=\w)", re.IGNORECASE)
_BACKGROUND = re.compile(
    r"^(?:Since (?:\d{4}|the)|Recently|In recent years|Over the (?:past|last)|Nowadays|Today|"
    r"Currently|With the (?:rapid |recent |fast )?(?:development|advance|growth|rise|success|"
    r"emergence|popularity|proliferation)|Despite|Although|While|It is (?:well )?known|"
    r"(?:Traditional|Conventional|Existing|Previous|Prior|Most|Many|Current) "
    r"(?:\w+ ){0,3}(?:methods?|approaches|works?|studies|models|systems|techniques))\b"
    r"|\b(?:has|have) (?:been|attracted|received|become|gained|drawn|emerged)\b"
    r"|\b(?:is|are|remains?) (?:a |an )?(?:challenging|crucial|critical|fundamental|"
    r"important|essential|key|popular|widely used|increasingly)\b"
)
_CONTRIBUTION = re.compile(
    r"\b(?:we|the authors|this (?:paper|work|study|article))\b[^.]{0,40}?\b(?:propos|introduc|"
    r"present|develop|design|prove|show|derive|establish|build|construct|formulat|obtain|provid|"
    r"extend|achiev|demonstrat|find|report)\w*",
    re.IGNORECASE,
)
# What a profile quotes: the paper's own act or result, not a description of the field.
_FINDING = re.compile(
    r"\b(?:we|our|this (?:paper|work|study|article|letter)|here)\b|\b(?:propos|introduc|"
    r"present|develop|prove|show|derive|establish|demonstrat|outperform|achiev|improv)\w*",
    re.IGNORECASE,
)
_DANGLING = re.compile(
    r"\b(?:this|these|those|such|the above|the aforementioned|said)\s+(?:issues?|problems?|"
    r"challenges?|limitations?|gaps?|drawbacks?|difficult(?:y|ies)|shortcomings?|bottlenecks?|"
    r"obstacles?|concerns?|phenomen(?:on|a)|observations?|findings?|needs?)\b"
    r"|^(?:It|They|Its|Their|Them|This|These|Such|That|Those)\b",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(
    r",\s+(?:and|which|where|while|thereby|thus|whereas|enabling|allowing|leading)\b|;\s+"
    r"|\s+and (?:additionally|further|also|then)\b"
)
MAX_WORDS = 40
_ROMAN = frozenset({"II", "III", "IV", "VI", "VII", "VIII", "IX", "XI", "XII"})
COMMON_ACRONYMS = frozenset(
    [
        "AI",
        "ML",
        "NLP",
        "GPU",
        "CPU",
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
        "PhD",
        "MSc",
        "BSc",
        "2D",
        "3D",
        "4D",
        "IoT",
        "LLM",
        "GPT",
        "RGB",
        "RGB-D",
        "HDR",
        "CNN",
        "RNN",
        "LSTM",
        "GAN",
        "QCD",
        "PDE",
        "ODE",
        "SQL",
        "HTML",
        "PDF",
    ]
)
_TOKEN = re.compile(r"(?<![\w-])[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9](?![\w-])")
_PAREN = re.compile(r"\(\s*([A-Za-z][A-Za-z0-9-]{1,14})\s*\)")
_NAMED = re.compile(
    r"\b(?:named|called|dubbed|termed|coined|namely)\s+([A-Za-z][A-Za-z0-9-]{1,14}[A-Za-z0-9])"
)


def is_acronym(token: str) -> bool:
    """Mostly capitals, at least two: "LPIRC", "LbT", "FT-NAS", "CNNs" (not "II")."""
    if token in _ROMAN:
        return False
    letters = [c for c in token if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    return upper >= 2 and upper * 2 >= len(letters) + (1 if len(letters) > 5 else 0)


def _base(acronym: str) -> str:
    return acronym[:-1] if acronym.endswith("s") and acronym[:-1].isupper() else acronym


def acronyms_in(text: str) -> list[str]:
    return list(dict.fromkeys(t for t in _TOKEN.findall(text) if is_acronym(t)))


def _long_form(short: str, before: str) -> str | None:
    """Schwartz & Hearst (2003): the shortest run of words before "(SHORT)" whose letters
    contain the short form's, in order, the first at a word start."""
    words = re.split(r"\s+", before.strip())
    window = words[-min(len(short) + 5, 2 * len(short)) :]
    long = " ".join(window)
    s, i = len(short) - 1, len(long) - 1
    while s >= 0:
        c = short[s].lower()
        if not c.isalnum():
            s -= 1
            continue
        while i >= 0 and (long[i].lower() != c or (s == 0 and i > 0 and long[i - 1].isalnum())):
            i -= 1
        if i < 0:
            return None
        s -= 1
        i -= 1
    found = long[i + 1 :].strip(" ,;:-")
    if not found or len(found) <= len(short) or found.split()[0].lower() in {"the", "a", "an"}:
        return None
    return found


def definitions(text: str) -> dict[str, str]:
    """Acronyms ``text`` defines, as "long form (ACR)" or "... named ACR" -> their long form
    (an empty string for a name given to a described thing: defined, nothing to expand)."""
    out: dict[str, str] = {}
    for m in _PAREN.finditer(text):
        short = _base(m.group(1))
        if not is_acronym(short):
            continue
        before = re.split(r"[.;:()\[\]]", text[: m.start()])[-1]
        long = _long_form(short.replace("-", ""), before)
        if long:
            out.setdefault(short, long)
    for m in _NAMED.finditer(text):
        out.setdefault(_base(m.group(1)), "")
    return out


def is_background(sentence: str) -> bool:
    """Whether a sentence states the field's background rather than the paper's contribution."""
    return bool(_BACKGROUND.search(sentence)) and not (
        _CONTRIBUTION.search(sentence) and not _BACKGROUND.match(sentence)
    )


def _articles(text: str) -> str:
    text = re.sub(r"\b([Aa]) (?=[aeiouAEIOU])", r"\1n ", text)
    return re.sub(r"\b([Aa])n (?=[b-df-hj-np-tv-zB-DF-HJ-NP-TV-Z][a-z])", r"\1 ", text)


def _shorten(sentence: str) -> str:
    if len(sentence.split()) <= MAX_WORDS:
        return sentence
    for m in _CLAUSE_BREAK.finditer(sentence):
        head = sentence[: m.start()]
        if 10 <= len(head.split()) <= MAX_WORDS:
            return head
    return sentence


def edit(
    sentence: str,
    defined: dict[str, str],
    already: set[str],
    known: frozenset[str] = frozenset(),
) -> str | None:
    """The sentence as a profile can quote it, or ``None`` when it cannot stand alone.

    ``defined``: acronyms the paper defines (``definitions``); ``already``: acronyms the blurb
    has defined so far (updated when this sentence defines one); ``known``: words that need no
    definition (the owner's name)."""
    text = sentence.strip().rstrip(" .")
    while (m := _LEAD.match(text)) and m.end() < len(text):
        text = text[m.end() :]
    text = _ORDER_ADVERB.sub(r"\1 ", text)
    text = _BACK_PURPOSE.sub("", text)
    text = _articles(_HYPE.sub("", text))
    if is_background(text) or _DANGLING.search(text) or not _FINDING.search(text):
        return None
    text = _shorten(text)
    if len(text.split()) > MAX_WORDS + 5 or len(text.split()) < 6:
        return None
    for acr in acronyms_in(text):
        base = _base(acr)
        if base in COMMON_ACRONYMS or acr in COMMON_ACRONYMS or base in known or base in already:
            continue
        if re.search(rf"\(\s*{re.escape(acr)}\s*\)", text) or base not in defined:
            if base not in defined:
                return None
            already.add(base)
            continue
        long = defined[base]
        if not long and not re.search(
            rf"\b(?:named|called|dubbed|termed|coined|namely)\s+{re.escape(acr)}\b", text
        ):
            return None  # named in another sentence of the abstract: undefined here
        at = re.search(rf"(?<![\w-]){re.escape(acr)}(?![\w-])", text)
        if at and re.search(r"\b[A-Z][a-z]+[\s-]$", text[: at.start()]):
            # Part of a name ("Elastic MoE"): spelled out it would be a name the paper never
            # states ("Elastic Mixture-of-Experts"); the name stays as the paper writes it.
            continue
        if long and long.lower() not in text.lower():
            text = re.sub(rf"(?<![\w-]){re.escape(acr)}(?![\w-])", f"{long} ({acr})", text, count=1)
        already.add(base)
    text = text[0].upper() + text[1:] if text else text
    return _shorten(text) if len(text.split()) > MAX_WORDS else text


def undefined_acronyms(phrase: str, defined: dict[str, str], known: frozenset[str]) -> list[str]:
    """The acronyms of ``phrase`` a reader cannot decode: not defined by the papers
    (``definitions``), not common, not part of the owner's name."""
    return [
        a
        for a in acronyms_in(phrase)
        if not defined.get(_base(a))
        and a not in COMMON_ACRONYMS
        and _base(a) not in COMMON_ACRONYMS
        and _base(a) not in known
    ]


def expand_acronyms(phrase: str, defined: dict[str, str]) -> str:
    """A theme name with its acronyms spelled out where the papers define them:
    "LV segmentation" -> "left ventricle (LV) segmentation"."""
    for acr in acronyms_in(phrase):
        long = defined.get(_base(acr))
        if long and long.lower() not in phrase.lower():
            phrase = re.sub(
                rf"(?<![\w-]){re.escape(acr)}(?![\w-])", f"{long} ({acr})", phrase, count=1
            )
    return phrase
