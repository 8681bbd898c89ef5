"""Training loop of the layout U-Net: random crops of rendered pages (and of labelled page folders)
with photometric and scale augmentation, BCE + Dice per map, cosine schedule, pixel F1 per map on
held-out pages with early stopping, exact resume from ``last.pt``, fine-tuning from a checkpoint or
model bundle, a dataset manifest, metrics JSONL and PNG curves; on a GPU when one is present."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from ocr.layout.maps import MAP_CHANNELS, MapSpec
from training import manifest
from training.curves import plot_metrics
from training.device import pick_device
from training.earlystop import Patience
from training.finetune import resolve_init
from training.layout.config import LayoutExperiment
from training.layout.data import write_dataset
from training.layout.model import UNet, UNetConfig, count_params


def split_pages(files: list[Path], val_pages: int) -> tuple[list[Path], list[Path]]:
    """(train, val): ``val_pages`` files spread evenly over the sorted list (every template)."""
    files = sorted(files)
    if not val_pages:
        return files, []
    pick = set(np.linspace(0, len(files) - 1, val_pages).round().astype(int).tolist())
    return [f for i, f in enumerate(files) if i not in pick], [f for i, f in enumerate(files) if i in pick]


def load_page(path: Path) -> tuple[np.ndarray, np.ndarray]:
    with np.load(path) as z:
        return z["image"], z["maps"]


PRINT_SPREAD = (3, 7)  # px at model scale (h, w): printed strokes are widened into word blobs


def targets(maps: np.ndarray) -> np.ndarray:
    """Training targets in [0, 1] from stored maps (H x W x C uint8, raw rasterizations): the
    printed-text channel is widened from thin strokes into word blobs, which a page-scale model
    can predict and post-processing can box."""
    out = maps.astype(np.float32) / 255.0
    k = MAP_CHANNELS.index("print")
    blobs = cv2.dilate((maps[..., k] > 40).astype(np.uint8), np.ones(PRINT_SPREAD, np.uint8))
    out[..., k] = blobs
    return out


def sample_crop(image: np.ndarray, maps: np.ndarray, size: int, rng: np.random.Generator
                ) -> tuple[np.ndarray, np.ndarray]:
    """A ``size`` square cut from a random place (white paper and empty maps beyond the page) at a
    random scale (0.85-1.15), with light, contrast, gamma, colour cast and noise on the image."""
    s = float(rng.uniform(0.85, 1.15))
    src = max(8, round(size / s))
    h, w = image.shape[:2]
    y, x = int(rng.integers(0, max(1, h - src + 1))), int(rng.integers(0, max(1, w - src + 1)))
    img = np.full((src, src, 3), 255, np.uint8)
    mp = np.zeros((src, src, maps.shape[2]), np.uint8)
    part = image[y:y + src, x:x + src]
    img[:part.shape[0], :part.shape[1]] = part
    mp[:part.shape[0], :part.shape[1]] = maps[y:y + src, x:x + src]
    img = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    mp = np.dstack([cv2.resize(mp[..., i:i + 4], (size, size), interpolation=cv2.INTER_LINEAR)
                    for i in range(0, mp.shape[2], 4)]).reshape(size, size, -1)
    t = img.astype(np.float32) / 255.0
    t = (t - 0.5) * rng.uniform(0.6, 1.3) + 0.5 + rng.uniform(-0.15, 0.15)
    t = np.clip(t, 0, 1) ** rng.uniform(0.7, 1.4)
    t = t * rng.uniform(0.85, 1.1, size=3)
    t = t + rng.normal(0, rng.uniform(0, 0.04), t.shape)
    return np.clip(t, 0, 1).astype(np.float32), mp


def layout_loss(logits: torch.Tensor, target: torch.Tensor, pos_weight: torch.Tensor, dice: float) -> torch.Tensor:
    bce = F.binary_cross_entropy_with_logits(logits, target, pos_weight=pos_weight[None, :, None, None])
    if not dice:
        return bce
    p = torch.sigmoid(logits)
    inter = (p * target).sum((0, 2, 3))
    soft = 1 - (2 * inter + 1) / (p.sum((0, 2, 3)) + target.sum((0, 2, 3)) + 1)
    return bce + dice * soft.mean()


class LayoutRun:
    """One training run in its folder: data, state, metrics log, checkpoints and plots."""

    def __init__(self, cfg: LayoutExperiment, out: Path, resume: bool = False, quiet: bool = False,
                 init: Path | str | None = None) -> None:
        """``init``: a checkpoint file or a model bundle reference (:func:`resolve_init`) to
        fine-tune from, used when not resuming."""
        self.cfg, self.out, self.quiet = cfg, Path(out), quiet
        self.out.mkdir(parents=True, exist_ok=True)
        self.spec = MapSpec()
        self.device = pick_device(cfg.train.device)
        torch.manual_seed(cfg.train.seed)
        torch.set_num_threads(cfg.train.threads)
        self.model = UNet(cfg.model).to(self.device)
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=cfg.optim.lr, weight_decay=cfg.optim.weight_decay)
        steps, warm = cfg.train.steps, max(1, int(cfg.optim.warmup * cfg.train.steps))
        self.sched = torch.optim.lr_scheduler.LambdaLR(self.opt, lambda k: min(1.0, (k + 1) / warm) * (
            0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * min(1.0, max(0, k - warm) / max(1, steps - warm))))))
        self.step, self.best = 0, -1.0
        self.patience = Patience(cfg.train.patience, cfg.train.min_delta, "max")
        self.init: dict[str, Any] | None = None
        self.extra_files: list[Path] = []
        self._pages: dict[Path, tuple[np.ndarray, np.ndarray]] = {}  # decompressed once (~6 MB a page)
        if resume and (self.out / "last.pt").exists():
            state = self._checked(self.out / "last.pt")
            self.model.load_state_dict(state["model"])
            self.opt.load_state_dict(state["optimizer"])
            self.sched.load_state_dict(state["scheduler"])
            self.step, self.best = state["step"], state["best"]
            self.patience.load(state.get("patience"))
            self.init = state.get("init")
        elif not resume:
            (self.out / "metrics.jsonl").unlink(missing_ok=True)
            if init is not None:
                path = resolve_init("layout", str(init))
                state = self._checked(path)
                self.model.load_state_dict(state["model"])  # fresh optimizer and schedule: fine-tuning
                self.init = {"ref": str(init), "from": str(path), "steps": state.get("step"),
                             "sha256": manifest.file_sha256(path)}
        (self.out / "config.json").write_text(json.dumps(cfg.model_dump(mode="json"), indent=2))

    def _checked(self, path: Path) -> dict[str, Any]:
        """A checkpoint (run or slim) whose model config and map channels match this run's."""
        state = torch.load(path, map_location="cpu", weights_only=False)
        if UNetConfig.model_validate(state["config"]["model"]) != self.cfg.model:
            raise ValueError(f"{path}: the checkpoint's model ({state['config']['model']}) differs from the config's "
                             "model section; train with the config it was trained with")
        if list(state.get("channels", MAP_CHANNELS)) != list(MAP_CHANNELS):
            raise ValueError(f"{path}: the checkpoint predicts the maps {state['channels']}, this code "
                             f"{list(MAP_CHANNELS)}; it cannot be fine-tuned here")
        return state

    def prepare(self) -> None:
        """Render the missing pages, convert the ``--data`` page folders, split, write the manifest."""
        d = self.cfg.data
        write_dataset(d.dir, d.pages_per_template, d.seed)
        files = sorted(d.dir.glob("*.npz"))
        if not files:
            raise FileNotFoundError(f"no rendered pages in {d.dir}")
        self.train_files, self.val_files = split_pages(files, d.val_pages)
        extra = self.convert_extra_dirs()
        self.extra_files = [f for files_ in extra.values() for f in files_]
        manifest.write_manifest(self.out, self.manifest(extra))

    def convert_extra_dirs(self) -> dict[Path, list[Path]]:
        """Training pages (.npz) of each ``data.extra_dirs`` folder, converted into OUT/pages/."""
        from training.layout.from_pages import page_dataset

        out: dict[Path, list[Path]] = {}
        for k, src in enumerate(self.cfg.data.extra_dirs):
            if not src.is_dir():
                raise FileNotFoundError(f"--data {src}: no such folder of schema pages")
            out[src] = sorted(page_dataset(src, self.out / "pages" / f"{k}-{src.name}", self.spec))
            if not out[src]:
                raise ValueError(f"--data {src}: no schema page JSON with its image there; give a Label Studio "
                                 "pull's pages/ or a `hotich synth` output folder")
        return out

    def manifest(self, extra: dict[Path, list[Path]]) -> dict[str, Any]:
        """The dataset manifest (:mod:`training.manifest`) of the prepared pages."""
        d = self.cfg.data
        share = d.extra_share if self.extra_files else 0.0
        sources = [manifest.source("rendered_pages", d.dir, round(1.0 - share, 6), len(self.train_files),
                                   manifest.files_digest(self.train_files, d.dir), seed=d.seed,
                                   pages_per_template=d.pages_per_template)]
        for src, files in extra.items():
            count, digest = manifest.folder_digest(src)
            sources.append(manifest.source("page_dir", src, round(share * len(files) / len(self.extra_files), 6),
                                           len(files), digest, files=count))
        validation = {"rendered_pages": manifest.source("rendered_pages", d.dir, None, len(self.val_files),
                                                        manifest.files_digest(self.val_files, d.dir), seed=d.seed)}
        return manifest.build_manifest("layout", sources, self.cfg, str(self.device), validation, self.init)

    def pick_pages(self, rng: np.random.Generator) -> list[Path]:
        """A batch's pages: distinct rendered pages, each replaced by a ``--data`` page at
        data.extra_share (the same draws as without extra pages when there are none)."""
        d = self.cfg.data
        files = [self.train_files[k] for k in rng.choice(len(self.train_files), d.batch_size, replace=False)]
        if self.extra_files and d.extra_share:
            use = rng.random(d.batch_size) < d.extra_share
            files = [self.extra_files[int(rng.integers(len(self.extra_files)))] if u else f for f, u in zip(files, use)]
        return files

    def batch(self, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The batch of ``step``: the same for the same seed and step (exact resume)."""
        d = self.cfg.data
        rng = np.random.default_rng([self.cfg.train.seed, step])
        imgs, maps = [], []
        for f in self.pick_pages(rng):
            if f not in self._pages:
                self._pages[f] = load_page(f)
            image, target = self._pages[f]
            i, m = sample_crop(image, target, d.crop, rng)
            imgs.append(i.transpose(2, 0, 1))
            maps.append(targets(m).transpose(2, 0, 1))
        return (torch.from_numpy(np.stack(imgs)).to(self.device), torch.from_numpy(np.stack(maps)).to(self.device))

    def evaluate(self) -> dict[str, float]:
        """Pixel F1 per map (threshold 0.5) over the held-out pages, whole pages at model scale."""
        self.model.eval()
        tp = np.zeros(len(MAP_CHANNELS))
        fp, fn = tp.copy(), tp.copy()
        with torch.no_grad():
            for f in self.val_files:
                image, target = load_page(f)
                x = torch.from_numpy(self.spec.tensor(image)).to(self.device)
                h, w = target.shape[:2]
                pred = (self.model(x)[0, :, :h, :w] > 0).cpu().numpy()
                truth = targets(target).transpose(2, 0, 1) > 0.5
                tp += (pred & truth).sum((1, 2))
                fp += (pred & ~truth).sum((1, 2))
                fn += (~pred & truth).sum((1, 2))
        self.model.train()
        f1 = 2 * tp / np.maximum(1, 2 * tp + fp + fn)
        out = {f"f1_{name}": float(v) for name, v in zip(MAP_CHANNELS, f1)}
        out["f1_mean"] = float(f1.mean())
        return out

    def _save(self, name: str) -> None:
        state = {"model": {k: v.cpu() for k, v in self.model.state_dict().items()}, "optimizer": self.opt.state_dict(),
                 "scheduler": self.sched.state_dict(), "step": self.step, "best": self.best,
                 "patience": self.patience.state(), "init": self.init,
                 "config": self.cfg.model_dump(mode="json"), "input": self.spec.to_dict(),
                 "channels": list(MAP_CHANNELS), "params": count_params(self.model),
                 "data": {"pages": len(self.train_files) + len(self.val_files), "val": len(self.val_files),
                          "dir": str(self.cfg.data.dir), "seed": self.cfg.data.seed,
                          "pages_per_template": self.cfg.data.pages_per_template,
                          "extra_dirs": [str(p) for p in self.cfg.data.extra_dirs],
                          "extra_pages": len(self.extra_files)}}
        tmp = self.out / f"{name}.tmp"
        torch.save(state, tmp)
        tmp.replace(self.out / name)

    def _log(self, record: dict[str, Any]) -> None:
        with (self.out / "metrics.jsonl").open("a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")

    def train(self, until: int | None = None) -> dict[str, Any]:
        """Train from the current step up to ``until`` (default: the config's steps); returns the
        last metrics record. Stopping early and resuming gives the same model as not stopping."""
        cfg = self.cfg.train
        stop = min(until or cfg.steps, cfg.steps)
        if self.patience.exhausted:
            self._say(self.patience.resume_note())
            return {"step": self.step, "stopped": "early"}
        if not hasattr(self, "train_files"):
            self.prepare()
        self._say(f"device: {self.device}")
        pos_weight = torch.tensor(self.cfg.loss.pos_weight, device=self.device)
        self.model.train()
        bar = tqdm(total=cfg.steps, initial=self.step, desc="train layout", disable=self.quiet, dynamic_ncols=True)
        losses: list[float] = []
        t0, record = time.perf_counter(), {}
        while self.step < stop:
            x, y = self.batch(self.step)
            loss = layout_loss(self.model(x), y, pos_weight, self.cfg.loss.dice)
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            self.sched.step()
            self.step += 1
            losses.append(float(loss.detach()))
            bar.update(1)
            if self.step % cfg.log_every == 0 or self.step == cfg.steps:
                record = {"step": self.step, "loss": sum(losses) / len(losses), "lr": self.sched.get_last_lr()[0],
                          "sec": time.perf_counter() - t0}
                bar.set_postfix(loss=f"{record['loss']:.3f}")
                losses = []
                if (self.step % cfg.eval_every == 0 or self.step == cfg.steps) and self.val_files:
                    record.update(self.evaluate())
                    if record["f1_mean"] > self.best:
                        self.best = record["f1_mean"]
                        self._save("best.pt")
                    self.patience.update(record["f1_mean"])
                    if self.patience.exhausted:
                        record["stopped"] = "early"
                    bar.write(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in record.items()}))
                self._log(record)
            if self.step % cfg.ckpt_every == 0 or self.step == stop or self.patience.exhausted:
                self._save("last.pt")
                plot_metrics(self.out, {"loss": ["loss"], "f1": [f"f1_{c}" for c in MAP_CHANNELS]})
            if self.patience.exhausted:
                bar.write(self.patience.report(self.step, "F1", self.best))
                break
        bar.close()
        return record

    def _say(self, text: str) -> None:
        if not self.quiet:
            tqdm.write(text)
