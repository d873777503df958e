"""The CI gate: thresholds from ``evals/thresholds.yaml`` and regressions against a baseline."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from retrieval.errors import InputFileError
from retrieval.yaml_input import read_yaml_model

from .evaluators import METRICS
from .runner import SuiteResult

THRESHOLDS = Path(__file__).resolve().parent / "thresholds.yaml"
DEV_THRESHOLDS = Path(__file__).resolve().parent / "thresholds_dev.yaml"
BASELINE = Path(__file__).resolve().parent / "baseline.json"


class Bound(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min: float | None = None
    max: float | None = None

    def broken_by(self, value: float) -> str | None:
        if self.min is not None and value < self.min:
            return f"{value:g} < min {self.min:g}"
        if self.max is not None and value > self.max:
            return f"{value:g} > max {self.max:g}"
        return None


class KnownFailure(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case: str
    metric: str
    reason: str


class Thresholds(BaseModel):
    model_config = ConfigDict(extra="forbid")

    per_case: dict[str, Bound] = Field(default_factory=dict)
    overall: dict[str, Bound] = Field(default_factory=dict)
    regression_tolerance: float = Field(0.02, ge=0)
    known_failures: list[KnownFailure] = Field(default_factory=list)


def load_thresholds(path: Path = THRESHOLDS) -> Thresholds:
    thresholds = read_yaml_model(
        path, Thresholds, "see evals/README.md for per_case, overall and known_failures"
    )
    unknown = [
        m
        for m in [
            *thresholds.per_case,
            *thresholds.overall,
            *(k.metric for k in thresholds.known_failures),
        ]
        if m not in METRICS
    ]
    if unknown:
        raise InputFileError(path, f"unknown metric(s) {unknown}; known: {sorted(METRICS)}")
    return thresholds


def load_baseline(path: Path) -> dict[str, float]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {str(k): float(v) for k, v in data["overall"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputFileError(
            path, f"not a baseline (a JSON file with an 'overall' mapping): {exc}"
        ) from None


def apply_gate(
    result: SuiteResult, thresholds: Thresholds, baseline: dict[str, float] | None
) -> SuiteResult:
    known = {(k.case, k.metric): k.reason for k in thresholds.known_failures}
    failures: list[str] = []
    notes: list[str] = []
    for case in result.cases:
        for metric, bound in thresholds.per_case.items():
            if metric not in case.metrics:
                continue
            broken = bound.broken_by(case.metrics[metric])
            reason = known.pop((case.id, metric), None)
            if broken and reason:
                case.known_failures.append(f"{metric}: {broken} (known: {reason})")
            elif broken:
                case.failures.append(f"{metric}: {broken}")
                failures.append(f"{case.id}: {metric} {broken}")
            elif reason:
                # Strict, like pytest's xfail(strict=True): a fixed failure must be unlisted.
                msg = f"{case.id}: {metric} now passes; remove it from known_failures"
                case.failures.append(msg)
                failures.append(msg)
    for (case_id, metric), _ in known.items():
        notes.append(f"known failure {case_id}/{metric} matched no case or threshold")
    for metric, bound in thresholds.overall.items():
        if metric in result.overall and (broken := bound.broken_by(result.overall[metric])):
            failures.append(f"overall: {metric} {broken}")
    if baseline:
        tol = thresholds.regression_tolerance
        for metric, before in baseline.items():
            now = result.overall.get(metric)
            direction = METRICS[metric].higher_is_better if metric in METRICS else None
            if now is None or direction is None:
                continue
            worse = before - now if direction else now - before
            if worse > tol:
                failures.append(f"regression: {metric} {before:g} -> {now:g} (tolerance {tol:g})")
    return result.model_copy(
        update={
            "failures": failures,
            "notes": notes,
            "passed": not failures,
            "baseline": baseline,
        }
    )
