"""Layout evaluation: predicted records, body cells and handwritten lines matched one-to-one to
the ground truth at polygon IoU >= 0.5 (and 0.75); precision, recall and F1 per page, and summed
over all pages, per template, per hard condition and for dense tables (>= 30 rows)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from ocr.schema import Page, Record, TableGrid
from ocr.templates import LedgerTemplate, RowsLayout, load_template

KINDS = ("record", "cell", "line")
THRESHOLDS = (0.5, 0.75)
RASTER_SCALE = 0.5  # polygons are rasterized at this scale to measure their overlap
DENSE_ROWS = 30


class LayoutDoc(Protocol):
    """What is scored: a ground-truth :class:`Page` or a layout result (duck-typed)."""

    grid: TableGrid | None
    records: list[Record]


def polygons(doc: LayoutDoc) -> dict[str, list[np.ndarray]]:
    """The scored polygons: record regions, body (non-header) cells, handwritten field lines."""
    cells = [c.polygon for c in doc.grid.cells if not c.header] if doc.grid else []
    lines = [ln.polygon for r in doc.records for f in r.fields for ln in f.lines]
    return {"record": [np.asarray(r.region, float) for r in doc.records],
            "cell": [np.asarray(p, float) for p in cells],
            "line": [np.asarray(p, float) for p in lines]}


class _Raster:
    """Polygons as small binary masks at a common scale, for pairwise IoU."""

    def __init__(self, polys: Sequence[np.ndarray], scale: float):
        self.origin, self.masks, self.areas = [], [], []
        for p in polys:
            q = np.asarray(p, float).reshape(-1, 2) * scale
            o = np.floor(q.min(0)).astype(int)
            size = np.ceil(q.max(0)).astype(int) - o + 1
            m = np.zeros((size[1], size[0]), np.uint8)
            cv2.fillPoly(m, [np.round((q - o) * 4).astype(np.int32)], 1, shift=2)
            self.origin.append(o)
            self.masks.append(m)
            self.areas.append(int(m.sum()))
        self.boxes = np.array([[*o, o[0] + m.shape[1], o[1] + m.shape[0]]
                               for o, m in zip(self.origin, self.masks)], float).reshape(-1, 4)


def iou_pairs(pred: Sequence[np.ndarray], gt: Sequence[np.ndarray], scale: float = RASTER_SCALE
              ) -> list[tuple[float, int, int]]:
    """(IoU, pred index, gt index) for every overlapping pair of polygons."""
    if not len(pred) or not len(gt):
        return []
    a, b = _Raster(pred, scale), _Raster(gt, scale)
    pa, pb = a.boxes[:, None, :], b.boxes[None, :, :]
    overlap = (np.minimum(pa[..., 2], pb[..., 2]) > np.maximum(pa[..., 0], pb[..., 0])) & \
              (np.minimum(pa[..., 3], pb[..., 3]) > np.maximum(pa[..., 1], pb[..., 1]))
    out = []
    for i, j in zip(*np.nonzero(overlap)):
        (ox, oy), (qx, qy) = a.origin[i], b.origin[j]
        x0, y0 = max(ox, qx), max(oy, qy)
        x1 = min(ox + a.masks[i].shape[1], qx + b.masks[j].shape[1])
        y1 = min(oy + a.masks[i].shape[0], qy + b.masks[j].shape[0])
        inter = int((a.masks[i][y0 - oy:y1 - oy, x0 - ox:x1 - ox] & b.masks[j][y0 - qy:y1 - qy, x0 - qx:x1 - qx]).sum())
        union = a.areas[i] + b.areas[j] - inter
        if inter and union:
            out.append((inter / union, int(i), int(j)))
    return out


def match_count(pairs: Iterable[tuple[float, int, int]], threshold: float) -> int:
    """True positives of a one-to-one greedy matching (highest IoU first) at ``threshold``."""
    used_p, used_g, tp = set(), set(), 0
    for iou, i, j in sorted(pairs, reverse=True):
        if iou < threshold:
            break
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
            tp += 1
    return tp


@dataclass
class Counts:
    """Matches at each threshold and the numbers predicted and expected."""

    tp: dict[float, int] = field(default_factory=lambda: {t: 0 for t in THRESHOLDS})
    pred: int = 0
    gt: int = 0

    def add(self, other: "Counts") -> None:
        for t in self.tp:
            self.tp[t] += other.tp[t]
        self.pred += other.pred
        self.gt += other.gt

    def precision(self, t: float = 0.5) -> float:
        return self.tp[t] / self.pred if self.pred else 1.0  # nothing claimed, nothing wrong

    def recall(self, t: float = 0.5) -> float:
        return self.tp[t] / self.gt if self.gt else 1.0  # nothing expected, nothing missed

    def f1(self, t: float = 0.5) -> float:
        denom = self.pred + self.gt
        return 2 * self.tp[t] / denom if denom else 1.0


def score_page(gt: LayoutDoc, pred: LayoutDoc) -> dict[str, Counts]:
    """Counts per kind (record, cell, line) for one page."""
    g, p = polygons(gt), polygons(pred)
    out = {}
    for kind in KINDS:
        pairs = iou_pairs(p[kind], g[kind])
        out[kind] = Counts({t: match_count(pairs, t) for t in THRESHOLDS}, len(p[kind]), len(g[kind]))
    return out


@dataclass
class LayoutReport:
    """Counts summed per group ("all", "template:<id>", "condition:<name>", "dense")."""

    groups: dict[str, dict[str, Counts]] = field(default_factory=dict)
    pages: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    warnings: int = 0

    def add(self, keys: Iterable[str], counts: dict[str, Counts]) -> None:
        for key in keys:
            group = self.groups.setdefault(key, {k: Counts() for k in KINDS})
            for kind in KINDS:
                group[kind].add(counts[kind])
            self.pages[key] = self.pages.get(key, 0) + 1

    def summary(self, key: str = "all") -> dict[str, float]:
        g = self.groups.get(key, {k: Counts() for k in KINDS})
        out: dict[str, float] = {f"{k}_f1": g[k].f1(0.5) for k in KINDS}
        out.update({f"{k}_f1_75": g[k].f1(0.75) for k in KINDS})
        out.update({f"{k}_precision": g[k].precision(0.5) for k in KINDS})
        out.update({f"{k}_recall": g[k].recall(0.5) for k in KINDS})
        return out

    def to_json(self) -> dict[str, Any]:
        """The four headline figures first, then per-IoU details and the groups."""
        n = self.pages.get("all", 0)
        s = self.summary()
        out: dict[str, Any] = {"record_f1": s["record_f1"], "cell_f1": s["cell_f1"], "line_f1": s["line_f1"],
                               "pages_per_s": n / self.seconds if self.seconds else 0.0}
        out.update({k: v for k, v in s.items() if k not in out})
        out["pages"] = n
        out["warnings"] = self.warnings
        out["groups"] = {key: {**self.summary(key), "pages": self.pages[key]} for key in self.groups if key != "all"}
        return out


def group_keys(page: Page, template: LedgerTemplate) -> list[str]:
    """The groups a page counts in."""
    conds = (page.provenance.conditions if page.provenance else []) or ["none"]
    keys = ["all", f"template:{page.template_id}", *[f"condition:{c}" for c in conds]]
    if isinstance(template.layout, RowsLayout) and template.layout.rows_per_page[1] >= DENSE_ROWS:
        keys.append("dense")
    return keys


def page_files(data: Path, limit: int | None = None) -> list[Path]:
    """Ground-truth JSON files under a folder (and its subfolders, sorted) with an image beside them."""
    files = [p for p in sorted(Path(data).rglob("*.json")) if p.with_suffix(".jpg").exists() or p.with_suffix(".png").exists()]
    return files[:limit] if limit else files


def load_rgb(path: Path) -> np.ndarray:
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise ValueError(f"{path}: cannot read the image")
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def evaluate_layout(data: Path, analyzer: Any, limit: int | None = None, *, use_side: bool = True
                    ) -> LayoutReport:
    """Run ``analyzer`` on every page of ``data`` with ground truth and score it.

    ``pages_per_s`` counts analysis time only (image decoding excluded)."""
    report = LayoutReport()
    templates: dict[str, LedgerTemplate] = {}
    for path in page_files(data, limit):
        gt = Page.load(path)
        t = templates.setdefault(gt.template_id, load_template(gt.template_id))
        image = load_rgb(path.parent / gt.image.path)
        start = time.perf_counter()
        pred = analyzer.analyze(image, t, gt.side if use_side else None)
        report.seconds += time.perf_counter() - start
        report.warnings += len(getattr(pred, "warnings", []))
        report.add(group_keys(gt, t), score_page(gt, pred))
    return report
