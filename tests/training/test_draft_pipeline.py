"""`hotich draft` end to end on two synthetic pages (a left and a right page of one spread):
outputs, resuming (unchanged, changed, after kill -9), bad inputs beside good ones, and
`hotich eval draft`."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from ocr.cli import main
from ocr.draft.pipeline import BookInfo, DraftSettings
from ocr.draft.run import run_draft
from ocr.draft.state import STATE_FILE
from ocr.evaluation.draft import KEYS
from ocr.export import validate_pagexml
from ocr.schema import Page
from ocr.templates import load_template
from training.synth.book import plan_pages
from training.synth.export import write_page
from training.synth.render import render_page

TEMPLATE = "ks_1999"


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two rendered pages (left, right) with their truth JSON, as `hotich synth` writes them."""
    folder = tmp_path_factory.mktemp("synth")
    for plan in plan_pages(load_template(TEMPLATE), 2, 5, conditions=[]):
        write_page(render_page(plan), folder)
    return folder


def _images(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.jpg"))


def _settings() -> DraftSettings:
    return DraftSettings(TEMPLATE, BookInfo.for_template(load_template(TEMPLATE), year=1999, volume="02"), threads=1)


def _draft(args: list[str], template: str = TEMPLATE) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["draft", *args, "--template", template, "--workers", "1", "--threads", "1"])
    return result.exit_code, result.output


def test_draft_writes_valid_outputs_and_resumes(pages: Path, tmp_path: Path) -> None:
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    for img in _images(pages):
        (inp / img.name).write_bytes(img.read_bytes())
    code, output = _draft([str(inp), "--out", str(out), "--year", "1999", "--volume", "02"])
    assert code == 0, output
    assert "2 page(s) drafted (" in output and "pages/s), 0 unchanged, 0 failed" in output
    drafts = sorted((out / "drafts").glob("*.json"))
    assert [d.stem for d in drafts] == [p.stem for p in _images(pages)]
    truth = [Page.load(p.with_suffix(".json")) for p in _images(pages)]
    for path, gt in zip(drafts, truth):
        page = Page.load(path)
        assert page.provenance.source == "draft"
        assert all(len(sha) == 64 for sha in page.provenance.models.values()) and page.provenance.models
        assert (page.book.year, page.book.volume, page.side) == (1999, "02", gt.side)
        assert abs(len(page.records) - len(gt.records)) <= 1
        filled = [f for r in page.records for f in r.fields if f.raw_text]
        assert len(filled) > 0.5 * sum(len(r.fields) for r in gt.records)
        assert all(f.confidence is not None for f in filled)
        empty = [f for r in page.records for f in r.fields if not f.raw_text and f.region]
        assert empty and all(f.confidence is not None for f in empty)  # how blank the slot is: ocr.draft.blank
        assert sum(f.confidence > 0.9 for f in empty) > 0.8 * len(empty)
        assert Path(page.image.path) == (inp / f"{page.id}.jpg").resolve()  # upright already: no copy
        assert validate_pagexml((out / "pagexml" / f"{page.id}.xml").read_text(encoding="utf-8")) == []
    left, right = (Page.load(d) for d in drafts)
    assert {r.id for r in left.records} & {r.id for r in right.records}  # a spread shares record ids
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["pages"] == 2 and summary["run"]["drafted"] == 2
    assert summary["records"] == len(left.records)  # left and right halves joined
    assert (out / "KS.xlsx").stat().st_size > 0
    records = sorted((out / "records").iterdir())
    assert len([r for r in records if r.suffix == ".jpg"]) == summary["records"]
    assert all(r.stat().st_size <= 100_000 for r in records)

    again = run_draft([inp], _settings(), out, progress=False)  # unchanged: nothing drafted again
    assert (again.drafted, again.skipped, again.failed) == (0, 2, [])
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["run"]["skipped"] == 2

    changed = _images(inp)[1]
    img = np.asarray(Image.open(changed).convert("RGB")).copy()
    img[:40, :40] = 255
    Image.fromarray(img).save(changed, quality=90)
    redo = run_draft([inp], _settings(), out, progress=False)
    assert (redo.drafted, redo.skipped) == (1, 1)


def test_killed_run_resumes_where_it_stopped(pages: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "ocr.cli", "draft", *map(str, _images(pages)), "--template", TEMPLATE, "--out",
           str(out), "--year", "1999", "--volume", "02", "--threads", "1", "-q"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    done, deadline = 0, time.monotonic() + 60
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            if (out / STATE_FILE).exists():
                try:
                    with sqlite3.connect(out / STATE_FILE) as db:
                        done = db.execute("SELECT COUNT(*) FROM pages WHERE status = 'done'").fetchone()[0]
                except sqlite3.OperationalError:
                    done = 0
                if done:
                    os.kill(proc.pid, signal.SIGKILL)
                    break
            time.sleep(0.02)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    assert done == 1
    assert not (out / "summary.json").exists()  # killed before the book-level outputs
    resumed = run_draft(_images(pages), _settings(), out, progress=False)
    assert (resumed.drafted, resumed.skipped, resumed.failed) == (1, 1, [])
    assert len(list((out / "drafts").glob("*.json"))) == 2 and (out / "summary.json").exists()


def _png_claiming(path: Path, width: int, height: int) -> None:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


def test_bad_inputs_are_reported_and_the_rest_is_drafted(pages: Path, tmp_path: Path) -> None:
    left = np.asarray(Image.open(_images(pages)[0]).convert("RGB"))
    bad, good = tmp_path / "bad", tmp_path / "good"
    bad.mkdir()
    good.mkdir()
    (bad / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a JPEG" * 20)
    _png_claiming(bad / "huge.png", 20000, 20000)
    (bad / "nopages.pdf").write_bytes(b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
                                      b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
    jpeg = _images(pages)[1].read_bytes()
    (bad / "truncated.jpg").write_bytes(jpeg[: len(jpeg) // 4])
    Image.fromarray(np.ascontiguousarray(left[::-1, ::-1])).save(good / "upside.jpg", quality=92)
    rng = np.random.default_rng(0)
    blank = Image.fromarray(np.clip(rng.normal(228, 3, left.shape), 0, 255).astype(np.uint8))
    Image.fromarray(left).save(good / "scan.pdf", resolution=200.0, save_all=True, append_images=[blank])
    out = tmp_path / "out"
    code, output = _draft([str(bad), str(good), "--out", str(out)])
    assert code == 1
    for name, why in [("corrupt.jpg", "not a readable image"), ("huge.png", "20000 x 20000"),
                      ("nopages.pdf", "the PDF has no pages"), ("truncated.jpg", "cannot be decoded")]:
        assert any(name in line and why in line for line in output.splitlines()), (name, output)
    assert "finished pages are kept" in output
    failed = json.loads((out / "summary.json").read_text(encoding="utf-8"))["run"]["failed"]
    assert {Path(f["input"]).name for f in failed} == {"corrupt.jpg", "huge.png", "nopages.pdf", "truncated.jpg"}
    drafted = {p.stem: Page.load(p) for p in (out / "drafts").glob("*.json")}
    assert set(drafted) == {"upside", "scan-p001", "scan-p002"}
    assert "upside: the page was turned 180 degrees" in output
    assert len(drafted["upside"].records) >= 6 and drafted["upside"].image.path == "../images/upside.jpg"
    assert len(drafted["scan-p001"].records) >= 6  # a PDF page rendered at 200 dpi
    assert drafted["scan-p002"].records == [] and "scan-p002: the page looks blank" in output
    for p in drafted.values():
        assert (out / "drafts" / p.image.path).exists()

    wrong = _draft([str(good / "upside.jpg"), "--out", str(tmp_path / "wrong")], template="ks_2006")
    assert wrong[0] == 1 and "does not look like template ks_2006" in wrong[1], wrong[1]


def test_eval_draft_json(pages: Path, tmp_path: Path) -> None:
    errors = tmp_path / "wrong.jsonl"
    result = CliRunner().invoke(main, ["eval", "draft", "--data", str(pages), "--json", "--threads", "1",
                                       "--errors", str(errors)])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output.strip().splitlines()[-1])
    assert set(KEYS) <= set(scores)
    assert scores["pages"] == 2 and scores["records_matched"] >= scores["records_true"] - 2
    assert 0.3 < scores["field_accuracy"] <= 1 and 0 <= scores["field_cer"] < 0.5 and scores["effort"] < 0.6
    assert 0 <= scores["auto_accept_share"] <= 1 and scores["pages_per_s"] > 0 and scores["peak_rss_mb"] > 50
    assert sum(t["fields"] for t in scores["by_template"].values()) == scores["fields"]
    assert sum(t["fields"] for t in scores["by_type"].values()) == scores["fields"]
    wrong = [json.loads(line) for line in errors.read_text(encoding="utf-8").splitlines()]
    assert len(wrong) == round(scores["fields"] * (1 - scores["field_accuracy"]))  # every wrong field, once
    assert all(w["value"] != w["true_value"] and w["type"] and w["key"] for w in wrong)
