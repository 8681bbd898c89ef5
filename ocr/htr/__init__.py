"""Handwritten text recognition: charset, line preprocessing, CTC decoding, ONNX recognizer."""
