"""healthopt: health-aware hyperparameter optimization of Keras neural networks."""

from healthopt.config import ConfigError, ModelConfig, OptimizationConfig, ScoringWeights

__version__ = "0.1.0"

__all__ = ["ConfigError", "ModelConfig", "OptimizationConfig", "ScoringWeights", "__version__"]
