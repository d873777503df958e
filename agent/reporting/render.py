"""Report renderings: JSON (the model), Markdown and a standalone HTML page."""

from __future__ import annotations

from typing import Literal

from ..models import Report
from ..templating import render_output

Format = Literal["json", "md", "html"]


def render(report: Report, fmt: Format) -> str:
    if fmt == "json":
        return report.model_dump_json(indent=2) + "\n"
    if fmt == "md":
        return render_output("report.md", r=report)
    if fmt == "html":
        return render_output("report.html", r=report)
    raise ValueError(f"unknown format {fmt!r}")
