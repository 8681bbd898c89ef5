"""The learned analyzer's post-processing on hand-made maps, and its model loading errors."""

from pathlib import Path

import numpy as np
import pytest

from ocr.htr.bundle import ModelError
from ocr.layout.learned import LayoutModel, line_instances
from ocr.layout.maps import MAP_CHANNELS, MapSpec


def _maps(h: int = 60, w: int = 200) -> np.ndarray:
    return np.zeros((len(MAP_CHANNELS), h, w), np.float32)


def _put(maps: np.ndarray, channel: str, y0: int, y1: int, x0: int, x1: int) -> None:
    maps[MAP_CHANNELS.index(channel), y0:y1, x0:x1] = 0.9


def test_touching_lines_are_separated_by_their_cores():
    m = _maps()
    _put(m, "line", 10, 30, 20, 180)   # two line polygons that touch (a multi-line cell)
    _put(m, "line", 30, 50, 20, 150)
    _put(m, "core", 15, 25, 20, 180)
    _put(m, "core", 35, 45, 20, 150)
    found = sorted(line_instances(m), key=lambda pb: pb[0][:, 1].mean())
    assert len(found) == 2
    (p1, b1), (p2, b2) = found
    assert p1[:, 1].min() == pytest.approx(10, abs=1) and p1[:, 1].max() == pytest.approx(30, abs=1)
    assert p2[:, 1].min() == pytest.approx(30, abs=1) and p2[:, 1].max() == pytest.approx(50, abs=1)
    assert p1[:, 0].max() == pytest.approx(180, abs=1) and p2[:, 0].max() == pytest.approx(150, abs=1)
    assert np.all(np.abs(b1[:, 1] - 25) <= 1) and np.all(np.abs(b2[:, 1] - 45) <= 1)


def test_word_gaps_join_and_vertical_rules_split():
    m = _maps()
    _put(m, "line", 10, 30, 20, 60)
    _put(m, "line", 10, 30, 63, 100)   # the next word, 3 px on: the same line
    _put(m, "core", 15, 25, 20, 60)
    _put(m, "core", 15, 25, 63, 100)
    _put(m, "vrule", 0, 60, 120, 122)  # a column rule: writing beyond it is another cell's line
    _put(m, "line", 10, 30, 125, 170)
    _put(m, "core", 15, 25, 125, 170)
    found = sorted(line_instances(m), key=lambda pb: pb[0][:, 0].min())
    assert [(round(p[:, 0].min()), round(p[:, 0].max())) for p, _ in found] == [(20, 100), (125, 170)]


def test_specks_and_empty_maps_give_no_lines():
    m = _maps()
    assert line_instances(m) == []
    _put(m, "core", 5, 7, 5, 8)  # 6 px: noise
    assert line_instances(m) == []


def test_map_spec_pads_to_a_multiple_and_keeps_aspect():
    spec = MapSpec(long_side=100, multiple=16)
    x = spec.tensor(np.zeros((50, 200, 3), np.uint8))
    assert x.shape == (1, 3, 32, 112)
    assert x[0, :, :25, :100].max() == 0 and x[0, :, 25:, :].min() == 1 and x[0, :, :, 100:].min() == 1


def test_a_missing_or_wrong_model_says_what_to_do(tmp_path: Path):
    with pytest.raises(ModelError, match="hotich export layout"):
        LayoutModel(tmp_path / "none.onnx")
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="not a readable ONNX model"):
        LayoutModel(bad)
    htr = Path(__file__).resolve().parents[2] / "models" / "htr.onnx"
    with pytest.raises(ModelError, match="not a layout model"):
        LayoutModel(htr)
