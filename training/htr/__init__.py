"""The handwriting recognizer's training side: real-data split, datasets, torch model, training, export."""
