"""Make a registry bundle from a training run: ONNX export, slim torch weights, ``bundle.json`` and a
model card carrying the run's dataset manifest, lineage and metrics (see :mod:`ocr.registry`)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import torch
import yaml

from ocr.registry import (BUNDLE_FILE, MODEL_CARD, MODEL_ONNX, MODEL_WEIGHTS, Bundle, RegistryError, bundle_id,
                          file_sha256, list_bundles, read_bundle, registry_dir)
from training.onnxfile import quantize_onnx

INT8_ONNX = "model.int8.onnx"


def run_checkpoint(path: Path, which: str = "best") -> Path:
    """The checkpoint of a run folder (``best.pt``, else ``last.pt``), or ``path`` itself."""
    if path.is_file():
        return path
    for name in (f"{which}.pt", "last.pt"):
        if (path / name).is_file():
            return path / name
    raise RegistryError(f"{path}: no {which}.pt or last.pt; give a run folder of `hotich train` or a checkpoint")


def checkpoint_task(state: dict[str, Any]) -> str:
    """``htr`` or ``layout``, from what a checkpoint carries."""
    if "charset" in state:
        return "htr"
    if "channels" in state:
        return "layout"
    raise RegistryError("the checkpoint is neither a recognizer (no charset) nor a layout model (no channels)")


def _export(task: str, checkpoint: Path, folder: Path) -> None:
    if task == "htr":
        from training.htr.export import export_onnx, slim_htr_checkpoint

        export_onnx(checkpoint, folder / MODEL_ONNX)
        slim_htr_checkpoint(checkpoint, folder / MODEL_WEIGHTS)
    else:
        from training.layout.export import export_layout, slim_layout_checkpoint

        export_layout(checkpoint, folder / MODEL_ONNX)
        slim_layout_checkpoint(checkpoint, folder / MODEL_WEIGHTS)


def _parent(init: dict[str, Any] | None) -> str | None:
    """The bundle a run was fine-tuned from (matched by its weights file), else the checkpoint path."""
    if not init or not init.get("from"):
        return None
    src = Path(str(init["from"]))
    for bundle in list_bundles():
        if bundle.weights is not None and src.exists() and bundle.weights.resolve() == src.resolve():
            return bundle.id
    return str(src)


def _run_file(checkpoint: Path, name: str) -> Any:
    path = checkpoint.parent / name
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return None


def add_bundle(source: Path, *, which: str = "best", quantize: bool = False, language: str = "vi",
               notes: str = "") -> Bundle:
    """Register the run (or checkpoint) ``source`` as a new bundle; returns it."""
    checkpoint = run_checkpoint(Path(source), which)
    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    task = checkpoint_task(state)
    root = registry_dir()
    root.mkdir(parents=True, exist_ok=True)
    work = root / f".new-{checkpoint.parent.name}-{dt.datetime.now().strftime('%H%M%S%f')}"
    work.mkdir()
    try:
        _export(task, checkpoint, work)
        if quantize:
            quantize_onnx(work / MODEL_ONNX)  # model.int8.onnx, same metadata
        created = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        sha = file_sha256(work / MODEL_ONNX)
        arch = str(state["config"]["model"].get("name", task))
        meta = {
            "id": bundle_id(task, arch, sha, created, language), "task": task, "arch": arch, "language": language,
            "created": created, "sha256": sha, "size_bytes": (work / MODEL_ONNX).stat().st_size,
            "int8": INT8_ONNX if quantize else None, "parent": _parent(state.get("init")),
            "run": str(checkpoint.parent), "checkpoint": checkpoint.name, "step": state.get("step"),
            "seed": state["config"].get("train", {}).get("seed"), "params": state.get("params"),
            "dev": _dev_metric(task, state), "manifest": _run_file(checkpoint, "manifest.json"),
            "config": state["config"], "metrics": {}, "notes": notes,
        }
        same = [b.id for b in list_bundles(task) if b.meta.get("sha256") == sha]
        if same:
            raise RegistryError(f"these weights are already the bundle {same[0]}; nothing to add")
        target = root / meta["id"]
        (work / BUNDLE_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        work.rename(target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    bundle = read_bundle(target)
    write_card(bundle)
    return read_bundle(target)


def _dev_metric(task: str, state: dict[str, Any]) -> dict[str, Any]:
    if task == "htr":
        return {"metric": "dev CER (real lines held out of the train split)", "value": state.get("best_cer")}
    return {"metric": "held-out pixel F1", "value": state.get("best")}


def record_metrics(bundle: Bundle, key: str, figures: dict[str, Any]) -> Bundle:
    """Store evaluation figures under ``metrics[key]`` of a registered bundle and rewrite its card."""
    if bundle.shipped:
        raise RegistryError(f"{bundle.id} is a shipped model: its card (models/{bundle.task}.md) is edited by hand")
    meta = dict(bundle.meta)
    meta["metrics"] = {**(meta.get("metrics") or {}), key: figures}
    (bundle.folder / BUNDLE_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n",
                                             encoding="utf-8")
    updated = read_bundle(bundle.folder)
    write_card(updated)
    return updated


def write_card(bundle: Bundle) -> Path:
    """The model card: YAML front matter (everything in ``bundle.json`` but the full config) and a
    short description with the commands to evaluate, compare, promote and roll back."""
    meta = bundle.meta
    front = {k: v for k, v in meta.items() if k != "config"}
    front["file"] = MODEL_ONNX
    front["torch_state"] = MODEL_WEIGHTS
    sources = (meta.get("manifest") or {}).get("sources") or []
    lines = [f"# {bundle.id}", "",
             f"A {bundle.task} model ({meta.get('arch')}) made by `hotich models add` from "
             f"`{meta.get('run')}/{meta.get('checkpoint')}` at step {meta.get('step')}"
             + (f", fine-tuned from `{meta['parent']}`." if meta.get("parent") else ", trained from scratch."), ""]
    if sources:
        lines += ["## Data", "", "| source | kind | share | items | sha256 |", "|---|---|---|---|---|"]
        for s in sources:
            lines.append(f"| {s.get('path') or s.get('name', '')} | {s.get('kind', '')} | {s.get('share', '')} | "
                         f"{s.get('count', '')} | {str(s.get('sha256') or '')[:12]} |")
        lines.append("")
    if meta.get("metrics"):
        lines += ["## Evaluation", "", "| set | figures |", "|---|---|"]
        for name, figures in meta["metrics"].items():
            shown = ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
                              for k, v in figures.items() if not isinstance(v, (dict, list)))
            lines.append(f"| {name} | {shown} |")
        lines.append("")
    lines += ["## Use", "", "```bash", f"hotich models eval {bundle.id}", f"hotich models compare active {bundle.id}",
              f"hotich models promote {bundle.id}      # `hotich models rollback --task {bundle.task}` undoes it",
              "```", ""]
    text = "---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False) + "---\n\n" + "\n".join(lines)
    path = bundle.folder / MODEL_CARD
    path.write_text(text, encoding="utf-8")
    return path
