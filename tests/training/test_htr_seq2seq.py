"""The TrOCR-style comparison model: its tokens, and that it learns to read (a tiny one memorises two lines)."""

from __future__ import annotations

import numpy as np
import torch

from ocr.htr.charset import default_charset
from ocr.htr.preprocess import resize_line
from training.htr.data import make_batch
from training.htr.seq2seq import EOS, OFFSET, Seq2SeqExperiment, build_model, greedy_read, labels, pixels

TEXTS = ["Nam", "Hà Nội"]


def _batch():
    exp = Seq2SeqExperiment(seq2seq={"hidden": 48, "ffn": 96, "encoder_layers": 1, "decoder_layers": 1, "heads": 2,
                                     "max_chars": 12, "grid": 64})
    rng = np.random.default_rng(0)
    images = []
    for i, _ in enumerate(TEXTS):  # two different ink patterns on paper
        img = np.full((40, 120 + 40 * i), 235, np.uint8)
        img[10:30, 8:-8] = rng.integers(0, 2, (20, img.shape[1] - 16)) * 200 + 20
        images.append(resize_line(img, exp.input.spec()))
    return exp, make_batch(images, TEXTS, ["synth"] * 2, exp.input.spec(), default_charset())


def test_tokens_are_charset_classes_shifted_and_ended() -> None:
    exp, batch = _batch()
    charset = default_charset()
    lab = labels(batch, exp.seq2seq.max_chars)
    assert lab[0, :4].tolist() == [c + OFFSET for c in charset.encode("Nam")] + [EOS]
    assert (lab[0, 4:] == -100).all() and lab[1, len("Hà Nội")] == EOS
    assert pixels(batch, 8).shape[-1] % 8 == 0


def test_a_tiny_model_learns_to_read_two_lines() -> None:
    torch.manual_seed(0)
    exp, batch = _batch()
    charset = default_charset()
    model = build_model(exp.seq2seq, charset)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    lab = labels(batch, exp.seq2seq.max_chars)
    for _ in range(150):
        model.train()
        loss = model(pixel_values=pixels(batch, exp.seq2seq.patch), labels=lab, interpolate_pos_encoding=True).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert greedy_read(model, batch, exp.seq2seq, charset) == TEXTS
