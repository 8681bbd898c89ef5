"""Plain-text tables of evaluation results (Markdown pipe tables, columns aligned)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def percent(rate: float) -> str:
    return f"{100 * rate:.2f} %"


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table with padded columns."""
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |" for row in cells]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def score_cells(result: dict[str, Any]) -> list[str]:
    """CER, WER, line accuracy, lines and lines/s of an :func:`evaluate_htr` result."""
    return [percent(result["cer"]), percent(result["wer"]), percent(result["line_acc"]),
            str(result["lines"]), f"{result['lines_per_s']:.1f}"]


SCORE_HEADER = ["CER", "WER", "line acc", "lines", "lines/s"]
