"""The Label Studio bridge: ledger pages out as pre-annotated tasks, ground truth back in.

``hotich annotate push`` and ``hotich annotate pull`` (see :mod:`annotation.cli`); the labeling
configs come from the ledger templates (:mod:`annotation.labeling`), the conversion between the
schema and Label Studio results is pure (:mod:`annotation.convert`).
"""
