"""Responses for a report in each format."""

from __future__ import annotations

from typing import Any

from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from agent.models import Report
from agent.reporting.render import render


def rendered(report: Report | Any, fmt: str) -> Response:
    if not isinstance(report, Report):
        return JSONResponse(report)
    if fmt == "md":
        return PlainTextResponse(render(report, "md"), media_type="text/markdown; charset=utf-8")
    if fmt == "html":
        return HTMLResponse(render(report, "html"))
    return JSONResponse(report.model_dump(mode="json"))
