"""The report: ``build`` runs the pipeline (analysis -> drafting -> verification), ``render``
turns the ``Report`` model into Markdown, JSON or standalone HTML. The pipeline is imported on
first use: rendering a stored report does not need it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .render import render

if TYPE_CHECKING:
    from .build import build_chat_model, build_report

__all__ = ["build_chat_model", "build_report", "render"]


def __getattr__(name: str) -> Any:
    if name in ("build_chat_model", "build_report"):
        from . import build

        return getattr(build, name)
    raise AttributeError(f"module 'agent.reporting' has no attribute {name!r}")
