"""Training-side code: synthetic data, models and export (never imported by `ocr`)."""
