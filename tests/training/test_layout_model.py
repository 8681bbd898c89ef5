"""The layout model's training side: target maps aligned with the truth, training that resumes
exactly, export that onnxruntime reproduces."""

import json
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort
import pytest
import torch

from ocr.layout.maps import MAP_CHANNELS
from ocr.templates import load_template
from training.layout.config import LayoutExperiment
from training.layout.data import sample
from training.layout.export import export_layout
from training.layout.train import LayoutRun
from training.synth.book import plan_pages
from training.synth.render import render_page

TINY = {"model": {"channels": [4, 8, 16]}, "data": {"crop": 96, "batch_size": 2, "val_pages": 1},
        "train": {"steps": 4, "eval_every": 2, "ckpt_every": 2, "log_every": 1, "threads": 1, "seed": 3}}


@pytest.fixture(scope="module")
def curved():
    plan = plan_pages(load_template("ks_1999"), 1, 11, conditions=["curvature", "skew"])[0]
    return plan, render_page(plan, with_maps=True)


def _fill(shape, polygons) -> np.ndarray:
    m = np.zeros(shape, np.uint8)
    for p in polygons:
        cv2.fillPoly(m, [np.round(np.asarray(p)).astype(np.int32)], 1)
    return m.astype(bool)


def test_maps_do_not_change_the_page(curved):
    plan, with_maps = curved
    plain = render_page(plan)
    assert np.array_equal(plain.image, with_maps.image)
    assert plain.page == with_maps.page


def test_line_maps_follow_the_warped_truth(curved):
    _, r = curved
    maps = {name: r.maps[..., i] > 127 for i, name in enumerate(MAP_CHANNELS)}
    lines = [ln.polygon for rec in r.page.records for f in rec.fields for ln in f.lines]
    truth = _fill(maps["line"].shape, lines)
    inter = (truth & maps["line"]).sum()
    assert inter / truth.sum() > 0.95 and inter / maps["line"].sum() > 0.9
    assert (maps["core"] & ~maps["line"]).sum() < 0.02 * maps["core"].sum()  # cores lie inside lines
    assert maps["core"].sum() < 0.8 * maps["line"].sum()


def test_rule_maps_lie_on_the_cell_borders(curved):
    _, r = curved
    h, w = r.image.shape[:2]
    borders = np.zeros((h, w), np.uint8)
    for c in r.page.grid.cells:
        cv2.polylines(borders, [np.round(np.asarray(c.polygon)).astype(np.int32)], True, 1, 9)
    rules = (r.maps[..., 0] > 127) | (r.maps[..., 1] > 127)
    assert rules.sum() > 0.005 * h * w
    assert (rules & (borders > 0)).sum() > 0.9 * rules.sum()


def _dataset(root: Path) -> None:
    root.mkdir()
    for plan in plan_pages(load_template("ks_2006"), 2, 5) + plan_pages(load_template("ks_dense"), 1, 5):
        pid, image, maps = sample(plan)
        np.savez_compressed(root / f"{pid}.npz", image=image, maps=maps)


def _cfg(data: Path, steps: int = 4) -> LayoutExperiment:
    tree = json.loads(json.dumps(TINY))
    tree["data"]["dir"] = str(data)
    tree["train"]["steps"] = steps
    return LayoutExperiment.model_validate(tree)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("layout") / "pages"
    _dataset(root)
    return root


def _run(cfg: LayoutExperiment, out: Path, resume: bool = False) -> LayoutRun:
    run = LayoutRun(cfg, out, resume=resume, quiet=True)
    files = sorted(cfg.data.dir.glob("*.npz"))
    run.train_files, run.val_files = files[1:], files[:1]  # no rendering in the test
    return run


def test_training_resumes_exactly(data_dir: Path, tmp_path: Path):
    straight = _run(_cfg(data_dir), tmp_path / "a")
    record = straight.train()
    assert set(f"f1_{c}" for c in MAP_CHANNELS) <= set(record) and np.isfinite(record["loss"])
    assert (tmp_path / "a" / "loss.png").exists() and (tmp_path / "a" / "best.pt").exists()
    _run(_cfg(data_dir), tmp_path / "b").train(until=2)  # interrupted half way
    resumed = _run(_cfg(data_dir), tmp_path / "b", resume=True)
    assert resumed.step == 2
    resumed.train()
    for k, v in straight.model.state_dict().items():
        assert torch.allclose(v.float(), resumed.model.state_dict()[k].float(), atol=1e-6), k


def test_export_matches_torch_on_any_size(data_dir: Path, tmp_path: Path):
    run = _run(_cfg(data_dir, steps=2), tmp_path / "run")
    run.train()
    onnx_path = export_layout(tmp_path / "run" / "last.pt", tmp_path / "layout.onnx")
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    meta = session.get_modelmeta().custom_metadata_map
    assert meta["hotich.task"] == "layout" and json.loads(meta["hotich.channels"]) == list(MAP_CHANNELS)
    run.model.eval()
    for h, w in ((64, 96), (128, 200)):
        x = torch.rand(2, 3, h, w)
        with torch.no_grad():
            expected = run.model(x).numpy()
        got = session.run(["maps"], {"image": x.numpy()})[0]
        assert got.shape == (2, len(MAP_CHANNELS), h, w)
        assert np.abs(got - expected).max() < 1e-4
