"""Who may do what where: roles per action and the units below a user's unit.

Every route names the roles it allows; every book, record, field and image is looked up through
the user's units, so another unit's data answers 404 (its existence is not revealed) and a role
that may not act answers 403.
"""

from __future__ import annotations

from fastapi import HTTPException
from sqlalchemy import select
from sqlalchemy.orm import Session

from serving.models import Book, FieldRow, RecordRow, Role, Unit, User

READ = (Role.OFFICER, Role.VERIFIER, Role.SUPERVISOR, Role.ADMIN)  # see books and records
EDIT = (Role.OFFICER, Role.ADMIN)  # upload, correct, approve
VERIFY = (Role.VERIFIER, Role.ADMIN)  # confirm or send back
EXPORT = (Role.OFFICER, Role.VERIFIER, Role.SUPERVISOR, Role.ADMIN)
REPORT = (Role.SUPERVISOR, Role.ADMIN)
MANAGE = (Role.ADMIN,)
IMPORT = (Role.SUPERVISOR, Role.ADMIN)  # register a server folder as a book's scans

_ROLE_NAMES = {
    Role.OFFICER: "công chức hộ tịch", Role.VERIFIER: "người kiểm tra", Role.SUPERVISOR: "người giám sát",
    Role.ANNOTATOR: "người gán nhãn", Role.ADMIN: "quản trị",
}


def require(user: User, roles: tuple[Role, ...]) -> None:
    """403 unless the user holds one of ``roles``."""
    if Role(user.role) not in roles:
        allowed = ", ".join(_ROLE_NAMES[r] for r in roles)
        raise HTTPException(403, f"Vai trò của bạn không được phép làm việc này (cần: {allowed}). "
                                 "Liên hệ quản trị nếu bạn cần quyền này.")


def scope(db: Session, user: User) -> set[int] | None:
    """The ids of the user's unit and every unit below it; None for an administrator (all)."""
    if Role(user.role) == Role.ADMIN:
        return None
    if user.unit_id is None:
        return set()
    ids, frontier = {user.unit_id}, [user.unit_id]
    while frontier:
        children = db.scalars(select(Unit.id).where(Unit.parent_id.in_(frontier))).all()
        frontier = [c for c in children if c not in ids]
        ids.update(frontier)
    return ids


def _in_scope(db: Session, user: User, unit_id: int) -> bool:
    units = scope(db, user)
    return units is None or unit_id in units


def book_of(db: Session, user: User, book_id: int, roles: tuple[Role, ...] = READ) -> Book:
    require(user, roles)
    book = db.get(Book, book_id)
    if book is None or not _in_scope(db, user, book.unit_id):
        raise HTTPException(404, "Không tìm thấy sổ này trong đơn vị của bạn.")
    return book


def record_of(db: Session, user: User, record_id: int, roles: tuple[Role, ...] = READ) -> tuple[Book, RecordRow]:
    require(user, roles)
    rec = db.get(RecordRow, record_id)
    book = db.get(Book, rec.book_id) if rec is not None else None
    if rec is None or book is None or not _in_scope(db, user, book.unit_id):
        raise HTTPException(404, "Không tìm thấy bản ghi này trong đơn vị của bạn.")
    return book, rec


def field_of(db: Session, user: User, field_id: int, roles: tuple[Role, ...] = READ) -> tuple[RecordRow, FieldRow]:
    fld = db.get(FieldRow, field_id)
    if fld is None:
        require(user, roles)
        raise HTTPException(404, "Không tìm thấy trường này trong đơn vị của bạn.")
    _, rec = record_of(db, user, fld.record_id, roles)
    return rec, fld


def unit_allowed(db: Session, user: User, unit_id: int) -> Unit:
    """The unit, when it lies in the user's scope (404 otherwise)."""
    unit = db.get(Unit, unit_id)
    if unit is None or not _in_scope(db, user, unit.id):
        raise HTTPException(404, "Không tìm thấy đơn vị này trong phạm vi của bạn.")
    return unit
