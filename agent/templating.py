"""The one place Jinja templates are rendered: prompts (``prompts/*.jinja``) as plain text and
report renderings (``agent/reporting/templates``) with HTML autoescaping. Both environments are
sandboxed and strict: a missing variable is an error, never an empty string."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

import prompts
from retrieval.cleaning import clean_text

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


_SAFE_SCHEMES = ("http", "https", "mailto")
# Markdown and inline HTML syntax; a backslash makes each a literal character (CommonMark).
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")
_CITATION = re.compile(r"\\\[(P\d+(?:,\s*P\d+)*)\\\](?!\\[(:])")


def safe_url(url: object) -> str | None:
    """``url`` when it is a web or mail link, else None: no ``javascript:``, ``data:``,
    ``vbscript:`` or relative URLs from a page become live links in a report."""
    if not isinstance(url, str):
        return None
    u = clean_text(url).strip()
    scheme = urlsplit(u.replace("\\", "/")).scheme.lower() if ":" in u else ""
    if scheme not in _SAFE_SCHEMES or any(c.isspace() for c in u):
        return None
    return u


def md_escape(value: object) -> object:
    """Page-derived text as literal Markdown: markup, links and inline HTML are escaped, line
    breaks become spaces (they would end a table row or start a block). Our citations
    ([P7], [P1, P3]) stay readable."""
    if not isinstance(value, str):
        return value
    text = re.sub(r"\s*\n\s*", " ", clean_text(value))
    return _CITATION.sub(r"[\1]", _MD_SPECIAL.sub(r"\\\1", text))


@lru_cache(maxsize=1)
def _output_env() -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        loader=FileSystemLoader(OUTPUTS_DIR),
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html", "html.jinja"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["safe_url"] = safe_url
    return env


@lru_cache(maxsize=1)
def _markdown_env() -> SandboxedEnvironment:
    """Markdown outputs: every value printed by ``{{ }}`` is escaped (Markdown's autoescape)."""
    env = SandboxedEnvironment(
        loader=FileSystemLoader(OUTPUTS_DIR),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=md_escape,
    )
    env.filters["safe_url"] = safe_url
    return env


def render_prompt(name: str, **variables: Any) -> str:
    """Render ``prompts/<name>.jinja``."""
    return _prompt_env().get_template(f"{name}.jinja").render(**variables).strip()


def render_output(name: str, **variables: Any) -> str:
    """Render ``agent/reporting/templates/<name>.jinja`` (``report.md``, ``report.html``)."""
    env = _markdown_env() if name.endswith(".md") else _output_env()
    return env.get_template(f"{name}.jinja").render(**variables)


def prompt_names() -> list[str]:
    return sorted(p.name.removesuffix(".jinja") for p in PROMPTS_DIR.glob("*.jinja"))


def output_names() -> list[str]:
    return sorted(p.name.removesuffix(".jinja") for p in OUTPUTS_DIR.glob("*.jinja"))
