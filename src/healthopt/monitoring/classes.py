"""Seed 001's seven behaviour classes, tried in the seed's order on the normalised metrics.

The seed's rules, in its order, with one change. As the seed writes them, Trickster
(variance > 0.9 and resilience < 0.5) can never fire: every such layer has variance > 0.8 and
was already taken by Alchemist, the rule before it. Alchemist here also needs resilience >= 0.5
("transforms patterns while its weights hold steady"), which leaves every other outcome of the
seed's order as it was and lets an erratic, high-variance layer be the Trickster the seed
describes. Each threshold is a named constant below and is written into
training_summary.json.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from healthopt.records.monitoring import LayerClass, LayerMetrics

ORACLE_ENTROPY = 0.8
ORACLE_FRACTURE = 0.7
SENTINEL_RESILIENCE = 0.9
SENTINEL_LUMINOSITY = 0.7
ALCHEMIST_VARIANCE = 0.8
ALCHEMIST_MIN_RESILIENCE = 0.5  # ours: without it Trickster is unreachable (docstring)
ARCHIVIST_ENTROPY = 0.3
ARCHIVIST_RESILIENCE = 0.8
TRICKSTER_VARIANCE = 0.9
TRICKSTER_RESILIENCE = 0.5
LUMINARY_LUMINOSITY = 0.9

THRESHOLDS = {
    "oracle_entropy_above": ORACLE_ENTROPY,
    "oracle_fracture_density_above": ORACLE_FRACTURE,
    "sentinel_resilience_above": SENTINEL_RESILIENCE,
    "sentinel_luminosity_above": SENTINEL_LUMINOSITY,
    "alchemist_variance_above": ALCHEMIST_VARIANCE,
    "alchemist_resilience_at_least": ALCHEMIST_MIN_RESILIENCE,
    "archivist_entropy_below": ARCHIVIST_ENTROPY,
    "archivist_resilience_above": ARCHIVIST_RESILIENCE,
    "trickster_variance_above": TRICKSTER_VARIANCE,
    "trickster_resilience_below": TRICKSTER_RESILIENCE,
    "luminary_luminosity_above": LUMINARY_LUMINOSITY,
}

# Seed 001's table: what each class means and how closely to watch it.
PRIORITY: dict[str, str] = {
    "Oracle": "critical",
    "Sentinel": "medium",
    "Alchemist": "high",
    "Archivist": "low",
    "Trickster": "critical",
    "Luminary": "medium",
    "Wanderer": "low",
}
ROLE: dict[str, str] = {
    "Oracle": "high entropy and dispersion: detects novel patterns; watch for overfitting",
    "Sentinel": "stable weights and a strong signal: baseline feature extraction",
    "Alchemist": "output varies strongly with the input: transforms features",
    "Archivist": "low entropy and stable: preserves known patterns",
    "Trickster": "high variance and unstable weights: erratic",
    "Luminary": "very strong activations: strong feature detection; watch for saturation",
    "Wanderer": "balanced metrics: exploratory learning",
}

# Okabe-Ito (colour-blind safe), one per class; grey for an epoch without a class.
CLASS_COLORS: dict[str, str] = {
    "Oracle": "#CC79A7",
    "Sentinel": "#0072B2",
    "Alchemist": "#E69F00",
    "Archivist": "#56B4E9",
    "Trickster": "#D55E00",
    "Luminary": "#F0E442",
    "Wanderer": "#009E73",
}
UNCLASSED_COLOR = "#BBBBBB"


def class_color(layer_class: str | None) -> str:
    return CLASS_COLORS.get(layer_class or "", UNCLASSED_COLOR)


METRICS_READ = ("luminosity", "fracture_density", "entropy", "resilience", "variance")


@dataclass(frozen=True)
class Rule:
    layer_class: LayerClass
    text: str
    holds: Callable[[dict[str, float]], bool]


RULES: tuple[Rule, ...] = (
    Rule(
        "Oracle",
        f"entropy > {ORACLE_ENTROPY} and fracture_density > {ORACLE_FRACTURE}",
        lambda m: m["entropy"] > ORACLE_ENTROPY and m["fracture_density"] > ORACLE_FRACTURE,
    ),
    Rule(
        "Sentinel",
        f"resilience > {SENTINEL_RESILIENCE} and luminosity > {SENTINEL_LUMINOSITY}",
        lambda m: m["resilience"] > SENTINEL_RESILIENCE and m["luminosity"] > SENTINEL_LUMINOSITY,
    ),
    Rule(
        "Alchemist",
        f"variance > {ALCHEMIST_VARIANCE} and resilience >= {ALCHEMIST_MIN_RESILIENCE}",
        lambda m: (
            m["variance"] > ALCHEMIST_VARIANCE and m["resilience"] >= ALCHEMIST_MIN_RESILIENCE
        ),
    ),
    Rule(
        "Archivist",
        f"entropy < {ARCHIVIST_ENTROPY} and resilience > {ARCHIVIST_RESILIENCE}",
        lambda m: m["entropy"] < ARCHIVIST_ENTROPY and m["resilience"] > ARCHIVIST_RESILIENCE,
    ),
    Rule(
        "Trickster",
        f"variance > {TRICKSTER_VARIANCE} and resilience < {TRICKSTER_RESILIENCE}",
        lambda m: m["variance"] > TRICKSTER_VARIANCE and m["resilience"] < TRICKSTER_RESILIENCE,
    ),
    Rule(
        "Luminary",
        f"luminosity > {LUMINARY_LUMINOSITY}",
        lambda m: m["luminosity"] > LUMINARY_LUMINOSITY,
    ),
    Rule("Wanderer", "no rule above fired (balanced metrics)", lambda m: True),
)


def classify(metrics: LayerMetrics) -> tuple[LayerClass | None, str]:
    """The first rule that holds, and its text; (None, why) when a metric is missing, since
    a rule tried on a missing figure would class by default, not by evidence."""
    missing = [name for name in METRICS_READ if metrics.get(name) is None]
    if missing:
        return None, f"not classed: {', '.join(missing)} not recorded"
    values = {name: float(metrics.get(name) or 0.0) for name in METRICS_READ}
    rule = next(rule for rule in RULES if rule.holds(values))
    return rule.layer_class, rule.text


def summary_class(classes: Sequence[LayerClass | None]) -> tuple[LayerClass | None, float | None]:
    """The class a layer had most often, and the share of monitored epochs it had it; a tie
    goes to the class held last, the layer's most recent behaviour."""
    known = [c for c in classes if c is not None]
    if not known:
        return None, None
    counts = Counter(known)
    top = max(counts.values())
    tied = {c for c, n in counts.items() if n == top}
    chosen = next(c for c in reversed(known) if c in tied)
    return chosen, top / len(classes)


def changes(classes: Sequence[LayerClass | None]) -> int:
    """How many times the class changed from one monitored epoch to the next."""
    known = [c for c in classes if c is not None]
    return sum(1 for a, b in zip(known, known[1:], strict=False) if a != b)
