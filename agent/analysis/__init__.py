"""Analysis of one profile's papers: evidence (stored vectors + quarantined text), topics and
keyphrases, novelty against a reference corpus, and page statistics."""

from .evidence import Evidence, PaperEvidence, gather_evidence
from .novelty import assess
from .stats import compute_stats
from .topics import Analysis, Theme, analyse

__all__ = [
    "Analysis",
    "Evidence",
    "PaperEvidence",
    "Theme",
    "analyse",
    "assess",
    "compute_stats",
    "gather_evidence",
]
