"""The dataset manifest of a training run (``OUT/manifest.json``): every data source with its
kind, path, share, item count and content hash, the config's hash, the code's git commit, the
torch version and the device. A bundle's model card copies it (:func:`read_manifest`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ocr.registry import file_sha256

MANIFEST = "manifest.json"
KINDS = ("real", "line_set", "synthetic", "rendered_pages", "page_dir")


def files_digest(files: Iterable[Path], root: Path) -> str:
    """sha256 of the sorted ``relative path<TAB>size`` lines of ``files`` under ``root``: a
    folder's identity without reading every byte."""
    rows = sorted(f"{Path(f).relative_to(root).as_posix()}\t{Path(f).stat().st_size}\n" for f in files)
    return hashlib.sha256("".join(rows).encode("utf-8")).hexdigest()


def folder_digest(root: Path) -> tuple[int, str]:
    """(number of files, :func:`files_digest`) of every file under ``root``."""
    files = [f for f in Path(root).rglob("*") if f.is_file()]
    return len(files), files_digest(files, root)


def config_sha256(cfg: BaseModel) -> str:
    """sha256 of the validated config as canonical JSON (sorted keys)."""
    return hashlib.sha256(json.dumps(cfg.model_dump(mode="json"), sort_keys=True).encode("utf-8")).hexdigest()


def git_commit(cwd: Path | None = None) -> str | None:
    """``git rev-parse HEAD`` of the code's checkout, or None outside one."""
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd or Path(__file__).resolve().parent,
                              capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


def source(kind: str, path: Path | str | None, share: float | None, count: int | None,
           sha256: str | None, **extra: Any) -> dict[str, Any]:
    """One source entry; ``extra`` adds kind-specific facts (seed, split, skipped lines, ...)."""
    if kind not in KINDS:
        raise ValueError(f"unknown data source kind {kind!r}; the kinds are {', '.join(KINDS)}")
    return {"kind": kind, "path": None if path is None else str(path), "share": share, "count": count,
            "sha256": sha256, **extra}


def labels_source(kind: str, labels: Path, share: float, count: int, **extra: Any) -> dict[str, Any]:
    """A source read from a labels.tsv: its hash is the labels file's."""
    return source(kind, labels, share, count, file_sha256(labels) if Path(labels).is_file() else None, **extra)


def build_manifest(task: str, sources: list[dict[str, Any]], cfg: BaseModel, device: str,
                   validation: dict[str, Any] | None = None, init: dict[str, Any] | None = None) -> dict[str, Any]:
    """The manifest of a run: ``sources`` (from :func:`source`), the fixed ``validation`` split,
    where the weights started (``init``), config hash, git commit, torch version and device."""
    import torch

    return {"task": task, "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "sources": sources, "validation": validation or {}, "init": init,
            "config_sha256": config_sha256(cfg), "git_commit": git_commit(), "torch": torch.__version__,
            "device": device}


def write_manifest(out: Path, manifest: dict[str, Any]) -> Path:
    """Write ``OUT/manifest.json`` (atomically)."""
    path = Path(out) / MANIFEST
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def read_manifest(run: Path) -> dict[str, Any] | None:
    """A run folder's manifest, or None when it has none (runs older than the manifest)."""
    path = Path(run) / MANIFEST
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
