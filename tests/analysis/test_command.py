"""`healthopt analyze`'s option handling: --only turns on exactly the analyses it names."""

from __future__ import annotations

import pytest

from healthopt.analysis.command import build_config
from healthopt.analysis.config import ANALYSES


@pytest.mark.parametrize("chosen", ANALYSES)
def test_only_turns_on_exactly_the_named_analysis(chosen: str):
    config = build_config({chosen}, samples=64, save_plots=False)
    enabled = {name for name in ANALYSES if getattr(config, f"analyze_{name}")}
    assert enabled == {chosen}


def test_every_analysis_together():
    config = build_config(set(ANALYSES), samples=64, save_plots=True)
    assert all(getattr(config, f"analyze_{name}") for name in ANALYSES)
    assert (config.n_samples, config.save_plots, config.verbose) == (64, True, False)
