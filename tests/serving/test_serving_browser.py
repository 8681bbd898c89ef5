"""The real UI in Debian's chromium (Playwright for Python, no browser download): login -> upload ->
drafting -> keyboard review -> approve -> verify -> export, and a supervisor registering a server
folder, on a live server over loopback.

Set HOTICH_UPDATE_SCREENSHOT=1 to refresh docs/workbench_review.png from this run."""

from __future__ import annotations

import io
import os
import shutil
import threading
import time
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
import uvicorn

from conftest import PASSWORD, free_port
from ocr.schema import Page

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "workbench_review.png"

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is missing: pip install -e '.[serve]'")
if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is missing: run `make browser-deps` as root (apt-get install chromium)",
                allow_module_level=True)


@pytest.fixture
def live(make_world):  # noqa: ANN001, ANN201
    """The world's app served by uvicorn in a thread; yields (world, base URL)."""
    world = make_world(start_worker=True)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(world.app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the server did not start"
    yield world, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def _login(page, base: str, username: str) -> None:  # noqa: ANN001
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(lambda url: "/login" not in url)


def _active(page) -> str:  # noqa: ANN001
    return page.evaluate("document.activeElement && document.activeElement.name || ''")


def test_login_upload_draft_review_approve_verify_export(live, synth_dir: Path, tmp_path: Path) -> None:  # noqa: ANN001
    world, base = live
    scan = sorted(synth_dir.glob("*.jpg"))[0]
    truth = Page.load(scan.with_suffix(".json"))
    name, gender = (truth.records[0].field(k).value for k in ("nksHoTen", "nksGioiTinh"))
    assert name and gender
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            officer = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN",
                                          bypass_csp=True).new_page()  # lets the test evaluate JS
            officer.set_default_timeout(30_000)
            _login(officer, base, "officer1")
            # upload a book's scan; drafting progress shows until it is ready
            officer.select_option("#template", "ks_1999")
            officer.fill("#year", str(truth.book.year))
            officer.fill("#volume", "09")
            officer.set_input_files("#files", str(scan))
            officer.click("#upload-form button[type=submit]")
            row = officer.locator("#books-table tr", has_text=f"KS.{truth.book.year}.09")
            row.locator("progress").wait_for()
            row.get_by_text("Đã soạn thảo").wait_for(timeout=120_000)
            row.get_by_role("link", name="Duyệt").click()
            officer.wait_for_selector("#records-table tbody tr")  # the book page has loaded its queue
            officer.click("#start-review")
            officer.wait_for_url("**/records/*")
            officer.wait_for_selector("#fields input")
            # keyboard: focus starts in a field; Tab and Shift+Tab move between fields
            names = officer.eval_on_selector_all("#fields input", "els => els.map(e => e.name)")
            start = _active(officer)
            assert start in names
            officer.keyboard.press("Tab")
            assert _active(officer) == names[names.index(start) + 1]
            officer.keyboard.press("Shift+Tab")
            assert _active(officer) == start
            # the focused field's crop is shown enlarged
            officer.focus("input[name=nksHoTen]")
            officer.wait_for_function("() => document.querySelector('#field-crop').naturalWidth > 0")
            assert "/crop" in officer.get_attribute("#field-crop", "src")
            if officer.input_value("input[name=nksHoTen]") == name:  # the draft read it right: make
                officer.keyboard.press("Control+a")                  # a slip first, so that typing
                officer.keyboard.type(name[:-1])                     # the name is a correction
                officer.keyboard.press("Control+s")
                officer.wait_for_selector("#toast.ok")
                officer.wait_for_selector("#toast.ok", state="detached", timeout=10_000)  # it fades
            officer.keyboard.press("Control+a")
            officer.keyboard.type(name)
            officer.keyboard.press("Enter")  # saves and moves to the next field
            officer.wait_for_selector("#toast.ok")
            assert _active(officer) == names[names.index("nksHoTen") + 1]
            officer.keyboard.press("Control+a")
            officer.keyboard.type(gender)
            officer.focus("input[name=nksNoiSinh]")
            drafted = officer.input_value("input[name=nksNoiSinh]")
            place = truth.records[0].field("nksNoiSinh").value or "Trạm y tế xã"
            place = place if place != drafted else place + " (sửa)"
            officer.keyboard.press("Control+a")
            officer.keyboard.type(place)
            officer.evaluate("document.querySelector('#toast').textContent = ''")
            officer.keyboard.press("Control+s")
            officer.wait_for_function("() => document.querySelector('#toast').textContent.includes('Đã lưu')")
            officer.wait_for_function("() => document.querySelector('#record-image').naturalWidth > 0")
            officer.focus("input[name=nksHoTen]")
            officer.wait_for_function("() => document.querySelector('#field-crop').complete")
            shot = tmp_path / "review.png"
            officer.screenshot(path=str(shot))
            record_url = officer.url
            record_id = int(record_url.rstrip("/").split("/")[-1])
            officer.keyboard.press("Control+Enter")  # approve, then on to the next record
            officer.wait_for_url(lambda url: url != record_url)
            api = officer.request
            rec = api.get(f"{base}/api/records/{record_id}").json()
            assert rec["state"] == "approved" and rec["approved_by"] == "officer1"
            values = {f["key"]: f["value"] for f in rec["fields"]}
            assert values["nksHoTen"] == name and values[names[names.index("nksHoTen") + 1]] == gender
            assert values["nksNoiSinh"] == place
            # a verifier, another person, confirms from the keyboard
            verifier = browser.new_context(viewport={"width": 1366, "height": 768}, bypass_csp=True).new_page()
            verifier.set_default_timeout(30_000)
            _login(verifier, base, "verifier1")
            verifier.goto(f"{base}/verify")
            verifier.click(f"#verify-table a[href='/records/{record_id}?mode=verify']")
            verifier.wait_for_selector("#fields input[readonly]")
            verifier.wait_for_function("() => !document.querySelector('#verify').disabled")
            verifier.keyboard.press("Control+Enter")
            verifier.wait_for_function("() => document.querySelector('#record-state').textContent === 'Đã xác nhận'")
            assert verifier.request.get(f"{base}/api/records/{record_id}").json()["verified_by"] == "verifier1"
            # export: the zip of per-record PDFs and the Ministry Excel file
            book_id = rec["book"]["id"]
            verifier.goto(f"{base}/books/{book_id}")
            with verifier.expect_download() as dl:
                verifier.click("#export")
            zf = zipfile.ZipFile(io.BytesIO(Path(dl.value.path()).read_bytes()))
            assert "KS.xlsx" in zf.namelist() and sum(n.endswith(".pdf") for n in zf.namelist()) == 1
        finally:
            browser.close()
    assert shot.stat().st_size > 50_000
    if os.environ.get("HOTICH_UPDATE_SCREENSHOT"):
        shutil.copyfile(shot, SCREENSHOT)


def test_supervisor_registers_a_server_folder(live, synth_dir: Path, tmp_path: Path) -> None:  # noqa: ANN001
    world, base = live
    root = tmp_path / "imports"
    (root / "so-02").mkdir(parents=True)
    shutil.copyfile(sorted(synth_dir.glob("*.jpg"))[0], root / "so-02" / "trang-1.jpg")
    (root / "so-02" / "ghi-chu.txt").write_text("không phải ảnh", encoding="utf-8")
    world.app.state.settings = replace(world.settings, import_roots=(root,))
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN").new_page()
            page.set_default_timeout(30_000)
            _login(page, base, "supervisor")
            page.goto(f"{base}/books/{world.books['c1']}")
            page.wait_for_function("() => document.querySelector('#book-title').textContent.includes('·')")  # page ready
            page.fill("#folder-path", str(root / "so-02"))
            page.click("#folder-form button[type=submit]")
            page.wait_for_selector("#toast.show", state="attached")
            assert "Đã thêm 1 tệp (bỏ qua 1)" in page.text_content("#toast")
            assert page.text_content("#folder-skipped").startswith("Bỏ qua ghi-chu.txt")
            page.fill("#folder-path", str(tmp_path))  # outside the root: the refusal is shown
            page.click("#folder-form button[type=submit]")
            page.wait_for_selector("#toast.error", state="attached")
            assert "ngoài các thư mục được phép" in page.text_content("#toast")
        finally:
            browser.close()
