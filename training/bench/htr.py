"""Our line recognizer beside Tesseract-vie and PP-OCR (rapidocr) on the same labelled lines.

Every system goes through :func:`ocr.evaluation.htr.evaluate_htr`, so the metrics and the
speed (image decoding + the system's own resizing, batching, inference and decoding; model
loading not timed) are measured the same way. A system that cannot run is a row whose
``status`` says why instead of a crash.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ocr.evaluation.htr import (LineRecognizer, RecognizerUnavailable, evaluate_htr, load_recognizer,
                                model_identity, read_labels)
from ocr.htr.lm import LM_BEAM
from training.bench.baselines import NotInstalled, RapidOcrLines, TesseractLines

OK = "ok"


def _ours(model: Path | None, threads: int, batch_size: int, with_lm: bool
          ) -> tuple[LineRecognizer, str, int]:
    try:
        recognizer = load_recognizer(model, threads, batch_size, lm="default" if with_lm else None)
    except RecognizerUnavailable as exc:
        raise NotInstalled(f"not available: {exc}") from None
    path, sha256 = model_identity(recognizer, model)
    detail = f"{path}, sha256 {sha256[:12] if sha256 else '?'}"
    if not with_lm:
        return recognizer, detail + ", greedy", 1
    language = getattr(recognizer, "lm", None)
    if language is None:
        raise NotInstalled("no language model: build models/htr-lm.arpa.gz with `hotich train lm`")
    return recognizer, f"{detail}, beam {LM_BEAM} + {language.model_id}", LM_BEAM


def systems(model: Path | None, threads: int, batch_size: int
            ) -> list[tuple[str, Callable[[], tuple[LineRecognizer, str, int]]]]:
    """(name, loader) of each system; a loader gives (system, description, beam width) or raises
    NotInstalled when its tool is missing."""

    def baseline(cls: type) -> Callable[[], tuple[LineRecognizer, str, int]]:
        def load() -> tuple[LineRecognizer, str, int]:
            system = cls(threads=threads)
            return system, system.description, 1
        return load

    return [("hotich", lambda: _ours(model, threads, batch_size, False)),
            ("hotich+lm", lambda: _ours(model, threads, batch_size, True)),
            ("tesseract-vie", baseline(TesseractLines)),
            ("ppocr-rapidocr", baseline(RapidOcrLines))]


def bench_htr(labels: Path, model: Path | None = None, limit: int | None = None, threads: int = 1,
              batch_size: int = 32, only: set[str] | None = None) -> list[dict[str, Any]]:
    """One result per system (``only``: names to run): ``system``, ``status`` (``ok`` or why it
    did not run), ``detail``, then the :func:`evaluate_htr` keys when it ran."""
    rows = read_labels(labels, limit)
    results = []
    for name, load in systems(model, threads, batch_size):
        if only is not None and name not in only:
            continue
        try:
            recognizer, detail, beam = load()
        except NotInstalled as exc:
            results.append({"system": name, "status": str(exc), "detail": ""})
            continue
        scores = evaluate_htr(rows, recognizer, beam_width=beam, source=str(labels))
        results.append({"system": name, "status": OK, "detail": detail, **scores})
    return results
