"""Model bundles and which one ``ocr`` loads by default.

A bundle is one trained model with everything that belongs to it: the ONNX file (self-describing
metadata, see :mod:`ocr.htr.bundle`), the torch weights it was exported from (for fine-tuning and
parity tests), its model card and ``bundle.json`` (id, task, architecture, language, date, hash,
parent, metrics, dataset manifest). The repository ships one bundle per task as flat files in
``models/`` (``htr.onnx``, ``htr.pt``, ``htr.md``; the same for ``layout``). Trained bundles live in
the registry folder, one folder per id: ``<registry>/<id>/model.onnx``, ``model.pt``, ``card.md``,
``bundle.json``.

``active.json`` in the registry says which bundle each task uses; without an entry the shipped one is
used. Promoting keeps the previous choice on a stack, so a rollback restores it; every change is
appended to ``history.jsonl``. Nothing here needs code changes to switch models.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import onnx
import yaml

TASKS = ("htr", "layout")
ACTIVE_FILE, HISTORY_FILE, LOCK_FILE = "active.json", "history.jsonl", ".lock"
BUNDLE_FILE, MODEL_ONNX, MODEL_WEIGHTS, MODEL_CARD = "bundle.json", "model.onnx", "model.pt", "card.md"
CALIBRATION_FILE = "calibration.json"  # see ocr.calibration
SHIPPED, ACTIVE = "shipped", "active"
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{2,120}$")


class RegistryError(ValueError):
    """A bundle that cannot be found or used, or a registry change that cannot be made; the message
    says what to do."""


def model_dir() -> Path:
    """The shipped models folder: ``$HOTICH_MODEL_DIR`` or the repository's ``models/``."""
    env = os.environ.get("HOTICH_MODEL_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "models"


def registry_dir() -> Path:
    """Trained bundles: ``$HOTICH_REGISTRY``, else ``<model_dir()>/registry``."""
    env = os.environ.get("HOTICH_REGISTRY")
    return Path(env) if env else model_dir() / "registry"


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass(frozen=True)
class Bundle:
    """One model bundle (see the module docstring)."""

    id: str
    task: str
    onnx: Path
    weights: Path | None
    card: Path | None
    meta: dict[str, Any] = field(default_factory=dict, compare=False)
    shipped: bool = False

    @property
    def folder(self) -> Path:
        return self.onnx.parent

    @property
    def calibration(self) -> Path:
        """Where the bundle's auto-accept thresholds (:mod:`ocr.calibration`) live, whether or not they
        exist yet: ``calibration.json`` in a registry bundle, ``models/<task>.calibration.json`` for a
        shipped one."""
        return self.onnx.with_name(f"{self.task}.calibration.json" if self.shipped else CALIBRATION_FILE)


def _check_task(task: str) -> str:
    if task not in TASKS:
        raise RegistryError(f"unknown task {task!r}; the tasks are {', '.join(TASKS)}")
    return task


def bundle_id(task: str, arch: str, sha256: str, created: str, language: str = "vi") -> str:
    """``task-arch-language-YYYYMMDD-sha8``: says what the model is, when it was made, and which file."""
    day = created[:10].replace("-", "")
    return f"{task}-{re.sub(r'[^a-z0-9]+', '', arch.lower()) or 'model'}-{language}-{day}-{sha256[:8]}"


def onnx_metadata(path: Path) -> dict[str, str]:
    """The ``hotich.*`` metadata of an ONNX file (without loading the weights into a session)."""
    try:
        proto = onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # onnx raises DecodeError and friends
        raise RegistryError(f"{path}: not a readable ONNX model ({exc})") from exc
    return {p.key: p.value for p in proto.metadata_props}


def card_front_matter(card: Path) -> dict[str, Any]:
    """The YAML front matter of a model card (empty when there is none)."""
    text = card.read_text(encoding="utf-8")
    if not text.startswith("---"):
        return {}
    head = text[3:].split("\n---", 1)[0]
    data = yaml.safe_load(head)
    return data if isinstance(data, dict) else {}


def _shipped(task: str) -> Bundle | None:
    folder = model_dir()
    onnx_path = folder / f"{task}.onnx"
    if not onnx_path.is_file():
        return None
    card = folder / f"{task}.md"
    weights = folder / f"{task}.pt"
    front = card_front_matter(card) if card.is_file() else {}
    sha = file_sha256(onnx_path)
    info = json.loads(onnx_metadata(onnx_path).get("hotich.model", "{}") or "{}")
    meta = {"id": front.get("id") or bundle_id(task, str(info.get("name") or info.get("arch") or task), sha,
                                                str(front.get("created") or "shipped")),
            "task": task, "sha256": sha, "created": str(front.get("created") or ""),
            "arch": info.get("name") or info.get("arch"), "language": front.get("language", "vi"),
            "metrics": front.get("metrics")}
    return Bundle(id=meta["id"], task=task, onnx=onnx_path, weights=weights if weights.is_file() else None,
                  card=card if card.is_file() else None, meta=meta, shipped=True)


def read_bundle(folder: Path) -> Bundle:
    """The bundle in ``folder`` (its ``bundle.json`` and ``model.onnx``)."""
    folder = Path(folder)
    meta_file = folder / BUNDLE_FILE
    if not meta_file.is_file() or not (folder / MODEL_ONNX).is_file():
        raise RegistryError(f"{folder}: not a model bundle (it needs {BUNDLE_FILE} and {MODEL_ONNX}); "
                            f"make one with `hotich models add RUN_DIR`")
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise RegistryError(f"{meta_file}: unreadable ({exc}); restore it or remove the folder") from exc
    task = _check_task(str(meta.get("task")))
    weights, card = folder / MODEL_WEIGHTS, folder / MODEL_CARD
    return Bundle(id=str(meta.get("id") or folder.name), task=task, onnx=folder / MODEL_ONNX,
                  weights=weights if weights.is_file() else None, card=card if card.is_file() else None,
                  meta=meta, shipped=False)


def _registered(task: str | None) -> list[Bundle]:
    root = registry_dir()
    if not root.is_dir():
        return []
    found = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and (p / BUNDLE_FILE).is_file()):
        bundle = read_bundle(folder)
        if task is None or bundle.task == task:
            found.append(bundle)
    return sorted(found, key=lambda b: (b.task, str(b.meta.get("created", "")), b.id))


def list_bundles(task: str | None = None) -> list[Bundle]:
    """Every bundle, the shipped ones first, then the registry's by task and date."""
    tasks = [_check_task(task)] if task else list(TASKS)
    shipped = [b for t in tasks if (b := _shipped(t)) is not None]
    return shipped + _registered(task)


def get_bundle(ref: str, task: str | None = None) -> Bundle:
    """A bundle by reference: ``shipped``, ``active`` (both need ``task``), an id, a unique id prefix,
    or a bundle folder."""
    if task is not None:
        _check_task(task)
    if ref in (SHIPPED, ACTIVE):
        if task is None:
            raise RegistryError(f"{ref!r} needs a task ({', '.join(TASKS)})")
        if ref == ACTIVE:
            return active_bundle(task)
        bundle = _shipped(task)
        if bundle is None:
            raise RegistryError(f"no shipped {task} model in {model_dir()}; restore models/{task}.onnx from git")
        return bundle
    path = Path(ref)
    if path.is_dir() and (path / BUNDLE_FILE).is_file():
        return _of_task(read_bundle(path), task)
    bundles = list_bundles(task)
    exact = [b for b in bundles if b.id == ref]
    matches = exact or [b for b in bundles if b.id.startswith(ref)]
    if len({b.id for b in matches}) == 1:  # one id: the shipped copy of a registered bundle is the same model
        return matches[0]
    what = f"{task} " if task else ""
    if not matches:
        raise RegistryError(f"no {what}bundle {ref!r}; `hotich models list` shows the ids")
    raise RegistryError(f"{ref!r} matches {len(matches)} {what}bundles ({', '.join(b.id for b in matches)}); "
                        f"give more of the id")


def _of_task(bundle: Bundle, task: str | None) -> Bundle:
    if task is not None and bundle.task != task:
        raise RegistryError(f"{bundle.id} is a {bundle.task} model, not a {task} model")
    return bundle


def _read_active() -> dict[str, dict[str, Any]]:
    path = registry_dir() / ACTIVE_FILE
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise RegistryError(f"{path}: unreadable ({exc}); fix or delete it (deleting makes the shipped "
                            f"models active again)") from exc
    return data if isinstance(data, dict) else {}


def _promoted(task: str) -> str | None:
    return (_read_active().get(_check_task(task)) or {}).get("current") or None


def active_bundle(task: str) -> Bundle:
    """The promoted bundle of ``task``, else the shipped one."""
    current = _promoted(task)
    if not current:
        return get_bundle(SHIPPED, task)
    folder = registry_dir() / current
    if not (folder / BUNDLE_FILE).is_file():
        raise RegistryError(f"the active {task} bundle {current!r} is missing from {registry_dir()}; restore its "
                            f"folder, or run `hotich models rollback --task {task}`")
    return read_bundle(folder)


def active_model_path(task: str) -> Path:
    """The ONNX file that ``ocr`` loads for ``task`` when no model path is given: the promoted
    bundle's, else ``models/<task>.onnx`` (whose loader says what to do when it is missing)."""
    return active_bundle(task).onnx if _promoted(task) else model_dir() / f"{task}.onnx"


@contextmanager
def _locked() -> Iterator[dict[str, dict[str, Any]]]:
    """The active table under an exclusive lock; written back atomically on success."""
    root = registry_dir()
    root.mkdir(parents=True, exist_ok=True)
    with open(root / LOCK_FILE, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        table = _read_active()
        yield table
        tmp = root / f".{ACTIVE_FILE}.{os.getpid()}"
        tmp.write_text(json.dumps(table, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        tmp.replace(root / ACTIVE_FILE)


def _log(action: str, task: str, before: str, after: str) -> None:
    entry = {"time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "action": action,
             "task": task, "from": before, "to": after}
    with open(registry_dir() / HISTORY_FILE, "a", encoding="utf-8") as f:
        f.write(json.dumps(entry) + "\n")


def promote(ref: str, task: str | None = None) -> Bundle:
    """Make a bundle the one ``ocr`` loads for its task; the previous one is kept for rollback."""
    bundle = get_bundle(ref, task)
    if not bundle.shipped and bundle.folder.parent.resolve() != registry_dir().resolve():
        raise RegistryError(f"{bundle.folder} is outside the registry {registry_dir()}; add it with "
                            f"`hotich models add` first")
    before = active_bundle(bundle.task)
    if before.id == bundle.id:
        return bundle
    with _locked() as table:
        entry = table.setdefault(bundle.task, {"current": None, "previous": []})
        entry["previous"] = [*entry.get("previous", []), None if before.shipped else before.id]
        entry["current"] = None if bundle.shipped else bundle.id
    _log("promote", bundle.task, before.id, bundle.id)
    return bundle


def rollback(task: str) -> Bundle:
    """Restore the bundle that was active before the last promotion; returns the one now active."""
    before = _promoted(_check_task(task)) or get_bundle(SHIPPED, task).id  # may be a missing folder
    with _locked() as table:
        entry = table.get(task) or {}
        previous = entry.get("previous") or []
        if not previous and not entry.get("current"):
            raise RegistryError(f"nothing to roll back: the shipped {task} model is active and no promotion "
                                f"is recorded")
        entry["current"] = previous.pop() if previous else None
        entry["previous"] = previous
        table[task] = entry
    after = active_bundle(task)
    _log("rollback", task, before, after.id)
    return after
