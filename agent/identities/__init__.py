"""The people behind one name: ``clustering`` is the algorithm (papers -> identities, pure),
``assignment`` the workflow around it (evidence from the store, stored corrections, writing
identity ids onto papers and chunks)."""

from .assignment import identify, identities_of, persist_identities, read_corrections
from .clustering import apply_identities, assign_identities

__all__ = [
    "apply_identities",
    "assign_identities",
    "identify",
    "identities_of",
    "persist_identities",
    "read_corrections",
]
