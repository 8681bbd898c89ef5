"""Matching table columns to the template by their printed headers as well as their widths.

Books printed in other provinces and years have the template's columns in the same order with
other widths, so the found column rules are chosen by a monotone dynamic programme (as
:func:`ocr.layout.template_match.align`) whose cost for each chosen span adds its width misfit
(relative to the template's, capped) and a bonus for the header printed in it: widths decide
where headers are unreadable, headers where the widths disagree.

Header evidence: the header band (between the table's top rule and the first body rule) is cut
into text lines of printed ink (components with the ruling removed, between the found column rules
that reach them, grouped into lines by :func:`ocr.layout.textlines.group_lines`); the handwriting
recognizer gives each line's CTC log-probabilities, once per page. A span's lines, in reading
order, are scored against each template header by CTC likelihood per character, as a posterior
over the page's headers and a "none of them" alternative. Measured on 363 header cells of rendered
pages (models/layout.md): the recognizer reads printed headers badly (character error rate 0.46
with diacritics folded; the right header is the closest by edit distance for 76 % of cells) but
gives the right header the best likelihood for 90 % of them, so the likelihood decides.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from ocr.htr.recognizer import ModelError, Recognizer
from ocr.layout.deskew import binarize, gray_channel
from ocr.layout.grid import Curve
from ocr.layout.template_match import EXTRA_COST, MISS_COST, Alignment, column_bounds, fill_missing
from ocr.layout.textlines import MIN_AREA, PAD, group_lines, text_components
from ocr.registry import active_model_path
from ocr.templates import Column

NULL_NLL = 4.5  # per character: a span that reads every header worse than this holds none of them
HEADER_WEIGHT = 3.0  # cost bonus of a span certainly holding its column's header
WIDTH_SCALE = float(np.log(1.5))  # a span 1.5 times (or 2/3 of) its column's width costs 1
WIDTH_CAP = 2.0  # widths never outweigh a readable header by more than this per span
MAX_MISS = 2  # template boundaries in a row that may lack a found rule
MAX_EXTRA = 4  # found rules that may lie inside one column
BLANK_SURE = float(np.log(0.995))  # a frame this sure of the blank carries no text
MAX_RATIO = 2.2  # a column printed wider or narrower than this against the template's is a misfit
EDGE_TOL = 0.025  # of the table width: a found rule this close to the table's edge is the edge
EDGE_SEARCH = 0.2  # of the table width: how far inside the outline the table's edges are looked for

SpanScores = dict[tuple[int, int], np.ndarray]
"""(left rule, right rule) -> per template column, the probability that the span holds its header."""


def ctc_nll(seqs: Sequence[np.ndarray], labels: Sequence[Sequence[int]], which: Sequence[int]) -> np.ndarray:
    """CTC negative log-likelihood (blank 0) of each label sequence ``labels[b]`` given the
    log-probabilities ``seqs[which[b]]`` (T, C); batched, the sequences padded with blank frames
    (which leave every likelihood unchanged)."""
    t_max = max(len(s) for s in seqs)
    c = seqs[0].shape[1]
    stack = np.full((len(seqs), t_max, c), -np.inf, np.float32)
    stack[:, :, 0] = 0.0
    for k, s in enumerate(seqs):
        stack[k, :len(s)] = s
    n = len(labels)
    width = 2 * max(len(lb) for lb in labels) + 1
    ext = np.zeros((n, width), np.int64)
    for b, lb in enumerate(labels):
        ext[b, 1:2 * len(lb):2] = lb
    prev2 = np.roll(ext, 2, axis=1)
    skip = (ext != 0) & (ext != prev2)
    skip[:, :2] = False
    # emission probabilities of every label position at every frame, gathered once: (T, n, width)
    emit = np.exp(stack[np.asarray(which)[:, None, None], np.arange(t_max)[None, :, None],
                        ext[:, None, :]].transpose(1, 0, 2)).astype(np.float64)
    # the forward pass in probabilities, rescaled every frame (the scale's logs add up)
    alpha = np.zeros((n, width))
    alpha[:, :2] = emit[0, :, :2]
    log_scale = np.zeros(n)
    shifted = np.zeros((n, width + 2))  # alpha moved right by 0, 1 and 2
    for t in range(1, t_max):
        scale = np.maximum(alpha.max(1, keepdims=True), 1e-300)
        alpha /= scale
        log_scale += np.log(scale[:, 0])
        shifted[:, 2:] = alpha
        alpha = (alpha + shifted[:, 1:-1] + np.where(skip, shifted[:, :-2], 0.0)) * emit[t]
    ends = np.array([2 * len(lb) for lb in labels])
    idx = np.arange(n)
    with np.errstate(divide="ignore"):
        return -(np.log(alpha[idx, ends] + alpha[idx, ends - 1]) + log_scale)


def header_posteriors(seqs: Sequence[np.ndarray], headers: Sequence[Sequence[int]]) -> np.ndarray:
    """(spans, headers): the probability that each span (its log-probabilities, lines joined)
    holds each header, from the per-character CTC likelihoods, against a "none of them"
    alternative at :data:`NULL_NLL` per character."""
    if not seqs or not headers:
        return np.zeros((len(seqs), len(headers)))
    which = np.repeat(np.arange(len(seqs)), len(headers))
    nll = ctc_nll(seqs, [h for _ in seqs for h in headers], which).reshape(len(seqs), len(headers))
    per_char = nll / np.array([max(1, len(h)) for h in headers])
    logits = np.concatenate([-per_char, np.full((len(seqs), 1), -NULL_NLL)], 1)
    logits -= logits.max(1, keepdims=True)
    p = np.exp(logits)
    return (p / p.sum(1, keepdims=True))[:, :-1]


def choose_boundaries(pos: np.ndarray, widths: np.ndarray, scores: SpanScores | None = None
                      ) -> tuple[list[int | None], float]:
    """Which found rules (positions ``pos``, sorted; the first and last are the table's edges)
    are the boundaries of columns of relative ``widths``: per template boundary the index of its
    rule, or None where it has none; and the path's cost. A span costs its capped squared log
    width ratio minus :data:`HEADER_WEIGHT` times the probability that it holds its column's
    header (``scores``); a missing boundary costs ``MISS_COST``, a rule inside a column
    ``EXTRA_COST``."""
    n, m = len(widths), len(pos)
    cum = (np.concatenate([[0.0], np.cumsum(widths)]) / np.sum(widths)).tolist()
    x = np.asarray(pos, float).tolist()
    table = x[-1] - x[0]
    inf = float("inf")
    cost = [[inf] * m for _ in range(n + 1)]
    back: dict[tuple[int, int], tuple[int, int]] = {}
    cost[0][0] = 0.0
    scores = scores or {}
    for i in range(1, n + 1):
        for j in range(1, m):
            if (i == n) != (j == m - 1):
                continue  # the table's right edge is the last boundary and nothing else
            for ip in range(max(0, i - 1 - MAX_MISS), i):
                expected = (cum[i] - cum[ip]) * table
                for jp in range(max(0, j - 1 - MAX_EXTRA), j):
                    if cost[ip][jp] == inf:
                        continue
                    ratio = (x[j] - x[jp]) / expected
                    c = cost[ip][jp] + MISS_COST * (i - ip - 1) + EXTRA_COST * (j - jp - 1)
                    c += min(WIDTH_CAP, (math.log(max(ratio, 1e-6)) / WIDTH_SCALE) ** 2)
                    if i - ip == 1 and (jp, j) in scores:
                        c -= HEADER_WEIGHT * float(scores[(jp, j)][ip])
                    if c < cost[i][j]:
                        cost[i][j] = c
                        back[(i, j)] = (ip, jp)
    cost = np.array(cost)
    if not np.isfinite(cost[n, m - 1]):
        return [None] * (n + 1), float("inf")
    picks: list[int | None] = [None] * (n + 1)
    i, j = n, m - 1
    while (i, j) != (0, 0):
        picks[i] = j
        i, j = back[(i, j)]
    picks[0] = 0
    return picks, float(cost[n, m - 1])


@dataclass
class HeaderLine:
    """A printed text line of the header band: the found rules left and right of it (indices),
    its position and its log-probabilities."""

    left: int
    right: int
    x: float
    y: float
    logprobs: np.ndarray

    @property
    def frames(self) -> np.ndarray:
        """The log-probabilities without the frames of a run of near-certain blanks but its first
        (the likelihood of any text barely changes; scoring gets several times faster)."""
        blank = self.logprobs[:, 0] > BLANK_SURE
        keep = ~blank | np.r_[True, ~blank[:-1]]
        return self.logprobs[keep]


def column_texts(columns: list[Column]) -> list[str]:
    """What each column's header cell prints: its header, after its group's when the group is
    this column alone (the group's cell then sits above it, between the same rules)."""
    out = []
    for k, col in enumerate(columns):
        alone = col.group and all(c.group != col.group for j, c in enumerate(columns) if j != k)
        out.append(f"{col.group} {col.header}" if alone else col.header)
    return out


def header_reader() -> Recognizer | None:
    """The active recognizer, loaded once per process and model (a promotion is picked up);
    None where there is none (columns are then matched by widths alone)."""
    return _reader(str(active_model_path("htr")))


@lru_cache(maxsize=1)
def _reader(path: str) -> Recognizer | None:
    try:
        return Recognizer(path)
    except (ModelError, OSError):
        return None


class HeaderMatcher:
    """Column matching with the headers of one page (the working image), read by ``reader`` (a
    :class:`ocr.htr.recognizer.Recognizer`; None: widths only)."""

    def __init__(self, work: np.ndarray, reader: Recognizer | None) -> None:
        self.work = work
        self.reader = reader
        self._lines: dict[tuple, list[HeaderLine]] = {}  # both sides of a spread read the same band

    def align(self, found: list[Curve], columns: list[Column], x0: float, x1: float, top: Curve, body: Curve
              ) -> Alignment:
        """The template's column boundaries among the found vertical rules (``found``, sorted)
        of the table from ``x0`` to ``x1`` whose header lies between ``top`` and ``body``."""
        tw = x1 - x0
        near = [c for c in found if x0 - EDGE_TOL * tw <= c.mid <= x1 + EDGE_TOL * tw]

        def edge(x: float) -> tuple[Curve, bool]:
            close = [c for c in near if abs(c.mid - x) <= EDGE_TOL * tw]
            if close:
                return min(close, key=lambda c: abs(c.mid - x)), True
            return Curve.straight(False, x, top.mid, body.mid), False

        (first, first_found), (last, last_found) = edge(x0), edge(x1)
        rules = sorted({id(c): c for c in [first, *near, last]}.values(), key=lambda c: c.mid)
        # every boundary has its rule and no rule is extra: nothing for the headers to decide
        ambiguous = len(rules) != len(columns) + 1
        scores = self.span_scores(rules, columns, top, body) if self.reader is not None and ambiguous else None
        pos, widths = np.array([c.mid for c in rules]), np.array([c.width for c in columns])
        # the table's edges: the outline found, or a rule inside it (a paper edge or a margin rule
        # can pass for the outline)
        lefts = [k for k, c in enumerate(rules) if c.mid < x0 + EDGE_SEARCH * tw][:3]
        rights = [k for k, c in enumerate(rules) if c.mid > x1 - EDGE_SEARCH * tw][-3:]
        best: tuple[list[int | None], float] = ([None] * (len(columns) + 1), float("inf"))
        for a in lefts:
            for b in rights:
                if b - a < 1:
                    continue
                sub = {(i - a, j - a): v for (i, j), v in (scores or {}).items() if a <= i and j <= b}
                picks, cost = choose_boundaries(pos[a:b + 1], widths, sub)
                cost += EXTRA_COST * (a + len(rules) - 1 - b)
                if cost < best[1]:
                    best = ([p + a if p is not None else None for p in picks], cost)
        picks, cost = best
        if not np.isfinite(cost):
            return Alignment([], 0, cost)
        virtual = {id(c) for c, found_it in ((first, first_found), (last, last_found)) if not found_it}
        real = [p is not None and id(rules[p]) not in virtual for p in picks]
        chosen = [rules[p] if p is not None else None for p in picks]
        curves = fill_missing(chosen, column_bounds(columns, x0, x1))
        # a column far wider or narrower than any printing of it: the table's edges or rules are
        # wrong (a paper edge taken for the outline); its boundaries count as not matched, so that
        # the analyzer tries its fallback ruling
        ratio = np.diff([c.mid for c in curves]) / (curves[-1].mid - curves[0].mid) / (widths / widths.sum())
        odd = np.abs(np.log(np.maximum(ratio, 1e-6))) > np.log(MAX_RATIO)
        real = [r and not (i > 0 and odd[i - 1]) and not (i < len(odd) and odd[i]) for i, r in enumerate(real)]
        return Alignment(curves, sum(real), cost, real)

    def span_scores(self, rules: list[Curve], columns: list[Column], top: Curve, body: Curve) -> SpanScores:
        """Per span of found rules that holds header lines, the probability of each column's header."""
        key = (tuple(round(c.mid, 1) for c in rules), top.mid, body.mid)
        if key not in self._lines:
            self._lines[key] = self.header_lines(rules, top, body)
        lines = self._lines[key]
        if not lines:
            return {}
        texts = column_texts(columns)
        distinct = sorted(set(texts))
        charset = self.reader.charset
        labels = [charset.encode(t) for t in distinct if charset.covers(t)]
        kept = [t for t in distinct if charset.covers(t)]
        space = np.full((1, charset.size), -30.0, np.float32)
        space[0, charset.index()[" "]] = 0.0  # lines and pieces join at a space
        spans, seqs = [], []
        for jp in range(len(rules) - 1):
            for j in range(jp + 1, min(len(rules), jp + 2 + MAX_EXTRA)):
                inside = sorted((ln for ln in lines if jp <= ln.left and ln.right <= j), key=lambda ln: (ln.left, ln.y, ln.x))
                if not inside:
                    continue
                parts = [inside[0].frames]
                for ln in inside[1:]:
                    parts += [space, ln.frames]
                spans.append((jp, j))
                seqs.append(np.concatenate(parts))
        if not seqs or not labels:
            return {}
        post = header_posteriors(seqs, labels)
        col = np.array([kept.index(t) if t in kept else -1 for t in texts])
        return {s: np.where(col >= 0, p[col], 0.0) for s, p in zip(spans, post)}

    def header_lines(self, rules: list[Curve], top: Curve, body: Curve) -> list[HeaderLine]:
        """The printed text lines between ``top`` and ``body``, each between the nearest rules
        that reach it, with their log-probabilities (one recognizer call)."""
        h, w = self.work.shape[:2]
        xa, xb = int(max(0, rules[0].mid)), int(min(w, rules[-1].mid + 1))
        xs = np.linspace(xa, xb, 16)
        ya = int(max(0, np.min(top.at(xs)) - 2))
        yb = int(min(h, np.max(body.at(xs)) + 3))
        if yb - ya < 8 or xb - xa < 8:
            return []
        gray = gray_channel(self.work)[ya:yb, xa:xb]
        binary = binarize(gray, max(15, (min(h, w) // 40) | 1))  # the page's binarization block
        # the band's own ruling, by plain opening: the analyzers' masks (rule maps, or morphology
        # that first closes gaps) cover printed header words as if they were rules
        run = max(15, (yb - ya) // 2)  # px: a rule's straight run of ink; no printed letter has one
        rules_ink = cv2.morphologyEx(binary, cv2.MORPH_OPEN, np.ones((run, 1), np.uint8))
        rules_ink |= cv2.morphologyEx(binary, cv2.MORPH_OPEN, np.ones((1, 3 * run), np.uint8))
        comps = text_components(binary, rules_ink)
        ids = np.flatnonzero(comps.stats[:, 4] >= MIN_AREA)
        ids = ids[ids > 0]
        cx, cy = comps.centroids[ids, 0] + xa, comps.centroids[ids, 1] + ya
        band = body.at(cx) - top.at(cx)
        inside = (cy > top.at(cx) + 0.06 * band) & (cy < body.at(cx) - 0.06 * band)
        ids, cx, cy = ids[inside], cx[inside], cy[inside]
        if not ids.size:
            return []
        groups: dict[tuple[int, int], list[int]] = {}
        for i, x, y in zip(ids, cx, cy):
            reach = [k for k, c in enumerate(rules) if c.lo - 4 <= y <= c.hi + 4]
            lx = [k for k in reach if rules[k].at(y) < x]
            rx = [k for k in reach if rules[k].at(y) > x]
            if lx and rx:
                groups.setdefault((max(lx), min(rx)), []).append(int(i))
        crops, where = [], []
        for (lk, rk), members in groups.items():
            for line in group_lines(comps, members):
                st = comps.stats[line]
                x0, y0 = st[:, 0].min(), st[:, 1].min()
                x1, y1 = (st[:, 0] + st[:, 2]).max(), (st[:, 1] + st[:, 3]).max()
                ink = np.isin(comps.labels[y0:y1, x0:x1], line)
                crop = np.full((y1 - y0 + 2 * PAD, x1 - x0 + 2 * PAD), 255, np.uint8)
                crop[PAD:-PAD, PAD:-PAD] = np.where(ink, gray[y0:y1, x0:x1], 255)
                crops.append(crop)
                where.append((lk, rk, (x0 + x1) / 2 + xa, (y0 + y1) / 2 + ya))
        if not crops:
            return []
        logprobs = self.reader.logprobs(crops)
        return [HeaderLine(lk, rk, x, y, lp) for (lk, rk, x, y), lp in zip(where, logprobs)]

