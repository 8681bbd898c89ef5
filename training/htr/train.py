"""Training loop of the CTC line recognizer: AdamW, OneCycle or cosine schedule, gradient
clipping, dev evaluation with early stopping, exact resume from ``last.pt``, fine-tuning from a
checkpoint or model bundle, a dataset manifest, metrics JSONL and PNG curves; on a GPU when one
is present."""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from ocr.htr.charset import Charset, default_charset
from training import manifest
from training.curves import plot_metrics
from training.device import pick_device, rng_state, set_rng_state
from training.earlystop import Patience
from training.finetune import resolve_init
from training.htr.config import ExperimentConfig
from training.htr.data import LineStream, batches, fixed_lines, real_lines, synth_dev_lines
from training.htr.evaluate import predict, score
from training.htr.model import CRNN, build_model, count_params


def make_scheduler(opt: torch.optim.Optimizer, cfg: ExperimentConfig) -> torch.optim.lr_scheduler.LRScheduler:
    o, steps = cfg.optim, cfg.train.steps
    if o.schedule == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=o.lr, total_steps=steps,
                                                   pct_start=max(o.warmup, 1e-3), div_factor=20, final_div_factor=100)
    warm = max(1, int(o.warmup * steps))

    def factor(step: int) -> float:
        if o.schedule == "constant":
            return min(1.0, (step + 1) / warm)
        if step < warm:
            return (step + 1) / warm
        return 0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * min(1.0, (step - warm) / max(1, steps - warm))))

    return torch.optim.lr_scheduler.LambdaLR(opt, factor)


def ctc_loss(model: CRNN, batch, ctc: torch.nn.CTCLoss, downsample: int) -> torch.Tensor:
    logprobs = model(batch.images)                                  # (B, T, C)
    lengths = torch.clamp((batch.widths + downsample - 1) // downsample, max=logprobs.shape[1])
    return ctc(logprobs.transpose(0, 1), batch.targets, lengths, batch.target_lengths)


def selected_cer(record: dict[str, Any], select: str) -> float:
    """The dev CER of an evaluation record that ``data.select`` names (inf when it is missing)."""
    real, synth = record.get("dev_real_cer"), record.get("dev_synth_cer")
    if select == "mean":
        return (real + synth) / 2 if real is not None and synth is not None else math.inf
    if select == "synth":
        return math.inf if synth is None else synth
    return real if real is not None else (math.inf if synth is None else synth)


def checkpoint(model: CRNN, opt, sched, step: int, cfg: ExperimentConfig, charset: Charset,
               extra: dict[str, Any]) -> dict[str, Any]:
    """Everything to resume exactly, and to export: model config, charset and input spec inside;
    the weights on the CPU (load with ``map_location="cpu"`` for the rest)."""
    device = next(model.parameters()).device
    return {
        "model": {k: v.cpu() for k, v in model.state_dict().items()}, "optimizer": opt.state_dict(),
        "scheduler": sched.state_dict(), "step": step, **rng_state(device), "config": cfg.model_dump(mode="json"),
        "charset": charset.to_json(), "input": cfg.input.spec().to_json(), **extra,
    }


class Run:
    """One training run in its folder: state, metrics log, checkpoints and plots."""

    def __init__(self, cfg: ExperimentConfig, out: Path, resume: bool = False, quiet: bool = False,
                 init: Path | str | None = None) -> None:
        """``init``: a checkpoint file or a model bundle reference (:func:`resolve_init`), used
        when not resuming."""
        self.cfg, self.out, self.quiet = cfg, Path(out), quiet
        self.out.mkdir(parents=True, exist_ok=True)
        self.charset = default_charset()
        self.spec = cfg.input.spec()
        self.device = pick_device(cfg.train.device)
        torch.manual_seed(cfg.train.seed)
        torch.set_num_threads(cfg.train.threads)
        self.model = build_model(cfg.model, self.charset.size).to(self.device)
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=cfg.optim.lr, weight_decay=cfg.optim.weight_decay)
        self.sched = make_scheduler(self.opt, cfg)
        self.ctc = torch.nn.CTCLoss(blank=0, zero_infinity=True)
        self.step, self.best_cer, self.skipped = 0, math.inf, Counter()
        self.seen = Counter()
        self.patience = Patience(cfg.train.patience, cfg.train.min_delta, "min")
        self.init: dict[str, Any] | None = None
        if resume and (self.out / "last.pt").exists():
            self._load(self.out / "last.pt")
        elif not resume:
            (self.out / "metrics.jsonl").unlink(missing_ok=True)
            if init is not None:
                self._init_from(resolve_init("htr", str(init)), str(init))
        (self.out / "config.json").write_text(json.dumps(cfg.model_dump(mode="json"), indent=2))

    def _load(self, path: Path) -> None:
        state = torch.load(path, map_location="cpu", weights_only=False)
        saved = ExperimentConfig.model_validate(state["config"])
        if saved.model != self.cfg.model or state["charset"] != self.charset.to_json():
            raise ValueError(f"{path}: the checkpoint's model or charset differs from the config")
        self.model.load_state_dict(state["model"])
        self.opt.load_state_dict(state["optimizer"])
        self.sched.load_state_dict(state["scheduler"])
        set_rng_state(state, self.device)
        self.step, self.best_cer = state["step"], state.get("best_cer", math.inf)
        self.patience.load(state.get("patience"))
        self.skipped = Counter(state.get("skipped", {}))
        self.seen = Counter(state.get("seen", {}))
        self.init = state.get("init")

    def _init_from(self, path: Path, ref: str) -> None:
        """Start from another run's or a bundle's weights (fine-tuning): fresh optimizer, schedule
        and steps."""
        state = torch.load(path, map_location="cpu", weights_only=False)
        if ExperimentConfig.model_validate(state["config"]).model != self.cfg.model or state["charset"] != self.charset.to_json():
            raise ValueError(f"{path}: the checkpoint's model or charset differs from the config")
        self.model.load_state_dict(state["model"])
        self.seen = Counter(state.get("seen", {}))
        self.init = {"ref": ref, "from": str(path), "steps": state.get("step"),
                     "sha256": manifest.file_sha256(path)}

    def _save(self, name: str) -> None:
        extra = {"best_cer": self.best_cer, "skipped": dict(self.skipped), "seen": dict(self.seen),
                 "params": count_params(self.model), "data": self.data_summary(), "init": self.init,
                 "patience": self.patience.state()}
        tmp = self.out / f"{name}.tmp"
        torch.save(checkpoint(self.model, self.opt, self.sched, self.step, self.cfg, self.charset, extra), tmp)
        tmp.replace(self.out / name)

    def data_summary(self) -> dict[str, Any]:
        d = self.cfg.data
        return {"real": "htr-real train split minus dev (Cinnamon 2018 + Kalapa 2023)", "real_share": d.real_share,
                "synth": "on-the-fly render_line of ledger fields + addresses", "lines_seen": dict(self.seen),
                "skipped": dict(self.skipped)}

    def _log(self, record: dict[str, Any]) -> None:
        with (self.out / "metrics.jsonl").open("a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")

    def prepare(self) -> None:
        """Load real lines, build the fixed dev batches and write the dataset manifest."""
        d = self.cfg.data
        train, dev = real_lines(d) if d.real_share > 0 or d.dev_lines > 0 else ([], [])
        self.stream = LineStream(d, self.spec, self.charset, train, self.cfg.train.seed)
        synth = synth_dev_lines(d, self.charset, d.dev_synth_lines, self.synth_dev_seed)
        self.dev = {"dev_real": [b.to(self.device) for b in fixed_lines(dev, self.spec, self.charset, 32)],
                    "dev_synth": [b.to(self.device) for b in fixed_lines(synth, self.spec, self.charset, 32)]}
        manifest.write_manifest(self.out, self.manifest(len(dev), len(synth)))

    @property
    def synth_dev_seed(self) -> int:
        return self.cfg.train.seed + 10_000

    def manifest(self, dev_real: int, dev_synth: int) -> dict[str, Any]:
        """The dataset manifest (:mod:`training.manifest`) of the prepared data."""
        d, stream = self.cfg.data, self.stream
        real_labels = Path(d.real_root) / "labels.tsv"
        sources = []
        if d.real_share > 0:
            sources.append(manifest.labels_source("real", real_labels, d.real_share, len(stream.real),
                                                  split="train split minus dev", limit=d.real_limit))
        for ls, (_, lines) in zip(d.line_sets, stream.sets):
            sources.append(manifest.labels_source("line_set", Path(ls.labels), ls.share, len(lines)))
        synth_share = max(0.0, 1.0 - d.real_share - sum(ls.share for ls in d.line_sets))
        sources.append(manifest.source("synthetic", None, round(synth_share, 6), None, None, seed=self.cfg.train.seed,
                                       generator="training.htr.data.SynthLines, group g from default_rng([seed, g])",
                                       templates=d.synth.templates or "all"))
        validation = {"real": manifest.labels_source("real", real_labels, None, dev_real, split="dev")
                      if dev_real else None,
                      "synthetic": manifest.source("synthetic", None, None, dev_synth, None, seed=self.synth_dev_seed)
                      if dev_synth else None}
        return manifest.build_manifest("htr", sources, self.cfg, str(self.device), validation, self.init)

    def evaluate(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for name, bs in self.dev.items():
            if bs:
                out.update(score(*predict(self.model, bs, self.spec, self.charset)).as_dict(name + "_"))
        return out

    def train(self, steps: int | None = None) -> dict[str, Any]:
        """Train up to ``steps`` (default: the config's), from the current step; returns the last record."""
        cfg = self.cfg.train
        stop = min(steps or cfg.steps, cfg.steps)
        if self.patience.exhausted:
            self._say(self.patience.resume_note())
            return {"step": self.step, "stopped": "early"}
        if not hasattr(self, "stream"):
            self.prepare()
        self._say(f"device: {self.device}")
        self.model.train()
        bar = tqdm(total=stop, initial=self.step, desc="train htr", disable=self.quiet, dynamic_ncols=True)
        losses: list[float] = []
        t0, record = time.perf_counter(), {}
        for step, cpu_batch, skipped in batches(self.stream, self.step, self.cfg.data.workers):
            if step >= stop:
                break
            if skipped:
                self.skipped.update(skipped)
                bar.write(f"warning: lines skipped so far: {dict(self.skipped)}")
            self.seen.update(cpu_batch.sources)
            batch = cpu_batch.to(self.device)
            loss = ctc_loss(self.model, batch, self.ctc, self.spec.downsample)
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.optim.clip)
            self.opt.step()
            self.sched.step()
            self.step = step + 1
            losses.append(float(loss.detach()))
            bar.update(1)
            if self.step % cfg.log_every == 0 or self.step == stop:
                record = {"step": self.step, "loss": sum(losses) / len(losses), "lr": self.sched.get_last_lr()[0],
                          "sec": time.perf_counter() - t0, "skipped": sum(self.skipped.values())}
                bar.set_postfix(loss=f"{record['loss']:.3f}")
                losses = []
                if self.step % cfg.eval_every == 0 or self.step == stop:
                    record.update(self.evaluate())
                    cer = selected_cer(record, self.cfg.data.select)
                    if cer < self.best_cer:
                        self.best_cer = cer
                        self._save("best.pt")
                    self.patience.update(cer)
                    if self.patience.exhausted:
                        record["stopped"] = "early"
                    bar.write(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in record.items()}))
                self._log(record)
            if self.step % cfg.ckpt_every == 0 or self.step == stop or self.patience.exhausted:
                self._save("last.pt")
                plot_metrics(self.out, {"loss": ["loss"], "cer": ["dev_real_cer", "dev_synth_cer"]})
            if self.patience.exhausted:
                bar.write(self.patience.report(self.step, "CER", self.best_cer))
                break
        bar.close()
        return record

    def _say(self, text: str) -> None:
        if not self.quiet:
            tqdm.write(text)


def train_htr(cfg: ExperimentConfig, out: Path, resume: bool = False, init: Path | str | None = None
              ) -> dict[str, Any]:
    """Train (or resume) a run in ``out``, optionally from a checkpoint's or a model bundle's
    weights (``init``, see :func:`resolve_init`); returns the last metrics record."""
    return Run(cfg, out, resume, init=init).train()
