"""The torch device a run trains on, and its random-number state."""

from __future__ import annotations

from typing import Any

import torch


def pick_device(name: str = "auto") -> torch.device:
    """``auto``: CUDA when torch sees a GPU, else the CPU; ``cuda`` without a GPU is an error."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("train.device is cuda but torch sees no GPU: use --set train.device=auto or cpu")
    return torch.device(name)


def rng_state(device: torch.device) -> dict[str, Any]:
    """The torch random state to resume exactly: the CPU generator, and CUDA's when on a GPU."""
    state: dict[str, Any] = {"torch_rng": torch.get_rng_state()}
    if device.type == "cuda":
        state["cuda_rng"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any], device: torch.device) -> None:
    """Restore :func:`rng_state` (a checkpoint loaded on the CPU); CUDA's only when on a GPU."""
    torch.set_rng_state(state["torch_rng"])
    if device.type == "cuda" and "cuda_rng" in state:
        torch.cuda.set_rng_state_all(state["cuda_rng"])
