"""Training pages for the layout model: degraded synthetic pages of every template with their
target maps, stored at model scale (``<page id>.npz``: ``image`` H x W x 3, ``maps`` H x W x C)."""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ocr.layout.maps import MapSpec
from ocr.templates import load_template, template_names
from training.synth.book import PagePlan, plan_pages
from training.synth.render import render_page

# Forced hard conditions, cycled over the degraded share of the pages (the rest sample their own).
HARD_MIXES: tuple[tuple[str, ...], ...] = (
    ("skew",), ("faded",), ("curvature",), ("photo",), ("bleed_through", "stains"), ("fold", "torn"),
    ("blur", "skew"), ("faded", "curvature"), ("photo", "stains"),
)


def plans(pages_per_template: int, seed: int, *, hard_share: float = 0.6,
          templates: Sequence[str] | None = None) -> list[PagePlan]:
    """Page plans: per template, ``hard_share`` of the pages under forced hard conditions."""
    out: list[PagePlan] = []
    for k, name in enumerate(templates or template_names()):
        t = load_template(name)
        hard = int(round(pages_per_template * hard_share))
        out += plan_pages(t, pages_per_template - hard, seed + 1000 * k)
        for j in range(hard):
            mix = list(HARD_MIXES[j % len(HARD_MIXES)])
            out += plan_pages(t, 1, seed + 1000 * k + 100 + j, conditions=mix)
    return out


def model_scale(image: np.ndarray, maps: np.ndarray, spec: MapSpec = MapSpec()) -> tuple[np.ndarray, np.ndarray]:
    """(image, maps) of a page in page pixels, at model scale as they are stored."""
    return spec.resize(image), spec.resize(maps)


def save_page(path: Path, image: np.ndarray, maps: np.ndarray) -> Path:
    """Write one training page (``image``, ``maps`` at model scale) to ``path`` (.npz), atomically."""
    tmp = path.with_name(f"{path.stem}.tmp.npz")
    np.savez_compressed(tmp, image=image, maps=maps)
    return tmp.replace(path)


def sample(plan: PagePlan, spec: MapSpec = MapSpec()) -> tuple[str, np.ndarray, np.ndarray]:
    """(page id, image, maps) of one plan at model scale."""
    r = render_page(plan, with_maps=True)
    assert r.maps is not None
    return plan.page_id, *model_scale(r.image, r.maps, spec)


def _write(args: tuple[PagePlan, Path]) -> str:
    plan, out = args
    pid, image, maps = sample(plan)
    save_page(out / f"{pid}.npz", image, maps)
    return pid


def write_dataset(out: Path, pages_per_template: int, seed: int, workers: int = 1) -> int:
    """Render the training pages into ``out`` (skipping those already there); returns the count."""
    out.mkdir(parents=True, exist_ok=True)
    todo = [(p, out) for p in plans(pages_per_template, seed) if not (out / f"{p.page_id}.npz").exists()]
    it: Iterator[str]
    if workers > 1:
        with mp.get_context("fork").Pool(workers) as pool:
            for _ in tqdm(pool.imap_unordered(_write, todo), total=len(todo), desc="layout pages"):
                pass
    else:
        for item in tqdm(todo, desc="layout pages"):
            _write(item)
    return len(list(out.glob("*.npz")))
