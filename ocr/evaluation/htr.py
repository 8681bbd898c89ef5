"""Evaluate a line recognizer on a labels file (``relative/path<TAB>text``, paths relative to
the file's folder).

Problems are never dropped silently:

- a malformed row (no TAB, or an empty path) makes the labels file invalid: :func:`read_labels`
  raises :class:`LabelsError` naming every bad line number, before any model work;
- an image that is missing or cannot be decoded is scored as an empty prediction (every
  reference character a deletion), counted in ``unreadable`` and named, with its line number,
  in ``problems``.

A row with an empty transcription is valid (an empty reference).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from ocr.metrics import TextScores, normalize
from ocr.text import nfc

CHUNK_LINES = 256  # images decoded and handed to the recognizer at a time (bounds memory)
MAX_LISTED = 10  # bad rows named in a LabelsError message


class LabelsError(ValueError):
    """A labels file that cannot be read as ``relative/path<TAB>text`` rows."""


class RecognizerUnavailable(RuntimeError):
    """Our recognizer cannot be loaded (module missing, model file missing or invalid)."""


@dataclass(frozen=True)
class LabelRow:
    """One labelled line: its 1-based line number in the labels file, image and NFC text."""

    line: int
    rel: str
    image: Path
    text: str


class HasText(Protocol):
    text: str


class LineRecognizer(Protocol):
    """Anything that reads line images: ``ocr.htr.recognizer.Recognizer`` and the benchmark
    baselines (``training.bench``)."""

    def recognize(self, images: Sequence[np.ndarray], *, beam_width: int = 1) -> Sequence[HasText]: ...


def read_labels(path: Path, limit: int | None = None) -> list[LabelRow]:
    """Rows of ``path`` (blank lines skipped; the first ``limit`` rows if given).

    Raises :class:`LabelsError` listing the malformed lines; missing images are not checked here.
    """
    path = Path(path)
    base = path.parent
    rows: list[LabelRow] = []
    bad: list[str] = []
    for n, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not line.strip():
            continue
        rel, tab, text = line.partition("\t")
        if not tab:
            bad.append(f"{path}:{n}: no TAB between image path and text")
        elif not rel.strip():
            bad.append(f"{path}:{n}: empty image path")
        else:
            rows.append(LabelRow(n, rel, base / rel, nfc(text)))
    if bad:
        shown = "\n".join(bad[:MAX_LISTED])
        more = f"\n... and {len(bad) - MAX_LISTED} more" if len(bad) > MAX_LISTED else ""
        raise LabelsError(f"{len(bad)} malformed row(s) in {path} "
                          f"(expected 'relative/path<TAB>text'):\n{shown}{more}")
    return rows[:limit] if limit is not None else rows


def load_line(path: Path) -> np.ndarray:
    """A line image as 8-bit greyscale (HxW); OSError if missing or undecodable."""
    try:
        data = np.fromfile(path, np.uint8)
    except OSError as exc:
        raise OSError(f"cannot read image: {exc.strerror or exc}") from None
    image = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE) if data.size else None
    if image is None or image.size == 0:
        raise OSError("cannot decode image" if data.size else "empty image file")
    return image


def load_recognizer(model_path: Path | None = None, threads: int | None = None,
                    batch_size: int = 32, lm: str | Path | None = "default",
                    lm_weight: float | None = None) -> LineRecognizer:
    """``ocr.htr.recognizer.Recognizer`` (default model: ``models/htr.onnx`` or
    ``$HOTICH_MODEL_DIR``) with the language model ``lm`` ("default": the shipped one if there is
    one; None: none), or :class:`RecognizerUnavailable` saying why it cannot be loaded."""
    try:
        from ocr.htr.lm import LM_WEIGHT, load_lm
        from ocr.htr.recognizer import Recognizer
    except ImportError as exc:
        raise RecognizerUnavailable(f"the ONNX recognizer cannot be imported ({exc})") from exc
    try:
        language = load_lm(None if lm == "default" else lm) if lm is not None else None
        return Recognizer(model_path=model_path, threads=threads, batch_size=batch_size, lm=language,
                          lm_weight=LM_WEIGHT if lm_weight is None else lm_weight)
    except Exception as exc:  # ModelError, LMError, and onnxruntime's own exception types
        raise RecognizerUnavailable(str(exc)) from exc


def model_identity(recognizer: object, given: Path | None = None) -> tuple[Path | None, str | None]:
    """The model file a recognizer was loaded from and its sha256, where known."""
    bundle = getattr(recognizer, "bundle", None)
    path = getattr(bundle, "path", None) or given
    if path is None:
        return None, None
    sha256 = getattr(bundle, "sha256", None)
    if sha256 is None and Path(path).is_file():
        from ocr.htr.bundle import file_sha256

        sha256 = file_sha256(Path(path))
    return Path(path), sha256


@dataclass
class _Outcome:
    row: LabelRow
    prediction: str
    problem: str | None = None
    edits: int = 0


def _read_chunk(rows: list[LabelRow], recognizer: LineRecognizer, beam_width: int) -> list[_Outcome]:
    outcomes = [_Outcome(row, "") for row in rows]
    images, readable = [], []
    for outcome in outcomes:
        try:
            images.append(load_line(outcome.row.image))
            readable.append(outcome)
        except OSError as exc:
            outcome.problem = f"{exc}: {outcome.row.image}"
    if images:
        results = recognizer.recognize(images, beam_width=beam_width)
        if len(results) != len(images):
            raise RuntimeError(f"the recognizer returned {len(results)} results for {len(images)} images")
        for outcome, result in zip(readable, results):
            outcome.prediction = result.text
    return outcomes


def evaluate_htr(labels: Path | list[LabelRow], recognizer: LineRecognizer, *, beam_width: int = 1,
                 limit: int | None = None, errors_out: Path | None = None, source: str | None = None,
                 chunk_lines: int = CHUNK_LINES) -> dict[str, Any]:
    """Read every labelled line with ``recognizer`` and score it against its transcription.

    Returns ``cer``, ``wer``, ``line_acc``, ``lines``, ``lines_per_s`` first, then ``seconds``,
    ``chars``, ``words``, ``exact``, ``unreadable`` and ``problems`` (``FILE:LINE: message``).
    ``lines_per_s`` is wall clock over image decoding and everything inside ``recognize``
    (resizing, batching, inference, decoding); loading the model is the caller's and not timed.
    ``errors_out`` gets a TSV of every line not read exactly (see :func:`write_errors`);
    ``source`` names the labels file in problems (default: its path, or ``labels``).
    """
    from_file = isinstance(labels, (str, Path))
    rows = read_labels(Path(labels), limit) if from_file else labels[:limit]
    source = source or (str(labels) if from_file else "labels")
    outcomes: list[_Outcome] = []
    start = time.perf_counter()
    for i in range(0, len(rows), chunk_lines):
        outcomes += _read_chunk(rows[i:i + chunk_lines], recognizer, beam_width)
    seconds = time.perf_counter() - start
    totals = TextScores()
    for outcome in outcomes:
        outcome.edits = totals.add(outcome.row.text, outcome.prediction)
    if errors_out is not None:
        write_errors(outcomes, Path(errors_out))
    problems = [f"{source}:{o.row.line}: {o.problem}" for o in outcomes if o.problem]
    return {
        "cer": totals.cer,
        "wer": totals.wer,
        "line_acc": totals.line_acc,
        "lines": totals.lines,
        "lines_per_s": totals.lines / seconds if seconds > 0 else 0.0,
        "seconds": seconds,
        "chars": totals.chars,
        "words": totals.words,
        "exact": totals.exact,
        "unreadable": len(problems),
        "problems": problems,
    }


def write_errors(outcomes: list[_Outcome], path: Path) -> None:
    """TSV with a header: ``line, image, edits, reference, prediction, problem`` for each line
    whose normalized prediction differs from its reference, in labels-file order."""
    out = ["line\timage\tedits\treference\tprediction\tproblem"]
    for o in outcomes:
        ref, hyp = normalize(o.row.text), normalize(o.prediction)
        if ref != hyp or o.problem:
            out.append(f"{o.row.line}\t{o.row.rel}\t{o.edits}\t{ref}\t{hyp}\t{o.problem or ''}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
