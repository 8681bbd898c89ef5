"""Supervisor figures: progress per unit and book type, and the weekly report as Excel."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter, defaultdict

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select
from sqlalchemy.orm import Session

from serving.models import AuditEntry, Book, RecordRow, RecordState, Unit

COLUMNS = ("records", "drafted", "corrected", "approved", "verified", "returned", "flagged")
HEADERS_VI = {"unit": "Đơn vị", "book_type": "Loại sổ", "records": "Bản ghi", "drafted": "Chờ duyệt",
              "corrected": "Đã sửa", "approved": "Đã duyệt", "verified": "Đã xác nhận", "returned": "Trả lại",
              "flagged": "Cần chú ý", "week_edits": "Sửa trong tuần", "week_approved": "Duyệt trong tuần",
              "week_verified": "Xác nhận trong tuần", "week_returned": "Trả lại trong tuần"}


def _flagged(rec: RecordRow) -> bool:
    return bool(rec.flags) or any(f.flags for f in rec.fields)


def _corrected(rec: RecordRow) -> bool:
    return any((f.current_value or "") != (f.draft_value or "") for f in rec.fields)


def progress_rows(db: Session, units: set[int] | None) -> list[dict]:
    """Counts per (unit, book type) over the books in ``units`` (None: all); no personal data."""
    books = db.scalars(select(Book) if units is None else select(Book).where(Book.unit_id.in_(units))).all()
    by_book = {b.id: b for b in books}
    counts: dict[tuple[int, str], Counter] = defaultdict(Counter)
    for b in books:
        counts[(b.unit_id, b.book_type)]["books"] += 1
    if by_book:
        for rec in db.scalars(select(RecordRow).where(RecordRow.book_id.in_(by_book))):
            c = counts[(by_book[rec.book_id].unit_id, by_book[rec.book_id].book_type)]
            c["records"] += 1
            c[{RecordState.PENDING.value: "drafted"}.get(rec.state, rec.state)] += 1
            c["corrected"] += _corrected(rec)
            c["flagged"] += _flagged(rec)
    names = {u.id: u.name for u in db.scalars(select(Unit))}
    return [{"unit_id": u, "unit": names.get(u, str(u)), "book_type": t, "books": c["books"],
             **{k: c[k] for k in COLUMNS}} for (u, t), c in sorted(counts.items(), key=lambda kv: (names.get(kv[0][0], ""), kv[0][1]))]


def week_bounds(week: str | None, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """Monday and next Monday of ISO week ``YYYY-Www`` (default: the current week)."""
    if week:
        try:
            year, num = week.upper().split("-W")
            monday = dt.date.fromisocalendar(int(year), int(num), 1)
        except ValueError:
            raise ValueError(f"tuần {week!r} không hợp lệ; dùng dạng 2026-W05") from None
    else:
        d = today or dt.date.today()
        monday = d - dt.timedelta(days=d.weekday())
    return monday, monday + dt.timedelta(days=7)


def weekly_report(db: Session, units: set[int] | None, week: str | None = None) -> tuple[str, bytes]:
    """The weekly report (file name, xlsx bytes): progress so far plus the week's actions."""
    monday, next_monday = week_bounds(week)
    rows = progress_rows(db, units)
    books = {b.id: (b.unit_id, b.book_type) for b in db.scalars(select(Book))}
    acts: dict[tuple[int, str], Counter] = defaultdict(Counter)
    start, end = dt.datetime.combine(monday, dt.time()), dt.datetime.combine(next_monday, dt.time())
    for e in db.scalars(select(AuditEntry).where(AuditEntry.at >= start, AuditEntry.at < end,
                                                 AuditEntry.book_id.is_not(None))):
        key = books.get(e.book_id)
        if key is not None and (units is None or key[0] in units):
            acts[key][{"edit": "week_edits", "approve": "week_approved", "verify": "week_verified",
                       "return": "week_returned"}.get(e.action, "other")] += 1
    keys = ("unit", "book_type", *COLUMNS, "week_edits", "week_approved", "week_verified", "week_returned")
    wb = Workbook()
    ws = wb.active
    ws.title = f"Tuần {monday.isocalendar().week}"
    ws.append([f"Báo cáo tiến độ số hóa sổ hộ tịch, tuần từ {monday:%d/%m/%Y} đến {next_monday - dt.timedelta(days=1):%d/%m/%Y}"])
    ws.append([HEADERS_VI[k] for k in keys])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for r in rows:
        a = acts.get((r["unit_id"], r["book_type"]), Counter())
        ws.append([r[k] if k in r else a[k] for k in keys])
    buf = io.BytesIO()
    wb.save(buf)
    return f"bao-cao-tuan-{monday.isocalendar().year}-W{monday.isocalendar().week:02d}.xlsx", buf.getvalue()
