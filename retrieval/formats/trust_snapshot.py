"""A "trust snapshot" page: UI chrome, header metrics, no owner name, then
type+year+venue / title / abstract entries without authors (seed 004).

    Trust 21 - EmergingVerification L1Unclaimed author
    39works
    ...
    39 published item(s)
    preprint2026arXiv
    ELAS: Efficient Pre-Training of Low-Rank Large Language Models ...
    Large Language Models (LLMs) have achieved ...
"""

from __future__ import annotations

import re

from ._page import RawEntry, RawPage, StatedCount
from ._text import Line, parse_metric

FORMAT = "trust-snapshot"
_HEAD = re.compile(r"^(?P<kind>[a-z][a-z\- ]{2,30}?)(?P<year>(?:19|20)\d{2})(?P<venue>\S.{0,60})?$")
_ITEMS = re.compile(r"^(\d[\d,]*)\s+published item\(s\)$", re.IGNORECASE)
_TRUST = re.compile(
    r"^Trust\s+(?P<score>\d+)\s*-\s*(?P<label>[A-Z][a-z]+)"
    r"(?:Verification\s+(?P<level>L\d+))?(?P<claim>Unclaimed author|Claimed author)?$"
)
_METRIC_KEYS = {"works", "followers", "topics", "close_collaborators"}


def sniff(lines: list[Line]) -> bool:
    if any(
        _ITEMS.match(ln.text.strip()) or ln.text.strip() == "Trust snapshot" for ln in lines[:80]
    ):
        return True
    return sum(1 for ln in lines if _HEAD.match(ln.text.strip())) >= 2


def parse(lines: list[Line]) -> RawPage:
    page = RawPage(format=FORMAT)
    first = next((i for i, ln in enumerate(lines) if _HEAD.match(ln.text.strip())), len(lines))
    _parse_header(page, lines[:first])
    current: RawEntry | None = None
    state = "head"
    for ln in lines[first:]:
        text = ln.text.strip()
        if not text:
            continue
        m = _HEAD.match(text)
        if m is not None and state in ("head", "abstract"):
            if current is not None and state != "head" and current.abstract is None:
                page.warn("missing_abstract", "entry has no abstract", current.line)
            current = RawEntry(
                line=ln.number,
                kind=m["kind"].strip(),
                year=int(m["year"]),
                date_text=m["year"],
                venue=(m["venue"] or None),
            )
            page.entries.append(current)
            state = "title"
        elif current is not None and state == "title":
            current.title = text
            state = "abstract"
        elif current is not None and state == "abstract":
            current.abstract = text
            state = "head"
        else:
            page.unparsed(ln.number, text)
    return page


def _parse_header(page: RawPage, header: list[Line]) -> None:
    chrome_start: int | None = None
    last = 0
    for ln in header:
        text = ln.text.strip()
        if not text:
            continue
        consumed = True
        if m := _TRUST.match(text):
            page.metrics["trust_score"] = int(m["score"])
            page.metrics["trust_label"] = m["label"]
            if m["level"]:
                page.metrics["verification_level"] = m["level"]
            if m["claim"]:
                page.metrics["claimed"] = m["claim"].startswith("Claimed")
        elif m := _ITEMS.match(text):
            page.stated_counts.append(
                StatedCount("published_items", int(m[1].replace(",", "")), ln.number)
            )
        elif (metric := parse_metric(text)) is not None and metric[0] in _METRIC_KEYS:
            page.metrics[metric[0]] = metric[1]
            if metric[0] == "works" and isinstance(metric[1], int):
                page.stated_counts.append(StatedCount("works", metric[1], ln.number))
        else:
            consumed = False
        if consumed:
            if chrome_start is not None:
                page.skip(chrome_start, last, "page chrome (headings, buttons, help text)")
                chrome_start = None
        elif chrome_start is None:
            chrome_start = ln.number
        last = ln.number
    if chrome_start is not None:
        page.skip(chrome_start, last, "page chrome (headings, buttons, help text)")
