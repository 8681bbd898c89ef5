"""CRNN line recognizer built from config sections: conv backbone -> BiLSTM neck -> linear CTC head.

Input (B, 1, H, W) float (paper 1.0, ink 0.0); output log-softmax (B, T, C) with
T = ceil(W / downsample), C = charset size (blank 0). Height is collapsed with a mean (not an
adaptive pool) so the graph exports to ONNX with dynamic batch and width.
"""

from __future__ import annotations

import torch
from torch import nn

from training.htr.config import BackboneConfig, HeadConfig, ModelConfig, NeckConfig


class Backbone(nn.Module):
    """Stages of 3x3 conv-BN-ReLU and a max-pool; width pools use ceil mode so T = ceil(W/d)."""

    def __init__(self, cfg: BackboneConfig, in_channels: int = 1) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        ch = in_channels
        for stage in cfg.stages:
            for _ in range(stage.convs):
                layers += [nn.Conv2d(ch, stage.channels, 3, padding=1, bias=False),
                           nn.BatchNorm2d(stage.channels), nn.ReLU(inplace=True)]
                ch = stage.channels
            if stage.pool != (1, 1):
                layers.append(nn.MaxPool2d(stage.pool, stage.pool, ceil_mode=True))
        self.body = nn.Sequential(*layers)
        self.out_channels = ch

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


class Neck(nn.Module):
    """Bidirectional LSTM over the width steps of the height-collapsed features."""

    def __init__(self, cfg: NeckConfig, in_channels: int) -> None:
        super().__init__()
        self.rnn = nn.LSTM(in_channels, cfg.hidden, num_layers=cfg.layers, bidirectional=True,
                           batch_first=True, dropout=cfg.dropout if cfg.layers > 1 else 0.0)
        self.out_channels = 2 * cfg.hidden

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.rnn(x)[0]


class Head(nn.Module):
    def __init__(self, cfg: HeadConfig, in_channels: int, classes: int) -> None:
        super().__init__()
        self.drop = nn.Dropout(cfg.dropout)
        self.fc = nn.Linear(in_channels, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.log_softmax(self.fc(self.drop(x)), dim=-1)


class CRNN(nn.Module):
    """(B, 1, H, W) -> (B, ceil(W / downsample), classes) log-probabilities."""

    def __init__(self, cfg: ModelConfig, classes: int) -> None:
        super().__init__()
        self.backbone = Backbone(cfg.backbone)
        self.neck = Neck(cfg.neck, self.backbone.out_channels)
        self.head = Head(cfg.head, self.neck.out_channels, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.backbone(x).mean(dim=2)          # (B, C, T): collapse height
        return self.head(self.neck(f.transpose(1, 2)))


def build_model(cfg: ModelConfig, classes: int) -> CRNN:
    return CRNN(cfg, classes)


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def macs_per_line(model: CRNN, height: int, width: int) -> int:
    """Multiply-accumulates of one line (convs, LSTM, head), for the model card."""
    total, h, w, ch = 0, height, width, 1
    for m in model.backbone.body:
        if isinstance(m, nn.Conv2d):
            total += h * w * m.in_channels * m.out_channels * 9
            ch = m.out_channels
        elif isinstance(m, nn.MaxPool2d):
            ph, pw = m.kernel_size if isinstance(m.kernel_size, tuple) else (m.kernel_size,) * 2
            h, w = -(-h // ph), -(-w // pw)
    rnn = model.neck.rnn
    steps, inp = w, ch
    for _ in range(rnn.num_layers):
        total += 2 * steps * 4 * rnn.hidden_size * (inp + rnn.hidden_size)
        inp = 2 * rnn.hidden_size
    total += steps * model.head.fc.in_features * model.head.fc.out_features
    return total
