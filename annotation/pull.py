"""``hotich annotate pull``: finished annotations back as ground truth for training.

Output folder (rewritten on every pull, so pulling twice gives the same files)::

    OUT/pages/<page>.json   schema pages (provenance "annotation"), like synthetic ground truth
    OUT/pages/<page>.jpg    their images, as uploaded
    OUT/lines/<page>/<line>.jpg, OUT/labels.tsv   line crops and transcriptions for the recognizer
    OUT/report.json         tasks pulled, unlabeled, skipped and draft-only; warnings; agreement

A task's ground truth is its annotation marked as ground truth, else its latest submitted one;
skipped (cancelled) annotations never count. Where several annotators submitted a page, their
agreement is reported.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ocr.htr.preprocess import line_crop
from ocr.schema import FieldStatus, Line, Page
from ocr.templates import LedgerTemplate, TemplateError, load_template

from annotation.agreement import Agreement, page_agreement, summary
from annotation.client import BridgeError, LabelStudioClient
from annotation.convert import PulledPage, results_to_page

PAGES, LINES, LABELS, REPORT = "pages", "lines", "labels.tsv", "report.json"
JPEG_QUALITY = 90


@dataclass
class PullReport:
    """What a pull found: page ids by outcome, warnings per page, agreement per page."""

    pulled: list[str] = field(default_factory=list)
    unlabeled: list[str] = field(default_factory=list)  # no annotation yet
    skipped: list[str] = field(default_factory=list)  # every annotation cancelled
    drafts_only: list[str] = field(default_factory=list)  # started, not submitted
    lines: int = 0
    warnings: dict[str, list[str]] = field(default_factory=dict)
    agreement: dict[str, Agreement] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"pulled": self.pulled, "unlabeled": self.unlabeled, "skipped": self.skipped,
                "drafts_only": self.drafts_only, "lines": self.lines, "warnings": self.warnings,
                "agreement": summary(self.agreement)}


def submitted(task: dict[str, Any]) -> list[dict[str, Any]]:
    """A task's submitted, not cancelled annotations, the ground truth first (marked, else latest)."""
    anns = [a for a in task.get("annotations", []) if not a.get("was_cancelled") and a.get("result")]
    return sorted(anns, key=lambda a: (bool(a.get("ground_truth")), a.get("updated_at") or "", a.get("id", 0)),
                  reverse=True)


def training_lines(page: Page) -> list[Line]:
    """Lines fit to train a recognizer: read in filled fields and margin notes, not struck out."""
    lines = [ln for r in page.records for f in r.fields if f.status == FieldStatus.FILLED for ln in f.lines]
    lines += [ln for reg in page.regions if reg.kind == "margin_note" for ln in reg.lines]
    return [ln for ln in lines if ln.text.strip() and not ln.strikethrough]


def _template(tid: str, cache: dict[str, LedgerTemplate]) -> dict[str, LedgerTemplate]:
    if tid not in cache:
        try:
            cache[tid] = load_template(tid)
        except TemplateError:
            pass  # fields are kept; values the annotator left empty stay empty
    return cache


def _write_lines(page: Page, image: bytes, out: Path) -> list[tuple[str, str]]:
    grey = cv2.imdecode(np.frombuffer(image, np.uint8), cv2.IMREAD_GRAYSCALE)
    if grey is None:
        raise BridgeError(f"page {page.id}: its image cannot be decoded; re-upload it with `hotich annotate push`")
    rows = []
    (out / LINES / page.id).mkdir(parents=True, exist_ok=True)
    for ln in training_lines(page):
        crop = line_crop(grey, ln.polygon)
        if crop.size == 0:
            continue
        rel = f"{LINES}/{page.id}/{ln.id}.jpg"
        ok, buf = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        if ok:
            (out / rel).write_bytes(buf.tobytes())
            rows.append((rel, ln.text))
    return rows


def _clear(out: Path, page_id: str, *, image: bool = True) -> None:
    """Remove what an earlier pull wrote for a page (its image too, unless ``image`` is False)."""
    shutil.rmtree(out / LINES / page_id, ignore_errors=True)
    for p in [out / PAGES / f"{page_id}.json"] + ([out / PAGES / f"{page_id}.jpg"] if image else []):
        p.unlink(missing_ok=True)


def _image(client: LabelStudioClient, url: str, dest: Path) -> bytes:
    """The page image, downloaded unless ``dest`` already holds it."""
    if dest.is_file():
        return dest.read_bytes()
    data = client.download(url)
    dest.write_bytes(data)
    return data


def pull_project(client: LabelStudioClient, project: str, out: Path) -> PullReport:
    """Export project ``project`` and write its finished pages, line crops and report to ``out``."""
    proj = client.find_project(project)
    if proj is None:
        raise BridgeError(f"no Label Studio project {project!r}; push pages first with `hotich annotate push`")
    (out / PAGES).mkdir(parents=True, exist_ok=True)
    (out / LINES).mkdir(parents=True, exist_ok=True)
    report, templates, rows = PullReport(), {}, []
    for task in sorted(client.export_tasks(proj.id), key=lambda t: t["data"].get("page_id", "")):
        data = task["data"]
        page_id = data.get("page_id")
        if not page_id or "page" not in data:
            continue  # not a task pushed by hotich
        anns = submitted(task)
        if not anns:
            _clear(out, page_id)
            if any(a.get("was_cancelled") for a in task.get("annotations", [])):
                report.skipped.append(page_id)
            elif task.get("drafts"):
                report.drafts_only.append(page_id)
            else:
                report.unlabeled.append(page_id)
            continue
        _template(data["page"]["template_id"], templates)
        pulled: list[PulledPage] = [results_to_page(a["result"], data, templates, created=a.get("updated_at"))
                                    for a in anns]
        truth = pulled[0].page
        if pulled[0].warnings:
            report.warnings[page_id] = pulled[0].warnings
        if len(pulled) > 1:
            report.agreement[page_id] = page_agreement([p.page for p in pulled])
        _clear(out, page_id, image=False)
        image = _image(client, data["image"], out / PAGES / f"{page_id}.jpg")
        truth.image = truth.image.model_copy(update={"path": f"{page_id}.jpg",
                                                     "sha256": hashlib.sha256(image).hexdigest()})
        truth.save(out / PAGES / f"{page_id}.json")
        page_rows = _write_lines(truth, image, out)
        rows += page_rows
        report.lines += len(page_rows)
        report.pulled.append(page_id)
    (out / LABELS).write_text("".join(f"{p}\t{t}\n" for p, t in rows), encoding="utf-8")
    (out / REPORT).write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    return report
