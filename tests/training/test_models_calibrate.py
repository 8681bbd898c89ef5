"""`hotich models calibrate` on two rendered pages, and `hotich eval draft` picking the file up."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ocr.calibration import Calibration
from ocr.cli import main
from ocr.registry import model_dir
from ocr.templates import load_template
from training.synth.book import plan_pages
from training.synth.export import write_page
from training.synth.render import render_page


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("synth")
    for plan in plan_pages(load_template("kt_1999"), 2, 11, conditions=[]):
        write_page(render_page(plan), folder)
    return folder


def _json(args: list[str]) -> dict:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


def test_calibrate_writes_thresholds_that_eval_draft_uses(pages: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTICH_REGISTRY", str(tmp_path / "registry"))
    model = tmp_path / "htr.onnx"  # a copy of the shipped recognizer, so its calibration sits beside it
    shutil.copy(model_dir() / "htr.onnx", model)
    shutil.copy(model_dir() / "htr.charset.json", tmp_path / "htr.charset.json")
    out = tmp_path / "htr.calibration.json"
    shipped = model_dir() / "htr.calibration.json"
    before = shipped.read_bytes() if shipped.exists() else None
    printed = _json(["models", "calibrate", "shipped", "--data", str(pages), "--out", str(out), "--target", "0.9",
                     "--min-fields", "5", "--threads", "1", "--json"])
    assert printed["path"] == str(out)  # --out leaves the shipped bundle's own calibration alone
    assert (shipped.read_bytes() if shipped.exists() else None) == before
    data = json.loads(out.read_text(encoding="utf-8"))
    assert {"target", "fallback", "overall", "types", "fitted_on"} <= set(data) and data["target"] == 0.9
    assert data["fitted_on"]["pages"] == 2 and data["fitted_on"]["seeds"] == [11]
    cal = Calibration.load(out)
    assert cal.fitted_on.fields == sum(t.fields for t in cal.types.values()) > 50
    assert {"name", "date", "gender"} <= set(cal.types)

    scored = _json(["eval", "draft", "--data", str(pages), "--model", str(model), "--threads", "1", "--json"])
    assert scored["calibration"]["path"] == str(out) and scored["calibration"]["thresholds"] == cal.thresholds()
    assert all(t["threshold"] == cal.threshold(k) for k, t in scored["by_type"].items())
    # the same pages drafted again accept exactly the fields the fit counted
    assert round(scored["auto_accept_share"] * scored["fields"]) == sum(t.accepted for t in cal.types.values())

    plain = _json(["eval", "draft", "--data", str(pages), "--model", str(model), "--threads", "1", "--json",
                   "--no-calibration", "--limit", "1"])
    assert plain["calibration"] is None and all(t["threshold"] == 0.9 for t in plain["by_type"].values())
    clash = CliRunner().invoke(main, ["eval", "draft", "--data", str(pages), "--calibration", str(out),
                                      "--threshold", "0.8"])
    assert clash.exit_code == 2 and "--calibration goes with neither --threshold" in clash.output
