"""torch vs onnxruntime parity: a tiny model exported on the fly, and the shipped model
(models/htr.pt against models/htr.onnx) on real-looking lines of several widths and batch sizes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

from ocr.htr.charset import Charset, default_charset  # noqa: E402
from ocr.htr.preprocess import InputSpec, batch_lines, resize_line  # noqa: E402
from training.htr.config import load_config  # noqa: E402
from training.htr.export import export_onnx, load_checkpoint  # noqa: E402
from training.htr.model import build_model  # noqa: E402
from training.htr.split import DEFAULT_ROOT, real_split  # noqa: E402
from training.htr.train import checkpoint, make_scheduler  # noqa: E402
from training.synth.handwriting import render_line, sample_writer  # noqa: E402

MODELS = Path(__file__).resolve().parents[2] / "models"
TINY = ["model.backbone.stages=[{channels: 8, pool: [2, 2]}, {channels: 16, pool: [2, 2]}, {channels: 16, pool: [2, 1]}]",
        "model.neck.hidden=16", "model.neck.layers=1", "input.height=32"]


def line_images(n: int, seed: int = 0) -> list[np.ndarray]:
    """Real validation lines where present, else rendered synthetic lines (uint8 grey)."""
    import cv2

    if (DEFAULT_ROOT / "labels.tsv").exists():
        rows = real_split(DEFAULT_ROOT)[1][:: 97][:n]
        return [cv2.imread(str(DEFAULT_ROOT / rel), cv2.IMREAD_GRAYSCALE) for rel, _ in rows]
    rng = np.random.default_rng(seed)
    texts = ["Số 12 đường Trần Phú, P. 3, Q. 5", "Nguyễn Thị Hằng", "Xã Tân Lập, Huyện Đan Phượng, Hà Nội", "1995"]
    return [(255 - 200 * render_line(texts[i % 4], sample_writer(rng), rng).alpha).astype(np.uint8) for i in range(n)]


def session(path: Path) -> ort.InferenceSession:
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def assert_parity(model: torch.nn.Module, onnx_path: Path, spec: InputSpec, tol: float) -> None:
    """Log-probabilities within ``tol`` and the same best class at every step."""
    sess = session(onnx_path)
    lines = [resize_line(img, spec) for img in line_images(6)]
    batches = [lines[:1], lines[1:3], lines[3:6], [ln[:, : max(spec.min_width, ln.shape[1] // 3)] for ln in lines[:2]]]
    for group in batches:
        x, _ = batch_lines(group, spec)
        with torch.no_grad():
            expected = model(torch.from_numpy(x)).numpy()
        got = sess.run(["logprobs"], {"image": x})[0]
        assert got.shape == expected.shape == (len(group), spec.steps(x.shape[-1]), expected.shape[-1])
        np.testing.assert_allclose(got, expected, atol=tol, rtol=0)
        top2 = np.sort(expected, -1)[..., -2:]
        clear = top2[..., 1] - top2[..., 0] > 2 * tol  # steps whose best class is not a near tie
        assert np.array_equal(got.argmax(-1)[clear], expected.argmax(-1)[clear])


def test_tiny_model_export_matches_torch(tmp_path: Path) -> None:
    cfg = load_config(None, TINY)
    charset = default_charset()
    torch.manual_seed(0)
    model = build_model(cfg.model, charset.size).eval()
    opt = torch.optim.AdamW(model.parameters())
    state = checkpoint(model, opt, make_scheduler(opt, cfg), 0, cfg, charset, {})
    torch.save(state, tmp_path / "tiny.pt")
    out = export_onnx(tmp_path / "tiny.pt", tmp_path / "tiny.onnx")
    assert_parity(model, out, cfg.input.spec(), 1e-4)
    meta = {p.key: p.value for p in __import__("onnx").load(str(out)).metadata_props}
    assert meta["hotich.task"] == "htr"
    assert Charset.from_json(meta["hotich.charset"]) == charset
    assert InputSpec.from_json(meta["hotich.input"]) == cfg.input.spec()
    assert json.loads(meta["hotich.model"])["params"] > 0
    assert (tmp_path / "tiny.charset.json").read_text(encoding="utf-8") == charset.to_json()


@pytest.mark.skipif(not (MODELS / "htr.onnx").exists(), reason="models/htr.onnx not shipped")
def test_shipped_onnx_describes_itself() -> None:
    import onnx

    proto = onnx.load(str(MODELS / "htr.onnx"))
    meta = {p.key: p.value for p in proto.metadata_props}
    charset = Charset.from_json(meta["hotich.charset"])
    assert meta["hotich.task"] == "htr"
    assert (MODELS / "htr.charset.json").read_text(encoding="utf-8") == meta["hotich.charset"]
    sess = session(MODELS / "htr.onnx")
    assert [i.name for i in sess.get_inputs()] == ["image"] and [o.name for o in sess.get_outputs()] == ["logprobs"]
    assert sess.get_outputs()[0].shape[-1] == charset.size
    assert (MODELS / "htr.onnx").stat().st_size <= 30 * 2**20


@pytest.mark.skipif(not ((MODELS / "htr.pt").exists() and (MODELS / "htr.onnx").exists()),
                    reason="models/htr.pt or models/htr.onnx not shipped")
def test_shipped_model_matches_its_onnx() -> None:
    model, _, charset, spec, _ = load_checkpoint(MODELS / "htr.pt")
    import onnx

    meta = {p.key: p.value for p in onnx.load(str(MODELS / "htr.onnx")).metadata_props}
    assert Charset.from_json(meta["hotich.charset"]) == charset
    assert InputSpec.from_json(meta["hotich.input"]) == spec
    # fp32 kernels differ in summation order: v3's log-probabilities differ by up to 1.5e-4 (relative
    # 3e-5, measured); 5e-4 still fails any export of other weights or another graph
    assert_parity(model, MODELS / "htr.onnx", spec, 5e-4)
