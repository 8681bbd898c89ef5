"""A screenshot of a pre-annotated page in Label Studio's editor, taken with headless chromium
(Debian's ``chromium`` driven by playwright, from the ``serve`` extra); for the documentation."""

from __future__ import annotations

import time
from pathlib import Path

from PIL import Image

CHROMIUM = Path("/usr/bin/chromium")


def editor_screenshot(url: str, username: str, password: str, project_id: int, task_id: int, out: Path, *,
                      select: str | None = None, chromium: Path = CHROMIUM, size: tuple[int, int] = (1600, 1000),
                      settle_s: float = 8.0) -> Path:
    """Log in, open the task in the labeling editor, select the region labelled ``select`` (its
    transcription, value, status and flags show), and save a PNG to ``out``."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise RuntimeError("screenshots need playwright: pip install -e '.[serve]'") from exc
    if not chromium.exists():
        raise RuntimeError(f"{chromium} is missing: apt-get install chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": size[0], "height": size[1]})
            page.goto(f"{url}/user/login/")
            page.fill("input[name=email]", username)
            page.fill("input[name=password]", password)
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
            page.goto(f"{url}/projects/{project_id}/data?tab=&task={task_id}")
            page.wait_for_selector("canvas", state="attached", timeout=60_000)
            time.sleep(settle_s)
            if select:
                page.get_by_text(select, exact=True).last.click()  # the region list comes after the labels
                time.sleep(2)
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out))
        finally:
            browser.close()
    with Image.open(out) as shot:  # 256 colours: a third of the size, text still sharp
        shot.convert("RGB").quantize(256).save(out, optimize=True)
    return out


def docs_screenshot(pages: list[Path], out: Path, work: Path, *, select: str = "nksHoTen") -> Path:
    """Start a local Label Studio in ``work``, push ``pages`` with predictions, and take the
    editor screenshot of the first page with region ``select`` selected; stop the server."""
    from annotation.client import LabelStudioClient
    from annotation.push import page_files, push_pages
    from annotation.server import start

    server = start(work)
    try:
        client = LabelStudioClient(server.connection)
        report = push_pages(client, "Ledger pages", page_files(pages), with_predictions=True)
        task = min(t.id for t in client.sdk.tasks.list(project=report.project_id))
        return editor_screenshot(server.url, server.username, server.password, report.project_id, task, out,
                                 select=select, size=(1600, 1100))
    finally:
        server.stop()
