"""The recognizer's model bundle: an ONNX file that carries its charset and input spec.

The contract (what ``hotich export htr`` writes): input ``image`` float32 [B, 1, H, W] (paper 1,
ink 0), output ``logprobs`` float32 [B, T, C], log-softmax over C, T = ceil(W / downsample),
C = charset size; metadata ``hotich.task`` = "htr", ``hotich.charset`` (:meth:`Charset.to_json`),
``hotich.input`` (:meth:`InputSpec.to_json`), ``hotich.model`` (JSON info). Beside the model,
``<stem>.charset.json`` (the same charset) and ``<stem>.md`` (the model card). The loader opens
the session once and refuses a bundle that does not keep this contract, saying what to do.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

from ocr.htr.charset import Charset, CharsetError
from ocr.htr.preprocess import InputSpec
from ocr.registry import active_model_path, file_sha256, model_dir, registry_dir

__all__ = ["ModelBundle", "ModelError", "default_model_path", "file_sha256", "load_bundle", "model_dir",
           "session_options"]

MODEL_FILE = "htr.onnx"
TASK = "htr"
INPUT, OUTPUT = "image", "logprobs"
_EXPORT = "export it again with `hotich export htr`"


class ModelError(ValueError):
    """A model bundle that cannot be used; the message says why and what to do."""


def default_model_path() -> Path:
    """The active recognizer (``hotich models promote``), else the shipped ``models/htr.onnx``."""
    return active_model_path(TASK)


def session_options(threads: int | None = None) -> ort.SessionOptions:
    """CPU session options: ``threads`` intra-op threads (None: onnxruntime's default, one per
    physical core), sequential execution, all graph optimisations, no busy-waiting threads
    (they would steal an old 2-core machine from everything else)."""
    if threads is not None and threads < 1:
        raise ValueError(f"threads must be >= 1, not {threads}")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads or 0
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.log_severity_level = 3
    return opts


@dataclass(frozen=True, eq=False)
class ModelBundle:
    """An open recognizer: its session, charset, input spec, info and file hash."""

    path: Path
    session: ort.InferenceSession = field(repr=False)
    charset: Charset = field(repr=False)
    spec: InputSpec
    info: dict[str, Any]
    sha256: str

    @property
    def model_id(self) -> str:
        """"htr:<name>" (the name from the model info, else the file stem)."""
        return f"{TASK}:{self.info.get('name') or self.path.stem}"

    @property
    def provenance(self) -> dict[str, str]:
        """``{model id: sha256}`` for ``Provenance.models``."""
        return {self.model_id: self.sha256}

    def run(self, images: np.ndarray) -> np.ndarray:
        """Log-probabilities (B, T, C) of a batch (B, 1, H, W) from :func:`batch_lines`."""
        return self.session.run([OUTPUT], {INPUT: np.ascontiguousarray(images, np.float32)})[0]


def _metadata(path: Path, meta: dict[str, str]) -> tuple[Charset, InputSpec, dict[str, Any]]:
    task = meta.get("hotich.task")
    if task != TASK:
        what = "no 'hotich.task' metadata" if task is None else f"hotich.task = {task!r}"
        raise ModelError(f"{path}: not a handwriting recognizer ({what}, expected {TASK!r}); {_EXPORT}")
    if "hotich.charset" not in meta:
        raise ModelError(f"{path}: the model carries no charset (metadata 'hotich.charset'), so its "
                         f"output cannot be read; {_EXPORT}")
    try:
        charset = Charset.from_json(meta["hotich.charset"])
    except (ValueError, KeyError, TypeError, CharsetError) as exc:
        raise ModelError(f"{path}: invalid charset in the model metadata ({exc}); {_EXPORT}") from exc
    if "hotich.input" not in meta:
        raise ModelError(f"{path}: the model carries no input spec (metadata 'hotich.input'); {_EXPORT}")
    try:
        spec = InputSpec.from_json(meta["hotich.input"])
    except (ValueError, TypeError) as exc:
        raise ModelError(f"{path}: invalid input spec in the model metadata ({exc}); {_EXPORT}") from exc
    try:
        info = json.loads(meta.get("hotich.model", "{}"))
        if not isinstance(info, dict):
            raise ValueError("not a JSON object")
    except ValueError as exc:
        raise ModelError(f"{path}: invalid model info (metadata 'hotich.model': {exc}); {_EXPORT}") from exc
    return charset, spec, info


def _check_beside(path: Path, charset: Charset) -> None:
    """The charset file beside the model, if any, must be the one inside it."""
    beside = path.with_suffix(".charset.json")
    if not beside.exists():
        return
    try:
        other = Charset.from_json(beside.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError, CharsetError) as exc:
        raise ModelError(f"{beside}: cannot be read as a charset ({exc}); delete it or {_EXPORT}") from exc
    if other != charset:
        raise ModelError(
            f"{beside} ({other.size} classes, sha256 {other.sha256[:12]}) differs from the charset inside "
            f"{path.name} ({charset.size} classes, sha256 {charset.sha256[:12]}): the two files do not "
            f"belong together; delete the stale one or {_EXPORT}"
        )


def _check_io(path: Path, session: ort.InferenceSession, charset: Charset, spec: InputSpec) -> None:
    inputs, outputs = session.get_inputs(), session.get_outputs()
    if len(inputs) != 1 or inputs[0].name != INPUT or len(inputs[0].shape) != 4:
        got = ", ".join(f"{i.name!r} {i.shape}" for i in inputs)
        raise ModelError(f"{path}: the model takes {got}; expected one input {INPUT!r} of shape "
                         f"[batch, 1, height, width]; {_EXPORT}")
    _, ch, h, _ = inputs[0].shape
    if (isinstance(ch, int) and ch != 1) or (isinstance(h, int) and h != spec.height):
        raise ModelError(f"{path}: input shape {inputs[0].shape} does not fit the input spec "
                         f"(1 channel, height {spec.height}); {_EXPORT}")
    out = next((o for o in outputs if o.name == OUTPUT), None)
    if out is None or len(out.shape) != 3:
        got = ", ".join(f"{o.name!r} {o.shape}" for o in outputs)
        raise ModelError(f"{path}: the model outputs {got}; expected {OUTPUT!r} of shape "
                         f"[batch, steps, classes]; {_EXPORT}")
    if isinstance(out.shape[2], int) and out.shape[2] != charset.size:
        raise _size_error(path, out.shape[2], charset)


def _size_error(path: Path, classes: int, charset: Charset) -> ModelError:
    return ModelError(f"{path}: the model outputs {classes} classes but its charset has {charset.size} "
                      f"(blank + {charset.size - 1} characters): model and charset do not belong "
                      f"together; {_EXPORT}")


def _probe(path: Path, bundle: ModelBundle) -> None:
    """Run one blank line: output shape and log-softmax, which the graph may leave symbolic."""
    spec = bundle.spec
    width = -(-max(spec.min_width, spec.downsample) // spec.width_multiple) * spec.width_multiple
    try:
        out = bundle.run(np.ones((1, 1, spec.height, width), np.float32))
    except Exception as exc:  # onnxruntime raises its own exception types
        raise ModelError(f"{path}: the model fails on a blank line of {spec.height}x{width} px ({exc}); "
                         f"{_EXPORT}") from exc
    if out.ndim != 3 or out.shape[2] != bundle.charset.size:
        if out.ndim == 3:
            raise _size_error(path, out.shape[2], bundle.charset)
        raise ModelError(f"{path}: output {OUTPUT!r} has shape {out.shape}, expected [1, steps, classes]")
    if out.shape[:2] != (1, spec.steps(width)):
        raise ModelError(f"{path}: a line {width} px wide gives {out.shape[1]} steps, but the input spec "
                         f"says {spec.steps(width)} (downsample {spec.downsample}); {_EXPORT}")
    total = np.logaddexp.reduce(out.astype(np.float64), axis=2)
    if not np.allclose(total, 0.0, atol=1e-3):
        raise ModelError(f"{path}: output {OUTPUT!r} is not log-softmax over the classes "
                         f"(log-sum-exp {float(total.max()):.3g}); {_EXPORT}")


def load_bundle(path: str | os.PathLike | None = None, *, threads: int | None = None) -> ModelBundle:
    """Open and check a recognizer bundle (default: :func:`default_model_path`)."""
    path = Path(path) if path is not None else default_model_path()
    if not path.is_file():
        raise ModelError(
            f"no recognizer model at {path}; train and export one with `hotich export htr` "
            f"(it writes {MODEL_FILE}, its charset and model card), copy a released bundle into "
            f"{model_dir()}, promote one from {registry_dir()} with `hotich models promote`, or point "
            f"$HOTICH_MODEL_DIR or model_path at one"
        )
    try:
        session = ort.InferenceSession(str(path), sess_options=session_options(threads),
                                       providers=["CPUExecutionProvider"])
    except Exception as exc:
        raise ModelError(f"{path}: not a readable ONNX model ({exc}); {_EXPORT}") from exc
    charset, spec, info = _metadata(path, session.get_modelmeta().custom_metadata_map)
    _check_beside(path, charset)
    _check_io(path, session, charset, spec)
    bundle = ModelBundle(path=path, session=session, charset=charset, spec=spec, info=info,
                         sha256=file_sha256(path))
    _probe(path, bundle)
    return bundle
