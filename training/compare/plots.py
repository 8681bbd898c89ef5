"""The report's PNG plots (matplotlib, Agg backend, the style of :mod:`training.curves`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    _pyplot().close(fig)
    return path


def grouped_bars(values: Mapping[str, Mapping[str, float]], ylabel: str, path: Path) -> Path:
    """One bar per model (``values``: model -> group -> value) in each group, groups on x."""
    plt = _pyplot()
    groups = sorted({g for v in values.values() for g in v})
    width = 0.8 / max(len(values), 1)
    fig, ax = plt.subplots(figsize=(max(6.0, 0.6 * len(groups) * max(len(values), 1) + 2), 4))
    for k, (model, v) in enumerate(values.items()):
        xs = [i + (k - (len(values) - 1) / 2) * width for i in range(len(groups))]
        ax.bar(xs, [v.get(g, 0.0) for g in groups], width, label=model)
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels(groups, rotation=30, ha="right")
    ax.set_ylabel(ylabel)
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend()
    return _save(fig, path)


def reliability_diagram(bins: Mapping[str, Sequence[Mapping[str, Any]]], path: Path) -> Path:
    """Accuracy against mean confidence per bin, one line per model, and the diagonal."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", label="calibrated")
    for model, bs in bins.items():
        pts = [(b["confidence"], b["accuracy"]) for b in bs if b["lines"]]
        if pts:
            ax.plot(*zip(*pts), marker="o", label=model)
    ax.set_xlabel("line confidence (bin mean)")
    ax.set_ylabel("share of lines read exactly")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.grid(True, alpha=0.3)
    ax.legend()
    return _save(fig, path)


def tone_heatmaps(matrices: Mapping[str, Sequence[Sequence[int]]], labels: Sequence[str], path: Path) -> Path:
    """Tone confusion counts (reference tone by row, predicted tone by column), one panel per model."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(matrices), figsize=(4.8 * len(matrices), 4.4), squeeze=False)
    for ax, (model, m) in zip(axes[0], matrices.items()):
        ax.imshow(m, cmap="Reds")
        for i, row in enumerate(m):
            for j, n in enumerate(row):
                if n:
                    ax.text(j, i, str(n), ha="center", va="center", fontsize=8)
        ax.set_xticks(range(len(labels)))
        ax.set_xticklabels(labels, rotation=45, ha="right")
        ax.set_yticks(range(len(labels)))
        ax.set_yticklabels(labels)
        ax.set_xlabel("predicted tone")
        ax.set_ylabel("reference tone")
        ax.set_title(model)
    return _save(fig, path)
