"""Small YAML inputs (eval cases, thresholds, identity corrections) read into pydantic models,
with errors that name the file, the line or field, and how to fix it."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .errors import InputFileError

M = TypeVar("M", bound=BaseModel)


def read_yaml_model(
    path: Path, model: type[M], hint: str, extra: dict[str, Any] | None = None
) -> M:
    """``path`` parsed as YAML (JSON is YAML too) and validated as ``model``; ``hint`` says
    what the file should look like; ``extra`` fields are added before validation."""
    text = ""
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except OSError as exc:
        raise InputFileError(path, f"cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InputFileError(path, "not UTF-8 text; save it as UTF-8") from None
    except RecursionError:
        raise InputFileError(path, f"nested too deeply to be read; {hint}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None)
        if isinstance(exc, yaml.reader.ReaderError):  # a control character: no mark, a position
            line = text.count("\n", 0, exc.position) + 1
            char = exc.character if isinstance(exc.character, int) else ord(exc.character)
            problem = f"control character U+{char:04X} is not allowed in YAML; remove it"
        message = " ".join(str(problem or exc).split())  # one line, whatever the parser said
        raise InputFileError(path, f"invalid YAML: {message}", line) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputFileError(path, f"expected a mapping; {hint}")
    try:
        return model.model_validate({**data, **(extra or {})})
    except RecursionError:
        raise InputFileError(path, f"nested too deeply to be read; {hint}") from None
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "file"
        raise InputFileError(path, f"{where}: {err['msg']}; {hint}") from None
