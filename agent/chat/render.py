"""Answer renderings: Markdown for people, JSON for programs."""

from __future__ import annotations

from .models import Answer


def to_markdown(answer: Answer, sources: bool = True) -> str:
    lines = [answer.text]
    if answer.identity_id:
        lines.append(f"\n_About {answer.identity_id}: {answer.identity_label}_")
    if sources and answer.references:
        lines.append("\nSources:")
        lines += [f"- [{label}] {text}" for label, text in answer.references.items()]
    return "\n".join(lines) + "\n"


def to_json(answer: Answer) -> str:
    return answer.model_dump_json(indent=2) + "\n"
