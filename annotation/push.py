"""``hotich annotate push``: pages out to a Label Studio project, with predictions.

Pages are schema page JSON files (synthetic truth, or ``hotich draft`` drafts) with their images.
Images are uploaded to Label Studio's own storage, so the server needs no access to the files
and works offline. Tasks are keyed by page id: pushing again uploads only new pages and replaces
the predictions of the same model version.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ocr.schema import Page
from ocr.templates import load_template

from annotation.client import BridgeError, LabelStudioClient
from annotation.convert import model_version, page_prediction, page_task
from annotation.labeling import page_config

DESCRIPTION = "Ledger pages from hotich: correct the pre-annotations (records, fields, lines, transcriptions)."


@dataclass
class PushReport:
    """What a push did."""

    project_id: int
    created: list[str] = field(default_factory=list)  # page ids of new tasks
    updated: list[str] = field(default_factory=list)  # page ids of tasks that existed
    predictions: int = 0
    warnings: list[str] = field(default_factory=list)


def page_files(paths: Iterable[Path]) -> list[Path]:
    """Page JSON files: the files given, and the ``*.json`` directly inside the folders given."""
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files += sorted(q for q in p.glob("*.json") if q.is_file())
        elif p.suffix == ".json" and p.is_file():
            files.append(p)
        else:
            raise BridgeError(f"{p}: not a page JSON file or a folder of them (run `hotich synth` or "
                              "`hotich draft` to make pages)")
    return files


def load_pages(files: Sequence[Path]) -> list[tuple[Page, Path]]:
    """Each page with its image file; pages without an image are an error naming the file."""
    out = []
    for f in files:
        try:
            page = Page.load(f)
        except ValueError as exc:
            raise BridgeError(f"{f}: not a page JSON ({str(exc)[:200]})") from None
        image = (f.parent / page.image.path).resolve()
        if not image.is_file():
            raise BridgeError(f"{f}: its image {image} is missing; keep pages next to their images")
        out.append((page, image))
    return out


def draft_for(page: Page, drafts: Path) -> Page | None:
    """The draft of a page in a ``hotich draft`` output folder (``drafts/<page id>.json``)."""
    for candidate in (drafts / "drafts" / f"{page.id}.json", drafts / f"{page.id}.json"):
        if candidate.is_file():
            return Page.load(candidate)
    return None


def _prediction_page(page: Page, drafts: Path | None, warnings: list[str]) -> Page | None:
    if drafts is None:
        return page
    draft = draft_for(page, drafts)
    if draft is None:
        warnings.append(f"{page.id}: no draft in {drafts}; pushed without predictions")
        return None
    if (draft.image.width, draft.image.height) != (page.image.width, page.image.height):
        warnings.append(f"{page.id}: the draft refers to a turned copy of the page "
                        f"({draft.image.width}x{draft.image.height}); pushed without predictions")
        return None
    return draft


def push_pages(client: LabelStudioClient, project: str, files: Sequence[Path], *,
               with_predictions: bool = False, drafts: Path | None = None) -> PushReport:
    """Create or update project ``project`` with the pages in ``files``; with predictions from
    ``drafts`` (a ``hotich draft`` output folder) when given, else from the page files."""
    pages = load_pages(files)
    if not pages:
        raise BridgeError("no pages to push")
    templates = [load_template(t) for t in sorted({p.template_id for p, _ in pages})]
    existing_project = client.find_project(project)
    if existing_project is not None:  # keep the labels of templates pushed before
        known = {t.id for t in templates}
        for task in client.sdk.tasks.list(project=existing_project.id):
            tid = (task.data or {}).get("template_id")
            if tid and tid not in known:
                known.add(tid)
                templates.append(load_template(tid))
    proj = client.ensure_project(project, page_config(templates), DESCRIPTION)
    report = PushReport(project_id=proj.id)
    existing = {(t.data or {}).get("page_id"): t for t in client.sdk.tasks.list(project=proj.id)}
    new_tasks, new_ids, versions = [], [], []
    for page, image in pages:
        pred_page = _prediction_page(page, drafts, report.warnings) if with_predictions else None
        if pred_page is not None:
            versions.append(model_version(pred_page))
        task = existing.get(page.id)
        if task is None:
            data = page_task(page, client.upload_file(proj.id, image), pred_page)
            new_tasks.append({"data": data, "predictions": [page_prediction(pred_page)] if pred_page else []})
            new_ids.append(page.id)
            report.predictions += pred_page is not None
            continue
        data = page_task(page, task.data["image"], pred_page)
        if pred_page is None:  # the regions of the earlier prediction keep their parents
            data["parents"] = task.data.get("parents", data["parents"])
        if data != task.data:
            client.sdk.tasks.update(id=str(task.id), data=data)
        if pred_page is not None:
            client.replace_prediction(task.id, page_prediction(pred_page))
            report.predictions += 1
        report.updated.append(page.id)
    for start in range(0, len(new_tasks), 20):  # several MB of polygons per batch at most
        client.import_tasks(proj.id, new_tasks[start:start + 20])
    report.created = new_ids
    if versions:
        client.show_predictions(proj.id, versions[-1])
    return report
