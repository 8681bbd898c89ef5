"""A small U-Net for page layout maps: a strided conv encoder, a bilinear-upsampling decoder with
skip connections, and one logit map per channel at the input's resolution."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from pydantic import BaseModel, ConfigDict, Field
from torch import nn

from ocr.layout.maps import MAP_CHANNELS


class UNetConfig(BaseModel):
    """``channels[i]`` features at 1/2**i of the input; the full-resolution level uses cheap
    1x1 + depthwise convolutions so that a 1024 px page stays fast on a CPU."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "unet"
    channels: tuple[int, ...] = Field((8, 16, 32, 64, 96), min_length=3)
    out_channels: int = len(MAP_CHANNELS)


def _conv(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


def _light(cin: int, cout: int) -> nn.Sequential:
    """1x1 mixing then a depthwise 3x3: most of a 3x3 conv's reach at a fraction of its cost."""
    return nn.Sequential(nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                         nn.Conv2d(cout, cout, 3, 1, 1, groups=cout, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True))


class UNet(nn.Module):
    def __init__(self, cfg: UNetConfig = UNetConfig()) -> None:
        super().__init__()
        c = cfg.channels
        self.stem = _conv(3, c[0])
        self.down = nn.ModuleList(nn.Sequential(_conv(c[i - 1], c[i], 2), _conv(c[i], c[i])) for i in range(1, len(c)))
        self.up = nn.ModuleList(_conv(c[i + 1] + c[i], c[i]) if i else _light(c[1] + c[0], c[0])
                                for i in range(len(c) - 1))
        self.head = nn.Conv2d(c[0], cfg.out_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) in [0, 1], H and W multiples of 2**(levels-1) -> (B, C, H, W) logits."""
        skips = [self.stem(x - 0.5)]
        for block in self.down:
            skips.append(block(skips[-1]))
        y = skips[-1]
        for i in range(len(self.up) - 1, -1, -1):
            y = F.interpolate(y, size=skips[i].shape[-2:], mode="bilinear", align_corners=False)
            y = self.up[i](torch.cat([y, skips[i]], 1))
        return self.head(y)


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
