"""`hotich eval htr` and ocr.evaluation.htr on generated line images and a tiny ONNX model."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import cv2
import pytest
from click.testing import CliRunner

import ocr.evaluation.cli as eval_cli
from ocr.cli import main
from ocr.evaluation.htr import LabelsError, evaluate_htr, read_labels
from tiny_models import block_line, ink_model

REQUIRED = ["cer", "wer", "line_acc", "lines", "lines_per_s"]
# block_line(1) reads "a", block_line(2) "aa", block_line(0) "": one error in 4 reference
# characters, one wrong word of 3, two lines of 3 exact.
LINES = [("one.png", 1, "a"), ("sub/two.png", 2, "aa"), ("blank.png", 0, "b")]


@dataclass
class _Read:
    text: str


class BlockCounter:
    """A stand-in recognizer that reads block_line images as the tiny ink model does."""

    def recognize(self, images, *, beam_width=1):
        return [_Read("a" * ((im.shape[1] - 24) // 48)) for im in images]


def write_labels(folder: Path, extra: str = "") -> Path:
    for name, blocks, _ in LINES:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(folder / name), block_line(blocks))
    labels = folder / "labels.tsv"
    labels.write_text("".join(f"{name}\t{text}\n" for name, _, text in LINES) + extra, encoding="utf-8")
    return labels


@pytest.fixture
def labels(tmp_path: Path) -> Path:
    return write_labels(tmp_path)


@pytest.fixture
def fake_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(eval_cli, "load_recognizer", lambda *a, **k: BlockCounter())


def run(*args: str):
    return CliRunner().invoke(main, ["eval", "htr", *args])


def test_known_scores(labels: Path) -> None:
    result = evaluate_htr(labels, BlockCounter())
    assert list(result)[:5] == REQUIRED
    assert result["cer"] == pytest.approx(1 / 4)
    assert result["wer"] == pytest.approx(1 / 3)
    assert result["line_acc"] == pytest.approx(2 / 3)
    assert result["lines"] == 3 and result["unreadable"] == 0
    assert result["lines_per_s"] > 0


def test_unreadable_images_are_scored_empty_and_named(tmp_path: Path) -> None:
    (tmp_path / "broken.png").write_bytes(b"not an image")
    labels = write_labels(tmp_path, "missing.png\txy\nbroken.png\tz\n")
    result = evaluate_htr(labels, BlockCounter())
    assert result["lines"] == 5 and result["unreadable"] == 2
    assert result["cer"] == pytest.approx((1 + 2 + 1) / (4 + 2 + 1))
    assert [p.split(": ")[0] for p in result["problems"]] == [f"{labels}:4", f"{labels}:5"]


def test_malformed_rows_name_their_lines(tmp_path: Path) -> None:
    labels = write_labels(tmp_path, "no tab here\n\n\tno path\n")
    with pytest.raises(LabelsError, match=r"(?s)2 malformed.*:4: no TAB.*:6: empty image path"):
        read_labels(labels)


def test_limit_and_nfc(tmp_path: Path) -> None:
    labels = write_labels(tmp_path)
    labels.write_text("one.png\tNguye\u0302\u0303n\ntwo.png\tx\n", encoding="utf-8")
    rows = read_labels(labels, limit=1)
    assert len(rows) == 1 and rows[0].text == "Nguyễn" and rows[0].image == tmp_path / "one.png"


def test_json_prints_one_object(labels: Path, fake_model: None) -> None:
    result = run("--labels", str(labels), "--json")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n") == 1
    data = json.loads(result.stdout)
    assert list(data)[:5] == REQUIRED
    assert data["lines"] == 3 and data["cer"] == pytest.approx(0.25)


def test_table_and_errors_file(labels: Path, tmp_path: Path, fake_model: None) -> None:
    errors = tmp_path / "out" / "errors.tsv"
    result = run("--labels", str(labels), "--errors", str(errors), "--limit", "3")
    assert result.exit_code == 0, result.output
    assert "25.00 %" in result.stdout and "lines/s" in result.stdout
    rows = errors.read_text(encoding="utf-8").splitlines()
    assert rows == ["line\timage\tedits\treference\tprediction\tproblem", "3\tblank.png\t1\tb\t\t"]


def test_bad_rows_and_images_are_reported(tmp_path: Path, fake_model: None) -> None:
    labels = write_labels(tmp_path, "missing.png\tx\n")
    result = run("--labels", str(labels), "--json")
    assert result.exit_code == 0
    assert f"{labels}:4: cannot read image" in result.stderr
    assert json.loads(result.stdout)["unreadable"] == 1
    labels.write_text("one.png a\n", encoding="utf-8")
    result = run("--labels", str(labels))
    assert result.exit_code == 2
    assert f"{labels}:1: no TAB" in result.output


@pytest.mark.parametrize("args", [[], ["--labels", "/nonexistent.tsv"], ["--beam", "0"], ["--bogus"]])
def test_bad_usage_exits_2(labels: Path, args: list[str]) -> None:
    if args and args[0] != "--labels":
        args = ["--labels", str(labels), *args]
    assert run(*args).exit_code == 2


def test_tiny_onnx_model_end_to_end(labels: Path, tmp_path: Path) -> None:
    pytest.importorskip("ocr.htr.recognizer", reason="ocr.htr.recognizer is not present")
    model = ink_model(tmp_path / "tiny.onnx")
    result = run("--labels", str(labels), "--model", str(model), "--json", "--threads", "1",
                 "--batch-size", "2")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["cer"], data["lines"], data["model"]) == (pytest.approx(0.25), 3, str(model))
    assert len(data["model_sha256"]) == 64


def test_unloadable_model_is_a_clear_error(labels: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("ocr.htr.recognizer", reason="ocr.htr.recognizer is not present")
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not onnx")
    result = run("--labels", str(labels), "--model", str(bad))
    assert result.exit_code == 1 and "bad.onnx" in result.output and "Traceback" not in result.output
    monkeypatch.setenv("HOTICH_MODEL_DIR", str(tmp_path / "empty"))
    result = run("--labels", str(labels))
    assert result.exit_code == 1 and str(tmp_path / "empty" / "htr.onnx") in result.output


def test_evaluation_imports_no_torch() -> None:
    code = ("import sys, ocr.metrics, ocr.evaluation.cli; "
            "bad = [m for m in ('torch', 'training') if m in sys.modules]; sys.exit(1 if bad else 0)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_language_model_choice_is_reported(labels: Path, tmp_path: Path) -> None:
    pytest.importorskip("ocr.htr.recognizer", reason="ocr.htr.recognizer is not present")
    from ocr.htr.lm import default_lm_path

    model = ink_model(tmp_path / "tiny.onnx")
    base = ["--labels", str(labels), "--model", str(model), "--json", "--threads", "1"]
    plain = json.loads(run(*base, "--lm", "none").stdout)
    assert (plain["beam"], plain["lm"], plain["lm_sha256"]) == (1, None, None)
    result = run(*base)
    assert result.exit_code == 0, result.output
    with_lm = json.loads(result.stdout)
    assert (with_lm["beam"], with_lm["lm"], with_lm["lm_weight"]) == (8, str(default_lm_path()), 0.2)
    assert with_lm["cer"] == pytest.approx(0.25) and len(with_lm["lm_sha256"]) == 64
    missing = run(*base, "--lm", str(tmp_path / "nope.arpa.gz"))
    assert missing.exit_code == 1 and "nope.arpa.gz" in missing.output and "hotich train lm" in missing.output
