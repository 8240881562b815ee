"""Search space (no TensorFlow) and model builder (TensorFlow, imported on use)."""
