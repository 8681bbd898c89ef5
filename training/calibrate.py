"""Fit a recognizer bundle's auto-accept thresholds on synthetic pages with truth (``hotich models calibrate``).

The pages are drafted and scored exactly as ``hotich eval draft`` does (:func:`ocr.evaluation.draft.evaluate_draft`),
every scored field becomes a :class:`~ocr.calibration.FieldSample`, and :func:`~ocr.calibration.fit_calibration`
chooses the per-type thresholds. Torch-free.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ocr.calibration import Calibration, FieldSample, FitSource, coverage, fit_calibration
from ocr.draft.accept import accept_threshold
from ocr.evaluation.draft import evaluate_draft
from ocr.evaluation.layout import page_files
from ocr.registry import Bundle, file_sha256


def page_seeds(data: Path, limit: int | None = None) -> list[int]:
    """The generator seeds of the synthetic pages in ``data`` (from their provenance)."""
    seeds = set()
    for path in page_files(data, limit):
        seed = json.loads(path.read_text(encoding="utf-8")).get("provenance", {}).get("seed")
        if isinstance(seed, int):
            seeds.add(seed)
    return sorted(seeds)


def draft_samples(model: Path, data: Path, *, limit: int | None = None, threads: int | None = None,
                  progress: Callable[[int, int], None] | None = None) -> tuple[list[FieldSample], dict[str, Any]]:
    """Draft and score ``data``'s pages with the recognizer ``model``: every scored field as a sample,
    and the evaluation's result."""
    samples: list[FieldSample] = []
    result = evaluate_draft(data, model=model, threads=threads, limit=limit, progress=progress,
                            on_field=samples.append)
    return samples, result


def calibrate_bundle(bundle: Bundle, data: Path, *, target: float = 0.99, min_fields: int = 50,
                     limit: int | None = None, threads: int | None = None,
                     progress: Callable[[int, int], None] | None = None) -> tuple[Calibration, list[FieldSample]]:
    """Fit ``bundle``'s per-type thresholds on ``data`` (not written anywhere; see :meth:`Calibration.save`)."""
    if bundle.task != "htr":
        raise ValueError(f"{bundle.id} is a {bundle.task} model; only recognizers (htr) have auto-accept thresholds")
    samples, result = draft_samples(bundle.onnx, data, limit=limit, threads=threads, progress=progress)
    source = FitSource(data=str(Path(data).resolve()), seeds=page_seeds(data, limit), pages=result["pages"],
                       model_id=bundle.id, model_sha256=bundle.meta.get("sha256") or file_sha256(bundle.onnx))
    return fit_calibration(samples, target, min_fields, source=source), samples


def calibration_rows(cal: Calibration, samples: list[FieldSample]) -> tuple[list[list[Any]], dict[str, Any]]:
    """Per type (threshold, status, fields, share and precision on the calibration set) for printing,
    and the totals with the calibration and with the global :data:`~ocr.draft.accept.AUTO_ACCEPT` (which never
    accepts a field drafted empty)."""
    def pct(x: float | None) -> str:
        return "-" if x is None else f"{100 * x:.1f} %"

    rows = [[kind, fit.fields, f"{fit.threshold:.3f}", fit.status, pct(fit.share), pct(fit.precision)]
            for kind, fit in sorted(cal.types.items())]
    totals = {}
    for name, rule in (("calibrated", cal.threshold), ("global", accept_threshold)):
        fields, accepted, correct = coverage(samples, rule)
        totals[name] = {"fields": fields, "share": accepted / fields if fields else 0.0,
                        "precision": correct / accepted if accepted else None}
    return rows, totals
