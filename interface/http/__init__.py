"""The HTTP shell over the library: a FastAPI app (JSON API, web page) that ``profile-agent
serve`` runs under uvicorn. Nothing below ``interface`` imports it."""

from .app import create_app

__all__ = ["create_app"]
