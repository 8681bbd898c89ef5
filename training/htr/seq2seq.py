"""A TrOCR-style encoder-decoder line recognizer, trained from scratch, for comparison with the CTC model.

``transformers``' ``VisionEncoderDecoderModel``: a ViT encoder over 8x8 patches of the line (its
position grid interpolated to the line's width) and a TrOCR decoder over characters, both small and
randomly initialised (no pretrained weights are reachable here). Tokens: 0 padding, 1 start, 2 end,
and charset class k (1..N, the CTC model's classes) as k + 2, so both models read the same
characters. It trains on the CTC model's data stream (the same real split, page crops and on-the-fly
synthetic lines, the same augmentation and seed) for a number of steps or a wall-clock budget, and
reports the CER of greedy decoding on the same dev lines. Not shipped: `models/htr.md` gives the
comparison.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field
from tqdm import tqdm

from ocr.htr.charset import Charset, default_charset
from training.configfile import read_config
from training.htr.config import ExperimentConfig
from training.htr.data import Batch, LineImage, LineStream, batches, fixed_lines, real_lines, synth_dev_lines
from training.htr.evaluate import read_lines, score
from training.htr.train import make_scheduler
from training.curves import plot_metrics

PAD, BOS, EOS = 0, 1, 2
OFFSET = 2  # charset class k is token k + OFFSET


class Seq2SeqConfig(BaseModel):
    """Sizes of the encoder and decoder (the ``seq2seq:`` section of the config)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    patch: int = Field(8, gt=0)
    grid: int = Field(512, gt=0)  # px: the square image the position grid is made for, interpolated per line
    hidden: int = Field(192, gt=0)
    encoder_layers: int = Field(4, ge=1)
    decoder_layers: int = Field(3, ge=1)
    heads: int = Field(4, ge=1)
    ffn: int = Field(768, gt=0)
    max_chars: int = Field(128, gt=0)
    label_smoothing: float = Field(0.0, ge=0.0, lt=1.0)


class Seq2SeqExperiment(ExperimentConfig):
    """The CTC model's experiment (data, input, optim, train sections) and the ``seq2seq:`` model."""

    seq2seq: Seq2SeqConfig = Field(default_factory=Seq2SeqConfig)


def load_seq2seq_config(path: Path | None = None, overrides: list[str] | tuple[str, ...] = (),
                        seed: int | None = None) -> Seq2SeqExperiment:
    """Defaults, then the YAML file, then ``key=value`` overrides and the seed; one validation."""
    return read_config(Seq2SeqExperiment, path, overrides, seed)


def build_model(cfg: Seq2SeqConfig, charset: Charset) -> torch.nn.Module:
    from transformers import TrOCRConfig, TrOCRForCausalLM, ViTConfig, ViTModel, VisionEncoderDecoderModel

    encoder = ViTModel(ViTConfig(image_size=cfg.grid, patch_size=cfg.patch, num_channels=1, hidden_size=cfg.hidden,
                                 num_hidden_layers=cfg.encoder_layers, num_attention_heads=cfg.heads,
                                 intermediate_size=cfg.ffn), add_pooling_layer=False)
    decoder = TrOCRForCausalLM(TrOCRConfig(
        vocab_size=charset.size + OFFSET, d_model=cfg.hidden, decoder_layers=cfg.decoder_layers,
        decoder_attention_heads=cfg.heads, decoder_ffn_dim=cfg.ffn, max_position_embeddings=cfg.max_chars + 2,
        pad_token_id=PAD, bos_token_id=BOS, eos_token_id=EOS, decoder_start_token_id=BOS,
        use_learned_position_embeddings=True, layernorm_embedding=True, cross_attention_hidden_size=cfg.hidden))
    model = VisionEncoderDecoderModel(encoder=encoder, decoder=decoder)
    model.config.decoder_start_token_id, model.config.pad_token_id = BOS, PAD
    return model


def pixels(batch: Batch, patch: int) -> torch.Tensor:
    """The batch's images padded with paper to a width that whole patches cover."""
    width = batch.images.shape[-1]
    extra = -width % patch
    return torch.nn.functional.pad(batch.images, (0, extra), value=1.0) if extra else batch.images


def labels(batch: Batch, max_chars: int) -> torch.Tensor:
    """(B, L) token ids of each line's text and the end token; -100 (ignored) after it."""
    ends = torch.cumsum(batch.target_lengths, 0)
    rows = [(batch.targets[e - n: e][:max_chars] + OFFSET).tolist() + [EOS]
            for e, n in zip(ends.tolist(), batch.target_lengths.tolist())]
    out = torch.full((len(rows), max(len(r) for r in rows)), -100, dtype=torch.long)
    for i, r in enumerate(rows):
        out[i, : len(r)] = torch.tensor(r)
    return out


@torch.no_grad()
def greedy_read(model: torch.nn.Module, batch: Batch, cfg: Seq2SeqConfig, charset: Charset) -> list[str]:
    """Greedy decoding, one character at a time from the start token, until every line has ended."""
    model.eval()
    memory = model.encoder(pixel_values=pixels(batch, cfg.patch), interpolate_pos_encoding=True).last_hidden_state
    ids = torch.full((memory.shape[0], 1), BOS, dtype=torch.long)
    done = torch.zeros(memory.shape[0], dtype=torch.bool)
    for _ in range(cfg.max_chars + 1):
        nxt = model.decoder(input_ids=ids, encoder_hidden_states=memory).logits[:, -1].argmax(-1)
        nxt[done] = PAD
        ids = torch.cat([ids, nxt[:, None]], 1)
        done |= nxt == EOS
        if bool(done.all()):
            break
    texts = []
    for row in ids[:, 1:].tolist():
        row = row[: row.index(EOS)] if EOS in row else row
        texts.append(charset.decode([t - OFFSET for t in row if t > EOS]))
    return texts


def evaluate(model: torch.nn.Module, lines: list[LineImage], exp: Seq2SeqExperiment, charset: Charset,
             prefix: str) -> dict[str, float]:
    """CER, WER and line accuracy of greedy decoding on ``lines``."""
    preds, refs = [], []
    for b in fixed_lines(lines, exp.input.spec(), charset, 32):
        preds += greedy_read(model, b, exp.seq2seq, charset)
        refs += b.texts
    return score(preds, refs).as_dict(prefix)


def train_seq2seq(exp: Seq2SeqExperiment, out: Path, *, minutes: float | None = None,
                  eval_labels: dict[str, Path] | None = None, quiet: bool = False) -> dict[str, Any]:
    """Train from scratch for ``exp.train.steps`` steps or ``minutes`` of wall clock, whichever ends
    first; evaluate on the dev lines every ``eval_every`` steps and at the end, then on each
    ``eval_labels`` set. Writes ``out/last.pt``, ``out/metrics.jsonl`` and the curves."""
    cfg = exp.seq2seq
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(exp.train.seed)
    np.random.seed(exp.train.seed)
    torch.set_num_threads(exp.train.threads)
    charset = default_charset()
    train_real, dev_real = real_lines(exp.data)
    dev = {"dev_real_": dev_real, "dev_synth_": synth_dev_lines(exp.data, charset, exp.data.dev_synth_lines,
                                                                exp.train.seed + 7919)}
    stream = LineStream(exp.data, exp.input.spec(), charset, train_real, exp.train.seed)
    model = build_model(cfg, charset)
    opt = torch.optim.AdamW(model.parameters(), lr=exp.optim.lr, weight_decay=exp.optim.weight_decay)
    sched = make_scheduler(opt, exp)
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=-100, label_smoothing=cfg.label_smoothing)
    deadline = time.perf_counter() + 60 * minutes if minutes else None
    t0, step, losses, record = time.perf_counter(), 0, [], {}
    log = (out / "metrics.jsonl").open("w", encoding="utf-8")
    bar = tqdm(total=exp.train.steps, desc="train htr-seq2seq", disable=quiet, dynamic_ncols=True)
    for step, batch, _ in batches(stream, 0, exp.data.workers):
        model.train()
        lab = labels(batch, cfg.max_chars)
        logits = model(pixel_values=pixels(batch, cfg.patch), labels=lab, interpolate_pos_encoding=True).logits
        loss = loss_fn(logits.reshape(-1, logits.shape[-1]), lab.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), exp.optim.clip)
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
        bar.update(1)
        done = step + 1 >= exp.train.steps or (deadline is not None and time.perf_counter() > deadline)
        if (step + 1) % exp.train.log_every == 0 or done:
            record = {"step": step + 1, "loss": sum(losses) / len(losses), "lr": sched.get_last_lr()[0],
                      "sec": time.perf_counter() - t0}
            losses = []
            if (step + 1) % exp.train.eval_every == 0 or done:
                for prefix, lines in dev.items():
                    record.update(evaluate(model, lines, exp, charset, prefix))
                bar.write(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in record.items()}))
            log.write(json.dumps(record) + "\n")
            log.flush()
        if done:
            break
    bar.close()
    log.close()
    torch.save({"model": model.state_dict(), "config": exp.model_dump(mode="json"),
                "charset": charset.to_json(), "step": step + 1}, out / "last.pt")
    plot_metrics(out, {"loss": ["loss"], "cer": ["dev_real_cer", "dev_synth_cer"]})
    final = {"steps": step + 1, "seconds": time.perf_counter() - t0,
             "params": sum(p.numel() for p in model.parameters()), **{k: v for k, v in record.items() if "dev_" in k}}
    for name, path in (eval_labels or {}).items():
        final.update(evaluate(model, read_lines(path), exp, charset, f"{name}_"))
    (out / "result.json").write_text(json.dumps(final, indent=1) + "\n", encoding="utf-8")
    return final
