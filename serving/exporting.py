"""Export per book: the zip the Ministry's import takes — one PDF per verified record plus the
Ministry Excel file — with the reviewers' values."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocr.draft.book import DRAFTS, page_image
from ocr.export import write_ministry_excel, write_record_files
from serving.books import draft_dir, drafts_of
from serving.config import Settings
from serving.ingest import reviewed_pages
from serving.models import Book, RecordRow, RecordState


class ExportError(ValueError):
    """A book that cannot be exported yet; the message says why."""


def export_name(book: Book) -> str:
    return f"{book.book_type}.{book.year}.{book.volume}.zip"


def export_book(db: Session, settings: Settings, book: Book, out: Path) -> dict[str, int]:
    """Write the book's zip to ``out``: ``<type>.xlsx`` and ``records/<name>.pdf`` per verified record."""
    verified = set(db.scalars(select(RecordRow.id).where(RecordRow.book_id == book.id,
                                                        RecordRow.state == RecordState.VERIFIED.value)))
    if not verified:
        raise ExportError("Sổ chưa có bản ghi nào được kiểm tra xác nhận; chỉ bản ghi đã xác nhận mới được xuất.")
    pages = [p for p in reviewed_pages(db, book, drafts_of(settings, book.id), verified) if p.records]
    drafts = draft_dir(settings, book.id) / DRAFTS
    with tempfile.TemporaryDirectory(prefix="hotich-export-") as tmp:
        tmp_dir = Path(tmp)
        excel = write_ministry_excel(pages, tmp_dir / f"{book.book_type}.xlsx")
        pdfs = write_record_files([(p, page_image(p, drafts)) for p in pages], tmp_dir / "records", formats=("pdf",))
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.write(excel, excel.name)
            for pdf in pdfs:
                zf.write(pdf, f"records/{pdf.name}")
    return {"records": len(verified), "files": len(pdfs)}
