"""The workbench's tables (SQLAlchemy 2.x): units, users and their sessions, books, pages, records,
fields and the audit log. Migrations in ``serving/migrations`` create exactly these."""

from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Role(str, Enum):
    """What a user may do (scoped to the user's unit and the units below it)."""

    OFFICER = "officer"  # uploads books, corrects and approves drafts
    VERIFIER = "verifier"  # the independent second check
    SUPERVISOR = "supervisor"  # progress and weekly reports
    ANNOTATOR = "annotator"  # labels pages elsewhere (Label Studio); no access to records here
    ADMIN = "admin"  # everything, everywhere; manages users


class UnitLevel(str, Enum):
    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"


class BookState(str, Enum):
    QUEUED = "queued"
    DRAFTING = "drafting"
    READY = "ready"
    FAILED = "failed"


class RecordState(str, Enum):
    PENDING = "pending"  # drafted, not yet approved
    APPROVED = "approved"  # approved by an officer, waiting for a verifier
    VERIFIED = "verified"  # confirmed by a verifier (never the approver)
    RETURNED = "returned"  # sent back by a verifier; back in the review queue


class Base(DeclarativeBase):
    type_annotation_map = {dict: JSON, list: JSON}


class Unit(Base):
    __tablename__ = "units"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))
    code: Mapped[str | None] = mapped_column(String(16), default=None)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), default=None, index=True)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), default=None)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    unit: Mapped[Unit | None] = relationship(lazy="joined")


class LoginSession(Base):
    __tablename__ = "sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class Book(Base):
    __tablename__ = "books"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    book_type: Mapped[str] = mapped_column(String(8))
    year: Mapped[int] = mapped_column(Integer)
    volume: Mapped[str] = mapped_column(String(16), default="01")
    template: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(16), default=BookState.QUEUED.value)
    pages_total: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    unit: Mapped[Unit] = relationship(lazy="joined")


class PageRow(Base):
    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("book_id", "page_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"), index=True)
    page_key: Mapped[str] = mapped_column(String(200))  # the schema page id
    number: Mapped[int] = mapped_column(Integer)
    side: Mapped[str] = mapped_column(String(8), default="single")
    image_path: Mapped[str] = mapped_column(Text)  # absolute
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)


class RecordRow(Base):
    __tablename__ = "records"
    id: Mapped[int] = mapped_column(primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # order in the book
    number: Mapped[str | None] = mapped_column(String(40), default=None)
    parts: Mapped[list] = mapped_column(default=list)  # [{"page": PageRow.id, "record": id, "region": polygon}]
    flags: Mapped[list] = mapped_column(default=list)  # record-level flags [{"code", "message"}]
    state: Mapped[str] = mapped_column(String(16), default=RecordState.PENDING.value, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)  # optimistic locking
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    returned_reason: Mapped[str | None] = mapped_column(Text, default=None)
    fields: Mapped[list["FieldRow"]] = relationship(order_by="FieldRow.position", lazy="selectin")


class FieldRow(Base):
    __tablename__ = "fields"
    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), index=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"))
    part: Mapped[str] = mapped_column(String(80))  # the schema record id on that page
    key: Mapped[str] = mapped_column(String(80))
    label: Mapped[str] = mapped_column(String(200), default="")
    type: Mapped[str] = mapped_column(String(20), default="text")
    position: Mapped[int] = mapped_column(Integer)
    raw_text: Mapped[str] = mapped_column(Text, default="")
    draft_value: Mapped[str | None] = mapped_column(Text, default=None)
    current_value: Mapped[str | None] = mapped_column(Text, default=None)
    status: Mapped[str] = mapped_column(String(16), default="empty")  # the draft's filled/empty/unreadable
    confidence: Mapped[float | None] = mapped_column(Float, default=None)
    flags: Mapped[list] = mapped_column(default=list)
    region: Mapped[list | None] = mapped_column(default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)  # times changed + 1
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    action: Mapped[str] = mapped_column(String(24))  # login, view, edit, approve, verify, return, export...
    entity: Mapped[str] = mapped_column(String(16))  # book, record, field, user
    entity_id: Mapped[int | None] = mapped_column(Integer, default=None)
    book_id: Mapped[int | None] = mapped_column(Integer, default=None, index=True)
    old: Mapped[str | None] = mapped_column(Text, default=None)
    new: Mapped[str | None] = mapped_column(Text, default=None)
    why: Mapped[str | None] = mapped_column(Text, default=None)
