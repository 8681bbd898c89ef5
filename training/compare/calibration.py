"""Calibration of line confidences: does a confidence of 0.9 mean 90 % of lines read exactly?"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ocr.draft.accept import AUTO_ACCEPT

BINS = 10
THRESHOLDS = tuple(sorted({0.5, 0.8, AUTO_ACCEPT, 0.95, 0.99}))


@dataclass(frozen=True)
class Bin:
    """Lines whose confidence lies in [lo, hi) (the last bin includes 1.0)."""

    lo: float
    hi: float
    lines: int
    confidence: float | None  # mean confidence, None for an empty bin
    accuracy: float | None  # share read exactly


@dataclass(frozen=True)
class Coverage:
    """Lines at or above a confidence threshold: their share of all lines and their exact share."""

    threshold: float
    coverage: float
    precision: float | None  # None when no line reaches the threshold
    lines: int


def _check(confidences: Sequence[float], exact: Sequence[bool]) -> None:
    if len(confidences) != len(exact):
        raise ValueError(f"{len(confidences)} confidences but {len(exact)} exactness flags")


def reliability(confidences: Sequence[float], exact: Sequence[bool], bins: int = BINS) -> list[Bin]:
    """Equal-width confidence bins over [0, 1] with each bin's mean confidence and accuracy."""
    _check(confidences, exact)
    groups: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
    for c, e in zip(confidences, exact):
        groups[min(max(int(c * bins), 0), bins - 1)].append((c, bool(e)))
    out = []
    for k, g in enumerate(groups):
        n = len(g)
        out.append(Bin(k / bins, (k + 1) / bins, n, sum(c for c, _ in g) / n if n else None,
                       sum(e for _, e in g) / n if n else None))
    return out


def expected_calibration_error(bins: Sequence[Bin]) -> float:
    """Line-weighted mean of |accuracy - confidence| over the bins."""
    total = sum(b.lines for b in bins)
    return sum(b.lines * abs(b.accuracy - b.confidence) for b in bins if b.lines) / total if total else 0.0


def coverage_at(confidences: Sequence[float], exact: Sequence[bool], threshold: float) -> Coverage:
    """Share of lines with confidence >= ``threshold`` and the exact share among them."""
    _check(confidences, exact)
    kept = [bool(e) for c, e in zip(confidences, exact) if c >= threshold]
    return Coverage(threshold, len(kept) / len(confidences) if len(confidences) else 0.0,
                    sum(kept) / len(kept) if kept else None, len(kept))


def calibration(confidences: Sequence[float], exact: Sequence[bool],
                thresholds: Sequence[float] = THRESHOLDS) -> dict[str, Any]:
    """Reliability bins, ECE, and coverage and precision at each threshold (``auto_accept`` is
    the drafting pipeline's :data:`ocr.draft.accept.AUTO_ACCEPT`)."""
    bins = reliability(confidences, exact)
    return {
        "ece": expected_calibration_error(bins),
        "auto_accept": asdict(coverage_at(confidences, exact, AUTO_ACCEPT)),
        "thresholds": [asdict(coverage_at(confidences, exact, t)) for t in thresholds],
        "bins": [asdict(b) for b in bins],
    }
