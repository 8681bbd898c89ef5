"""Markdown table helpers for the reports."""

from __future__ import annotations

from collections.abc import Sequence


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table (cells as given, ``None`` as an en dash)."""
    def cell(v: object) -> str:
        return "–" if v is None else str(v)

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def pct(v: float | None) -> str | None:
    """0.1234 -> ``12.34 %``."""
    return None if v is None else f"{100 * v:.2f} %"


def pp(a: float | None, b: float | None) -> str | None:
    """The difference b - a in percentage points, signed."""
    return None if a is None or b is None else f"{100 * (b - a):+.2f} pp"
