"""The workbench API on a real SQLite database: sessions and CSRF, role and unit refusals on every
endpoint, saving with optimistic locking (the race), approval, independent verification, images,
export, reports, uploads, administration and the migration."""

from __future__ import annotations

import io
import logging
import threading
import zipfile
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import Engine, inspect, select

from conftest import PASSWORD, World
from ocr.schema import Page
from serving.db import alembic_config, make_engine, migrate
from serving.models import AuditEntry, Base, FieldRow

API_ROUTES = [  # (method, path) of every API route but login; ids are filled in per test
    ("POST", "/api/auth/logout"), ("GET", "/api/auth/me"), ("GET", "/api/templates"), ("GET", "/api/units"),
    ("GET", "/api/books"), ("POST", "/api/books"), ("GET", "/api/books/{book}"), ("GET", "/api/books/{book}/records"),
    ("GET", "/api/books/{book}/export"), ("POST", "/api/books/{book}/folder"), ("GET", "/api/queue/verify"),
    ("GET", "/api/records/{rec}"), ("GET", "/api/records/{rec}/image"), ("GET", "/api/fields/{field}/crop"),
    ("PUT", "/api/records/{rec}"), ("POST", "/api/records/{rec}/approve"), ("POST", "/api/records/{rec}/verify"),
    ("POST", "/api/records/{rec}/return"), ("GET", "/api/records/{rec}/history"), ("GET", "/api/dashboard"),
    ("GET", "/api/reports/weekly"), ("GET", "/api/users"), ("POST", "/api/users"), ("POST", "/api/units"),
]


def _first_record(world: World, book: str = "c1", user: str = "officer1") -> dict:
    c = world.client(user)
    rid = c.get(f"/api/books/{world.books[book]}/records").json()[0]["id"]
    return c.get(f"/api/records/{rid}").json()


def _text_field(rec: dict) -> dict:
    return next(f for f in rec["fields"] if f["key"] == "nksHoTen")


def _ids(world: World, book: str = "c1") -> dict[str, int]:
    rec = _first_record(world, book, "admin")
    return {"book": world.books[book], "rec": rec["id"], "field": _text_field(rec)["id"]}


def test_every_api_route_is_listed_and_refused_without_a_session(world: World) -> None:
    listed = {(m, p.replace("{book}", "{book_id}").replace("{rec}", "{record_id}").replace("{field}", "{field_id}"))
              for m, p in API_ROUTES}
    paths = world.client().get("/openapi.json").json()["paths"]  # every API route is documented
    routes = {(m.upper(), p) for p, ops in paths.items() for m in ops}
    assert routes - {("POST", "/api/auth/login")} == listed
    ids, anon = _ids(world), world.client()
    for method, path in API_ROUTES:
        r = anon.request(method, path.format(**ids), json={})
        assert r.status_code == 401, (method, path, r.status_code)


def test_login_cookie_csrf_logout(world: World) -> None:
    c = world.client()
    assert c.post("/api/auth/login", json={"username": "officer1", "password": "wrong-password"}).status_code == 401
    assert c.post("/api/auth/login", json={"username": "nobody", "password": PASSWORD}).status_code == 401
    r = c.post("/api/auth/login", json={"username": "officer1", "password": PASSWORD})
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    csrf = r.json()["csrf"]
    assert c.get("/api/auth/me").json()["user"]["username"] == "officer1"
    ids = _ids(world)
    rec = c.get(f"/api/records/{ids['rec']}").json()
    body = {"version": rec["version"], "changes": [{"field_id": ids["field"], "value": "Nguyễn Văn A"}]}
    assert c.put(f"/api/records/{ids['rec']}", json=body).status_code == 403  # no CSRF header
    assert c.put(f"/api/records/{ids['rec']}", json=body, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert c.put(f"/api/records/{ids['rec']}", json=body, headers={"X-CSRF-Token": csrf}).status_code == 200
    assert c.post("/api/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 200
    assert c.get("/api/auth/me").status_code == 401


def test_login_rate_limit(make_world) -> None:  # noqa: ANN001
    world = make_world(login_attempts=3, login_window_s=60)
    c = world.client()
    for _ in range(3):
        assert c.post("/api/auth/login", json={"username": "officer1", "password": "bad-password"}).status_code == 401
    r = c.post("/api/auth/login", json={"username": "officer1", "password": PASSWORD})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    # another user from the same address is limited too (the address key), nobody gets in
    assert c.post("/api/auth/login", json={"username": "officer2", "password": PASSWORD}).status_code == 429


def test_unit_scope_and_roles(world: World) -> None:
    c1, c2 = world.books["c1"], world.books["c2"]
    officer = world.client("officer1")
    assert [b["id"] for b in officer.get("/api/books").json()] == [c1]
    other = _ids(world, "c2")
    for path in (f"/api/books/{c2}", f"/api/books/{c2}/records", f"/api/books/{c2}/export", f"/api/records/{other['rec']}",
                 f"/api/records/{other['rec']}/image", f"/api/fields/{other['field']}/crop",
                 f"/api/records/{other['rec']}/history"):
        assert officer.get(path).status_code == 404, path
    rec2 = world.client("officer2").get(f"/api/records/{other['rec']}").json()
    r = officer.put(f"/api/records/{other['rec']}", json={"version": rec2["version"], "changes": [
        {"field_id": other["field"], "value": "x"}]})
    assert r.status_code == 404
    assert {b["id"] for b in world.client("verifier1").get("/api/books").json()} == {c1}  # district scope
    assert {b["id"] for b in world.client("supervisor").get("/api/books").json()} == {c1, c2}  # province
    annotator = world.client("annotator")
    mine = _ids(world)
    for method, path in [("GET", "/api/books"), ("GET", f"/api/records/{mine['rec']}"),
                         ("GET", f"/api/records/{mine['rec']}/image"), ("GET", f"/api/fields/{mine['field']}/crop"),
                         ("GET", "/api/dashboard"), ("GET", "/api/queue/verify"), ("GET", "/api/users")]:
        assert annotator.request(method, path).status_code == 403, path
    supervisor = world.client("supervisor")
    r = supervisor.put(f"/api/records/{mine['rec']}", json={"version": 1, "changes": []})
    assert r.status_code == 403  # supervisors read, never edit
    assert officer.get("/api/dashboard").status_code == 403
    assert officer.post("/api/users", json={"username": "x1x", "password": "12345678", "role": "admin"}).status_code == 403


def test_save_audits_and_refuses_stale_versions(world: World) -> None:
    c = world.client("officer1")
    rec = _first_record(world)
    f = _text_field(rec)
    r = c.put(f"/api/records/{rec['id']}", json={"version": rec["version"], "why": "sửa dấu",
                                                 "changes": [{"field_id": f["id"], "value": "  Trần Thị Bé  "}]})
    assert r.status_code == 200, r.text
    saved = r.json()
    assert saved["version"] == rec["version"] + 1
    g = _text_field(saved)
    assert g["value"] == "Trần Thị Bé" and g["draft_value"] == f["draft_value"] and g["changed"] and g["version"] == 2
    assert saved["corrected"]
    stale = c.put(f"/api/records/{rec['id']}", json={"version": rec["version"], "changes": [
        {"field_id": f["id"], "value": "Khác"}]})
    assert stale.status_code == 409 and stale.json()["detail"]["version"] == saved["version"]
    history = c.get(f"/api/records/{rec['id']}/history").json()
    edit = [h for h in history if h["action"] == "edit"]
    assert edit == [{"at": edit[0]["at"], "user": "officer1", "action": "edit", "field": "nksHoTen",
                     "old": f["value"], "new": "Trần Thị Bé", "why": "sửa dấu"}]
    assert c.put(f"/api/records/{rec['id']}", json={"version": saved["version"], "changes": [
        {"field_id": 10 ** 9, "value": "x"}]}).status_code == 422
    with world.app.state.sessions() as db:  # reads are audited too
        assert db.scalar(select(AuditEntry.id).where(AuditEntry.action == "view", AuditEntry.entity_id == rec["id"]))


def test_race_two_clients_one_409_nothing_lost(world: World) -> None:
    check_race(world)


def check_race(world: World) -> None:
    """Two officers save one record at once from the same version: one 200, one 409; the loser
    reloads and saves again, and both values are kept (also run on PostgreSQL)."""
    a, b = world.client("officer1"), world.client("officer1b")
    rec = _first_record(world)
    fields = [f for f in rec["fields"] if f["key"] in ("nksHoTen", "nksNoiSinh")]
    assert len(fields) == 2
    barrier, results = threading.Barrier(2), {}

    def save(name, client, fld, value) -> None:  # noqa: ANN001
        barrier.wait()
        results[name] = client.put(f"/api/records/{rec['id']}", json={
            "version": rec["version"], "changes": [{"field_id": fld["id"], "value": value}]})

    threads = [threading.Thread(target=save, args=("a", a, fields[0], "Giá trị A")),
               threading.Thread(target=save, args=("b", b, fields[1], "Giá trị B"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(r.status_code for r in results.values())
    assert codes == [200, 409], codes
    loser = next(n for n, r in results.items() if r.status_code == 409)
    client, fld, value = (a, fields[0], "Giá trị A") if loser == "a" else (b, fields[1], "Giá trị B")
    fresh = client.get(f"/api/records/{rec['id']}").json()  # what the UI does after a 409: reload, save again
    assert client.put(f"/api/records/{rec['id']}", json={"version": fresh["version"], "changes": [
        {"field_id": fld["id"], "value": value}]}).status_code == 200
    final = {f["id"]: f["value"] for f in client.get(f"/api/records/{rec['id']}").json()["fields"]}
    assert final[fields[0]["id"]] == "Giá trị A" and final[fields[1]["id"]] == "Giá trị B"
    assert final and len(client.get(f"/api/records/{rec['id']}/history").json()) == 2


def test_approve_verify_return_never_by_the_same_person(world: World) -> None:
    officer, verifier, admin, admin2 = (world.client(u) for u in ("officer1", "verifier1", "admin", "admin2"))
    recs = officer.get(f"/api/books/{world.books['c1']}/records").json()
    r1, r2, r3 = recs[0], recs[1], recs[2]
    assert verifier.post(f"/api/records/{r1['id']}/verify", json={"version": r1["version"]}).status_code == 409
    a = officer.post(f"/api/records/{r1['id']}/approve", json={"version": r1["version"]})
    assert a.status_code == 200 and a.json()["state"] == "approved" and a.json()["approved_by"] == "officer1"
    assert officer.post(f"/api/records/{r1['id']}/verify", json={"version": a.json()["version"]}).status_code == 403
    assert officer.put(f"/api/records/{r1['id']}", json={"version": a.json()["version"], "changes": [
        {"field_id": a.json()["fields"][0]["id"], "value": "z"}]}).status_code == 409  # approved: locked
    assert [q["id"] for q in verifier.get("/api/queue/verify").json()] == [r1["id"]]
    assert verifier.put(f"/api/records/{r1['id']}", json={"version": 1, "changes": []}).status_code == 403
    v = verifier.post(f"/api/records/{r1['id']}/verify", json={"version": a.json()["version"]})
    assert v.status_code == 200 and v.json()["state"] == "verified" and v.json()["verified_by"] == "verifier1"
    # the same person may not verify their own approval (an administrator holds both roles)
    ap = admin.post(f"/api/records/{r2['id']}/approve", json={"version": r2["version"]}).json()
    assert admin.get("/api/queue/verify").json() == []
    assert admin.post(f"/api/records/{r2['id']}/verify", json={"version": ap["version"]}).status_code == 403
    assert admin2.post(f"/api/records/{r2['id']}/verify", json={"version": ap["version"]}).status_code == 200
    # nor a record they corrected, even when someone else approved it
    fid = _text_field(r3 := admin.get(f"/api/records/{r3['id']}").json())["id"]
    s = admin.put(f"/api/records/{r3['id']}", json={"version": r3["version"], "changes": [{"field_id": fid, "value": "Sửa"}]})
    ap3 = officer.post(f"/api/records/{r3['id']}/approve", json={"version": s.json()["version"]}).json()
    assert admin.post(f"/api/records/{r3['id']}/verify", json={"version": ap3["version"]}).status_code == 403
    # send back: a reason is required; the record returns to the review queue with it
    assert verifier.post(f"/api/records/{r3['id']}/return", json={"version": ap3["version"]}).status_code == 422
    ret = verifier.post(f"/api/records/{r3['id']}/return", json={"version": ap3["version"], "reason": "Sai ngày sinh"})
    assert ret.status_code == 200 and ret.json()["state"] == "returned" and ret.json()["returned_reason"] == "Sai ngày sinh"
    queue = officer.get(f"/api/books/{world.books['c1']}/records?state=returned").json()
    assert [q["id"] for q in queue] == [r3["id"]]
    actions = [h["action"] for h in officer.get(f"/api/records/{r3['id']}/history").json()]
    assert actions == ["edit", "approve", "return"]


def test_images_are_jpeg_crops_of_the_record(world: World, synth_dir: Path) -> None:
    officer = world.client("officer1")
    rec = _first_record(world)
    assert rec["parts"] == 2  # a ks_1999 record runs across the spread
    r = officer.get(f"/api/records/{rec['id']}/image")
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    img = Image.open(io.BytesIO(r.content))
    page = Page.load(sorted(synth_dir.glob("*.json"))[0])
    assert img.width > img.height and img.height < page.image.height / 3  # one row band of two pages
    f = _text_field(rec)
    crop = Image.open(io.BytesIO(officer.get(f"/api/fields/{f['id']}/crop").content))
    assert crop.width < img.width and crop.height < 300
    assert "private" in r.headers["cache-control"]


def _correct_approve_verify(world: World, value: str) -> None:
    """The first record of book c1 with its first text field set to ``value``, approved by officer1
    and verified by verifier1."""
    officer, verifier = world.client("officer1"), world.client("verifier1")
    rec = _first_record(world)
    f = _text_field(rec)
    saved = officer.put(f"/api/records/{rec['id']}", json={"version": rec["version"], "changes": [
        {"field_id": f["id"], "value": value}]}).json()
    ap = officer.post(f"/api/records/{rec['id']}/approve", json={"version": saved["version"]}).json()
    assert verifier.post(f"/api/records/{rec['id']}/verify", json={"version": ap["version"]}).status_code == 200


def test_export_zip_holds_verified_records_with_reviewed_values(world: World) -> None:
    officer, verifier = world.client("officer1"), world.client("verifier1")
    book = world.books["c1"]
    assert officer.get(f"/api/books/{book}/export").status_code == 409  # nothing verified yet
    _correct_approve_verify(world, "Lê Văn Sửa")
    r = verifier.get(f"/api/books/{book}/export")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    zf = zipfile.ZipFile(io.BytesIO(r.content))
    names = zf.namelist()
    pdfs = [n for n in names if n.startswith("records/") and n.endswith(".pdf")]
    assert "KS.xlsx" in names and len(pdfs) == 1
    assert zf.read(pdfs[0]).startswith(b"%PDF") and len(zf.read(pdfs[0])) <= 100_000
    ws = load_workbook(io.BytesIO(zf.read("KS.xlsx"))).active
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][rows[0].index("nksHoTen")] == "Lê Văn Sửa"
    assert rows[1][rows[0].index("quyenSo")] == "02"


def test_dashboard_and_weekly_report(world: World) -> None:
    sup = world.client("supervisor")
    _correct_approve_verify(world, "Đỗ Thị Hoa")
    rows = {r["unit"]: r for r in sup.get("/api/dashboard").json()}
    c1, c2 = rows["Xã Bình Minh"], rows["Xã Đông Lâm"]
    assert c1["records"] == c2["records"] > 1 and c1["book_type"] == "KS"
    assert (c1["verified"], c1["corrected"], c1["drafted"]) == (1, 1, c1["records"] - 1)
    assert (c2["verified"], c2["corrected"]) == (0, 0) and c2["flagged"] == c1["flagged"]
    assert {r["unit"] for r in world.client("verifier1").get("/api/books").json()} == {"Xã Bình Minh"}
    r = sup.get("/api/reports/weekly")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    ws = load_workbook(io.BytesIO(r.content)).active
    table = list(ws.iter_rows(min_row=2, values_only=True))
    head, body = table[0], {row[0]: row for row in table[1:]}
    assert body["Xã Bình Minh"][head.index("Xác nhận trong tuần")] == 1
    assert body["Xã Bình Minh"][head.index("Sửa trong tuần")] == 1
    assert body["Xã Đông Lâm"][head.index("Duyệt trong tuần")] == 0
    old = load_workbook(io.BytesIO(sup.get("/api/reports/weekly?week=2020-W01").content)).active
    assert all(v == 0 for row in list(old.iter_rows(min_row=3, values_only=True)) for v in row[-4:])
    assert sup.get("/api/reports/weekly?week=soon").status_code == 422


def test_upload_checks_type_size_role_and_unit(make_world, synth_dir: Path) -> None:  # noqa: ANN001
    world = make_world(max_upload_bytes=400_000)
    officer = world.client("officer1")
    jpg = sorted(synth_dir.glob("*.jpg"))[0].read_bytes()
    small = io.BytesIO()
    Image.open(io.BytesIO(jpg)).resize((700, 500)).save(small, "JPEG")
    form = {"template": "ks_1999", "year": "1999", "volume": "03"}
    files = [("files", ("p1.jpg", small.getvalue(), "image/jpeg"))]
    r = officer.post("/api/books", data=form, files=[("files", ("x.jpg", b"MZ not an image", "image/jpeg"))])
    assert r.status_code == 422
    assert officer.post("/api/books", data=form, files=[("files", ("big.jpg", b"\xff\xd8\xff" + b"0" * 400_000,
                                                                     "image/jpeg"))]).status_code == 413
    assert officer.post("/api/books", data={**form, "year": "2030"}, files=files).status_code == 422
    assert officer.post("/api/books", data={**form, "unit_id": str(world.units["c2"])}, files=files).status_code == 404
    assert world.client("verifier1").post("/api/books", data=form, files=files).status_code == 403
    ok = officer.post("/api/books", data=form, files=files)
    assert ok.status_code == 201 and ok.json()["progress"] == {"state": "queued", "pages_total": 1,
                                                               "pages_drafted": 0, "error": None}
    stored = list((world.settings.books_dir / str(ok.json()["id"]) / "scans").iterdir())
    assert [p.name for p in stored] == ["0000-p1.jpg"]


def test_admin_creates_units_and_users(world: World) -> None:
    admin = world.client("admin")
    u = admin.post("/api/units", json={"name": "Xã Mới", "level": "commune", "parent_id": world.units["d1"]})
    assert u.status_code == 201
    assert admin.post("/api/units", json={"name": "Xã Lạc", "level": "commune"}).status_code == 422
    body = {"username": "can-bo-moi", "password": PASSWORD, "role": "officer", "unit_id": u.json()["id"]}
    assert admin.post("/api/users", json=body).status_code == 201
    assert admin.post("/api/users", json=body).status_code == 409
    assert admin.post("/api/users", json={**body, "username": "short", "password": "1234"}).status_code == 422
    new = world.client("can-bo-moi")
    assert new.get("/api/books").json() == []  # a new commune holds no books yet
    assert {x["username"] for x in admin.get("/api/users").json()} >= {"officer1", "can-bo-moi"}


def test_migration_creates_the_models_tables(tmp_path: Path) -> None:
    check_migration(make_engine(f"sqlite:///{tmp_path / 'm.db'}"))


def check_migration(engine: Engine) -> None:
    """The migrations, run twice, create exactly the models' tables, and go back down to nothing
    (also run on PostgreSQL)."""
    migrate(engine)
    migrate(engine)  # idempotent
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        assert set(inspect(conn).get_table_names()) >= {"units", "users", "books", "records", "fields", "audit_log"}
    command.downgrade(alembic_config(engine), "base")
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) == {"alembic_version"}


def test_logs_hold_no_personal_data(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    c = world.client("officer1")
    world.client().post("/api/auth/login", json={"username": "officer1", "password": "sai-mat-khau"})
    rec = _first_record(world)
    f = _text_field(rec)
    c.put(f"/api/records/{rec['id']}", json={"version": rec["version"], "changes": [{"field_id": f["id"],
                                                                                   "value": "Phạm Bí Mật"}]})
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "record" in text and "login" in text  # something is logged ...
    for secret in ("Phạm Bí Mật", "officer1", PASSWORD, "sai-mat-khau", f["value"] or "@@"):
        assert secret not in text  # ... but no values, names or passwords
    with world.app.state.sessions() as db:
        assert db.get(FieldRow, f["id"]).current_value == "Phạm Bí Mật"


def test_openapi_and_pages(world: World) -> None:
    anon = world.client()
    spec = anon.get("/openapi.json").json()
    assert "/api/records/{record_id}" in spec["paths"] and "put" in spec["paths"]["/api/records/{record_id}"]
    assert anon.get("/docs").status_code == 200
    r = anon.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert 'lang="vi"' in anon.get("/login").text
    officer = world.client("officer1")
    page = officer.get("/")
    assert page.status_code == 200 and 'name="csrf-token"' in page.text and "Tải lên sổ mới" in page.text
    assert officer.get("/records/1").status_code == 200 and "Ctrl+Enter" in officer.get("/records/1").text
    assert world.client("annotator").get("/").status_code == 403
    assert world.client("supervisor").get("/", follow_redirects=False).headers["location"] == "/dashboard"
    assert "Content-Security-Policy" in page.headers
