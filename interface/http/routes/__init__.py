"""One router per resource; ``ROUTERS`` in the order they appear in /docs."""

from . import chat, health, identities, jobs, profiles, search

ROUTERS = [
    health.router,
    profiles.router,
    identities.router,
    search.router,
    chat.router,
    jobs.router,
]

__all__ = ["ROUTERS"]
