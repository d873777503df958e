"""The one place Jinja templates are rendered: prompts (``prompts/*.jinja``) as plain text and
report renderings (``agent/reporting/templates``) with HTML autoescaping. Both environments are
sandboxed and strict: a missing variable is an error, never an empty string."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

import prompts

PROMPTS_DIR = Path(prompts.__file__).resolve().parent
OUTPUTS_DIR = Path(__file__).resolve().parent / "reporting" / "templates"


@lru_cache(maxsize=1)
def _prompt_env() -> SandboxedEnvironment:
    return SandboxedEnvironment(
        loader=FileSystemLoader(PROMPTS_DIR),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


@lru_cache(maxsize=1)
def _output_env() -> SandboxedEnvironment:
    return SandboxedEnvironment(
        loader=FileSystemLoader(OUTPUTS_DIR),
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html", "html.jinja"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_prompt(name: str, **variables: Any) -> str:
    """Render ``prompts/<name>.jinja``."""
    return _prompt_env().get_template(f"{name}.jinja").render(**variables).strip()


def render_output(name: str, **variables: Any) -> str:
    """Render ``agent/reporting/templates/<name>.jinja`` (``report.md``, ``report.html``)."""
    return _output_env().get_template(f"{name}.jinja").render(**variables)


def prompt_names() -> list[str]:
    return sorted(p.name.removesuffix(".jinja") for p in PROMPTS_DIR.glob("*.jinja"))


def output_names() -> list[str]:
    return sorted(p.name.removesuffix(".jinja") for p in OUTPUTS_DIR.glob("*.jinja"))
