"""AnalysisContext: what phase 1b's modules share, inside the analysis process.

It opens the holdout split (the only place in healthopt that does), loads each completed
run's best model once, and caches predictions per (model, input set), so eight modules that
all look at the holdout predict it once per model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from healthopt.data import Dataset, load_dataset
from healthopt.records import Mode
from healthopt.study.config import STUDY_MODES, StudyConfig
from healthopt.study.layout import StudyPaths
from healthopt.study.metadata import RunRecord, StudyMetadata

PREDICT_BATCH = 512


@dataclass
class ModelUnderTest:
    """One run's selected model, loaded on first use."""

    record: RunRecord
    path: Path
    _model: Any = field(default=None, repr=False)

    @property
    def mode(self) -> Mode:
        return self.record.mode

    @property
    def index(self) -> int:
        return self.record.index

    @property
    def key(self) -> str:
        return self.record.key

    @property
    def label(self) -> str:
        return self.record.label

    @property
    def val_accuracy(self) -> float | None:
        return self.record.val_accuracy

    @property
    def test_accuracy(self) -> float | None:
        return self.record.test_accuracy

    @property
    def health_score(self) -> float | None:
        return self.record.health_score

    @property
    def model(self) -> Any:
        if self._model is None:
            from healthopt.analysis.layers import load_model

            self._model = load_model(self.path)
        return self._model


def select_best(models: list[ModelUnderTest], mode: Mode) -> ModelUnderTest | None:
    """The mode's model to compare (seed 002): accuracy-only keeps the highest validation
    accuracy, health-aware the highest total (accuracy + health) score it optimized."""
    if not models:
        return None
    if mode is Mode.SIMPLE:
        return max(models, key=lambda m: (m.val_accuracy or 0.0, -m.index))
    return max(models, key=lambda m: (m.record.total_score or 0.0, -m.index))


class AnalysisContext:
    """The dataset with its holdout, the models of both modes, and a prediction cache."""

    def __init__(
        self, metadata: StudyMetadata, paths: StudyPaths, dataset: Dataset | None = None
    ) -> None:
        self.metadata = metadata
        self.config: StudyConfig = metadata.study_config
        self.paths = paths
        self.dataset = dataset or load_dataset(self.config.dataset_name, self.config.split_seed)
        self.modes = STUDY_MODES
        self.models: dict[Mode, list[ModelUnderTest]] = {
            mode: [self._under_test(r) for r in metadata.runs_of(mode) if r.completed]
            for mode in STUDY_MODES
        }
        self.ablation: list[ModelUnderTest] = [
            self._under_test(r) for r in metadata.ablation_runs() if r.completed
        ]
        self.best: dict[Mode, ModelUnderTest | None] = {
            mode: select_best(self.models[mode], mode) for mode in STUDY_MODES
        }
        self.seed = self.config.seed
        self._cache: dict[tuple[str, str], np.ndarray] = {}

    def _under_test(self, record: RunRecord) -> ModelUnderTest:
        return ModelUnderTest(record, self.paths.root / str(record.model_path))

    @property
    def paired(self) -> bool:
        """Runs pair up by index: same seed in both modes, and both modes completed the same
        runs (a run that failed in one mode drops the design to unpaired)."""
        indices = [{m.index for m in self.models[mode]} for mode in STUDY_MODES]
        return indices[0] == indices[1] and len(indices[0]) >= 2

    @property
    def comparable(self) -> bool:
        """Both modes have at least one model to compare."""
        return all(self.best[mode] is not None for mode in STUDY_MODES)

    def probabilities(self, mut: ModelUnderTest, x: np.ndarray, key: str) -> np.ndarray:
        """Class probabilities of `mut` on `x`, cached under `key` (name the input set and
        its corruption and level, e.g. "holdout/gaussian_noise/0.1")."""
        cache_key = (mut.key, key)
        if cache_key not in self._cache:
            probs = np.asarray(mut.model.predict(x, batch_size=PREDICT_BATCH, verbose=0))
            self._cache[cache_key] = probs.astype(np.float64)
        return self._cache[cache_key]

    def holdout_probabilities(self, mut: ModelUnderTest) -> np.ndarray:
        return self.probabilities(mut, self.dataset.holdout.x, "holdout")

    def accuracy(self, mut: ModelUnderTest, x: np.ndarray, y: np.ndarray, key: str) -> float:
        if len(y) == 0:
            return 0.0
        return float(np.mean(self.probabilities(mut, x, key).argmax(axis=1) == y))

    def holdout_accuracy(self, mut: ModelUnderTest) -> float:
        return self.accuracy(mut, self.dataset.holdout.x, self.dataset.holdout.y, "holdout")

    def figure_path(self, name: str) -> Path:
        self.paths.figures_dir.mkdir(parents=True, exist_ok=True)
        return self.paths.figures_dir / name

    def relative(self, path: Path) -> str:
        return str(path.relative_to(self.paths.analysis_dir))
