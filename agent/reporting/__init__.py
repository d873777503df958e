"""The report: ``build`` runs the pipeline (analysis -> drafting -> verification), ``render``
turns the ``Report`` model into Markdown, JSON or standalone HTML."""

from .build import build_chat_model, build_report
from .render import render

__all__ = ["build_chat_model", "build_report", "render"]
