"""Training lines for the recognizer: real lines (augmented) mixed with synthetic lines rendered
on the fly, in width-bucketed batches.

Determinism: the stream is a sequence of *groups* of ``bucket_batches`` batches; group ``g``
is made from ``default_rng([seed, g])`` alone, so any worker layout and any resume point give
the same batches. Lines whose text is outside the charset are skipped and counted.
"""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from ocr.evaluation.htr import read_labels
from ocr.htr.charset import Charset
from ocr.htr.preprocess import InputSpec, batch_lines, resize_line
from training.htr.augment import augment_line, compose_on_paper
from training.htr.config import DataConfig
from training.htr.split import real_split
from training.htr.texts import FieldTexts, address_text, clip_text
from training.synth.handwriting import Hands, render_line, sample_writer

STORE_HEIGHT = 64   # real lines are kept in memory at this height (augmented, then resized)


@dataclass(frozen=True)
class LineImage:
    image: np.ndarray   # uint8 grey
    text: str
    source: str         # "real" or "synth"


@dataclass
class Batch:
    """Model input (B, 1, H, W), each line's width and CTC targets."""

    images: torch.Tensor
    widths: torch.Tensor
    targets: torch.Tensor        # concatenated class indices
    target_lengths: torch.Tensor
    texts: list[str]
    sources: list[str]

    def to(self, device: torch.device) -> "Batch":
        """The same batch with its tensors on ``device``."""
        if device.type == "cpu":
            return self
        return Batch(self.images.to(device), self.widths.to(device), self.targets.to(device),
                     self.target_lengths.to(device), self.texts, self.sources)


def load_real(root: Path, rows: list[tuple[str, str]], height: int = STORE_HEIGHT,
              source: str = "real") -> list[LineImage]:
    """Line images of ``rows`` read from ``root``, scaled to ``height``."""
    lines = []
    for rel, text in rows:
        img = cv2.imread(str(root / rel), cv2.IMREAD_GRAYSCALE)
        if img is None:
            raise FileNotFoundError(root / rel)
        w = max(1, round(img.shape[1] * height / img.shape[0]))
        lines.append(LineImage(cv2.resize(img, (w, height), interpolation=cv2.INTER_AREA), text, source))
    return lines


def load_line_set(labels: Path) -> list[LineImage]:
    """The lines of a labels.tsv (paths relative to its folder), kept in memory like real lines;
    their source is ``set:<folder name>``."""
    rows = [(r.rel, r.text) for r in read_labels(labels)]
    return load_real(labels.parent, rows, source=f"set:{labels.parent.name}")


def dev_split(rows: list[tuple[str, str]], n: int) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(train, dev) of the real train rows: about half of ``n`` from whole Kalapa writers (the
    last ones), the rest a contiguous block of the last Cinnamon scans; writer-disjoint."""
    kalapa = sorted({r.split("/")[1] for r, _ in rows if r.startswith("kalapa/")}, key=lambda s: (len(s), s))
    held: set[str] = set()
    count = 0
    for writer in reversed(kalapa):
        if count >= n // 2:
            break
        held.add(writer)
        count += sum(1 for r, _ in rows if r.startswith(f"kalapa/{writer}/"))
    others = sorted(r for r, _ in rows if not r.startswith("kalapa/"))
    held_other = set(others[len(others) - max(0, n - count):]) if n > count else set()
    dev = [row for row in rows if row[0] in held_other or (row[0].startswith("kalapa/") and row[0].split("/")[1] in held)]
    train = [row for row in rows if row not in dev]
    return train, dev


class SynthLines:
    """Synthetic handwritten lines: ledger field texts and addresses, rendered and laid on paper."""

    def __init__(self, cfg: DataConfig, charset: Charset, rng: np.random.Generator) -> None:
        self.cfg, self.charset, self.rng = cfg, charset, rng
        self.fields = FieldTexts(rng, cfg.synth.templates or None)
        self.hands = Hands(cfg.synth.line_fonts, cfg.synth.ballpoint_p, cfg.synth.warp)
        self.skipped: Counter[str] = Counter()

    def text(self) -> str:
        rng, s = self.rng, self.cfg.synth
        if rng.random() < s.address_share:
            text = address_text(rng)
        else:
            text = self.fields.next()
            while rng.random() < 0.35 and len(text) < s.max_chars // 2:
                text += (", " if rng.random() < 0.5 else " ") + self.fields.next()
        return clip_text(text, s.max_chars)

    def line(self) -> LineImage | None:
        text = self.text()
        if not self.charset.covers(text):
            self.skipped["synth: text outside the charset"] += 1
            return None
        style = sample_writer(self.rng, hands=self.hands)
        try:
            ink = render_line(text, style, self.rng)
        except ValueError:
            self.skipped["synth: font cannot draw the text"] += 1
            return None
        img = compose_on_paper(ink.alpha, self.rng, self.cfg.synth.ruled_p, self.cfg.synth.box_p)
        return LineImage(img, ink.text, "synth")


class LineStream:
    """Makes group ``g`` of batches from ``default_rng([seed, g])``; see the module docstring."""

    def __init__(self, cfg: DataConfig, spec: InputSpec, charset: Charset, real: list[LineImage], seed: int) -> None:
        self.cfg, self.spec, self.charset, self.seed = cfg, spec, charset, seed
        self.skipped: Counter[str] = Counter()
        self.real = self._covered("real", real)
        self.sets = [(ls.share, self._covered(f"set {ls.labels}", load_line_set(Path(ls.labels))))
                     for ls in cfg.line_sets]

    def _covered(self, name: str, lines: list[LineImage]) -> list[LineImage]:
        """The lines whose text the charset covers; the others are counted and warned about."""
        kept = [ln for ln in lines if self.charset.covers(ln.text)]
        if len(kept) < len(lines):
            self.skipped[f"{name}: text outside the charset"] = len(lines) - len(kept)
            warnings.warn(f"{len(lines) - len(kept)} lines of {name} skipped: text outside the charset")
        return kept

    def _line(self, rng: np.random.Generator, synth: SynthLines) -> LineImage:
        while True:
            base = self._stored(rng) if self.real or self.sets else None
            if base is None:
                made = synth.line()
                if made is None:
                    continue
                base = made
            img = augment_line(base.image, self.cfg.augment, rng)
            return LineImage(img, base.text, base.source)

    def _stored(self, rng: np.random.Generator) -> LineImage | None:
        """A real or line-set line by their shares (one draw), or None for a synthetic one."""
        r = rng.random()
        if self.real and r < self.cfg.real_share:
            return self.real[int(rng.integers(len(self.real)))]
        edge = self.cfg.real_share
        for share, lines in self.sets:
            edge += share
            if r < edge and lines:
                return lines[int(rng.integers(len(lines)))]
        return None

    def group(self, g: int) -> tuple[list[Batch], Counter[str]]:
        """The ``bucket_batches`` batches of group ``g`` (lines sorted by width, batches shuffled)."""
        rng = np.random.default_rng([self.seed, g])
        synth = SynthLines(self.cfg, self.charset, rng)
        n = self.cfg.batch_size * self.cfg.bucket_batches
        lines = [self._line(rng, synth) for _ in range(n)]
        resized = [resize_line(ln.image, self.spec) for ln in lines]
        order = np.argsort([r.shape[1] for r in resized], kind="stable")
        batches = []
        for i in range(0, n, self.cfg.batch_size):
            idx = order[i: i + self.cfg.batch_size]
            batches.append(make_batch([resized[j] for j in idx], [lines[j].text for j in idx],
                                      [lines[j].source for j in idx], self.spec, self.charset))
        perm = rng.permutation(len(batches))
        return [batches[k] for k in perm], synth.skipped + self.skipped


def make_batch(images: list[np.ndarray], texts: list[str], sources: list[str], spec: InputSpec,
               charset: Charset) -> Batch:
    """A batch of resized lines (from :func:`resize_line`) and their texts."""
    array, widths = batch_lines(images, spec)
    encoded = [charset.encode(t) for t in texts]
    return Batch(torch.from_numpy(array), torch.from_numpy(widths),
                 torch.tensor([c for e in encoded for c in e], dtype=torch.long),
                 torch.tensor([len(e) for e in encoded], dtype=torch.long), texts, sources)


class GroupDataset(IterableDataset):
    """Groups ``start, start+1, ...``; worker ``k`` of ``n`` makes every n-th group, and the
    loader's round-robin over workers keeps the order."""

    def __init__(self, stream: LineStream, start: int = 0, stop: int | None = None) -> None:
        super().__init__()
        self.stream, self.start, self.stop = stream, start, stop

    def __iter__(self):
        info = get_worker_info()
        k, n = (info.id, info.num_workers) if info else (0, 1)
        if info is not None:    # a worker process: leave the cores to the training loop
            torch.set_num_threads(1)
            cv2.setNumThreads(1)
        g = self.start + k
        while self.stop is None or g < self.stop:
            yield g, *self.stream.group(g)
            g += n


def _identity(item):
    return item


def batches(stream: LineStream, start_step: int, workers: int):
    """Yield (step, batch, skipped-counter-or-None) from ``start_step`` on, forever."""
    per = stream.cfg.bucket_batches
    g0, offset = divmod(start_step, per)
    loader = DataLoader(GroupDataset(stream, g0), batch_size=None, num_workers=workers,
                        collate_fn=_identity, prefetch_factor=2 if workers else None,
                        multiprocessing_context="spawn" if workers else None,
                        generator=torch.Generator().manual_seed(stream.seed))  # keeps the global RNG untouched
    for g, group, skipped in loader:
        for i, batch in enumerate(group):
            if g == g0 and i < offset:
                continue
            yield g * per + i, batch, (skipped if i == 0 else None)


def fixed_lines(lines: list[LineImage], spec: InputSpec, charset: Charset, batch_size: int) -> list[Batch]:
    """Unaugmented evaluation batches, width-sorted."""
    resized = [resize_line(ln.image, spec) for ln in lines]
    order = np.argsort([r.shape[1] for r in resized], kind="stable")
    out = []
    for i in range(0, len(lines), batch_size):
        idx = order[i: i + batch_size]
        out.append(make_batch([resized[j] for j in idx], [lines[j].text for j in idx],
                              [lines[j].source for j in idx], spec, charset))
    return out


def synth_dev_lines(cfg: DataConfig, charset: Charset, n: int, seed: int) -> list[LineImage]:
    """``n`` synthetic lines, augmented as in training, from their own seed."""
    rng = np.random.default_rng([seed, 0x5E7])
    synth = SynthLines(cfg, charset, rng)
    out: list[LineImage] = []
    while len(out) < n:
        ln = synth.line()
        if ln is not None:
            out.append(LineImage(augment_line(ln.image, cfg.augment, rng), ln.text, "synth"))
    return out


def write_synth_lines(cfg: DataConfig, n: int, seed: int, out: Path, charset: Charset | None = None) -> Path:
    """``n`` synthetic lines as JPEG files in ``out`` with ``out/labels.tsv``."""
    from ocr.htr.charset import default_charset

    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for i, ln in enumerate(synth_dev_lines(cfg, charset or default_charset(), n, seed)):
        name = f"{i:05d}.jpg"
        cv2.imwrite(str(out / name), ln.image, [cv2.IMWRITE_JPEG_QUALITY, 92])
        rows.append(f"{name}\t{ln.text}\n")
    (out / "labels.tsv").write_text("".join(rows), encoding="utf-8")
    return out / "labels.tsv"


def real_lines(cfg: DataConfig) -> tuple[list[LineImage], list[LineImage]]:
    """(train, dev) real lines: the train part of the fixed split, with dev held out of it."""
    root = Path(cfg.real_root)
    train_rows, dev_rows = dev_split(real_split(root)[0], cfg.dev_lines)
    if cfg.real_limit is not None:
        train_rows = train_rows[:: max(1, len(train_rows) // cfg.real_limit)][: cfg.real_limit]
        dev_rows = dev_rows[: cfg.real_limit]
    return load_real(root, train_rows), load_real(root, dev_rows)
