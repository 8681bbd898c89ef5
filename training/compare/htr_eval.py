"""Evaluate a recognizer bundle line by line on labelled line sets, keeping every line's reading.

Each source is a ``labels.tsv`` (``relative/path<TAB>text``, read by
:func:`ocr.evaluation.htr.read_labels`). An image that is missing or cannot be decoded is scored
as an empty prediction with confidence 0 and named in ``problems``, as ``hotich eval htr`` does.
Figures: CER, WER and line accuracy (:mod:`ocr.metrics`) per source and per field type
(:mod:`training.compare.fields`), Vietnamese confusions and calibration of line confidences.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocr.evaluation.htr import CHUNK_LINES, LabelRow, load_line, read_labels
from ocr.htr.bundle import file_sha256
from ocr.metrics import TextScores, normalize, score
from training.compare.calibration import calibration
from training.compare.confusions import Confusions, count_confusions
from training.compare.fields import line_field_type


@dataclass(frozen=True)
class LineEval:
    """One line: where it comes from, its field type, the reference and the reading."""

    source: str
    field_type: str
    reference: str
    prediction: str
    confidence: float
    edits: int

    @property
    def exact(self) -> bool:
        return normalize(self.reference) == normalize(self.prediction)


@dataclass
class HtrEval:
    """Every line read by one model, with the time spent reading."""

    model: str  # the ONNX file name
    sha256: str
    lines: list[LineEval] = field(default_factory=list)
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def lines_per_s(self) -> float:
        return len(self.lines) / self.seconds if self.seconds > 0 else 0.0

    def scores(self, key: Callable[[LineEval], str] | None = None) -> dict[str, dict[str, float]]:
        """CER, WER, line accuracy and counts per group (``key`` of a line; all lines if None)."""
        groups: dict[str, list[LineEval]] = {}
        for ln in self.lines:
            groups.setdefault(key(ln) if key else "all", []).append(ln)
        out = {}
        for name in sorted(groups):
            s = score([ln.reference for ln in groups[name]], [ln.prediction for ln in groups[name]])
            out[name] = {"cer": s.cer, "wer": s.wer, "line_acc": s.line_acc, "lines": s.lines, "chars": s.chars}
        return out

    def confusions(self) -> Confusions:
        return count_confusions((ln.reference, ln.prediction) for ln in self.lines)

    def calibration(self) -> dict[str, Any]:
        return calibration([ln.confidence for ln in self.lines], [ln.exact for ln in self.lines])

    def to_json(self, top: int | None = None) -> dict[str, Any]:
        """Every figure, no per-line data (the ``top`` confusions of each kind, all if None).
        Timing is under ``speed``, apart from the figures that identical models share."""
        return {
            "model": self.model,
            "sha256": self.sha256,
            "overall": self.scores()["all"] if self.lines else {},
            "sources": self.scores(lambda ln: ln.source),
            "field_types": self.scores(lambda ln: ln.field_type),
            "confusions": self.confusions().to_json(top),
            "calibration": self.calibration(),
            "problems": self.problems,
            "speed": {"lines_per_s": self.lines_per_s, "seconds": self.seconds},
        }


def _read(rows: list[LabelRow], source: str, recognizer: Any, out: HtrEval) -> None:
    images, readable = [], []
    readings: dict[int, tuple[str, float]] = {}
    for k, row in enumerate(rows):
        try:
            images.append(load_line(row.image))
            readable.append(k)
        except OSError as exc:
            out.problems.append(f"{source}:{row.line}: {exc}: {row.rel}")
            readings[k] = ("", 0.0)
    if images:
        for k, result in zip(readable, recognizer.recognize(images)):
            readings[k] = (result.text, float(result.confidence))
    for k, row in enumerate(rows):
        text, conf = readings[k]
        edits = TextScores().add(row.text, text)
        out.lines.append(LineEval(source, line_field_type(row.rel), row.text, text, conf, edits))


def evaluate_htr_bundle(onnx: Path, sources: Mapping[str, Path], *, threads: int | None = None,
                        limit: int | None = None) -> HtrEval:
    """Read every line of each source (name -> labels.tsv) with the recognizer ``onnx``, greedily
    as ``hotich eval htr`` does; ``limit`` keeps the first lines of each source. The labels files
    are all read (and checked) before the model is loaded; ``lines_per_s`` times image decoding
    and recognition, not model loading."""
    from ocr.htr.recognizer import Recognizer

    rows = {name: read_labels(Path(path), limit) for name, path in sources.items()}
    recognizer = Recognizer(onnx, threads=threads)
    out = HtrEval(Path(onnx).name, file_sha256(Path(onnx)))
    start = time.perf_counter()
    for name, labelled in rows.items():
        for i in range(0, len(labelled), CHUNK_LINES):
            _read(labelled[i:i + CHUNK_LINES], name, recognizer, out)
    out.seconds = time.perf_counter() - start
    return out
