"""The eval report in Markdown: a table per metric group, cases as rows, the overall mean and
its change against the baseline."""

from __future__ import annotations

from collections import defaultdict

from .evaluators import METRICS, PUBLISHED_BERTSCORE
from .runner import SuiteResult


def _fmt(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.3f}"


def to_markdown(result: SuiteResult) -> str:
    groups: dict[str, list[str]] = defaultdict(list)
    for name in sorted(result.overall):
        groups[name.split(".", 1)[0]].append(name)
    out = [f"# Eval report: {'PASSED' if result.passed else 'FAILED'}", ""]
    for failure in result.failures:
        out.append(f"- **fail** {failure}")
    for case in result.cases:
        out += [f"- known failure, {case.id}: {k}" for k in case.known_failures]
    out += [f"- note: {n}" for n in result.notes]
    for group, names in groups.items():
        short = [n.split(".", 1)[1] for n in names]
        out += ["", f"## {group}", "", "| case | " + " | ".join(short) + " |"]
        out.append("|---" * (len(names) + 1) + "|")
        for case in result.cases:
            out.append(
                f"| {case.id} | " + " | ".join(_fmt(case.metrics.get(n)) for n in names) + " |"
            )
        out.append("| **overall** | " + " | ".join(_fmt(result.overall[n]) for n in names) + " |")
        if result.baseline:
            out.append(
                "| baseline | " + " | ".join(_fmt(result.baseline.get(n)) for n in names) + " |"
            )
            deltas = []
            for n in names:
                before = result.baseline.get(n)
                deltas.append("-" if before is None else f"{result.overall[n] - before:+.3f}")
            out.append("| change | " + " | ".join(deltas) + " |")
    out += ["", "## Metrics", ""]
    out += [
        f"- `{m.name}` ({_direction(m.higher_is_better)}): {m.description}"
        for m in METRICS.values()
        if m.name in result.overall
    ]
    if "content.theme_similarity" not in result.overall:
        return "\n".join(out) + "\n"
    lo, hi = PUBLISHED_BERTSCORE
    out += [
        "",
        f"`content.theme_similarity` is a MiniLM cosine between the blurb and the reference "
        f"themes. Published LLM-written profiles reach {lo}-{hi} BERTScore-F1 against "
        "self-written ones; that is a different metric on different references, so the two "
        "numbers are not comparable, only of the same kind.",
    ]
    return "\n".join(out) + "\n"


def _direction(higher: bool | None) -> str:
    if higher is None:
        return "a count or range, see thresholds"
    return "higher is better" if higher else "lower is better"
