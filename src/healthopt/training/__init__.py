"""Training: the Keras fit loop and the observer that records each epoch (imports TensorFlow)."""
