"""Training curves as PNG from a run's metrics.jsonl."""

from __future__ import annotations

import json
from pathlib import Path


def plot_metrics(run: Path, curves: dict[str, list[str]]) -> None:
    """``<name>.png`` per entry of ``curves`` (name -> metric keys) from the run's metrics.jsonl,
    on a log scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = run / "metrics.jsonl"
    if not path.exists():
        return
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    for name, keys in curves.items():
        fig, ax = plt.subplots(figsize=(7, 4))
        for key in keys:
            pts = [(r["step"], r[key]) for r in rows if key in r]
            if pts:
                ax.plot(*zip(*pts), label=key)
        ax.set_xlabel("step")
        ax.set_ylabel(name)
        ax.set_yscale("log")
        ax.grid(True, alpha=0.3)
        if ax.lines:
            ax.legend()
        fig.tight_layout()
        fig.savefig(run / f"{name}.png", dpi=90)
        plt.close(fig)
