"""The workbench's JSON API: books and their drafting, the review queue, records with their
fields and images, saving with optimistic locking, approval, verification, export, reports, users.

Every route takes the user from the session (``current_user``: unsafe methods also need the CSRF
header) and checks role and unit through ``serving.access``.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from ocr.export.excel import ministry_date
from ocr.fields import normalize
from ocr.templates import load_template, template_names
from serving import access
from serving.access import EDIT, EXPORT, IMPORT, MANAGE, READ, REPORT, VERIFY
from serving.auth import current_user, get_db, user_json
from serving.books import (BookError, FolderRefused, add_scans, book_dir, copy_scans, folder_scans, import_folder,
                           new_book)
from serving.exporting import ExportError, export_book, export_name
from serving.images import field_jpeg, record_jpeg
from serving.models import (AuditEntry, Book, BookState, FieldRow, PageRow, RecordRow, RecordState, Role, Unit,
                            UnitLevel, User, utcnow)
from serving.reports import progress_rows, weekly_report
from serving.security import hash_password
from serving.worker import progress

LOW_CONFIDENCE = 0.8  # fields below this are highlighted (as in the book summary)
INKED_BLANK = 0.5  # fields drafted empty whose slot is less blank than this are highlighted (ink nobody read)
MAX_VALUE = 500
EDITABLE = (RecordState.PENDING.value, RecordState.RETURNED.value)
log = logging.getLogger("hotich.serve")
router = APIRouter(prefix="/api")


# --- helpers -----------------------------------------------------------------------------------

def _names(db: Session, ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    return {u.id: u.full_name or u.username for u in db.scalars(select(User).where(User.id.in_(ids)))} if ids else {}


def _attention(f: FieldRow) -> bool:
    """Flagged, unreadable, read with a low confidence, or drafted empty over a slot with ink in it
    (an empty field's confidence says how blank its slot is: ocr.draft.blank)."""
    low = LOW_CONFIDENCE if f.status == "filled" else INKED_BLANK
    return bool(f.flags) or f.status == "unreadable" or (f.confidence is not None and f.confidence < low)


def _display(f: FieldRow, value: str | None) -> str:
    """The value as an officer reads and types it (dates as dd/mm/yyyy)."""
    return ministry_date(value) if value and f.type == "date" else (value or "")


def _stored(f: FieldRow, typed: str | None, year: int) -> str | None:
    """What is kept of a typed value: dates as ISO when they read as a date, anything else as typed."""
    if typed and f.type == "date":
        n = normalize("date", typed, year=year)
        return n.value if n.confident and n.value else typed
    return typed


def _field_json(f: FieldRow) -> dict:
    return {"id": f.id, "key": f.key, "label": f.label, "type": f.type, "raw_text": f.raw_text,
            "draft_value": f.draft_value, "value": f.current_value, "display": _display(f, f.current_value),
            "draft_display": _display(f, f.draft_value), "status": f.status,
            "confidence": f.confidence, "flags": f.flags, "attention": _attention(f),
            "changed": (f.current_value or "") != (f.draft_value or ""), "has_crop": bool(f.region),
            "version": f.version}


def _record_summary(rec: RecordRow) -> dict:
    return {"id": rec.id, "book_id": rec.book_id, "position": rec.position, "number": rec.number,
            "state": rec.state, "version": rec.version,
            "attention": sum(_attention(f) for f in rec.fields) + len(rec.flags),
            "corrected": any((f.current_value or "") != (f.draft_value or "") for f in rec.fields)}


def _book_json(request: Request, db: Session, book: Book) -> dict:
    states = db.scalars(select(RecordRow.state).where(RecordRow.book_id == book.id)).all()
    return {"id": book.id, "book_type": book.book_type, "year": book.year, "volume": book.volume,
            "template": book.template, "unit_id": book.unit_id, "unit": book.unit.name,
            "created_at": book.created_at.isoformat(timespec="seconds"),
            "progress": progress(request.app.state.settings, book),
            "records": {s.value: states.count(s.value) for s in RecordState} | {"total": len(states)}}


def _record_json(db: Session, user: User, book: Book, rec: RecordRow) -> dict:
    names = _names(db, {rec.approved_by, rec.verified_by})
    mine = _touched_by(db, rec, user)
    return {**_record_summary(rec), "book": {"id": book.id, "book_type": book.book_type, "year": book.year,
                                             "volume": book.volume, "unit": book.unit.name},
            "flags": rec.flags, "parts": len(rec.parts), "returned_reason": rec.returned_reason,
            "approved_by": names.get(rec.approved_by), "verified_by": names.get(rec.verified_by),
            "fields": [_field_json(f) for f in rec.fields],
            "can": {"edit": Role(user.role) in EDIT and rec.state in EDITABLE,
                    "approve": Role(user.role) in EDIT and rec.state in EDITABLE,
                    "verify": Role(user.role) in VERIFY and rec.state == RecordState.APPROVED.value and not mine}}


def _touched_by(db: Session, rec: RecordRow, user: User) -> bool:
    """Whether ``user`` approved or corrected ``rec`` (then they may not verify it)."""
    if rec.approved_by == user.id:
        return True
    field_ids = [f.id for f in rec.fields]
    return db.scalar(select(AuditEntry.id).where(AuditEntry.user_id == user.id, AuditEntry.action == "edit",
                                                 AuditEntry.entity == "field",
                                                 AuditEntry.entity_id.in_(field_ids)).limit(1)) is not None


def _bump(db: Session, rec: RecordRow, version: int, states: tuple[str, ...], **values) -> None:
    """Raise the record's version from ``version`` (and set ``values``) only if nobody changed it
    since; otherwise 409 and nothing is written."""
    res = db.execute(update(RecordRow).where(RecordRow.id == rec.id, RecordRow.version == version,
                                             RecordRow.state.in_(states))
                     .values(version=version + 1, **values))
    if res.rowcount != 1:
        db.rollback()
        db.refresh(rec)
        if rec.version != version:
            raise HTTPException(409, {"message": "Bản ghi vừa được người khác thay đổi. Tải lại để xem giá trị "
                                                 "mới rồi sửa tiếp; các thay đổi của bạn chưa được lưu.",
                                      "version": rec.version})
        raise HTTPException(409, {"message": f"Bản ghi đang ở trạng thái '{rec.state}', không làm được việc "
                                             "này.", "version": rec.version})
    db.expire_all()


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = unicodedata.normalize("NFC", value).strip()
    if len(value) > MAX_VALUE:
        raise HTTPException(422, f"Giá trị dài quá {MAX_VALUE} ký tự.")
    return value or None


@contextmanager
def _book_errors(db: Session) -> Iterator[None]:
    """A BookError inside becomes 422 with its message, and nothing is written."""
    try:
        yield
    except BookError as exc:
        db.rollback()
        raise HTTPException(422, str(exc)) from None


def _queue_drafting(request: Request, db: Session, user: User, book: Book, action: str, note: str) -> dict:
    """Audit ``action`` (``note``: counts only), commit, and hand the book to the drafting worker."""
    db.add(AuditEntry(user_id=user.id, action=action, entity="book", entity_id=book.id, book_id=book.id, new=note))
    db.commit()
    request.app.state.worker.submit(book.id)
    log.info("book %s: %s by user=%s (%s)", book.id, action, user.id, note)
    return _book_json(request, db, book)


# --- books -------------------------------------------------------------------------------------

@router.get("/templates", tags=["books"], summary="The ledger templates a book can use")
def templates(user: User = Depends(current_user)) -> list[dict]:
    access.require(user, READ)
    out = []
    for name in template_names():
        t = load_template(name)
        out.append({"id": t.id, "name": t.name, "book_type": t.book_type.value, "years": list(t.years)})
    return out


@router.get("/units", tags=["admin"], summary="The units in the user's scope")
def units(user: User = Depends(current_user), db: Session = Depends(get_db)) -> list[dict]:
    ids = access.scope(db, user)
    rows = db.scalars(select(Unit) if ids is None else select(Unit).where(Unit.id.in_(ids))).all()
    return [{"id": u.id, "name": u.name, "level": u.level, "code": u.code, "parent_id": u.parent_id} for u in rows]


@router.get("/books", tags=["books"], summary="Books of the user's units, with drafting progress and counts")
def books(request: Request, user: User = Depends(current_user), db: Session = Depends(get_db)) -> list[dict]:
    access.require(user, READ)
    ids = access.scope(db, user)
    q = select(Book).order_by(Book.id.desc())
    rows = db.scalars(q if ids is None else q.where(Book.unit_id.in_(ids))).all()
    return [_book_json(request, db, b) for b in rows]


@router.post("/books", tags=["books"], status_code=201,
             summary="Upload a book's scans (JPEG, PNG, TIFF, PDF); drafting starts in the background")
async def upload_book(request: Request, template: str = Form(...), year: int = Form(...), volume: str = Form("01"),
                      unit_id: int | None = Form(None), files: list[UploadFile] = File(...),
                      user: User = Depends(current_user), db: Session = Depends(get_db)) -> dict:
    access.require(user, EDIT)
    settings = request.app.state.settings
    if len(files) > settings.max_upload_files:
        raise HTTPException(413, f"Tối đa {settings.max_upload_files} tệp mỗi lần tải lên; chia sổ thành nhiều lần.")
    unit_id = unit_id or user.unit_id
    if unit_id is None:
        raise HTTPException(422, "Chọn đơn vị của sổ.")
    unit = access.unit_allowed(db, user, unit_id)
    data = []
    for f in files:
        blob = await f.read(settings.max_upload_bytes + 1)
        if len(blob) > settings.max_upload_bytes:
            raise HTTPException(413, f"Một tệp lớn hơn {settings.max_upload_bytes // (1024 * 1024)} MB; "
                                     "quét lại với độ phân giải thấp hơn (300 dpi là đủ).")
        data.append((f.filename or "", blob))
    with _book_errors(db):
        book = new_book(db, unit=unit, template=template, year=year, volume=volume, user_id=user.id)
        add_scans(settings, book, data)
    return _queue_drafting(request, db, user, book, "upload", f"{len(files)} files, {book.pages_total} pages")


class Folder(BaseModel):
    path: str = Field(min_length=1, max_length=1000, description="Absolute path of a folder under an import root")


def _review_started(db: Session, book_id: int) -> bool:
    """Whether any record of the book has left the queue or been corrected (a new draft would replace it)."""
    mine = RecordRow.book_id == book_id
    moved = exists().where(mine, RecordRow.state != RecordState.PENDING.value)
    corrected = exists().where(mine, FieldRow.record_id == RecordRow.id,
                               FieldRow.current_value.is_distinct_from(FieldRow.draft_value))
    return bool(db.scalar(select(moved | corrected)))


@router.post("/books/{book_id}/folder", tags=["books"],
             summary="Add a server folder's scans (copied, name order) to a book and draft it again")
def register_folder(book_id: int, body: Folder, request: Request, user: User = Depends(current_user),
                    db: Session = Depends(get_db)) -> dict:
    book = access.book_of(db, user, book_id, IMPORT)
    settings = request.app.state.settings
    try:
        folder = import_folder(settings, body.path)
    except FolderRefused as exc:
        raise HTTPException(403, f"Không đăng ký được thư mục: {exc}.") from None
    except BookError as exc:
        raise HTTPException(422, f"Không đăng ký được thư mục: {exc}.") from None
    if _review_started(db, book.id):
        raise HTTPException(409, "Sổ đã được duyệt hoặc sửa một phần; soạn thảo lại sẽ thay các bản nháp, "
                                 "nên không thêm ảnh vào sổ này nữa.")
    found = folder_scans(settings, folder)
    skipped = [{"file": name, "reason": why} for name, why in found.skipped]
    if not found.files:
        raise HTTPException(422, {"message": "Thư mục không có ảnh quét JPEG, PNG, TIFF hay PDF nào dùng được.",
                                  "skipped": skipped})
    if len(found.files) > settings.max_upload_files:
        raise HTTPException(413, f"Thư mục có {len(found.files)} ảnh, quá {settings.max_upload_files} ảnh mỗi lần; "
                                 "chia thành nhiều thư mục.")
    busy = (BookState.QUEUED.value, BookState.DRAFTING.value)  # claimed atomically: one registration at a time
    claim = db.execute(update(Book).where(Book.id == book.id, Book.state.notin_(busy))
                       .values(state=BookState.QUEUED.value, error=None))
    if claim.rowcount != 1:
        db.rollback()
        raise HTTPException(409, "Sổ đang được soạn thảo; chờ xong rồi thêm thư mục.")
    with _book_errors(db):
        copy_scans(settings, book, found.files)
    note = f"{len(found.files)} files, {book.pages_total} pages, {len(skipped)} skipped"
    return {**_queue_drafting(request, db, user, book, "register", note), "added": len(found.files),
            "skipped": skipped}


@router.get("/books/{book_id}", tags=["books"], summary="One book with its drafting progress")
def book(book_id: int, request: Request, user: User = Depends(current_user), db: Session = Depends(get_db)) -> dict:
    return _book_json(request, db, access.book_of(db, user, book_id))


@router.get("/books/{book_id}/records", tags=["review"], summary="The book's review queue")
def book_records(book_id: int, state: RecordState | None = None, user: User = Depends(current_user),
                 db: Session = Depends(get_db)) -> list[dict]:
    access.book_of(db, user, book_id)
    q = select(RecordRow).where(RecordRow.book_id == book_id).order_by(RecordRow.position)
    rows = db.scalars(q if state is None else q.where(RecordRow.state == state.value)).all()
    return [_record_summary(r) for r in rows]


@router.get("/books/{book_id}/export", tags=["export"],
            summary="The book's zip for the Ministry: one PDF per verified record plus the Excel file")
def export(book_id: int, request: Request, user: User = Depends(current_user), db: Session = Depends(get_db)):
    book = access.book_of(db, user, book_id, EXPORT)
    settings = request.app.state.settings
    out = book_dir(settings, book.id) / "export" / export_name(book)
    try:
        counts = export_book(db, settings, book, out)
    except ExportError as exc:
        raise HTTPException(409, str(exc)) from None
    except (ValueError, RuntimeError) as exc:
        raise HTTPException(500, f"Không xuất được sổ ({exc}); báo cho quản trị.") from None
    db.add(AuditEntry(user_id=user.id, action="export", entity="book", entity_id=book.id, book_id=book.id,
                      new=f"{counts['records']} records"))
    db.commit()
    return FileResponse(out, media_type="application/zip", filename=out.name)


# --- records -----------------------------------------------------------------------------------

@router.get("/queue/verify", tags=["verify"], summary="Approved records waiting for the user's verification")
def verify_queue(user: User = Depends(current_user), db: Session = Depends(get_db)) -> list[dict]:
    access.require(user, VERIFY)
    ids = access.scope(db, user)
    q = (select(RecordRow, Book).join(Book, Book.id == RecordRow.book_id)
         .where(RecordRow.state == RecordState.APPROVED.value).order_by(Book.id, RecordRow.position))
    rows = db.execute(q if ids is None else q.where(Book.unit_id.in_(ids))).all()
    return [{**_record_summary(r), "book": f"{b.book_type}.{b.year}.{b.volume}", "unit": b.unit.name}
            for r, b in rows if not _touched_by(db, r, user)]


@router.get("/records/{record_id}", tags=["review"], summary="A record with its fields (the read is audited)")
def record(record_id: int, user: User = Depends(current_user), db: Session = Depends(get_db)) -> dict:
    book, rec = access.record_of(db, user, record_id)
    out = _record_json(db, user, book, rec)
    db.add(AuditEntry(user_id=user.id, action="view", entity="record", entity_id=rec.id, book_id=book.id))
    db.commit()
    return out


@router.get("/records/{record_id}/image", tags=["review"], summary="The record cut out of its page(s), JPEG")
def record_image(record_id: int, user: User = Depends(current_user), db: Session = Depends(get_db)) -> Response:
    _, rec = access.record_of(db, user, record_id)
    pages = {p.id: p for p in db.scalars(select(PageRow).where(PageRow.id.in_([p["page"] for p in rec.parts])))}
    try:
        data = record_jpeg([(pages[p["page"]].image_path, pages[p["page"]].width, pages[p["page"]].height,
                             p["region"]) for p in rec.parts])
    except FileNotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=300"})


@router.get("/fields/{field_id}/crop", tags=["review"], summary="The field's region on its page, JPEG")
def field_crop(field_id: int, user: User = Depends(current_user), db: Session = Depends(get_db)) -> Response:
    _, fld = access.field_of(db, user, field_id)
    page = db.get(PageRow, fld.page_id)
    if not fld.region or page is None:
        raise HTTPException(404, "Trường này không có vùng ảnh.")
    try:
        data = field_jpeg(page.image_path, page.width, page.height, fld.region)
    except FileNotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=300"})


class Change(BaseModel):
    field_id: int
    value: str | None = None


class Save(BaseModel):
    version: int = Field(description="The record version the changes were made on")
    changes: list[Change] = Field(default_factory=list, max_length=200)
    why: str = Field(default="", max_length=500, description="Why the values changed (kept in the audit log)")


class Transition(BaseModel):
    version: int
    reason: str = Field(default="", max_length=500)


@router.put("/records/{record_id}", tags=["review"],
            summary="Save field values; 409 when the record changed since `version` (nothing is written then)")
def save(record_id: int, body: Save, user: User = Depends(current_user), db: Session = Depends(get_db)) -> dict:
    book, rec = access.record_of(db, user, record_id, EDIT)
    by_id = {f.id: f for f in rec.fields}
    unknown = [c.field_id for c in body.changes if c.field_id not in by_id]
    if unknown:
        raise HTTPException(422, f"Các trường {unknown} không thuộc bản ghi này.")
    values = {c.field_id: _stored(by_id[c.field_id], _clean(c.value), book.year) for c in body.changes}
    changed = {fid: v for fid, v in values.items() if v != by_id[fid].current_value}
    if changed:
        _bump(db, rec, body.version, EDITABLE)
        now = utcnow()
        for fid, value in changed.items():
            f = db.get(FieldRow, fid)
            db.add(AuditEntry(user_id=user.id, action="edit", entity="field", entity_id=fid, book_id=book.id,
                              old=f.current_value, new=value, why=body.why or None))
            f.current_value, f.version, f.updated_by, f.updated_at = value, f.version + 1, user.id, now
        db.commit()
        log.info("record %s saved by user=%s: %d field(s)", rec.id, user.id, len(changed))
    elif body.version != rec.version:
        raise HTTPException(409, {"message": "Bản ghi vừa được người khác thay đổi; tải lại.", "version": rec.version})
    book, rec = access.record_of(db, user, record_id, EDIT)
    return _record_json(db, user, book, rec)


@router.post("/records/{record_id}/approve", tags=["review"], summary="Approve a reviewed record")
def approve(record_id: int, body: Transition, user: User = Depends(current_user),
            db: Session = Depends(get_db)) -> dict:
    book, rec = access.record_of(db, user, record_id, EDIT)
    _bump(db, rec, body.version, EDITABLE, state=RecordState.APPROVED.value, approved_by=user.id,
          approved_at=utcnow(), returned_reason=None)
    db.add(AuditEntry(user_id=user.id, action="approve", entity="record", entity_id=rec.id, book_id=book.id))
    db.commit()
    book, rec = access.record_of(db, user, record_id, EDIT)
    return _record_json(db, user, book, rec)


def _verifiable(db: Session, user: User, record_id: int) -> tuple[Book, RecordRow]:
    book, rec = access.record_of(db, user, record_id, VERIFY)
    if _touched_by(db, rec, user):
        raise HTTPException(403, "Bạn đã sửa hoặc duyệt bản ghi này nên không thể tự kiểm tra; "
                                 "một người khác phải xác nhận.")
    return book, rec


@router.post("/records/{record_id}/verify", tags=["verify"],
             summary="Confirm an approved record (never by the person who approved or corrected it)")
def verify(record_id: int, body: Transition, user: User = Depends(current_user),
           db: Session = Depends(get_db)) -> dict:
    book, rec = _verifiable(db, user, record_id)
    _bump(db, rec, body.version, (RecordState.APPROVED.value,), state=RecordState.VERIFIED.value,
          verified_by=user.id, verified_at=utcnow())
    db.add(AuditEntry(user_id=user.id, action="verify", entity="record", entity_id=rec.id, book_id=book.id))
    db.commit()
    book, rec = access.record_of(db, user, record_id, VERIFY)
    return _record_json(db, user, book, rec)


@router.post("/records/{record_id}/return", tags=["verify"], summary="Send an approved record back, with why")
def send_back(record_id: int, body: Transition, user: User = Depends(current_user),
              db: Session = Depends(get_db)) -> dict:
    if not body.reason.strip():
        raise HTTPException(422, "Ghi lý do trả lại để người duyệt biết cần sửa gì.")
    book, rec = _verifiable(db, user, record_id)
    _bump(db, rec, body.version, (RecordState.APPROVED.value,), state=RecordState.RETURNED.value,
          returned_reason=body.reason.strip(), approved_by=None, approved_at=None)
    db.add(AuditEntry(user_id=user.id, action="return", entity="record", entity_id=rec.id, book_id=book.id,
                      why=body.reason.strip()))
    db.commit()
    book, rec = access.record_of(db, user, record_id, VERIFY)
    return _record_json(db, user, book, rec)


@router.get("/records/{record_id}/history", tags=["review"], summary="Who changed what, when and why")
def history(record_id: int, user: User = Depends(current_user), db: Session = Depends(get_db)) -> list[dict]:
    _, rec = access.record_of(db, user, record_id)
    keys = {f.id: f.key for f in rec.fields}
    q = select(AuditEntry).where(((AuditEntry.entity == "record") & (AuditEntry.entity_id == rec.id))
                                 | ((AuditEntry.entity == "field") & AuditEntry.entity_id.in_(list(keys))))
    rows = db.scalars(q.order_by(AuditEntry.id)).all()
    names = _names(db, {e.user_id for e in rows})
    return [{"at": e.at.isoformat(timespec="seconds"), "user": names.get(e.user_id), "action": e.action,
             "field": keys.get(e.entity_id) if e.entity == "field" else None, "old": e.old, "new": e.new,
             "why": e.why} for e in rows if e.action != "view"]


# --- supervision -------------------------------------------------------------------------------

@router.get("/dashboard", tags=["reports"], summary="Progress per unit and book type (no personal data)")
def dashboard(user: User = Depends(current_user), db: Session = Depends(get_db)) -> list[dict]:
    access.require(user, REPORT)
    return progress_rows(db, access.scope(db, user))


@router.get("/reports/weekly", tags=["reports"], summary="The weekly report as Excel (`week`: 2026-W05)")
def weekly(week: str | None = Query(None, pattern=r"^\d{4}-[Ww]\d{1,2}$"), user: User = Depends(current_user),
           db: Session = Depends(get_db)) -> Response:
    access.require(user, REPORT)
    try:
        name, data = weekly_report(db, access.scope(db, user), week)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- administration ----------------------------------------------------------------------------

class NewUser(BaseModel):
    username: str = Field(min_length=3, max_length=80, pattern=r"^[A-Za-z0-9._-]+$")
    password: str = Field(min_length=8, max_length=200)
    role: Role
    unit_id: int | None = None
    full_name: str = Field(default="", max_length=200)


class NewUnit(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    level: UnitLevel
    parent_id: int | None = None
    code: str | None = Field(default=None, max_length=16)


@router.get("/users", tags=["admin"], summary="Users (administrators only)")
def users(user: User = Depends(current_user), db: Session = Depends(get_db)) -> list[dict]:
    access.require(user, MANAGE)
    return [user_json(u) for u in db.scalars(select(User).order_by(User.id))]


@router.post("/users", tags=["admin"], status_code=201, summary="Create a user (administrators only)")
def create_user(body: NewUser, user: User = Depends(current_user), db: Session = Depends(get_db)) -> dict:
    access.require(user, MANAGE)
    if body.role != Role.ADMIN and body.unit_id is None:
        raise HTTPException(422, "Người dùng không phải quản trị cần có đơn vị.")
    if body.unit_id is not None and db.get(Unit, body.unit_id) is None:
        raise HTTPException(422, "Không có đơn vị này.")
    if db.scalar(select(User.id).where(User.username == body.username)) is not None:
        raise HTTPException(409, "Tên đăng nhập đã có; chọn tên khác.")
    row = User(username=body.username, full_name=body.full_name, password_hash=hash_password(body.password),
               role=body.role.value, unit_id=body.unit_id)
    db.add(row)
    db.flush()
    db.add(AuditEntry(user_id=user.id, action="create", entity="user", entity_id=row.id, new=body.role.value))
    db.commit()
    return user_json(db.get(User, row.id))


@router.post("/units", tags=["admin"], status_code=201, summary="Create a unit (administrators only)")
def create_unit(body: NewUnit, user: User = Depends(current_user), db: Session = Depends(get_db)) -> dict:
    access.require(user, MANAGE)
    if (body.parent_id is None) != (body.level == UnitLevel.PROVINCE):
        raise HTTPException(422, "Tỉnh không có đơn vị cấp trên; huyện và xã cần đơn vị cấp trên.")
    unit = Unit(name=body.name, level=body.level.value, parent_id=body.parent_id, code=body.code)
    db.add(unit)
    db.commit()
    return {"id": unit.id, "name": unit.name, "level": unit.level, "code": unit.code, "parent_id": unit.parent_id}
