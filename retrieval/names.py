"""Comparing people's names across pages, papers and user input."""

from __future__ import annotations

import unicodedata


def name_key(name: str) -> str:
    """Comparison key for a person's name: case, accents, spacing and hyphens ignored, in any
    script ("José" = "Jose" = "JOSE", NFC or NFD; "張偉" and "Иван Петров" keep their letters)."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(
        c for c in decomposed if c.isalpha() and unicodedata.category(c) not in ("Mn", "Mc", "Me")
    )
