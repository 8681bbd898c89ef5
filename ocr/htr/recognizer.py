"""The handwriting recognizer: line images in, :class:`LineResult` out (ONNX Runtime on CPU).

Loads the bundle once; preprocesses every line first (a bad image is an error naming its index,
before any inference), runs the lines in batches of similar width (sorted, so that little padding
is computed) and returns the results in input order. Lines without a constraint are decoded
greedily when ``beam_width`` is 1; the others by beam search, and lines without a constraint with
the character language model when there is one (:mod:`ocr.htr.lm`). The next batch runs in
onnxruntime (which releases the GIL) while the current one is decoded; when many lines need the
language model, their (pure Python) search runs after inference on every core
(:mod:`ocr.htr.parallel`).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator, Sequence

import numpy as np

from ocr.htr.bundle import ModelBundle, ModelError, load_bundle
from ocr.htr.charset import Charset
from ocr.htr.constraints import Constraint
from ocr.htr.decode import Alternative, LineResult, decode_line, greedy_decode
from ocr.htr.lm import LM_WEIGHT, CharLM
from ocr.htr.parallel import PARALLEL_MIN_LINES, Job, decode_lines
from ocr.htr.preprocess import InputSpec, batch_lines, resize_line

__all__ = ["Alternative", "LineResult", "ModelError", "Recognizer"]

DEFERRED_LINES = 1024  # lines whose search waits for every core, at most (about 150 KB each)


class Recognizer:
    """A loaded recognizer model (see :mod:`ocr.htr.bundle` for the bundle contract)."""

    def __init__(self, model_path: str | os.PathLike | None = None, threads: int | None = None,
                 batch_size: int = 32, lm: CharLM | None = None, lm_weight: float = LM_WEIGHT,
                 decode_workers: int | None = None) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, not {batch_size}")
        self.bundle: ModelBundle = load_bundle(model_path, threads=threads)
        self.batch_size = batch_size
        self.lm = lm
        self.lm_weight = lm_weight
        self.decode_workers = decode_workers  # processes for many language-model lines (None: every CPU)

    @property
    def charset(self) -> Charset:
        return self.bundle.charset

    @property
    def spec(self) -> InputSpec:
        return self.bundle.spec

    @property
    def provenance(self) -> dict[str, str]:
        """``{model id: sha256}`` for ``Provenance.models`` (the language model's too, if any)."""
        models = dict(self.bundle.provenance)
        if self.lm is not None:
            models[self.lm.model_id] = self.lm.sha256
        return models

    def _prepare(self, images: Sequence[np.ndarray]) -> list[np.ndarray]:
        lines = []
        for i, image in enumerate(images):
            if not isinstance(image, np.ndarray):
                raise ValueError(f"line image {i}: a numpy array is needed, not {type(image).__name__}")
            if image.size == 0:
                raise ValueError(f"line image {i}: empty (shape {image.shape})")
            try:
                lines.append(resize_line(image, self.spec))
            except ValueError as exc:
                raise ValueError(f"line image {i}: {exc}") from exc
        return lines

    def _run(self, lines: list[np.ndarray], idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        batch, widths = batch_lines([lines[i] for i in idx], self.spec)
        lp = self.bundle.run(batch)
        steps = self.spec.steps(batch.shape[3])
        if lp.shape[:2] != (len(idx), steps):
            raise ModelError(f"{self.bundle.path}: a batch {batch.shape} gave output {lp.shape}, "
                             f"expected ({len(idx)}, {steps}, C)")
        return idx, lp, np.array([self.spec.steps(int(w)) for w in widths], np.int64)

    def _batches(self, lines: list[np.ndarray]) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(input indices, log-probabilities (B, T, C), valid steps) per batch of similar width;
        the next batch is computed while the caller works on this one."""
        order = np.argsort([ln.shape[1] for ln in lines], kind="stable")
        groups = [order[lo: lo + self.batch_size] for lo in range(0, len(order), self.batch_size)]
        if not groups:
            return
        with ThreadPoolExecutor(1, thread_name_prefix="htr-onnx") as pool:
            pending = pool.submit(self._run, lines, groups[0])
            for nxt in groups[1:]:
                done, pending = pending.result(), pool.submit(self._run, lines, nxt)
                yield done
            yield pending.result()

    def logprobs(self, images: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Each line's log-probabilities (T_i, C), T_i its own steps (padding cut off)."""
        lines = self._prepare(images)
        out: list[np.ndarray] = [np.zeros((0, self.charset.size), np.float32)] * len(lines)
        for idx, lp, lengths in self._batches(lines):
            for i, row, n in zip(idx, lp, lengths):
                out[i] = row[:n]
        return out

    def recognize(self, images: Sequence[np.ndarray], *,
                  constraints: Sequence[Constraint | None] | None = None, beam_width: int = 1,
                  top_k: int = 5, prune: float = 1e-3, use_lm: Sequence[bool] | None = None,
                  fragments: Sequence[bool] | None = None) -> list[LineResult]:
        """Read line images (HxW grey, HxWx3 RGB or HxWx4 RGBA, uint8), one result per image in
        input order. ``constraints`` (one per image, None for free text) restrict those lines'
        beam search; with ``beam_width`` 1, lines without a constraint are read greedily. The
        language model (if any, weighted by ``lm_weight``) joins the beam search of the lines
        ``use_lm`` marks (default: those without a constraint); a line ``fragments`` marks (one line
        of a field written over several) is scored by it without a line's start and end."""
        if constraints is not None and len(constraints) != len(images):
            raise ValueError(f"{len(constraints)} constraints for {len(images)} line images")
        for name, flags in (("use_lm", use_lm), ("fragments", fragments)):
            if flags is not None and len(flags) != len(images):
                raise ValueError(f"{len(flags)} {name} flags for {len(images)} line images")
        if beam_width < 1:
            raise ValueError(f"beam_width must be >= 1, not {beam_width}")
        lines = self._prepare(images)
        wants_lm = [(constraints is None or constraints[i] is None) if use_lm is None else bool(use_lm[i])
                    for i in range(len(lines))]
        lm_lines = sum(wants_lm) if self.lm is not None and beam_width > 1 else 0
        later = lm_lines >= PARALLEL_MIN_LINES  # many lines for the slow search: all cores, after inference
        options = dict(beam_width=beam_width, top_k=top_k, prune=prune, lm_weight=self.lm_weight)
        results: list[LineResult | None] = [None] * len(lines)
        deferred: list[tuple[int, Job]] = []
        for idx, lp, lengths in self._batches(lines):
            todo = [constraints[i] if constraints is not None else None for i in idx]
            greedy = [k for k, c in enumerate(todo) if c is None and beam_width == 1]
            if greedy:
                for k, r in zip(greedy, greedy_decode(lp[greedy], self.charset, lengths[greedy])):
                    results[idx[k]] = r
            for k, c in enumerate(todo):
                if results[idx[k]] is None:
                    whole = fragments is None or not fragments[idx[k]]
                    job = (lp[k, : lengths[k]], c, self.lm if wants_lm[idx[k]] else None, whole)
                    if later:
                        deferred.append((idx[k], job))
                    else:
                        results[idx[k]] = decode_line(job[0], self.charset, constraint=c, lm=job[2], whole_line=whole,
                                                      **options)
            if len(deferred) >= DEFERRED_LINES:  # bound the log-probabilities held
                self._decode_deferred(deferred, results, options)
        self._decode_deferred(deferred, results, options)
        return results  # type: ignore[return-value]

    def _decode_deferred(self, deferred: list[tuple[int, Job]], results: list[LineResult | None],
                         options: dict) -> None:
        read = decode_lines([job for _, job in deferred], self.charset, workers=self.decode_workers, **options)
        for (i, _), result in zip(deferred, read):
            results[i] = result
        deferred.clear()
