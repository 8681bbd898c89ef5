"""A book's summary for supervisors: pages, records, field states, flags, low-confidence share."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from ocr.export.records import book_records
from ocr.schema import FieldStatus, Page


def book_summary(pages: Sequence[Page], *, low_confidence: float = 0.8) -> dict:
    """Counts over ``pages`` (one book, spreads joined into one record); no personal data.

    ``low_confidence.share`` is the share of fields holding text whose confidence is below the
    threshold, among those that carry a confidence (None when none does).
    """
    records = book_records(pages)
    fields = [f for rec in records for f in rec.fields()]
    states = Counter(f.status.value for f in fields)
    flags: Counter[str] = Counter()
    for rec in records:
        for _, part in rec.parts:
            flags.update(fl.code for fl in part.flags)
    flags.update(fl.code for f in fields for fl in f.flags)
    scored = [f for f in fields if f.status != FieldStatus.EMPTY and f.confidence is not None]
    low = sum(f.confidence < low_confidence for f in scored)
    flagged = sum(
        any(part.flags for _, part in rec.parts) or any(f.flags for f in rec.fields()) for rec in records
    )
    books = sorted({(p.book.book_type.value, p.book.year, p.book.volume) for p in pages})
    return {
        "books": [{"book_type": t, "year": y, "volume": v} for t, y, v in books],
        "pages": len(pages),
        "records": len(records),
        "records_flagged": flagged,
        "fields": {
            "total": len(fields),
            **{s.value: states.get(s.value, 0) for s in FieldStatus},
        },
        "flags": dict(sorted(flags.items())),
        "low_confidence": {
            "threshold": low_confidence,
            "scored_fields": len(scored),
            "fields": low,
            "share": round(low / len(scored), 4) if scored else None,
        },
    }


def write_summary(summary: dict, path: Path) -> Path:
    """Write ``summary`` as indented UTF-8 JSON; returns ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path
