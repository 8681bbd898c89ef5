"""Drafts into the database: schema pages become page, record and field rows (spread halves of a
record joined into one record), and the database's current values go back into schema pages."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ocr.export.records import book_records, page_template
from ocr.schema import Field, FieldStatus, Page
from serving.models import Book, FieldRow, PageRow, RecordRow


def _flags(items) -> list[dict]:  # noqa: ANN001 - schema Flag list
    return [{"code": f.code, "message": f.message} for f in items]


def image_file(page: Page, drafts_dir: Path) -> Path:
    path = Path(page.image.path)
    return (path if path.is_absolute() else drafts_dir / path).resolve()


def import_pages(db: Session, book: Book, pages: Sequence[Page], drafts_dir: Path) -> int:
    """Replace the book's pages, records and fields by those of ``pages`` (book order); returns the
    number of records. Image paths are resolved against ``drafts_dir``."""
    old = select(RecordRow.id).where(RecordRow.book_id == book.id)
    db.execute(delete(FieldRow).where(FieldRow.record_id.in_(old)))
    db.execute(delete(RecordRow).where(RecordRow.book_id == book.id))
    db.execute(delete(PageRow).where(PageRow.book_id == book.id))
    page_rows: dict[str, PageRow] = {}
    for page in pages:
        row = PageRow(book_id=book.id, page_key=page.id, number=page.book.page_number, side=page.side,
                      image_path=str(image_file(page, drafts_dir)), width=page.image.width,
                      height=page.image.height)
        db.add(row)
        page_rows[page.id] = row
    db.flush()
    records = book_records(pages)
    for pos, rec in enumerate(records):
        template = page_template(rec.first_page.template_id)
        specs = {f.key: f for f in template.fields} if template else {}
        row = RecordRow(book_id=book.id, position=pos, number=rec.number,
                        parts=[{"page": page_rows[p.id].id, "record": r.id, "region": [list(pt) for pt in r.region]}
                               for p, r in rec.parts],
                        flags=[fl for _, r in rec.parts for fl in _flags(r.flags)])
        db.add(row)
        db.flush()
        n = 0
        for page, part in rec.parts:
            for f in part.fields:
                spec = specs.get(f.key)
                db.add(FieldRow(record_id=row.id, page_id=page_rows[page.id].id, part=part.id, key=f.key,
                                label=spec.header if spec else f.key, type=spec.type if spec else "text",
                                position=n, raw_text=f.raw_text, draft_value=f.value, current_value=f.value,
                                status=f.status.value, confidence=f.confidence, flags=_flags(f.flags),
                                region=[list(pt) for pt in f.region] if f.region else None))
                n += 1
    book.pages_total = max(book.pages_total, len(pages))
    return len(records)


def corrected_field(f: Field, value: str | None) -> Field:
    """``f`` carrying the reviewed ``value``: an emptied field becomes empty, a field filled by hand
    keeps its raw text (or takes the value as its text when the draft read none)."""
    if value is None or not value.strip():
        return f.model_copy(update={"value": None, "raw_text": "", "status": FieldStatus.EMPTY, "lines": []})
    raw = f.raw_text if f.raw_text and f.value == value else value
    return f.model_copy(update={"value": value, "raw_text": raw, "status": FieldStatus.FILLED})


def reviewed_pages(db: Session, book: Book, pages: Sequence[Page], record_ids: set[int] | None = None) -> list[Page]:
    """``pages`` with the database's current values, keeping only the records of ``record_ids``
    (all when None)."""
    page_ids = {r.page_key: r.id for r in db.scalars(select(PageRow).where(PageRow.book_id == book.id))}
    rows = db.scalars(select(RecordRow).where(RecordRow.book_id == book.id)).all()
    keep = {(part["page"], part["record"]) for r in rows if record_ids is None or r.id in record_ids for part in r.parts}
    values = {(f.page_id, f.part, f.key): f.current_value for r in rows for f in r.fields}
    out = []
    for page in pages:
        pid = page_ids.get(page.id)
        records = []
        for rec in page.records:
            if (pid, rec.id) not in keep:
                continue
            fields = [corrected_field(f, values[(pid, rec.id, f.key)]) if (pid, rec.id, f.key) in values else f
                      for f in rec.fields]
            records.append(rec.model_copy(update={"fields": fields}))
        out.append(page.model_copy(update={"records": records}))
    return out
