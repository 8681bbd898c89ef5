"""Greedy CTC decoding in torch and CER / WER / line accuracy, for training-time evaluation
(inference-side decoding lives in ``ocr.htr``)."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import torch

from ocr import metrics
from ocr.htr import decode
from ocr.htr.charset import Charset
from ocr.htr.preprocess import InputSpec
from ocr.htr.recognizer import Recognizer
from training.htr.data import Batch, LineImage, fixed_lines
from training.htr.split import read_labels


def greedy_decode(logprobs: torch.Tensor, widths: torch.Tensor, spec: InputSpec, charset: Charset) -> list[str]:
    """Best path per line over its valid steps ceil(width / downsample), by ocr's decoder."""
    lengths = [spec.steps(int(w)) for w in widths.tolist()]
    return [r.text for r in decode.greedy_decode(logprobs.detach().cpu().numpy(), charset, lengths)]


@dataclass(frozen=True)
class Scores:
    cer: float
    wer: float
    line_acc: float
    lines: int

    def as_dict(self, prefix: str = "") -> dict[str, float]:
        return {f"{prefix}{k}": v for k, v in asdict(self).items()}


def score(predictions: list[str], references: list[str]) -> Scores:
    """Corpus CER / WER and line accuracy, as `hotich eval htr` computes them (ocr.metrics)."""
    totals = metrics.score(references, predictions)
    return Scores(totals.cer, totals.wer, totals.line_acc, totals.lines)


@torch.no_grad()
def predict(model: torch.nn.Module, batches: list[Batch], spec: InputSpec, charset: Charset) -> tuple[list[str], list[str]]:
    """(predictions, references) over ``batches``; the model is put in eval mode and restored."""
    was_training = model.training
    model.eval()
    preds, refs = [], []
    for b in batches:
        preds += greedy_decode(model(b.images), b.widths, spec, charset)
        refs += b.texts
    model.train(was_training)
    return preds, refs


def read_lines(labels: Path) -> list[LineImage]:
    """Line images listed in a labels.tsv (paths relative to its folder)."""
    out = []
    for rel, text in read_labels(labels):
        img = cv2.imread(str(labels.parent / rel), cv2.IMREAD_GRAYSCALE)
        if img is None:
            raise FileNotFoundError(labels.parent / rel)
        out.append(LineImage(img, text, "file"))
    return out


def evaluate_lines(model: torch.nn.Module, lines: list[LineImage], spec: InputSpec, charset: Charset,
                   batch_size: int = 32) -> tuple[Scores, list[tuple[str, str]]]:
    """Scores and (reference, prediction) pairs of ``lines``."""
    preds, refs = predict(model, fixed_lines(lines, spec, charset, batch_size), spec, charset)
    return score(preds, refs), list(zip(refs, preds))


def evaluate_onnx(path: Path, lines: list[LineImage], batch_size: int = 16, threads: int = 2,
                  repeats: int = 2) -> tuple[Scores, float]:
    """Scores of an exported model through ocr's Recognizer, and its speed in lines/s: resizing,
    width-sorted batching, inference and greedy decoding included (best of ``repeats``)."""
    recognizer = Recognizer(path, threads=threads, batch_size=batch_size)
    best, results = float("inf"), []
    for _ in range(repeats):
        start = time.perf_counter()
        results = recognizer.recognize([ln.image for ln in lines])
        best = min(best, time.perf_counter() - start)
    return score([r.text for r in results], [ln.text for ln in lines]), len(lines) / best
