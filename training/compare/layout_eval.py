"""Evaluate a layout bundle on synthetic pages with ground truth: record, cell and line F1
(IoU 0.5) overall and per template, by :func:`ocr.evaluation.layout.evaluate_layout`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocr.evaluation.layout import LayoutReport, evaluate_layout
from ocr.htr.bundle import file_sha256

FIGURES = ("record_f1", "cell_f1", "line_f1")
_TEMPLATE = "template:"


@dataclass
class LayoutEval:
    """F1 figures overall and per template, pages and time."""

    model: str
    sha256: str
    overall: dict[str, float] = field(default_factory=dict)
    templates: dict[str, dict[str, float]] = field(default_factory=dict)
    pages: int = 0
    seconds: float = 0.0

    @classmethod
    def from_report(cls, model: str, sha256: str, report: LayoutReport) -> "LayoutEval":
        def figures(key: str) -> dict[str, float]:
            s = report.summary(key)
            return {k: s[k] for k in FIGURES} | {"pages": report.pages.get(key, 0)}

        templates = {k[len(_TEMPLATE):]: figures(k) for k in sorted(report.groups) if k.startswith(_TEMPLATE)}
        return cls(model, sha256, figures("all"), templates, report.pages.get("all", 0), report.seconds)

    def to_json(self) -> dict[str, Any]:
        pps = self.pages / self.seconds if self.seconds else 0.0
        return {"model": self.model, "sha256": self.sha256, "overall": self.overall, "templates": self.templates,
                "pages": self.pages, "speed": {"pages_per_s": pps, "seconds": self.seconds}}


def evaluate_layout_bundle(onnx: Path, data: Path, limit: int | None = None, *,
                           threads: int | None = None) -> LayoutEval:
    """Run the learned layout analyzer with the model ``onnx`` on the pages of ``data``
    (``<page>.json`` ground truth beside its image, as ``hotich synth`` writes them)."""
    from ocr.layout.learned import LearnedLayoutAnalyzer

    report = evaluate_layout(Path(data), LearnedLayoutAnalyzer(model_path=onnx, threads=threads), limit)
    if not report.pages.get("all"):
        raise ValueError(f"{data}: no pages with ground truth (<page>.json beside <page>.jpg); "
                         "write some with `hotich synth --template all --pages 5 --seed 7 --out DIR`")
    return LayoutEval.from_report(Path(onnx).name, file_sha256(Path(onnx)), report)
