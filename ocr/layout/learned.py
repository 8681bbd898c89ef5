"""The learned layout analyzer: the U-Net's maps (``models/layout.onnx``) in place of the
classical ruling and ink analysis, the same template fitting after them.

Rules: the horizontal and vertical rule maps, upsampled to the working image, feed the grid and
template matching of :mod:`ocr.layout.classical` (its morphological ruling is the fallback where
the maps' grid does not fit). Text lines: connected line cores are the instances and every pixel
of the line map goes to its nearest core; the page's ink components join the instance that covers
most of them, and each line is outlined from its own ink inside its map, strip by strip like the
ground truth (a line much taller than the page's typical one is split by the classical grouping).
Printed text: components of the print map become title and header regions.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort

from ocr.htr.bundle import ModelError, file_sha256, session_options
from ocr.registry import active_model_path
from ocr.layout.classical import ClassicalLayoutAnalyzer, PageStructure, lines_in_slots
from ocr.layout.deskew import binarize, gray_channel
from ocr.layout.grid import long_only, ruling_masks
from ocr.layout.textlines import dotted_rules, group_lines, outline, outline_mask, text_components
from ocr.layout.maps import MAP_CHANNELS, MapSpec

TASK = "layout"
THRESHOLD = 0.5
MIN_CORE = 10  # px at model scale: smaller core pieces are noise
PRINTED_INK = 0.5  # an ink component more than this share on the printed-text map is print
JOIN = 5  # px at model scale: core pieces this close along a line are one line
REACH = 10  # px at model scale: line pixels farther than this from every core are dropped
RULE_JOIN = 9  # px at model scale: gaps this long along a rule are closed
RULE_MIN = 40  # a rule is at least 1/40 of the page's long side
TALL = 1.7  # a line whose ink is this many times the page's typical line height holds several
MIN_INK = 12  # px: smaller ink specks are noise (as in the classical analyzer)
_EXPORT = "export one with `hotich export layout --checkpoint RUN/best.pt`, or use the classical analyzer"


class LayoutModel:
    """An open layout model: ONNX session, map channels and input spec from its metadata."""

    def __init__(self, path: str | Path | None = None, threads: int | None = None) -> None:
        self.path = Path(path) if path else active_model_path(TASK)
        if not self.path.is_file():
            raise ModelError(f"{self.path}: no layout model there; {_EXPORT}")
        # the memory arena stays on: inputs are at most spec.long_side square, so it stays bounded
        # (measured over 24 pages of 8 shapes: 0.18 s a page at 616 MB peak, against 0.30 s at 461 MB without)
        opts = session_options(threads)
        try:
            self.session = ort.InferenceSession(str(self.path), opts, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types
            raise ModelError(f"{self.path}: not a readable ONNX model ({exc}); {_EXPORT}") from exc
        meta = self.session.get_modelmeta().custom_metadata_map
        if meta.get("hotich.task") != TASK:
            raise ModelError(f"{self.path}: not a layout model (task {meta.get('hotich.task')!r}); {_EXPORT}")
        channels = json.loads(meta.get("hotich.channels", "[]"))
        if channels != list(MAP_CHANNELS):
            raise ModelError(f"{self.path}: predicts {channels}, this version reads {list(MAP_CHANNELS)}; {_EXPORT}")
        self.spec = MapSpec(**json.loads(meta["hotich.input"]))
        self.info = json.loads(meta.get("hotich.model", "{}"))
        self.sha256 = file_sha256(self.path)

    @property
    def provenance(self) -> dict[str, str]:
        return {f"{TASK}:{self.info.get('name') or self.path.stem}": self.sha256}

    def predict(self, image: np.ndarray) -> np.ndarray:
        """Probabilities (C, h, w) at model scale (unpadded) of an RGB page."""
        x = self.spec.tensor(image)
        logits = self.session.run(["maps"], {"image": x})[0][0]
        w, h = self.spec.size(image.shape[1], image.shape[0])
        return 1.0 / (1.0 + np.exp(-logits[:, :h, :w]))


def line_labels(probs: np.ndarray, threshold: float = THRESHOLD) -> np.ndarray:
    """Handwritten lines as a label image at model scale (0 = none, k = line k): connected cores
    (cut at vertical rules, joined along the line), each with the line-map pixels nearest to it."""
    c = {name: probs[i] > threshold for i, name in enumerate(MAP_CHANNELS)}
    rules = cv2.dilate(c["vrule"].astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    core = (c["core"] & ~rules).astype(np.uint8)
    core = cv2.morphologyEx(core, cv2.MORPH_CLOSE, np.ones((1, JOIN), np.uint8)) & ~rules
    n, labels, stats, _ = cv2.connectedComponentsWithStats(core.astype(np.uint8), connectivity=8)
    keep = np.flatnonzero(stats[:, 4] >= MIN_CORE)
    keep = keep[keep > 0]
    if not keep.size:
        return np.zeros(core.shape, np.int32)
    lut = np.zeros(n, np.int32)
    lut[keep] = np.arange(1, keep.size + 1)
    cores = lut[labels]
    dist, nearest = cv2.distanceTransformWithLabels((cores == 0).astype(np.uint8), cv2.DIST_L2, 3,
                                                    labelType=cv2.DIST_LABEL_CCOMP)
    owner = np.zeros(int(nearest.max()) + 1, np.int32)
    owner[nearest[cores > 0]] = cores[cores > 0]
    return np.where(((c["line"] & (dist <= REACH)) | (cores > 0)), owner[nearest], 0).astype(np.int32)


def ink_lines(work: np.ndarray, rules: np.ndarray, inst: np.ndarray, printed: np.ndarray | None = None
              ) -> list[tuple[np.ndarray, np.ndarray]]:
    """(polygon, baseline) per handwritten line in working pixels, outlined from the page's own
    ink as the ground truth is: every ink component (rules removed) joins the line whose map
    covers most of it; lines are then traced strip by strip around their ink. A component mostly
    on the ``printed`` map (model scale) is a printed label beside the writing, and joins none."""
    h, w = work.shape[:2]
    comps = text_components(binarize(gray_channel(work)), rules)
    big = cv2.resize(inst, (w, h), interpolation=cv2.INTER_NEAREST)
    if printed is not None:
        on_print = cv2.resize(printed.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST) > 0
        share = np.bincount(comps.labels[on_print], minlength=len(comps.stats)) / np.maximum(comps.stats[:, 4], 1)
        big[(share > PRINTED_INK)[comps.labels] & (comps.labels > 0)] = 0
    n = int(inst.max())
    sel = (comps.labels > 0) & (big > 0)
    if not n or not sel.any():
        return []
    pairs = comps.labels[sel].astype(np.int64) * (n + 1) + big[sel]
    u, counts = np.unique(pairs, return_counts=True)
    comp, line = u // (n + 1), u % (n + 1)
    order = np.lexsort((-counts, comp))
    first = np.r_[True, comp[order][1:] != comp[order][:-1]]
    members: dict[int, list[int]] = {}
    for c_id, l_id in zip(comp[order][first], line[order][first]):
        if comps.stats[c_id, 4] >= MIN_INK:
            members.setdefault(int(l_id), []).append(int(c_id))
    region = cv2.dilate(big.astype(np.uint16), np.ones((3, 3), np.uint8)) if n < 65536 else big
    heights = {k: _ink_height(comps, ids) for k, ids in members.items()}
    typical = float(np.median(list(heights.values()))) if heights else 0.0
    out = []
    for l_id, ids in sorted(members.items()):
        if len(ids) > 1 and heights[l_id] > TALL * typical:
            # lines written too close for the map's scale came out as one: split them by ink
            for part in group_lines(comps, ids):
                out.append(outline(comps, part))
            continue
        st = comps.stats[ids]
        x0, y0 = st[:, 0].min(), st[:, 1].min()
        x1, y1 = (st[:, 0] + st[:, 2]).max(), (st[:, 1] + st[:, 3]).max()
        # the line's ink, where the map says the line is: not the dotted rule or the stroke of a
        # neighbouring line that a component of it touches
        ink = np.isin(comps.labels[y0:y1, x0:x1], ids) & (region[y0:y1, x0:x1] == l_id)
        if ink.any():
            poly, base = outline_mask(ink)
            out.append((poly + [x0, y0], base + [x0, y0]))
    return out


def _ink_height(comps, ids: list[int]) -> float:
    st = comps.stats[ids]
    return float((st[:, 1] + st[:, 3]).max() - st[:, 1].min())


def printed_blocks(probs: np.ndarray, scale: tuple[float, float], threshold: float = THRESHOLD) -> list[np.ndarray]:
    """Box polygons (working pixels) of the printed text blocks (words merged along the line)."""
    mask = (probs[MAP_CHANNELS.index("print")] > threshold).astype(np.uint8)
    mask = cv2.dilate(mask, np.ones((3, 9), np.uint8))
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out = []
    sx, sy = scale
    for x, y, w, h, area in stats[1:]:
        if area < 20:
            continue
        out.append(np.array([(x, y), (x + w, y), (x + w, y + h), (x, y + h)], float) * [sx, sy])
    return out


class LearnedLayoutAnalyzer(ClassicalLayoutAnalyzer):
    """U-Net maps + template fitting; see the module docstring."""

    name = "learned"

    def __init__(self, model_path: str | Path | None = None, threads: int | None = None, deskew: bool = True,
                 orientation: bool = False, threshold: float = THRESHOLD, headers: bool = True) -> None:
        super().__init__(deskew=deskew, orientation=orientation, headers=headers)
        self.model = LayoutModel(model_path, threads)
        self.threshold = threshold

    @property
    def models(self) -> dict[str, str]:
        """``{model id: sha256}`` for the drafts' provenance."""
        return self.model.provenance

    def fallback_ruling(self, work: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The classical morphological ruling: used where the maps' grid does not fit."""
        return ruling_masks(binarize(gray_channel(work)))

    def page_structure(self, work: np.ndarray, dotted: float | None = None) -> PageStructure:
        probs = self.model.predict(work)
        h, w = work.shape[:2]
        sx, sy = w / probs.shape[2], h / probs.shape[1]

        def full(channel: str, kernel: tuple[int, int]) -> np.ndarray:
            """The rule mask at working size, closed along the rule: a rule's pieces broken where
            it crosses the other direction's rules or handwriting become one line again."""
            m = (probs[MAP_CHANNELS.index(channel)] > self.threshold).astype(np.uint8) * 255
            m = cv2.morphologyEx(m, cv2.MORPH_CLOSE, np.ones(kernel, np.uint8))
            m = long_only(m, kernel[1] > kernel[0], max(m.shape) // RULE_MIN)  # specks are not rules
            # rules stop short of the crossing rule (the other map holds the crossing): reach it,
            # so that frames and corners close
            m = cv2.dilate(m, np.ones((1, RULE_JOIN) if kernel[1] > kernel[0] else (RULE_JOIN, 1), np.uint8))
            return cv2.resize(m, (w, h), interpolation=cv2.INTER_LINEAR)

        hmask, vmask = full("hrule", (3, RULE_JOIN)), full("vrule", (RULE_JOIN, 3))
        rules = hmask | vmask
        if dotted:
            rules = rules | dotted_rules(binarize(gray_channel(work)), dotted)
        printed = probs[MAP_CHANNELS.index("print")] > self.threshold
        found = ink_lines(work, rules, line_labels(probs, self.threshold), printed)
        return PageStructure(hmask, vmask, lambda slots: lines_in_slots(found, slots, (h, w)),
                             printed_blocks(probs, (sx, sy), self.threshold))
