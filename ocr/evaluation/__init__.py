"""Measuring models on labelled data: `hotich eval` and the library functions behind it."""
