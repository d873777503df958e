"""What a drafter produces: sentences with the paper labels they cite. The LLM's structured
output is validated against these models; the offline drafter builds the same ones."""

from __future__ import annotations

import re
from typing import Annotated, Protocol

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from ..analysis.evidence import Evidence
from ..analysis.topics import Theme

Label = Annotated[str, StringConstraints(pattern=r"^P[1-9]\d*$")]
_INLINE = re.compile(r"\[\s*(P\d+(?:\s*[,;]\s*P\d+)*)\s*\]")


def page_order(labels: list[str]) -> list[str]:
    """Labels in the one order citations are shown in: page position (``P2`` before ``P10``)."""
    return sorted(dict.fromkeys(labels), key=lambda label: int(label.lstrip("P")))


class DraftSentence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        min_length=10, max_length=700, description="One sentence; may hold inline [P3] markers."
    )
    citations: list[Label] = Field(
        default_factory=list, description="Labels of the evidence items that support it."
    )

    @field_validator("citations", mode="before")
    @classmethod
    def _labels(cls, value: object) -> object:
        # Models write "p3", "[P3]" or 3; the label is what matters.
        if isinstance(value, list):
            return [
                f"P{int(v)}" if isinstance(v, int) else str(v).strip(" []").upper() for v in value
            ]
        return value

    def all_citations(self) -> list[str]:
        """Inline markers and the citation list, in order, without repeats."""
        inline = [
            label.strip()
            for group in _INLINE.findall(self.text)
            for label in re.split(r"[,;]", group)
        ]
        return list(dict.fromkeys([*inline, *self.citations]))

    def segments(self) -> list[tuple[str, list[str]]]:
        """(text, labels) for each inline marker: the text since the previous marker."""
        out: list[tuple[str, list[str]]] = []
        start = 0
        for m in _INLINE.finditer(self.text):
            labels = [x.strip() for x in re.split(r"[,;]", m.group(1))]
            out.append((" ".join(self.text[start : m.start()].split()), labels))
            start = m.end()
        return out

    def plain(self) -> str:
        """The text without citation markers."""
        return " ".join(_INLINE.sub(" ", self.text).split()).replace(" .", ".").replace(" ,", ",")

    def rendered(self, keep: list[str] | None = None) -> str:
        """The sentence as the blurb shows it, citing ``keep`` (default: all its citations):
        inline markers keep their place (minus dropped labels), the rest go at the end."""
        keep = self.all_citations() if keep is None else keep

        def _group(m: re.Match[str]) -> str:
            labels = [x.strip() for x in re.split(r"[,;]", m.group(1)) if x.strip() in keep]
            return f"[{', '.join(page_order(labels))}]" if labels else ""

        text = " ".join(_INLINE.sub(_group, self.text.strip()).split())
        text = re.sub(r"\s+([.,;:])", r"\1", text)
        inline = {x.strip() for g in _INLINE.findall(text) for x in re.split(r"[,;]", g)}
        missing = page_order([c for c in keep if c not in inline])
        if not missing:
            return text
        end = text[-1] if text[-1:] in ".!?" else "."
        body = text[:-1] if text[-1:] in ".!?" else text
        return f"{body} [{', '.join(missing)}]{end}"


class Draft(BaseModel):
    """A blurb draft as the LLM must return it."""

    model_config = ConfigDict(extra="forbid")

    sentences: list[DraftSentence] = Field(min_length=3, max_length=6)


class Drafter(Protocol):
    name: str

    def draft(self, evidence: Evidence, themes: list[Theme]) -> list[DraftSentence]: ...
