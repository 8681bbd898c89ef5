"""`hotich serve`: the command is registered, and the first start makes accounts and a sample book."""

from __future__ import annotations

import stat
from pathlib import Path

from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select

from ocr.cli import main
from serving.app import create_app
from serving.config import DATA_DIR_ENV, Settings
from serving.models import Book, User
from serving.samples import DEMO_USERS, EXAMPLES, first_start


def test_serve_is_a_hotich_command() -> None:
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0, result.output
    assert "--data-dir" in result.output and DATA_DIR_ENV in result.output and "--database-url" in result.output


def test_first_start_creates_accounts_and_queues_the_sample_book(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "wb"))
    settings = Settings.load(start_worker=False)
    assert settings.data_dir == (tmp_path / "wb").resolve() and settings.database_url.endswith("wb/workbench.db")
    app = create_app(settings)
    with app.state.sessions() as db:
        start = first_start(db, settings)
        assert start.created and start.password and start.books == len([p for p in EXAMPLES.iterdir() if p.is_dir()])
        books = db.scalars(select(Book)).all()
        assert books and all(b.state == "queued" and b.pages_total >= 1 for b in books)
        assert {u.username for u in db.scalars(select(User))} == {u for u, _, _ in DEMO_USERS}
        again = first_start(db, settings)
        assert not again.created and again.password is None and len(db.scalars(select(Book)).all()) == len(books)
    assert stat.S_IMODE(start.login_file.stat().st_mode) == 0o600 and start.password in start.login_file.read_text()
    c = TestClient(app)
    assert c.post("/api/auth/login", json={"username": "admin", "password": start.password}).status_code == 200
    scans = settings.books_dir / str(books[0].id) / "scans"
    assert len(list(scans.iterdir())) == books[0].pages_total
