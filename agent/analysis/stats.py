"""Plain counts about a profile: papers, years, code, co-authors, and the page's own metrics."""

from __future__ import annotations

from collections import Counter

from retrieval.models import Profile
from retrieval.names import name_key

from ..models import CoAuthor, Stats
from .evidence import Evidence


def compute_stats(evidence: Evidence, top: int = 5) -> Stats:
    profile: Profile = evidence.profile
    papers = [pe.paper for pe in evidence.papers]
    years = [p.year for p in papers if p.year]
    owner = name_key(profile.name) if profile.name else None
    counts: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    for p in papers:
        for author in dict.fromkeys(p.authors):
            key = name_key(author)
            if key == owner:
                continue
            counts[key] += 1
            spelling.setdefault(key, author)
    stated = profile.metrics.get("papers", profile.metrics.get("works"))
    return Stats(
        papers=len(papers),
        papers_stated=int(stated)
        if isinstance(stated, int | float) and not isinstance(stated, bool)
        else None,
        first_year=min(years) if years else None,
        last_year=max(years) if years else None,
        undated=len(papers) - len(years),
        with_code=sum(p.has_code for p in papers),
        with_abstract=sum(bool(p.abstract) for p in papers),
        top_coauthors=[
            CoAuthor(name=spelling[k], papers=n)
            for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], spelling[kv[0]]))[:top]
            if n >= 1
        ],
        metrics=dict(profile.metrics),
    )
