"""Comparing people's names across pages, papers and user input."""

from __future__ import annotations

import re
import unicodedata


def name_key(name: str) -> str:
    """Comparison key for a person's name: case, accents, spacing and hyphens ignored, in any
    script ("José" = "Jose" = "JOSE", NFC or NFD; "張偉" and "Иван Петров" keep their letters)."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(
        c for c in decomposed if c.isalpha() and unicodedata.category(c) not in ("Mn", "Mc", "Me")
    )


def _tokens(name: str) -> list[str]:
    plain = re.sub(r"\(.*?\)|[^\w\s'\-.]", " ", name)
    return [t for t in re.split(r"[\s.]+", plain) if t and t.lower() not in ("dr", "prof")]


def same_person(a: str, b: str) -> bool:
    """Whether two spellings name one person: "Hiroshi Tanaka" / "H. Tanaka" / "Tanaka, H."
    (same family name, and first initials that agree when both give one)."""
    if name_key(a) == name_key(b):
        return True
    ta, tb = _tokens(a.replace(",", " ")), _tokens(b.replace(",", " "))
    if not ta or not tb:
        return False
    keys_a, keys_b = {name_key(t) for t in ta}, {name_key(t) for t in tb}
    if "," in b:  # "Tanaka, H.": family name first
        tb = tb[1:] + tb[:1]
    if "," in a:
        ta = ta[1:] + ta[:1]
    family_a, family_b = name_key(ta[-1]), name_key(tb[-1])
    if not family_a or family_a != family_b:
        # Family name first in capitals ("WONG Tian An") or in either order.
        return bool(family_a in keys_b and family_b in keys_a and family_a != family_b)
    return ta[0][:1].lower() == tb[0][:1].lower() if len(ta) > 1 and len(tb) > 1 else True
