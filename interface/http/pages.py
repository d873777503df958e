"""The web page: an upload page and a profile card, rendered on the server by a sandboxed,
autoescaping Jinja environment; one small script (``static/app.js``) adds popovers, job
polling, corrections and chat. No front-end build step."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from jinja2 import FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from agent.reporting.html_text import cite_links, link, readable, safe_url
from agent.reporting.plots import all_plots
from retrieval.errors import NotFoundError

from .state import State

TEMPLATES = Path(__file__).resolve().parent / "templates"
ABSTRACT_CHARS = 1500

router = APIRouter(include_in_schema=False)


@lru_cache(maxsize=1)
def _env() -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html", "html.jinja"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(readable=readable)
    env.globals.update(cite=cite_links, link=link)
    return env


def page(name: str, status: int = 200, **variables: Any) -> HTMLResponse:
    html = _env().get_template(f"{name}.html.jinja").render(**variables)
    return HTMLResponse(html, status_code=status)


@router.get("/", response_class=HTMLResponse)
def index(state: State) -> HTMLResponse:
    return page("index", profiles=state.workspace.profiles(), needs_token=state.token is not None)


@router.get("/p/{ref}", response_class=HTMLResponse)
def profile_page(state: State, ref: str) -> HTMLResponse:
    try:
        profile = state.workspace.resolve(ref)
    except NotFoundError as exc:
        return page("missing", status=404, message=str(exc), needs_token=state.token is not None)
    report = state.offline_report(profile.id, None)
    papers: dict[str, dict[str, Any]] = {
        p.label: {
            "label": p.label,
            "title": readable(p.title or "") or None,
            "year": p.year,
            "authors": p.authors[:8],
            "abstract": _clip(readable(p.abstract or "")),
            "url": safe_url(p.url),
        }
        for p in profile.papers
    }
    titles = {p.label: readable(p.title or p.abstract or p.label)[:160] for p in profile.papers}
    return page(
        "profile",
        profile=profile,
        r=report,
        plots=all_plots(report),
        titles=titles,
        data={"profile": profile.id, "papers": papers},
        needs_token=state.token is not None,
    )


def _clip(text: str) -> str | None:
    if not text:
        return None
    return text if len(text) <= ABSTRACT_CHARS else text[: ABSTRACT_CHARS - 1] + "…"
