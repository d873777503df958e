"""Text that came from a page, made safe to store, print and analyse.

Pages are untrusted: a JSON escape can carry a lone surrogate (which no encoder accepts), a
title can carry terminal escape sequences, and invisible characters (zero-width, bidi
overrides, Unicode tag characters) can hide text from a reader while a model still reads it.
"""

from __future__ import annotations

import re
import unicodedata

# CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), other two-byte ESC sequences; and the
# 8-bit forms (C1 CSI/OSC).
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"
    r"|\x1b[@-Z\\-_]?"
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|\x9d[^\x07\x9c]*[\x07\x9c]?"
)
# Control characters other than tab and newline (C0, DEL, C1).
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Invisible characters that change what a human sees versus what a machine reads: bidi
# embeddings/overrides/isolates and marks, zero-width space/no-break, word joiner, invisible
# operators, BOM, soft hyphen, Unicode tag characters (U+E0000 block), variation selectors
# 17-256. Zero-width (non-)joiners stay: several scripts need them inside words.
_INVISIBLE = re.compile(
    "[\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
    "\U000e0000-\U000e007f\U000e0100-\U000e01ef]"
)
_SURROGATE = re.compile("[\ud800-\udfff]")


def without_surrogates(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD: a string that any encoder (and
    so any parser, store or terminal) accepts."""
    return _SURROGATE.sub("\ufffd", text)


def clean_text(text: str) -> str:
    """``text`` without lone surrogates (replaced by U+FFFD), terminal escape sequences,
    control characters (tab and newline kept) and invisible format characters, in NFC."""
    t = without_surrogates(text)
    t = _ESCAPES.sub("", t)
    t = _CONTROLS.sub("", t)
    t = _INVISIBLE.sub("", t)
    return unicodedata.normalize("NFC", t)


def clean_optional(text: str | None) -> str | None:
    if text is None:
        return None
    return clean_text(text).strip() or None


def normalize_for_analysis(text: str) -> str:
    """The form in which text is judged (quarantine, topics): NFKC (full-width letters and
    other compatibility forms become plain ones) and no format characters at all."""
    t = unicodedata.normalize("NFKC", clean_text(text))
    return "".join(c for c in t if unicodedata.category(c) != "Cf")


def is_blank(text: str) -> bool:
    """True when ``text`` shows nothing: only spaces, control or escape sequences, or invisible
    format characters (a query of zero-width spaces is as empty as one of blanks)."""
    return not normalize_for_analysis(text).strip()


def terminal_safe(text: str) -> str:
    """``text`` fit for a terminal: nothing that a terminal would interpret."""
    return clean_text(text)
