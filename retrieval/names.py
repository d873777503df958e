"""Comparing people's names across pages, papers and user input."""

from __future__ import annotations

import re


def name_key(name: str) -> str:
    """Comparison key for a person's name: case, accents of spacing and hyphens ignored."""
    return re.sub(r"[^a-z]", "", name.lower())
