"""The learned layout model: synthetic training pages with target maps, a small U-Net, training
and ONNX export."""
