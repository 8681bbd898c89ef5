"""The model bundle loader and the recognizer, on small ONNX models built here.

The test model reads a line column by column: it averages each step of ``downsample`` columns to
one grey level and gives the classes logits by how close that level is to each class's own level
(blank = paper). :func:`render` writes text as such levels, so every decode is known exactly.
"""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from ocr.htr.bundle import ModelError, default_model_path, load_bundle
from ocr.htr.charset import Charset, default_charset
from ocr.htr.constraints import constraint_for
from ocr.htr.preprocess import InputSpec
from ocr.htr.recognizer import Recognizer

SPEC = InputSpec()
SMALL = Charset(tuple("Kinbhaêy 0123456789/"))  # "b" and "h" are neighbours (levels ``spacing`` apart)


def column_model(path: Path, charset: Charset = SMALL, spec: InputSpec = SPEC, *, spacing: int = 10,
                 sharpness: float = 2e4, classes: int | None = None, meta: dict | None = None,
                 input_name: str = "image", rank: int = 4, log_softmax: bool = True,
                 beside: Charset | None | bool = True) -> Path:
    """Write a column-level test model and its bundle files; ``meta`` overrides metadata (a None
    value drops the key), ``beside`` the charset file (False: none)."""
    classes = classes or charset.size
    centers = np.array([1 - k * spacing / 255 for k in range(classes)], np.float32)
    dims = ["B", 1, spec.height, "W"] if rank == 4 else ["B", spec.height, "W"]
    nodes = [
        helper.make_node("Reshape", [input_name, "shape4"], ["x4"]),
        helper.make_node("ReduceMean", ["x4"], ["cols"], axes=[1, 2], keepdims=0),
        helper.make_node("Reshape", ["cols", "steps_shape"], ["steps"]),
        helper.make_node("ReduceMean", ["steps"], ["level"], axes=[2], keepdims=1),
        helper.make_node("Sub", ["level", "centers"], ["diff"]),
        helper.make_node("Mul", ["diff", "diff"], ["sq"]),
        helper.make_node("Mul", ["sq", "neg_sharpness"], ["logits"]),
        helper.make_node("LogSoftmax", ["logits"], ["logprobs"], axis=-1) if log_softmax
        else helper.make_node("Add", ["logits", "one"], ["logprobs"]),  # raw logits, not normalised
    ]
    inits = [
        helper.make_tensor("shape4", TensorProto.INT64, [4], [0, 1, spec.height, -1]),
        helper.make_tensor("steps_shape", TensorProto.INT64, [3], [0, -1, spec.downsample]),
        helper.make_tensor("centers", TensorProto.FLOAT, [classes], centers.tolist()),
        helper.make_tensor("neg_sharpness", TensorProto.FLOAT, [], [-sharpness]),
        helper.make_tensor("one", TensorProto.FLOAT, [], [1.0]),
    ]
    graph = helper.make_graph(
        nodes, "column", [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, dims)],
        [helper.make_tensor_value_info("logprobs", TensorProto.FLOAT, ["B", "T", classes])], inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    fields = {"hotich.task": "htr", "hotich.charset": charset.to_json(), "hotich.input": spec.to_json(),
              "hotich.model": json.dumps({"name": "column-test", "arch": "test"})}
    for k, v in (meta or {}).items():
        fields[k] = v
    helper.set_model_props(model, {k: v for k, v in fields.items() if v is not None})
    onnx.save(model, path)
    side = path.with_suffix(".charset.json")
    if beside is not False:
        side.write_text((charset if beside is True else beside).to_json(), encoding="utf-8")
    return path


def render(text: str, charset: Charset = SMALL, spec: InputSpec = SPEC, spacing: int = 10,
           lean: dict[int, tuple[str, int]] | None = None) -> np.ndarray:
    """A line image the column model reads as ``text``: per character one step at its class
    level, then one blank step. ``lean={i: (other, n)}`` moves character i's step ``n`` levels in
    all (spread over its columns) towards the level of ``other``."""
    idx, ds, cols = charset.index(), spec.downsample, []
    for i, ch in enumerate(text):
        step = np.full(ds, 255 - idx[ch] * spacing)
        if lean and i in lean:
            other, n = lean[i]
            step += np.sign(idx[ch] - idx[other]) * (n // ds + (np.arange(ds) < n % ds))
        cols += step.tolist() + [255] * ds
    cols += [255] * max(0, spec.min_width - len(cols))
    return np.tile(np.array(cols, np.uint8), (spec.height, 1))


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Path:
    return column_model(tmp_path_factory.mktemp("model") / "htr.onnx")


@pytest.fixture(scope="module")
def rec(model) -> Recognizer:
    return Recognizer(model, threads=1, batch_size=4)


# --- loading --------------------------------------------------------------------------------


def test_loads_a_good_bundle(model):
    b = load_bundle(model, threads=1)
    assert b.charset == SMALL and b.spec == SPEC and b.info["name"] == "column-test"
    assert b.sha256 == hashlib.sha256(model.read_bytes()).hexdigest()
    assert b.provenance == {"htr:column-test": b.sha256}


def test_default_path_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("HOTICH_MODEL_DIR", str(tmp_path))
    assert default_model_path() == tmp_path / "htr.onnx"
    with pytest.raises(ModelError, match=r"no recognizer model at .*htr\.onnx.*hotich export htr"):
        Recognizer()
    column_model(tmp_path / "htr.onnx")
    assert Recognizer(threads=1).bundle.path == tmp_path / "htr.onnx"


BAD_BUNDLES = {
    "no_charset": (dict(meta={"hotich.charset": None}), r"carries no charset"),
    "bad_charset": (dict(meta={"hotich.charset": "{not json"}), r"invalid charset"),
    "wrong_blank": (dict(meta={"hotich.charset": json.dumps({"blank": 3, "chars": "ab"})}), r"invalid charset"),
    "no_spec": (dict(meta={"hotich.input": None}), r"no input spec"),
    "wrong_task": (dict(meta={"hotich.task": "layout"}), r"not a handwriting recognizer.*'layout'"),
    "no_task": (dict(meta={"hotich.task": None}), r"no 'hotich.task'"),
    "bad_info": (dict(meta={"hotich.model": "[1, 2"}), r"invalid model info"),
    "size": (dict(classes=SMALL.size + 3), rf"outputs {SMALL.size + 3} classes but its charset has {SMALL.size}"),
    "beside": (dict(beside=Charset(tuple("Kinbhaêy"))), r"differs from the charset inside"),
    "input_name": (dict(input_name="pixels"), r"expected one input 'image'"),
    "input_rank": (dict(rank=3), r"expected one input 'image' of shape \[batch, 1, height, width\]"),
    "not_log_softmax": (dict(log_softmax=False), r"not log-softmax"),
}


@pytest.mark.parametrize("case", sorted(BAD_BUNDLES))
def test_refuses_a_bad_bundle(tmp_path, case):
    kwargs, message = BAD_BUNDLES[case]
    path = column_model(tmp_path / "htr.onnx", **kwargs)
    with pytest.raises(ModelError, match=message) as err:
        load_bundle(path)
    assert "hotich export htr" in str(err.value) or "delete" in str(err.value)


def test_refuses_a_file_that_is_not_onnx(tmp_path):
    path = tmp_path / "htr.onnx"
    path.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="not a readable ONNX model"):
        load_bundle(path)


def test_refuses_an_unreadable_beside_charset(tmp_path):
    path = column_model(tmp_path / "htr.onnx")
    path.with_suffix(".charset.json").write_text("{", encoding="utf-8")
    with pytest.raises(ModelError, match="cannot be read as a charset"):
        load_bundle(path)


def test_a_missing_beside_charset_is_fine(tmp_path):
    assert load_bundle(column_model(tmp_path / "htr.onnx", beside=False)).charset == SMALL


@pytest.mark.parametrize("threads", [1, 2])
def test_thread_count_is_honoured(model, threads):
    rec = Recognizer(model, threads=threads)
    assert rec.bundle.session.get_session_options().intra_op_num_threads == threads


# --- recognising ----------------------------------------------------------------------------

TEXTS = ["Kinh", "bê", "12/98", "Kinh Kinh Kinh", "a", "", "hay 2013", "Kinb", "nnn", "by"]


def test_reads_lines_exactly(rec):
    results = rec.recognize([render(t) for t in TEXTS])
    assert [r.text for r in results] == TEXTS
    for r, t in zip(results, TEXTS):
        assert len(r.char_probs) == len(t) and all(p > 0.99 for p in r.char_probs)
        assert 0.9 < r.confidence <= 1.0


def test_batches_sorted_by_width_keep_input_order_and_match_single_lines(model, rec):
    images = [render(t) for t in TEXTS]
    batched = rec.recognize(images)
    single = Recognizer(model, threads=1, batch_size=1)
    alone = [single.recognize([im])[0] for im in images]
    assert batched == alone
    assert [r.text for r in rec.recognize(images[::-1])] == TEXTS[::-1]


def test_accepts_grey_rgb_and_rgba(rec):
    grey = render("Kinh")
    rgb, rgba = np.dstack([grey] * 3), np.dstack([grey] * 3 + [np.full_like(grey, 255)])
    assert [r.text for r in rec.recognize([grey, rgb, rgba])] == ["Kinh"] * 3


@pytest.mark.parametrize("bad, message", [
    (np.zeros((0, 30), np.uint8), "line image 1: empty"),
    (np.zeros((40, 30), np.float32), "line image 1: .*8-bit"),
    (np.zeros((40, 30, 2), np.uint8), "line image 1: .*HxW"),
    ("not an image", "line image 1: a numpy array"),
])
def test_bad_images_are_named_by_index(rec, bad, message):
    with pytest.raises(ValueError, match=message):
        rec.recognize([render("Kinh"), bad, render("a")])


def test_constraints_per_line(rec):
    leaning = render("Kinb", lean={3: ("h", 18)})  # "b" most likely (0.96), "h" second
    free, constrained = rec.recognize([leaning, leaning], constraints=[None, constraint_for("ethnicity")],
                                      beam_width=4)
    assert free.text == "Kinb" and free.constraint_met is None
    assert constrained.text == "Kinh" and constrained.constraint_met is True
    assert constrained.confidence < free.confidence
    with pytest.raises(ValueError, match="1 constraints for 2 line images"):
        rec.recognize([leaning, leaning], constraints=[None])


def test_language_model_joins_the_lines_it_is_asked_to(model):
    from ocr.htr.lm import load_lm

    lm = load_lm()
    assert lm is not None, "models/htr-lm.arpa.gz is missing"
    with_lm = Recognizer(model, threads=1, lm=lm, lm_weight=1.0)
    leaning = render("Kinb", lean={3: ("h", 18)})  # "b" most likely (0.96), "h" second
    free, plain, greedy = (with_lm.recognize([leaning], beam_width=4)[0],
                           with_lm.recognize([leaning], beam_width=4, use_lm=[False])[0],
                           with_lm.recognize([leaning])[0])
    assert (free.text, plain.text, greedy.text) == ("Kinh", "Kinb", "Kinb")
    assert with_lm.provenance[lm.model_id] == lm.sha256 and len(with_lm.provenance) == 2
    with pytest.raises(ValueError, match="1 use_lm flags for 2 line images"):
        with_lm.recognize([leaning, leaning], beam_width=4, use_lm=[True])


def test_empty_input(rec):
    assert rec.recognize([]) == []


def test_recognizer_imports_no_torch():
    code = ("import sys, ocr.htr.recognizer, ocr.htr.constraints; "
            "bad = [m for m in ('torch', 'training') if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
