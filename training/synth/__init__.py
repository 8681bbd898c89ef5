"""Synthetic ledger pages and handwriting lines with exact ground truth."""
