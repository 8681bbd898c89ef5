"""Early stopping on the fixed validation split: stop after ``patience`` evaluations whose dev
metric did not improve by more than ``min_delta``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal


@dataclass
class Patience:
    """The counter of evaluations without improvement; ``mode`` min (CER) or max (F1). The
    reference value moves only on an improvement by more than ``min_delta``."""

    patience: int
    min_delta: float = 0.0
    mode: Literal["min", "max"] = "min"
    best: float | None = None
    bad: int = 0

    def update(self, value: float) -> bool:
        """Count one evaluation; True when it improved on the reference by more than min_delta."""
        if not math.isfinite(value):
            improved = False
        elif self.best is None:
            improved = True
        else:
            gain = self.best - value if self.mode == "min" else value - self.best
            improved = gain > self.min_delta
        if improved:
            self.best, self.bad = value, 0
        else:
            self.bad += 1
        return improved

    @property
    def exhausted(self) -> bool:
        """True when early stopping is on and the patience has run out."""
        return self.patience > 0 and self.bad >= self.patience

    def report(self, step: int, metric: str, best: float) -> str:
        """What to print when the patience runs out at ``step`` (``best``: the best dev value)."""
        return (f"stopped early at step {step}: no dev {metric} improvement over {self.min_delta} in {self.bad} "
                f"evaluations (best.pt holds the best, {metric} {best:.4f})")

    def resume_note(self) -> str:
        """What to print when a run that stopped early is resumed with the same patience."""
        return (f"this run stopped early (no dev improvement in {self.bad} evaluations); raise "
                "train.patience (--set train.patience=N) to go on")

    def state(self) -> dict[str, Any]:
        return {"best": self.best, "bad": self.bad}

    def load(self, state: dict[str, Any] | None) -> None:
        """Restore :meth:`state` from a checkpoint (older checkpoints have none)."""
        if state:
            self.best, self.bad = state["best"], state["bad"]
