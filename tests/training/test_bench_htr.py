"""`hotich bench htr`: the Tesseract and rapidocr baselines on three real lines of htr-real."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

import ocr.htr.tesseract as tesseract
import training.bench.baselines as baselines
from ocr.evaluation.htr import evaluate_htr, load_line, read_labels
from training.bench.baselines import NotInstalled, RapidOcrLines, TesseractLines
from training.bench.cli import bench
from training.htr.split import DEFAULT_ROOT

LINES = 3


def _has_vie() -> bool:
    exe = shutil.which("tesseract")
    return bool(exe) and "vie" in subprocess.run([exe, "--list-langs"], capture_output=True, text=True).stdout


needs_data = pytest.mark.skipif(not (DEFAULT_ROOT / "labels.tsv").exists(),
                                reason=f"real lines not found at {DEFAULT_ROOT}")
needs_tesseract = pytest.mark.skipif(not _has_vie(), reason=f"Tesseract with Vietnamese missing: "
                                     f"{baselines.TESSERACT_INSTALL}")


@pytest.fixture(scope="module")
def real_labels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A labels.tsv in a temporary folder naming three real lines by relative path."""
    folder = tmp_path_factory.mktemp("real")
    rel = Path(os.path.relpath(DEFAULT_ROOT, folder))
    rows = read_labels(DEFAULT_ROOT / "labels.tsv", limit=LINES)
    labels = folder / "labels.tsv"
    labels.write_text("".join(f"{(rel / r.rel).as_posix()}\t{r.text}\n" for r in rows), encoding="utf-8")
    return labels


@needs_data
@needs_tesseract
def test_tesseract_reads_real_lines(real_labels: Path) -> None:
    result = evaluate_htr(real_labels, TesseractLines(threads=1))
    assert result["lines"] == LINES and result["unreadable"] == 0
    assert 0.0 < result["cer"] < 1.0  # poor on handwriting, but it reads something
    assert result["lines_per_s"] > 0


@needs_data
@needs_tesseract
def test_tesseract_processes_keep_line_order(real_labels: Path) -> None:
    images = [load_line(r.image) for r in read_labels(real_labels)]
    one = [r.text for r in TesseractLines(threads=1).recognize(images)]
    assert [r.text for r in TesseractLines(threads=2).recognize(images)] == one
    assert all(one)


@needs_data
def test_rapidocr_reads_real_lines(real_labels: Path) -> None:
    pytest.importorskip("rapidocr", reason=f"rapidocr missing: {baselines.RAPIDOCR_INSTALL}")
    result = evaluate_htr(real_labels, RapidOcrLines(threads=1))
    assert result["lines"] == LINES and result["unreadable"] == 0
    assert result["cer"] < 0.6  # it reads the letters and drops the tone marks


def test_missing_tesseract_is_a_row_not_a_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tesseract.shutil, "which", lambda name: None)
    with pytest.raises(NotInstalled, match="not installed: apt-get install tesseract-ocr tesseract-ocr-vie"):
        TesseractLines()
    labels = tmp_path / "labels.tsv"
    labels.write_text("", encoding="utf-8")
    result = CliRunner().invoke(bench, ["htr", "--labels", str(labels), "--json"])
    assert result.exit_code == 0, result.output
    systems = {s["system"]: s for s in json.loads(result.stdout)["systems"]}
    assert systems["tesseract-vie"]["status"].startswith("not installed: apt-get install")
    assert systems["hotich"]["status"] != "ok" or systems["hotich"]["lines"] == 0


@needs_data
@needs_tesseract
def test_cli_table(real_labels: Path) -> None:
    result = CliRunner().invoke(bench, ["htr", "--labels", str(real_labels), "--limit", "2"])
    assert result.exit_code == 0, result.output
    table = result.stdout
    assert "| system" in table and "tesseract-vie" in table and "ppocr-rapidocr" in table and "hotich" in table
