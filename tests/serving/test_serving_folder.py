"""Registering a server folder as a book's scans: the import roots, role and unit refusals, path
traversal, files checked like uploads (others reported and skipped), copies in name order, the
book queued for drafting again, and the real drafting of a registered folder."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from conftest import PASSWORD, World
from serving.books import new_book
from serving.models import AuditEntry, Book, BookState, Unit


def _small_scan(synth_dir: Path, fmt: str) -> bytes:
    """A synthetic page, shrunk to grey 300 x 200 (under 100 kB), in ``fmt`` (JPEG, PNG, TIFF)."""
    out = io.BytesIO()
    with Image.open(sorted(synth_dir.glob("*.jpg"))[0]) as im:
        im.convert("L").resize((300, 200)).save(out, fmt)
    return out.getvalue()


@pytest.fixture
def roots(tmp_path: Path, synth_dir: Path) -> tuple[Path, Path]:
    """An import root holding folder ``so-02`` (a PNG, a JPEG, a TIFF, a text file, an empty
    sub-folder, in a name order unlike their creation), and a folder outside the root."""
    root, outside = tmp_path / "imports", tmp_path / "outside"
    scans = root / "so-02"
    (scans / "sub").mkdir(parents=True)
    outside.mkdir()
    (scans / "trang-2.jpg").write_bytes(_small_scan(synth_dir, "JPEG"))
    (scans / "trang-1.png").write_bytes(_small_scan(synth_dir, "PNG"))
    (scans / "trang-3.tif").write_bytes(_small_scan(synth_dir, "TIFF"))
    (scans / "ghi-chu.txt").write_text("danh sách trang\n", encoding="utf-8")
    (outside / "trang-9.jpg").write_bytes(_small_scan(synth_dir, "JPEG"))
    return root, outside


def _register(world: World, user: str, path: Path | str, book: str = "c1"):  # noqa: ANN202
    return world.client(user).post(f"/api/books/{world.books[book]}/folder", json={"path": str(path)})


def test_no_import_roots_means_refused(world: World, roots: tuple[Path, Path]) -> None:
    r = _register(world, "admin", roots[0] / "so-02")
    assert r.status_code == 403 and "HOTICH_IMPORT_ROOTS" in r.json()["detail"]


def test_roles_units_and_paths_are_refused(make_world, roots: tuple[Path, Path]) -> None:  # noqa: ANN001
    root, outside = roots
    world = make_world(import_roots=[root])
    folder = root / "so-02"
    for user in ("officer1", "verifier1", "annotator"):  # supervisors and administrators only
        assert _register(world, user, folder).status_code == 403, user
    admin = world.client("admin")
    assert admin.post("/api/users", json={"username": "giamsat-tien-hai", "password": PASSWORD, "role": "supervisor",
                                          "unit_id": world.units["d2"]}).status_code == 201
    assert _register(world, "giamsat-tien-hai", folder, "c1").status_code == 404  # another district's book
    r = _register(world, "admin", outside)
    assert r.status_code == 403 and "ngoài" in r.json()["detail"]
    r = _register(world, "admin", f"{folder}/../../outside")  # resolves outside the root
    assert r.status_code == 403 and "'..'" in r.json()["detail"]
    assert _register(world, "admin", f"{folder}/../so-02").status_code == 403  # '..' even when it stays inside
    (root / "lien-ket").symlink_to(outside, target_is_directory=True)
    assert _register(world, "admin", root / "lien-ket").status_code == 403  # a link does not lead out
    assert _register(world, "admin", "so-02").status_code == 422  # relative
    assert _register(world, "admin", root / "khong-co").status_code == 422  # missing
    assert _register(world, "admin", folder / "sub").status_code == 422  # no scans in it
    assert not (world.settings.books_dir / str(world.books["c1"]) / "scans").exists()  # nothing copied
    with world.app.state.sessions() as db:
        assert db.scalar(select(AuditEntry.id).where(AuditEntry.action == "register")) is None


def test_folder_scans_are_copied_in_name_order_and_queued(make_world, roots: tuple[Path, Path]) -> None:  # noqa: ANN001
    root, outside = roots
    folder = root / "so-02"
    (folder / "trang-4.jpg").write_bytes(b"\xff\xd8\xff" + b"0" * 200_000)  # over the size limit
    (folder / "trang-5.jpg").symlink_to(outside / "trang-9.jpg")  # a file linked from outside the root
    world = make_world(import_roots=[root], max_upload_bytes=150_000)
    book_id = world.books["c1"]
    r = _register(world, "supervisor", folder)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["added"] == 3 and body["progress"]["state"] == "queued" and body["progress"]["pages_total"] == 3
    assert [s["file"] for s in body["skipped"]] == ["ghi-chu.txt", "trang-4.jpg", "trang-5.jpg"]
    assert "không phải ảnh" in body["skipped"][0]["reason"] and "MB" in body["skipped"][1]["reason"]
    scans = world.settings.books_dir / str(book_id) / "scans"
    stored = sorted(p.name for p in scans.iterdir())
    assert stored == ["0000-trang-1.png", "0001-trang-2.jpg", "0002-trang-3.tif"]
    assert (scans / stored[0]).read_bytes() == (folder / "trang-1.png").read_bytes()  # a copy ...
    assert (folder / "trang-1.png").exists()  # ... the server folder is left as it was
    assert world.app.state.worker._queue.get_nowait() == book_id  # queued for drafting
    with world.app.state.sessions() as db:
        audit = db.scalar(select(AuditEntry).where(AuditEntry.action == "register"))
        assert audit.user_id == world.users["supervisor"] and audit.book_id == book_id
        assert audit.new == "3 files, 3 pages, 3 skipped"
    again = _register(world, "admin", folder)
    assert again.status_code == 409  # being drafted
    assert sorted(p.name for p in scans.iterdir()) == stored


def test_a_book_under_review_is_not_drafted_again(make_world, roots: tuple[Path, Path]) -> None:  # noqa: ANN001
    world = make_world(import_roots=[roots[0]])
    officer = world.client("officer2")
    rid = officer.get(f"/api/books/{world.books['c2']}/records").json()[0]["id"]
    rec = officer.get(f"/api/records/{rid}").json()
    fld = next(f for f in rec["fields"] if f["key"] == "nksHoTen")
    assert officer.put(f"/api/records/{rid}", json={"version": rec["version"], "changes": [
        {"field_id": fld["id"], "value": "Sửa tay"}]}).status_code == 200
    r = _register(world, "admin", roots[0] / "so-02", "c2")
    assert r.status_code == 409 and "duyệt" in r.json()["detail"]
    first = world.client("officer1").get(f"/api/books/{world.books['c1']}/records").json()[0]
    assert world.client("officer1").post(f"/api/records/{first['id']}/approve",
                                         json={"version": first["version"]}).status_code == 200
    assert _register(world, "admin", roots[0] / "so-02", "c1").status_code == 409  # approved, not corrected
    for book in ("c1", "c2"):
        assert not (world.settings.books_dir / str(world.books[book]) / "scans").exists()


def test_too_many_files_at_once(make_world, roots: tuple[Path, Path]) -> None:  # noqa: ANN001
    world = make_world(import_roots=[roots[0]], max_upload_files=2)
    r = _register(world, "admin", roots[0] / "so-02")
    assert r.status_code == 413 and "3 ảnh" in r.json()["detail"]


def test_book_page_shows_the_control_to_supervisors_and_admins(world: World) -> None:
    page = f"/books/{world.books['c1']}"
    for user in ("admin", "supervisor"):
        assert 'id="folder-form"' in world.client(user).get(page).text, user
    assert 'id="folder-form"' not in world.client("officer1").get(page).text


def test_a_registered_folder_is_drafted(make_world, synth_dir: Path, tmp_path: Path) -> None:  # noqa: ANN001
    root = tmp_path / "imports"
    (root / "so-07").mkdir(parents=True)
    scan = sorted(synth_dir.glob("*.jpg"))[0]
    (root / "so-07" / scan.name).write_bytes(scan.read_bytes())
    world = make_world(import_roots=[root], start_worker=True)
    with world.app.state.sessions() as db:  # a book without scans yet
        book = new_book(db, unit=db.get(Unit, world.units["c1"]), template="ks_1999", year=1999, volume="07",
                        user_id=None)
        book.state = BookState.READY.value
        db.commit()
        book_id = book.id
    with TestClient(world.app) as c:  # the lifespan starts the worker
        token, csrf = world.sessions["admin"]
        c.cookies.set("hotich_session", token)
        c.headers["X-CSRF-Token"] = csrf
        assert c.post(f"/api/books/{book_id}/folder", json={"path": str(root / "so-07")}).status_code == 200
        deadline = time.monotonic() + 120
        while (state := c.get(f"/api/books/{book_id}").json()["progress"])["state"] not in ("ready", "failed"):
            assert time.monotonic() < deadline, state
            time.sleep(0.2)
        assert state == {"state": "ready", "pages_total": 1, "pages_drafted": 1, "error": None}
        assert len(c.get(f"/api/books/{book_id}/records").json()) > 1
    with world.app.state.sessions() as db:
        assert db.get(Book, book_id).pages_total == 1
