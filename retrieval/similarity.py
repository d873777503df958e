"""Similarities that give the same decisions on every CPU.

Vectors differ in their last bits from one machine to the next (BLAS kernels, SIMD widths,
``exp``/``log`` implementations), so a comparison between two nearly equal scores can go either
way. Every score that a decision hinges on (a threshold, a sort, an argmax) goes through here:
products are taken in float64 and rounded to ``DECIMALS`` places, so the noise is gone and equal
scores become exactly equal; ties are then broken by position, never by the order a sort
happened to leave them in.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

DECIMALS = 6


def stable(x: float | np.floating) -> float:
    """``x`` rounded to ``DECIMALS`` places: the value to compare or sort by."""
    return round(float(x), DECIMALS)


def rounded(a: np.ndarray) -> np.ndarray:
    """``a`` in float64, rounded to ``DECIMALS`` places (``inf``/``nan`` kept)."""
    return np.round(np.asarray(a, dtype=np.float64), DECIMALS)


def cosine_matrix(a: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """Pairwise dot products of the (unit) rows of ``a`` and ``b`` (``a`` itself when omitted),
    in float64 and rounded."""
    a64 = np.asarray(a, dtype=np.float64)
    b64 = a64 if b is None else np.asarray(b, dtype=np.float64)
    return rounded(a64 @ b64.T)


def cosines(mat: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """Dot product of every row of ``mat`` with ``vector``, in float64 and rounded."""
    return rounded(np.asarray(mat, dtype=np.float64) @ np.asarray(vector, dtype=np.float64))


def order_desc(scores: Sequence[float] | np.ndarray) -> list[int]:
    """Indices of ``scores`` from highest to lowest rounded score; ties keep index order."""
    values = rounded(np.asarray(scores, dtype=np.float64))
    return sorted(range(len(values)), key=lambda i: (-values[i], i))


def screen_margin(dim: int) -> float:
    """How far a float32 dot product of two unit vectors of ``dim`` values may be from the
    float64 one, with room to spare: rounding accumulates at most ``dim`` times 2**-24 (the
    terms sum to at most 1 in absolute value); 2.5 times that, and never under 2e-4. A
    float32 screen keeps every candidate within this of the bar, so float64 decides."""
    return max(2e-4, 2.5 * (dim + 2) * 2.0**-24)


def top_desc(scores: Sequence[float] | np.ndarray, k: int) -> list[int]:
    """``order_desc(scores)[:k]`` without sorting every score (a partition finds the ``k``-th
    highest first; every score tied with it is ordered as ``order_desc`` would)."""
    values = rounded(np.asarray(scores, dtype=np.float64))
    n = len(values)
    if k <= 0:
        return []
    if n <= k:
        return order_desc(values)
    kth = np.partition(values, n - k)[n - k]
    picked = np.flatnonzero(values >= kth).tolist()
    return sorted(picked, key=lambda i: (-values[i], i))[:k]


def argmax(scores: Sequence[float] | np.ndarray) -> int:
    """Index of the highest rounded score; the first one on a tie."""
    return int(np.argmax(rounded(np.asarray(scores, dtype=np.float64))))
