"""First start: the units of the sample books, an administrator and one demo user per role (one
generated password, printed once and kept in ``first-login.txt``), and the sample books queued
for drafting — the bundled ``examples/<template>/`` pages, else pages made by ``hotich synth``."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocr.schema import Page
from serving.accounts import ensure_unit, ensure_user
from serving.books import new_book, scans_dir
from serving.config import Settings
from serving.models import Book, Role, Unit, UnitLevel, User

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
FIRST_LOGIN = "first-login.txt"
DEMO_USERS = (("admin", Role.ADMIN, "Quản trị"), ("canbo", Role.OFFICER, "Cán bộ hộ tịch"),
              ("canbo2", Role.OFFICER, "Cán bộ hộ tịch 2"), ("kiemtra", Role.VERIFIER, "Người kiểm tra"),
              ("giamsat", Role.SUPERVISOR, "Người giám sát"))


@dataclass
class FirstStart:
    """What the console tells the user: how to log in and what was set up."""

    created: bool
    password: str | None
    books: int
    login_file: Path


def _sample_folders(settings: Settings) -> list[Path]:
    """Folders of sample pages (``<id>.jpg`` + ``<id>.json``): the repository's examples, else
    two pages generated into the data directory (needs the ``synth`` extra)."""
    found = sorted(p for p in EXAMPLES.glob("*") if p.is_dir() and any(p.glob("*.json")))
    if found:
        return found
    out = settings.data_dir / "samples" / "ks_1999"
    if not any(out.glob("*.json")):
        cmd = [sys.executable, "-m", "ocr.cli", "synth", "--template", "ks_1999", "--pages", "2", "--seed", "2026",
               "--out", str(out)]
        if subprocess.run(cmd, capture_output=True).returncode != 0:
            return []
    return [out]


def _unit_of(db: Session, page: Page) -> Unit:
    u = page.book.unit
    prov = ensure_unit(db, u.province if u else "Tỉnh mẫu", UnitLevel.PROVINCE, code=u.province_code if u else None)
    dist = ensure_unit(db, u.district or "Huyện mẫu", UnitLevel.DISTRICT, prov, u.district_code) if u else \
        ensure_unit(db, "Huyện mẫu", UnitLevel.DISTRICT, prov)
    return ensure_unit(db, (u.commune if u else None) or "Xã mẫu", UnitLevel.COMMUNE, dist,
                       u.commune_code if u else None)


def first_start(db: Session, settings: Settings, *, samples: bool = True) -> FirstStart:
    """Set up an empty database (nothing happens when users exist); returns the login hint."""
    login_file = settings.data_dir / FIRST_LOGIN
    if db.scalar(select(User.id).limit(1)) is not None:
        return FirstStart(False, None, 0, login_file)
    folders = _sample_folders(settings) if samples else []
    pages = {f: sorted((Page.load(p) for p in f.glob("*.json")), key=lambda p: p.book.page_number) for f in folders}
    commune = _unit_of(db, next(iter(pages.values()))[0]) if pages and next(iter(pages.values())) else \
        ensure_unit(db, "Xã mẫu", UnitLevel.COMMUNE, ensure_unit(db, "Huyện mẫu", UnitLevel.DISTRICT,
                                                                   ensure_unit(db, "Tỉnh mẫu", UnitLevel.PROVINCE)))
    district = db.get(Unit, commune.parent_id)
    password = secrets.token_urlsafe(9)
    scopes = {Role.ADMIN: None, Role.OFFICER: commune, Role.VERIFIER: district,
              Role.SUPERVISOR: db.get(Unit, district.parent_id)}
    for username, role, name in DEMO_USERS:
        ensure_user(db, username, password, role, scopes[role], name)
    books = 0
    for folder, book_pages in pages.items():
        if not book_pages:
            continue
        first = book_pages[0]
        book = new_book(db, unit=_unit_of(db, first), template=first.template_id, year=first.book.year,
                        volume=first.book.volume, user_id=None)
        dest = scans_dir(settings, book.id)
        dest.mkdir(parents=True, exist_ok=True)
        for i, page in enumerate(book_pages):
            src = folder / Path(page.image.path).name
            shutil.copyfile(src, dest / f"{i:04d}-{src.stem}{src.suffix}")
        book.pages_total = len(book_pages)
        books += 1
    db.commit()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    login_file.write_text("hotich workbench, first login (change these passwords):\n" + "".join(
        f"  {u:8s} {r.value:10s} {password}\n" for u, r, _ in DEMO_USERS), encoding="utf-8")
    os.chmod(login_file, 0o600)
    return FirstStart(True, password, books, login_file)


def queued_books(db: Session) -> int:
    return len(db.scalars(select(Book.id).where(Book.state.in_(["queued", "drafting"]))).all())
