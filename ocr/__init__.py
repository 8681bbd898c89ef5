"""hotich inference core: images in, drafts out (numpy, OpenCV, onnxruntime, pydantic; no torch)."""
