"""Agreement between annotators of one page: regions matched by IoU, text compared by CER."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from itertools import combinations

import numpy as np

from ocr.evaluation.layout import iou_pairs
from ocr.metrics import TextScores
from ocr.schema import Page

MATCH_IOU = 0.5
ROLES = ("records", "fields", "lines")


@dataclass
class RoleAgreement:
    """Regions of one role over all pairs of annotations: matched pairs, counts and mean IoU."""

    matched: int = 0
    regions: int = 0  # regions of both annotations of every pair, counted once each
    iou_sum: float = 0.0

    @property
    def f1(self) -> float:
        return 2 * self.matched / self.regions if self.regions else 1.0

    @property
    def mean_iou(self) -> float:
        return self.iou_sum / self.matched if self.matched else 0.0


@dataclass
class Agreement:
    """Agreement of the annotations of one page (every pair compared)."""

    annotations: int
    roles: dict[str, RoleAgreement] = field(default_factory=lambda: {r: RoleAgreement() for r in ROLES})
    text: TextScores = field(default_factory=TextScores)

    def to_dict(self) -> dict:
        return {"annotations": self.annotations,
                **{r: {"f1": round(a.f1, 4), "mean_iou": round(a.mean_iou, 4), "matched": a.matched,
                       "regions": a.regions} for r, a in self.roles.items()},
                "text_cer": round(self.text.cer, 4), "text_chars": self.text.chars}


def _regions(page: Page, role: str) -> list[tuple[str, str, np.ndarray]]:
    """(match key, text, polygon) of every region of a role; fields match only their own key."""
    if role == "records":
        return [("", "", np.asarray(r.region)) for r in page.records]
    if role == "fields":
        return [(f.key, f.raw_text, np.asarray(f.region)) for r in page.records for f in r.fields
                if f.region is not None]
    return [("", ln.text, np.asarray(ln.polygon)) for ln in page.all_lines()]


def match(a: Sequence[tuple[str, str, np.ndarray]], b: Sequence[tuple[str, str, np.ndarray]],
          threshold: float = MATCH_IOU) -> list[tuple[float, int, int]]:
    """One-to-one greedy matching (highest IoU first) of regions with equal keys."""
    pairs = [(iou, i, j) for iou, i, j in iou_pairs([p for _, _, p in a], [p for _, _, p in b])
             if iou >= threshold and a[i][0] == b[j][0]]
    used_a, used_b, out = set(), set(), []
    for iou, i, j in sorted(pairs, reverse=True):
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            out.append((iou, i, j))
    return out


def page_agreement(pages: Sequence[Page], threshold: float = MATCH_IOU) -> Agreement:
    """Agreement of several annotations of one page: per role, matched regions (F1) and their
    mean IoU; the CER of matched fields' and lines' text, the first of each pair as reference."""
    result = Agreement(annotations=len(pages))
    for pa, pb in combinations(pages, 2):
        for role in ROLES:
            a, b = _regions(pa, role), _regions(pb, role)
            pairs = match(a, b, threshold)
            agg = result.roles[role]
            agg.matched += len(pairs)
            agg.regions += len(a) + len(b)
            agg.iou_sum += sum(iou for iou, _, _ in pairs)
            if role != "records":
                for _, i, j in pairs:
                    result.text.add(a[i][1], b[j][1])
    return result


def summary(agreements: dict[str, Agreement]) -> dict:
    """Per page and overall agreement as plain data (for ``report.json``)."""
    total = Agreement(annotations=sum(a.annotations for a in agreements.values()))
    for a in agreements.values():
        for role in ROLES:
            t, r = total.roles[role], a.roles[role]
            t.matched, t.regions, t.iou_sum = t.matched + r.matched, t.regions + r.regions, t.iou_sum + r.iou_sum
        for k, v in asdict(a.text).items():
            setattr(total.text, k, getattr(total.text, k) + v)
    return {"pages": {pid: a.to_dict() for pid, a in agreements.items()},
            "overall": total.to_dict() if agreements else None}
