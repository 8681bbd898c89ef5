"""A book on disk and in the database: its folders, creating it from scans (uploaded, or copied
from a server folder under an allowed root), its drafts."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath

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


class FolderRefused(BookError):
    """A server folder that may not be registered (no import roots, outside them, or with ``..``)."""


@dataclass(frozen=True)
class FolderScans:
    """A server folder's scan files (name order, with their type) and the files skipped, with why."""

    files: list[tuple[Path, str]]
    skipped: list[tuple[str, str]]


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
    return _count_pages(book, folder)


def _count_pages(book: Book, folder: Path) -> int:
    """Set and return the number of pages the book's scans hold (BookError when none is readable)."""
    sources, problems = collect_pages([folder])
    if problems and not sources:
        raise BookError("không đọc được tệp nào: " + "; ".join(p.message for p in problems[:3]))
    book.pages_total = len(sources)
    return len(sources)


def _within(path: Path, roots: Sequence[Path]) -> bool:
    return any(path.is_relative_to(root) for root in roots)


def import_folder(settings: Settings, raw: str) -> Path:
    """The server folder ``raw`` (absolute), when it lies under one of the import roots."""
    if not settings.import_roots:
        raise FolderRefused("máy chủ chưa cho phép đăng ký thư mục: quản trị hệ thống cần đặt biến môi trường "
                            "HOTICH_IMPORT_ROOTS (các thư mục gốc được phép) rồi khởi động lại; hoặc tải ảnh lên")
    roots = ", ".join(map(str, settings.import_roots))
    given = PurePath(raw.strip())
    if ".." in given.parts:
        raise FolderRefused(f"đường dẫn không được chứa '..'; ghi đường dẫn đầy đủ trong: {roots}")
    if not given.is_absolute():
        raise BookError(f"ghi đường dẫn đầy đủ (bắt đầu bằng /) của thư mục, nằm trong: {roots}")
    folder = Path(given).resolve()  # symbolic links followed: where it really lies counts
    if not _within(folder, settings.import_roots):
        raise FolderRefused(f"thư mục nằm ngoài các thư mục được phép đăng ký ({roots})")
    if not folder.is_dir():
        raise BookError("không có thư mục này trên máy chủ; kiểm tra lại đường dẫn")
    return folder


def folder_scans(settings: Settings, folder: Path) -> FolderScans:
    """The scans directly in ``folder`` in name order, checked like uploads (type by the first
    bytes, size); other files are skipped with the reason, sub-folders ignored."""
    files, skipped = [], []
    for path in sorted(p for p in folder.iterdir() if not p.is_dir()):
        real = path.resolve()
        if not _within(real, settings.import_roots) or not real.is_file():
            skipped.append((path.name, "liên kết ra ngoài thư mục được phép hoặc không phải tệp thường"))
            continue
        try:
            size = real.stat().st_size
            with real.open("rb") as fh:
                suffix = scan_suffix(fh.read(8))
        except OSError:
            skipped.append((path.name, "máy chủ không đọc được tệp (quyền truy cập?)"))
            continue
        if size > settings.max_upload_bytes:
            skipped.append((path.name, f"lớn hơn {settings.max_upload_bytes // (1024 * 1024)} MB"))
        elif suffix is None:
            skipped.append((path.name, "không phải ảnh JPEG, PNG, TIFF hay PDF"))
        else:
            files.append((real, suffix))
    return FolderScans(files, skipped)


def copy_scans(settings: Settings, book: Book, files: Sequence[tuple[Path, str]]) -> int:
    """Copy ``files`` after the book's present scans (keeping their order); returns the book's pages."""
    folder = scans_dir(settings, book.id)
    folder.mkdir(parents=True, exist_ok=True)
    start, copied = sum(1 for _ in folder.iterdir()), []
    try:
        for i, (path, suffix) in enumerate(files, start):
            copied.append(folder / safe_name(path.name, i, suffix))
            shutil.copyfile(path, copied[-1])
        return _count_pages(book, folder)
    except (BookError, OSError):
        for p in copied:  # the book keeps the scans it had
            p.unlink(missing_ok=True)
        raise


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
