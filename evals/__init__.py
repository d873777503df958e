"""The eval harness: reference cases (``evals/cases``), deterministic evaluators, a runner, a
Markdown report and a CI gate (``evals/thresholds.yaml``, ``evals/baseline.json``; the dev
pages' parse suite ``evals/cases/dev`` is gated by ``evals/thresholds_dev.yaml``)."""

from .cases import EvalCase, load_suite
from .gate import BASELINE, DEV_THRESHOLDS, THRESHOLDS, apply_gate, load_baseline, load_thresholds
from .render import to_markdown
from .runner import CaseResult, SuiteResult, run_suite

__all__ = [
    "BASELINE",
    "DEV_THRESHOLDS",
    "THRESHOLDS",
    "CaseResult",
    "EvalCase",
    "SuiteResult",
    "apply_gate",
    "load_baseline",
    "load_suite",
    "load_thresholds",
    "run_suite",
    "to_markdown",
]
