"""Report renderings: JSON (the model), Markdown and a standalone HTML page."""

from __future__ import annotations

from typing import Literal

from ..models import Report
from ..templating import render_output
from .html_text import cite_links, link, readable
from .plots import all_plots

Format = Literal["json", "md", "html"]


def render(report: Report, fmt: Format) -> str:
    if fmt == "json":
        return report.model_dump_json(indent=2) + "\n"
    if fmt == "md":
        return render_output("report.md", r=report)
    if fmt == "html":
        return render_output(
            "report.html",
            r=report,
            plots=all_plots(report),
            cite=cite_links,
            readable=readable,
            link=link,
            titles={ref.label: readable(ref.text) for ref in report.references},
        )
    raise ValueError(f"unknown format {fmt!r}")
