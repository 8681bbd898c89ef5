"""A book on disk and in the database: its folders, creating it from scans, its drafts."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path

from sqlalchemy.orm import Session

from ocr.draft.book import DRAFTS
from ocr.draft.inputs import collect_pages
from ocr.schema import AdminUnit, Page
from ocr.templates import TemplateError, load_template
from serving.config import Settings
from serving.ingest import image_file, import_pages
from serving.models import AuditEntry, Book, BookState, Unit, UnitLevel

# What an upload may hold, by the file's first bytes (the name's extension is not trusted).
MAGIC = {b"\xff\xd8\xff": ".jpg", b"\x89PNG\r\n\x1a\n": ".png", b"II*\x00": ".tif", b"MM\x00*": ".tif",
         b"%PDF-": ".pdf"}


class BookError(ValueError):
    """A book that cannot be created as asked; the message says what to change."""


def book_dir(settings: Settings, book_id: int) -> Path:
    return settings.books_dir / str(book_id)


def scans_dir(settings: Settings, book_id: int) -> Path:
    return book_dir(settings, book_id) / "scans"


def draft_dir(settings: Settings, book_id: int) -> Path:
    return book_dir(settings, book_id) / "draft"


def scan_suffix(head: bytes) -> str | None:
    """The file type of a scan from its first bytes, or None when it is not a JPEG/PNG/TIFF/PDF."""
    return next((ext for magic, ext in MAGIC.items() if head.startswith(magic)), None)


def safe_name(name: str, index: int, suffix: str) -> str:
    """A file name that keeps the scan's order and nothing of its path."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(name or "").stem).strip("-")[:60] or "page"
    return f"{index:04d}-{stem}{suffix}"


def admin_unit(db: Session, unit: Unit) -> AdminUnit | None:
    """The schema unit (province > district > commune) of a unit row."""
    names: dict[str, str] = {}
    row: Unit | None = unit
    while row is not None:
        names[row.level] = row.name
        row = db.get(Unit, row.parent_id) if row.parent_id else None
    if UnitLevel.PROVINCE.value not in names:
        return None
    return AdminUnit(province=names["province"], district=names.get("district"), commune=names.get("commune"))


def new_book(db: Session, *, unit: Unit, template: str, year: int, volume: str, user_id: int | None) -> Book:
    """A book row (not yet committed) after checking its template and year."""
    try:
        t = load_template(template)
    except TemplateError as exc:
        raise BookError(str(exc)) from None
    if not t.years[0] - 5 <= year <= t.years[1] + 5:
        raise BookError(f"năm {year} nằm ngoài các năm của mẫu sổ {t.id} ({t.years[0]}–{t.years[1]}); "
                        "kiểm tra lại năm hoặc mẫu sổ")
    if not re.fullmatch(r"[0-9A-Za-z]{1,8}", volume):
        raise BookError("quyển số chỉ gồm chữ số hoặc chữ cái (tối đa 8 ký tự), ví dụ 01")
    book = Book(unit_id=unit.id, book_type=t.book_type.value, year=year, volume=volume, template=t.id,
                state=BookState.QUEUED.value, created_by=user_id)
    db.add(book)
    db.flush()
    return book


def add_scans(settings: Settings, book: Book, files: Iterable[tuple[str, bytes]]) -> int:
    """Store the scans of a book (checked by type); returns the number of pages they hold."""
    folder = scans_dir(settings, book.id)
    folder.mkdir(parents=True, exist_ok=True)
    for i, (name, data) in enumerate(files):
        suffix = scan_suffix(data[:8])
        if suffix is None:
            raise BookError(f"tệp thứ {i + 1} không phải ảnh JPEG, PNG, TIFF hay PDF; chỉ tải lên ảnh quét của sổ")
        (folder / safe_name(name, i, suffix)).write_bytes(data)
    sources, problems = collect_pages([folder])
    if problems and not sources:
        raise BookError("không đọc được tệp nào: " + "; ".join(p.message for p in problems[:3]))
    book.pages_total = len(sources)
    return len(sources)


def drafts_of(settings: Settings, book_id: int) -> list[Page]:
    """The book's page drafts in book order."""
    pages = [Page.load(p) for p in (draft_dir(settings, book_id) / DRAFTS).glob("*.json")]
    return sorted(pages, key=lambda p: (p.book.page_number, p.id))


def register_drafts(db: Session, settings: Settings, book: Book, pages: Sequence[Page], source_dir: Path) -> int:
    """Take ready drafts (e.g. made elsewhere) as the book's drafts: written into its drafts folder
    with absolute image paths, then imported. Returns the number of records."""
    out = draft_dir(settings, book.id) / DRAFTS
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    fixed = []
    for page in pages:
        meta = page.book.model_copy(update={"year": book.year, "volume": book.volume})
        page = page.model_copy(update={"book": meta, "image": page.image.model_copy(
            update={"path": str(image_file(page, source_dir))})})
        page.save(out / f"{page.id}.json")
        fixed.append(page)
    n = import_pages(db, book, fixed, out)
    book.state = BookState.READY.value
    db.add(AuditEntry(user_id=book.created_by, action="drafted", entity="book", entity_id=book.id, book_id=book.id,
                      new=f"{len(fixed)} pages, {n} records"))
    return n
