"""Where fine-tuning starts: ``--init REF``, a checkpoint file or a model bundle's weights."""

from __future__ import annotations

from pathlib import Path


def resolve_init(task: str, ref: str) -> Path:
    """The torch weights file ``ref`` names for ``task`` ("htr" or "layout"): an existing file
    (a run's ``last.pt``/``best.pt`` or a slim checkpoint), else a model bundle reference of
    :func:`ocr.registry.get_bundle` ("shipped", "active", a bundle id, its unique prefix or its
    folder). Raises ValueError saying what to do when neither fits or the bundle has no weights."""
    path = Path(ref)
    if path.is_file():
        return path
    try:
        from ocr.registry import get_bundle
    except ImportError as exc:
        raise ValueError(f"--init {ref}: no such checkpoint file, and the model registry is not available "
                         f"({exc}); give the path of a .pt checkpoint") from exc
    bundle = get_bundle(ref, task)   # RegistryError (a ValueError) says which bundles exist
    if bundle.weights is None or not Path(bundle.weights).is_file():
        raise ValueError(f"--init {ref}: bundle {bundle.id} has no torch weights to fine-tune from (only "
                         f"{Path(bundle.onnx).name}); pick a bundle that has them (`hotich models list`) "
                         "or give a .pt checkpoint")
    return Path(bundle.weights)
