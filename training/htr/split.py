"""The fixed, writer-disjoint split of ../shared/data/htr-real into training and validation lines.

Kalapa folders are writers: every fifth writer folder (sorted) is held out whole. Cinnamon's
scanned samples carry no writer ids; the last fifth of the numbered files is held out as one
contiguous block (collected one writer session after another, a block is the closest to
writer-disjoint that the data allows), and the 15 phone photos of the first sample set are
held out too. The rule is code, not a file of names, so it cannot drift from the data.
"""

from __future__ import annotations

import os
from pathlib import Path

from ocr.evaluation import htr as evaluation

DEFAULT_ROOT = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "htr-real"
CINNAMON_SCANS = "cinnamon/0916_Data_Samples_2/"
CINNAMON_PHOTOS = "cinnamon/0825_DataSamples_1/"
HELD_OUT_SHARE = 0.2


def read_labels(path: Path) -> list[tuple[str, str]]:
    """Rows of a labels.tsv as (image path relative to its folder, NFC text)."""
    return [(row.rel, row.text) for row in evaluation.read_labels(path)]


def _held_out(rel: str, kalapa_val: set[str], cinnamon_cut: int) -> bool:
    if rel.startswith("kalapa/"):
        return rel.split("/")[1] in kalapa_val
    if rel.startswith(CINNAMON_PHOTOS):
        return True
    if rel.startswith(CINNAMON_SCANS):
        return int(Path(rel).name.split("_")[0]) >= cinnamon_cut
    raise ValueError(f"{rel}: not a known htr-real subset")


def real_split(root: Path = DEFAULT_ROOT) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(train, val) rows of ``root/labels.tsv``, paths relative to ``root``."""
    labels = root / "labels.tsv"
    if not labels.exists():
        raise FileNotFoundError(f"{labels} not found; pass the htr-real folder (it holds labels.tsv)")
    rows = read_labels(labels)
    writers = sorted({rel.split("/")[1] for rel, _ in rows if rel.startswith("kalapa/")})
    kalapa_val = set(writers[::5])
    scans = sorted(int(Path(rel).name.split("_")[0]) for rel, _ in rows if rel.startswith(CINNAMON_SCANS))
    cinnamon_cut = scans[int(len(scans) * (1 - HELD_OUT_SHARE))] if scans else 0
    train, val = [], []
    for row in rows:
        (val if _held_out(row[0], kalapa_val, cinnamon_cut) else train).append(row)
    return train, val


def write_split(root: Path, out: Path) -> tuple[Path, Path]:
    """Write ``out/train.tsv`` and ``out/val.tsv`` with image paths relative to ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    train, val = real_split(root)
    rel_root = Path(os.path.relpath(root.resolve(), out.resolve()))
    paths = []
    for name, rows in (("train", train), ("val", val)):
        path = out / f"{name}.tsv"
        path.write_text("".join(f"{(rel_root / rel).as_posix()}\t{text}\n" for rel, text in rows), encoding="utf-8")
        paths.append(path)
    return paths[0], paths[1]

