"""Sustainability checks (seed 004 section 6): compute, energy and parameters training wasted.

Four groups, read top to bottom: when training could have stopped (`optimal_stop_epoch` and
the checks that agree with it), whether a GPU sat idle, whether a layer's parameters and
compute are out of proportion, and whether a layer is dead, frozen, collapsed, redundant or
gets no gradient. Carbon is reported from the records' own figures and `method`, never
estimated here. `sustainability_summary` gathers the same findings for the engine's report.

Layer-health checks read the final epoch that has layer records, because that is the model
training produced. A layer whose input is already constant gives a constant output too, so
only the first layer of such a chain is reported; the ones after it inherit the finding.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from healthopt.diagnostics.checks.profiler import layer_timings
from healthopt.diagnostics.issues import Category, Issue, Severity
from healthopt.diagnostics.records import (
    DiagnosticInput,
    dig,
    epoch_index,
    layers,
    number,
    series,
)
from healthopt.diagnostics.thresholds import DiagnosticThresholds

# Layers below this share (%) of parameters or compute are too small to be worth a report.
MIN_SHARE_PCT = 1.0
# With fewer comparable layers the median layer is no yardstick: of two layers, neither can
# be more than twice the median of the pair.
MIN_LAYERS_FOR_SHARES = 3

VAL_LOSS = "loss.val.val_loss"
TRAIN_LOSS = "loss.train_mean"


def _issue(
    check: str, severity: Severity, title: str, description: str, suggestion: str, **where: Any
) -> Issue:
    return Issue(
        check=check,
        severity=severity,
        category=Category.SUSTAINABILITY,
        title=title,
        description=description,
        suggestion=suggestion,
        **where,
    )


def _grams(kg: float) -> str:
    return f"{1000 * kg:.3g} g CO2"


def _watt_hours(kwh: float) -> str:
    return f"{1000 * kwh:.3g} Wh"


def _total(values: list[float | None]) -> float | None:
    """Sum of the recorded values; None when none was recorded."""
    found = [v for v in values if v is not None]
    return float(sum(found)) if found else None


# -- when training could have stopped ----------------------------------------------------------


def _monitored_loss(epochs: list[dict[str, Any]]) -> tuple[str, list[float]] | None:
    """Validation loss when every epoch has one, else train loss (train_mean, or train_epoch
    where the mean is missing); None when neither covers every epoch."""
    val = series(epochs, VAL_LOSS)
    if val and all(v is not None for v in val):
        return VAL_LOSS, [v for v in val if v is not None]
    train = [number(dig(e, TRAIN_LOSS)) for e in epochs]
    train = [
        v if v is not None else number(dig(e, "loss.train_epoch"))
        for v, e in zip(train, epochs, strict=True)
    ]
    if train and all(v is not None for v in train):
        return TRAIN_LOSS, [v for v in train if v is not None]
    return None


@dataclass(frozen=True)
class _Stop:
    """Where the monitored loss stopped paying off; `position` is None when it never did."""

    key: str
    losses: list[float]
    position: int | None
    ratio: float | None  # marginal / cumulative improvement in the first wasted epoch


def _stop(epochs: list[dict[str, Any]], t: DiagnosticThresholds) -> _Stop | None:
    """The stop analysis, or None when there is nothing to analyse (< 3 epochs, no loss).

    Epoch k gives diminishing returns when its improvement on the best loss so far is below
    `diminishing_returns_pct` of the improvement the run had made before it (a loss that went
    up improved by a negative amount). The stop position is the last epoch before the run of
    such epochs that lasts to the end: a later epoch that improves meaningfully ends the run.
    """
    monitored = _monitored_loss(epochs)
    if monitored is None or len(epochs) < 3:
        return None
    key, losses = monitored
    ratios: list[float | None] = [None]
    best = losses[0]
    for loss in losses[1:]:
        cumulative = losses[0] - best
        ratios.append((best - loss) / cumulative if cumulative > 0 else None)
        best = min(best, loss)
    start = len(losses)
    while start > 1 and (r := ratios[start - 1]) is not None and r < t.diminishing_returns_pct:
        start -= 1
    if start == len(losses):
        return _Stop(key, losses, None, None)
    return _Stop(key, losses, start - 1, ratios[start])


def optimal_stop_epoch(epochs: list[dict[str, Any]], t: DiagnosticThresholds) -> int | None:
    """The epoch (the record's own epoch number) after which training gave diminishing returns.

    Every later epoch improved the monitored loss (validation loss when every epoch has one,
    else train loss) on its best so far by less than `diminishing_returns_pct` of the
    improvement made before that epoch, so stopping here would have lost next to nothing.
    None with fewer than 3 epochs, without a loss in every epoch, or when the last epoch still
    improved meaningfully. `diminishing_returns`, `early_stop_opportunity` and `wasted_carbon`
    report exactly this epoch.
    """
    found = _stop(epochs, t)
    if found is None or found.position is None:
        return None
    return epoch_index(epochs, found.position)


@dataclass(frozen=True)
class _Waste:
    """What the epochs after the stop position cost, for the checks and the summary."""

    epochs: int
    duration_seconds: float | None
    compute_pct: float
    co2_kg: float | None
    energy_kwh: float | None


def _waste(epochs: list[dict[str, Any]], position: int | None) -> _Waste:
    """Cost of the epochs after `position` (none when it is None).

    The compute share is the share of training time when every epoch has a duration, else the
    share of epochs, which is what each epoch costs on average.
    """
    after = epochs[position + 1 :] if position is not None else []
    durations = series(epochs, "duration_seconds")
    total = sum(d for d in durations if d is not None)
    wasted_time = _total(series(after, "duration_seconds"))
    if all(d is not None for d in durations) and total > 0:
        pct = 100.0 * (wasted_time or 0.0) / total
    else:
        pct = 100.0 * len(after) / len(epochs) if epochs else 0.0
    has_co2 = any(v is not None for v in series(epochs, "carbon_emissions.epoch_co2_kg"))
    has_kwh = any(v is not None for v in series(epochs, "carbon_emissions.epoch_energy_kwh"))
    co2 = _total(series(after, "carbon_emissions.epoch_co2_kg"))
    kwh = _total(series(after, "carbon_emissions.epoch_energy_kwh"))
    return _Waste(
        epochs=len(after),
        duration_seconds=(
            wasted_time if wasted_time is not None else 0.0 if total and not after else None
        ),
        compute_pct=pct,
        co2_kg=co2 if co2 is not None else (0.0 if has_co2 and not after else None),
        energy_kwh=kwh if kwh is not None else (0.0 if has_kwh and not after else None),
    )


def _loss_name(key: str) -> str:
    return "validation loss" if key == VAL_LOSS else "train loss"


def check_diminishing_returns(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """From some epoch to the end, every epoch improved the monitored loss by less than
    `diminishing_returns_pct` of the improvement made so far (info, at the first such epoch).

    Same rule as `optimal_stop_epoch`; info because the model is not hurt, only the compute.
    """
    found = _stop(data.epochs, t)
    if found is None or found.position is None or found.ratio is None:
        return []
    first = found.position + 1
    epoch = epoch_index(data.epochs, first)
    losses = found.losses
    return [
        _issue(
            "diminishing_returns",
            Severity.INFO,
            "Diminishing returns",
            (
                f"From epoch {epoch} on, each epoch improved the {_loss_name(found.key)} by "
                f"less than {100 * t.diminishing_returns_pct:g}% of the improvement made so far "
                f"(epoch {epoch}: {100 * found.ratio:.1f}%); the loss went from "
                f"{losses[found.position]:.4g} to {losses[-1]:.4g} over the last "
                f"{len(losses) - first} epochs."
            ),
            (
                "Stop when progress stalls: keras.callbacks.EarlyStopping(monitor='val_loss', "
                "patience=2, min_delta=1e-3, restore_best_weights=True), or lower the epochs."
            ),
            epoch_index=epoch,
            metric_key="marginal_improvement_ratio",
            metric_value=round(found.ratio, 6),
        )
    ]


def check_early_stop_opportunity(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """Training ran on after `optimal_stop_epoch` (info, at that epoch, with the epochs, time
    and compute share the extra epochs cost)."""
    epochs = data.epochs
    found = _stop(epochs, t)
    if found is None or found.position is None:
        return []
    waste = _waste(epochs, found.position)
    epoch = epoch_index(epochs, found.position)
    time_text = f", {waste.duration_seconds:.1f} s" if waste.duration_seconds is not None else ""
    return [
        _issue(
            "early_stop_opportunity",
            Severity.INFO,
            "Early stop opportunity",
            (
                f"Training could have stopped after epoch {epoch}: the {waste.epochs} epochs "
                f"after it ({waste.compute_pct:.1f}% of the compute{time_text}) changed the "
                f"{_loss_name(found.key)} from {found.losses[found.position]:.4g} to "
                f"{found.losses[-1]:.4g}."
            ),
            (
                "Add keras.callbacks.EarlyStopping(monitor='val_loss', patience=2, "
                f"restore_best_weights=True), or train for {found.position + 1} epochs."
            ),
            epoch_index=epoch,
            metric_key="wasted_epochs",
            metric_value=waste.epochs,
        )
    ]


def check_wasted_carbon(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """CO2 (and energy) the epochs after `optimal_stop_epoch` emitted (info, at the first of
    them); nothing when those epochs have no carbon records."""
    epochs = data.epochs
    found = _stop(epochs, t)
    if found is None or found.position is None:
        return []
    waste = _waste(epochs, found.position)
    if waste.co2_kg is None:
        return []
    energy = f" and {_watt_hours(waste.energy_kwh)}" if waste.energy_kwh is not None else ""
    return [
        _issue(
            "wasted_carbon",
            Severity.INFO,
            "Wasted carbon",
            (
                f"Training could have stopped after epoch {epoch_index(epochs, found.position)}; "
                f"the remaining {waste.epochs} epochs emitted {_grams(waste.co2_kg)}{energy} with "
                "diminishing returns."
            ),
            (
                "Stop at the plateau with keras.callbacks.EarlyStopping(restore_best_weights=True) "
                "and the CO2 of those epochs is saved."
            ),
            epoch_index=epoch_index(epochs, found.position + 1),
            metric_key="carbon_emissions.epoch_co2_kg",
            metric_value=waste.co2_kg,
        )
    ]


# -- an idle GPU ------------------------------------------------------------------------------


def _on_cpu(record: dict[str, Any]) -> tuple[str, Any] | None:
    """(metric key, value) showing a GPU-equipped epoch trained on the CPU, else None.

    The recorded training device decides; only without one does zero CUDA time (with CPU time
    spent) count as training on the CPU.
    """
    device = dig(record, "device.training_device")
    if isinstance(device, str):
        return ("device.training_device", device) if device.lower() == "cpu" else None
    cuda = number(dig(record, "profiler.total_cuda_time_ms"))
    cpu = number(dig(record, "profiler.total_cpu_time_ms"))
    if cuda == 0 and (cpu is None or cpu > 0):
        return "profiler.total_cuda_time_ms", 0.0
    return None


def check_device_underutilization(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """Epochs ran on the CPU although `device.gpu_available` was true (warning, once, at the
    first such epoch). Never fires on a machine without a GPU."""
    epochs = data.epochs
    with_gpu = [i for i, e in enumerate(epochs) if dig(e, "device.gpu_available") is True]
    idle = [(i, found) for i in with_gpu if (found := _on_cpu(epochs[i])) is not None]
    if not idle:
        return []
    first, (key, value) = idle[0]
    return [
        _issue(
            "device_underutilization",
            Severity.WARNING,
            "GPU available but unused",
            (
                f"{len(idle)} of {len(with_gpu)} epochs with a GPU available trained on the CPU "
                f"(first: epoch {epoch_index(epochs, first)}). GPU training is typically 10-100x "
                "faster and uses less energy per sample."
            ),
            (
                "Check tf.config.list_physical_devices('GPU'), install TensorFlow with CUDA "
                "(pip install 'tensorflow[and-cuda]'), and remove CUDA_VISIBLE_DEVICES=-1 or any "
                "tf.device('/CPU:0') around training; Keras then places the model on the GPU."
            ),
            epoch_index=epoch_index(epochs, first),
            metric_key=key,
            metric_value=value,
        )
    ]


# -- parameters against compute ---------------------------------------------------------------


def _final_position(epochs: list[dict[str, Any]]) -> int | None:
    """Position of the last epoch that has layer-health records."""
    return next((i for i in range(len(epochs) - 1, -1, -1) if layers(epochs[i])), None)


def _compute_shares(epochs: list[dict[str, Any]]) -> dict[str, tuple[float, str | None]]:
    """Per layer: mean `profiler.per_layer[].pct_total` over the epochs that timed it, type."""
    return {
        name: (
            statistics.fmean(row.pct_total for row in rows),
            next((row.kind for row in rows if row.kind), None),
        )
        for name, rows in layer_timings(epochs).items()
    }


def _param_shares(data: DiagnosticInput, names: set[str]) -> dict[str, float]:
    """Per layer: % of the model's parameters, from the architecture when it names any of
    `names`, else from the final layer-health record's `num_parameters`."""
    arch = _arch_layers(data)
    if names & set(arch):
        counts = {n: number(v.get("parameters")) for n, v in arch.items() if isinstance(v, dict)}
        total = number(dig(data.architecture, "total_parameters")) or _total(list(counts.values()))
        shares = {}
        for name, info in arch.items():
            pct = number(info.get("pct_of_total")) if isinstance(info, dict) else None
            if pct is None and counts.get(name) is not None and total:
                pct = 100.0 * (counts[name] or 0.0) / total
            if pct is not None:
                shares[name] = pct
        return shares
    position = _final_position(data.epochs)
    if position is None:
        return {}
    counts = {
        n: number(e.get("num_parameters"))
        for n, e in layers(data.epochs[position]).items()
        if isinstance(e, dict)
    }
    total = _total(list(counts.values()))
    return {n: 100.0 * c / total for n, c in counts.items() if c is not None and total}


def _arch_layers(data: DiagnosticInput) -> dict[str, Any]:
    found = dig(data.architecture, "layers")
    return found if isinstance(found, dict) else {}


def _is_embedding(kind: str | None) -> bool:
    return kind is not None and "embedding" in kind.lower()


def _shares(data: DiagnosticInput) -> list[tuple[str, str | None, float, float]]:
    """(layer, type, param %, compute %) for layers with both, embeddings left out: a lookup
    table's compute does not grow with its size, so it says nothing about either ratio."""
    compute = _compute_shares(data.epochs)
    params = _param_shares(data, set(compute))
    arch = _arch_layers(data)
    rows = []
    for name, (compute_pct, kind) in compute.items():
        kind = kind or dig(arch.get(name), "type")
        kind = kind if isinstance(kind, str) else None
        if params.get(name, 0.0) > 0 and compute_pct > 0 and not _is_embedding(kind):
            rows.append((name, kind, params[name], compute_pct))
    return rows if len(rows) >= MIN_LAYERS_FOR_SHARES else []


def check_over_parameterized_layer(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """A layer's parameters per unit of compute (param share / compute share) is more than
    `over_parameterized_ratio` times the model's median layer (info, once per layer).

    Compared with the median layer rather than with 1: convolutions reuse each weight at every
    position, so against the model average any dense head looks heavy. Layers under 1% of the
    parameters, embeddings, and models with fewer than 3 comparable layers are skipped.
    """
    rows = _shares(data)
    if not rows:
        return []
    median = statistics.median(p / c for _, _, p, c in rows)
    issues = []
    for name, _kind, param_pct, compute_pct in rows:
        ratio = param_pct / compute_pct / median
        if param_pct < MIN_SHARE_PCT or ratio <= t.over_parameterized_ratio:
            continue
        issues.append(
            _issue(
                "over_parameterized_layer",
                Severity.INFO,
                "Over-parameterized layer",
                (
                    f"Layer '{name}' holds {param_pct:.1f}% of the parameters but does "
                    f"{compute_pct:.1f}% of the compute: {ratio:.1f}x the parameters per unit of "
                    f"compute of the model's median layer (limit {t.over_parameterized_ratio:g}x)."
                ),
                (
                    "Give it fewer units, or shrink its input (GlobalAveragePooling2D instead "
                    "of Flatten before a dense head); its parameters cost memory and invite "
                    "overfitting more than they compute."
                ),
                layer_id=name,
                metric_key="param_to_compute_ratio",
                metric_value=round(ratio, 4),
            )
        )
    return issues


def check_compute_inefficient_layer(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """A layer's compute per parameter (compute share / param share) is more than
    `compute_inefficient_ratio` times the model's median layer (info, once per layer).

    Parameter-free layers, layers under 1% of the compute, embeddings, and models with fewer
    than 3 comparable layers are skipped; see `check_over_parameterized_layer` for why the
    median layer is the yardstick.
    """
    rows = _shares(data)
    if not rows:
        return []
    median = statistics.median(c / p for _, _, p, c in rows)
    issues = []
    for name, kind, param_pct, compute_pct in rows:
        ratio = compute_pct / param_pct / median
        if compute_pct < MIN_SHARE_PCT or ratio <= t.compute_inefficient_ratio:
            continue
        conv = kind is not None and "conv" in kind.lower()
        issues.append(
            _issue(
                "compute_inefficient_layer",
                Severity.INFO,
                "Compute-inefficient layer",
                (
                    f"Layer '{name}' does {compute_pct:.1f}% of the compute with "
                    f"{param_pct:.2f}% of the parameters: {ratio:.1f}x the compute per parameter "
                    f"of the model's median layer (limit {t.compute_inefficient_ratio:g}x)."
                ),
                (
                    "Use SeparableConv2D, fewer filters, or downsample before it (strides=2 or "
                    "MaxPooling2D)."
                    if conv
                    else "Shrink the tensor it works on (pool or downsample before it) or "
                    "replace it with a cheaper operation."
                ),
                layer_id=name,
                metric_key="compute_to_param_ratio",
                metric_value=round(ratio, 4),
            )
        )
    return issues


# -- layer health -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Flag:
    """A layer a layer-health rule flagged; `reported` is False when it only inherits the
    finding from the layer before it (constant input gives constant output)."""

    layer: str
    key: str  # the layer-health field that tripped
    value: float
    reported: bool
    whole: bool = False  # dead: every unit dead


def _has_params(entry: dict[str, Any]) -> bool:
    count = number(entry.get("num_parameters"))
    if count is not None:
        return count > 0
    return number(entry.get("weight_sparsity")) is not None


def _final_layers(epochs: list[dict[str, Any]]) -> tuple[int | None, list[tuple[str, dict]]]:
    """The epoch number of the last epoch with layer records, and its (name, entry) pairs."""
    position = _final_position(epochs)
    if position is None:
        return None, []
    entries = layers(epochs[position]).items()
    return epoch_index(epochs, position), [
        (n, e if isinstance(e, dict) else {}) for n, e in entries
    ]


def _dead_flags(epochs: list[dict[str, Any]], t: DiagnosticThresholds) -> list[_Flag]:
    """Layers whose `dead_unit_fraction` or `weight_sparsity` is above `dead_neuron_sparsity`
    in the final epoch. A parameter-free layer after a flagged one (pooling after a dead ReLU)
    passes the dead units on and only inherits; any layer after a wholly dead one does too."""
    flags, previous = [], None
    for name, entry in _final_layers(epochs)[1]:
        flag = None
        for key in ("dead_unit_fraction", "weight_sparsity"):
            value = number(entry.get(key))
            if flag is None and value is not None and value > t.dead_neuron_sparsity:
                inherited = previous is not None and (not _has_params(entry) or previous.whole)
                whole = key == "dead_unit_fraction" and value >= 1.0
                flag = _Flag(name, key, value, not inherited, whole)
                flags.append(flag)
        previous = flag
    return flags


def check_dead_neurons(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """In the final epoch a layer's `dead_unit_fraction` or `weight_sparsity` is above
    `dead_neuron_sparsity` (critical when every unit is dead, else warning; once per layer)."""
    epoch, _ = _final_layers(data.epochs)
    issues = []
    for flag in _dead_flags(data.epochs, t):
        if not flag.reported:
            continue
        what = (
            "dead units (outputs that never vary)"
            if flag.key == "dead_unit_fraction"
            else "near-zero weights"
        )
        whole = " The whole layer is dead: everything after it sees a constant."
        issues.append(
            _issue(
                "dead_neurons",
                Severity.CRITICAL if flag.whole else Severity.WARNING,
                "Dead layer" if flag.whole else "Dead neurons",
                (
                    f"In epoch {epoch}, layer '{flag.layer}' has {100 * flag.value:.0f}% "
                    f"{what} (limit {100 * t.dead_neuron_sparsity:g}%)."
                    + (whole if flag.whole else "")
                ),
                (
                    "Use LeakyReLU/ELU instead of ReLU, a lower learning rate, He initialisation "
                    "(kernel_initializer='he_normal') or BatchNormalization before the activation; "
                    "a layer that stays dead can be removed."
                ),
                epoch_index=epoch,
                layer_id=flag.layer,
                metric_key=f"layer_health.layers.{flag.layer}.{flag.key}",
                metric_value=flag.value,
            )
        )
    return issues


def _vanishing(
    epochs: list[dict[str, Any]], t: DiagnosticThresholds
) -> list[tuple[str, int, int, int, float]]:
    """(layer, first position, epochs vanished, epochs measured, mean norm while vanished)
    for layers with parameters whose `gradient_norm` was below `vanishing_gradient_threshold`
    in at least half of the epochs that measured it: once, near the end, is convergence."""
    names: dict[str, None] = {}
    for record in epochs:
        names.update(dict.fromkeys(layers(record)))
    found = []
    for name in names:
        norms = []
        for i, record in enumerate(epochs):
            entry = layers(record).get(name)
            norm = number(entry.get("gradient_norm")) if isinstance(entry, dict) else None
            count = number(entry.get("num_parameters")) if isinstance(entry, dict) else None
            if norm is not None and (count is None or count > 0):
                norms.append((i, norm))
        low = [(i, n) for i, n in norms if n < t.vanishing_gradient_threshold]
        if low and 2 * len(low) >= len(norms):
            found.append(
                (name, low[0][0], len(low), len(norms), statistics.fmean(n for _, n in low))
            )
    return found


def check_vanishing_gradients(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """A layer with parameters has `gradient_norm` below `vanishing_gradient_threshold` in at
    least half of the epochs that measured it (warning, once per layer, with the mean norm)."""
    return [
        _issue(
            "vanishing_gradients",
            Severity.WARNING,
            "Vanishing gradients",
            (
                f"Layer '{name}' had near-zero gradient flow (below "
                f"{t.vanishing_gradient_threshold:g}) in {count} of {measured} epochs, first "
                f"in epoch {epoch_index(data.epochs, first)}; average gradient norm {mean:.3g}. "
                "It cannot learn."
            ),
            (
                "Add skip connections or BatchNormalization, use He initialisation "
                "(kernel_initializer='he_normal') with ReLU-family activations instead of "
                "sigmoid/tanh, or raise the learning rate for this depth."
            ),
            epoch_index=epoch_index(data.epochs, first),
            layer_id=name,
            metric_key=f"layer_health.layers.{name}.gradient_norm",
            metric_value=mean,
        )
        for name, first, count, measured, mean in _vanishing(data.epochs, t)
    ]


def _frozen_flags(epochs: list[dict[str, Any]], t: DiagnosticThresholds) -> list[_Flag]:
    """Layers whose `activation_variance_across_samples` is below `frozen_output_variance` in
    the final epoch. A wholly dead layer is `dead_neurons`' report, and a layer after a frozen
    or wholly dead one only inherits."""
    flags, constant_before = [], False
    for name, entry in _final_layers(epochs)[1]:
        variance = number(entry.get("activation_variance_across_samples"))
        dead = number(entry.get("dead_unit_fraction"))
        wholly_dead = dead is not None and dead >= 1.0
        frozen = variance is not None and variance < t.frozen_output_variance
        if variance is not None and frozen:
            key = "activation_variance_across_samples"
            flags.append(_Flag(name, key, variance, not (constant_before or wholly_dead)))
        constant_before = frozen or wholly_dead
    return flags


def check_frozen_output(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """In the final epoch a layer's output variance across samples is below
    `frozen_output_variance`: its output does not depend on the input (critical)."""
    epoch, _ = _final_layers(data.epochs)
    return [
        _issue(
            "frozen_output",
            Severity.CRITICAL,
            "Frozen layer output",
            (
                f"In epoch {epoch}, layer '{f.layer}' gave the same output for every probe "
                f"sample (variance across samples {f.value:.3g}, limit "
                f"{t.frozen_output_variance:g}); every layer after it learns nothing from the "
                "input."
            ),
            (
                "Check for saturated activations (sigmoid/tanh with large weights), a too-high "
                "learning rate, or a dead ReLU before it; reinitialise the layer, add "
                "BatchNormalization, or use LeakyReLU."
            ),
            epoch_index=epoch,
            layer_id=f.layer,
            metric_key=f"layer_health.layers.{f.layer}.activation_variance_across_samples",
            metric_value=f.value,
        )
        for f in _frozen_flags(data.epochs, t)
        if f.reported
    ]


def check_activation_collapse(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """In the final epoch a layer's across-sample variance is below `activation_collapse_ratio`
    of its mean square while still above `frozen_output_variance`: outputs nearly the same
    for every input (warning). Layers after a collapsed or frozen one only inherit."""
    epoch, entries = _final_layers(data.epochs)
    issues, inherited = [], False
    for name, entry in entries:
        variance = number(entry.get("activation_variance_across_samples"))
        square = number(entry.get("activation_mean_square"))
        frozen = variance is not None and variance < t.frozen_output_variance
        if variance is None or square is None or square <= 0:
            inherited = frozen
            continue
        ratio = variance / square
        collapsed = not frozen and ratio < t.activation_collapse_ratio
        if collapsed and not inherited:
            issues.append(
                _issue(
                    "activation_collapse",
                    Severity.WARNING,
                    "Activation collapse",
                    (
                        f"In epoch {epoch}, layer '{name}' outputs almost the same values for "
                        f"every input: variance across samples is {ratio:.3g} of the mean "
                        f"square (limit {t.activation_collapse_ratio:g}). It has lost the "
                        "ability to tell inputs apart."
                    ),
                    (
                        "Add BatchNormalization or LayerNormalization before it, lower the "
                        "learning rate, or check for saturating activations."
                    ),
                    epoch_index=epoch,
                    layer_id=name,
                    metric_key=f"layer_health.layers.{name}.activation_variance_across_samples",
                    metric_value=ratio,
                )
            )
        inherited = collapsed or frozen
    return issues


def _redundant_pairs(
    epochs: list[dict[str, Any]], t: DiagnosticThresholds
) -> list[tuple[str, str, float, int]]:
    """(earlier layer, later layer, mean correlation, position of the highest) for layers
    whose `correlation_with_previous` averages above `redundant_correlation`.

    The observer correlates a layer with the previous layer that has weights, so that layer
    is the pair's other half. Normalization layers are skipped: they rescale their input by
    design, so a high correlation is their job, not redundancy.
    """
    pairs: dict[tuple[str, str], list[tuple[int, float]]] = {}
    for i, record in enumerate(epochs):
        previous = None
        for name, entry in layers(record).items():
            entry = entry if isinstance(entry, dict) else {}
            value = number(entry.get("correlation_with_previous"))
            kind = entry.get("type")
            normalization = isinstance(kind, str) and "normalization" in kind.lower()
            if value is not None and previous is not None and not normalization:
                pairs.setdefault((previous, name), []).append((i, value))
            if "correlation_with_previous" in entry or _has_params(entry):
                previous = name
    found = []
    for (a, b), values in pairs.items():
        mean = statistics.fmean(v for _, v in values)
        if mean > t.redundant_correlation:
            found.append((a, b, mean, max(values, key=lambda row: row[1])[0]))
    return found


def check_redundant_layers(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """A layer's output correlates with the previous weighted layer's above
    `redundant_correlation` on average over the epochs (info, layer_id = the later layer)."""
    return [
        _issue(
            "redundant_layers",
            Severity.INFO,
            "Redundant layers",
            (
                f"Layers '{a}' and '{b}' produce nearly identical outputs: average correlation "
                f"{mean:.3f} (limit {t.redundant_correlation:g}, highest in epoch "
                f"{epoch_index(data.epochs, at)}). One of them may be removable."
            ),
            f"Try the model without '{b}' (or merge the two); if accuracy holds, keep it removed.",
            epoch_index=epoch_index(data.epochs, at),
            layer_id=b,
            metric_key=f"layer_health.layers.{b}.correlation_with_previous",
            metric_value=mean,
        )
        for a, b, mean, at in _redundant_pairs(data.epochs, t)
    ]


# -- carbon -----------------------------------------------------------------------------------


def _energy_method(epochs: list[dict[str, Any]]) -> str | None:
    methods = [m for e in epochs if isinstance(m := dig(e, "carbon_emissions.method"), str) and m]
    return "; ".join(dict.fromkeys(methods)) or None


def _mean(values: list[float | None]) -> float | None:
    found = [v for v in values if v is not None]
    return statistics.fmean(found) if found else None


def check_high_carbon_intensity(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """Report of total CO2, energy and mean power with the records' `method` (info whenever
    carbon records exist; warning when total CO2 is above `high_carbon_kg`)."""
    epochs = data.epochs
    co2 = series(epochs, "carbon_emissions.epoch_co2_kg")
    kwh = _total(series(epochs, "carbon_emissions.epoch_energy_kwh"))
    total_co2 = _total(co2)
    if total_co2 is None and kwh is None:
        return []
    watts = _mean(series(epochs, "carbon_emissions.power_draw_watts"))
    method = _energy_method(epochs)
    counted = sum(v is not None for v in co2)
    parts = [
        f"Training emitted {_grams(total_co2)} over {counted} epochs"
        if total_co2 is not None
        else "No CO2 figure was recorded"
    ]
    if kwh is not None:
        parts.append(f"used {_watt_hours(kwh)}")
    if watts is not None:
        parts.append(f"drew {watts:.3g} W on average")
    high = total_co2 is not None and total_co2 > t.high_carbon_kg
    return [
        _issue(
            "high_carbon_intensity",
            Severity.WARNING if high else Severity.INFO,
            "High carbon footprint" if high else "Carbon footprint",
            (
                ", ".join(parts)
                + "."
                + (f" Method: {method}." if method else "")
                + (f" That is above {_grams(t.high_carbon_kg)}." if high else "")
            ),
            (
                "Stop at the plateau (keras.callbacks.EarlyStopping), use smaller models or fewer "
                "trials, and set HEALTHOPT_CARBON_G_PER_KWH to your grid's intensity for exact "
                "figures."
            ),
            metric_key=(
                "carbon_emissions.epoch_co2_kg"
                if total_co2 is not None
                else "carbon_emissions.epoch_energy_kwh"
            ),
            metric_value=total_co2 if total_co2 is not None else kwh,
        )
    ]


# -- the engine's summary ---------------------------------------------------------------------


def _parameter_efficiency(data: DiagnosticInput, t: DiagnosticThresholds) -> float | None:
    """% of parameters in layers that are neither dead, frozen nor without gradient.

    A flagged parameter-free layer (a dead ReLU after a Conv2D) wastes the parameters of the
    weighted layer before it, and a layer that only inherits a constant input wastes its own.
    """
    _, entries = _final_layers(data.epochs)
    arch = _arch_layers(data)
    counts: dict[str, float] = {}
    for name, entry in entries:
        count = number(entry.get("num_parameters"))
        if count is None and isinstance(arch.get(name), dict):
            count = number(arch[name].get("parameters"))
        counts[name] = count or 0.0
    total = sum(counts.values())
    if total <= 0:
        return None
    owner, owners = None, {}
    for name, _ in entries:
        owner = name if counts[name] > 0 else owner
        owners[name] = owner
    flagged = {f.layer for f in _dead_flags(data.epochs, t) + _frozen_flags(data.epochs, t)}
    flagged |= {row[0] for row in _vanishing(data.epochs, t)}
    wasted = {owners.get(name) or name for name in flagged}
    return round(100.0 * (total - sum(counts.get(n, 0.0) for n in wasted)) / total, 1)


def sustainability_summary(data: DiagnosticInput, t: DiagnosticThresholds) -> dict[str, Any]:
    """The engine's sustainability insight (seed 004 section 9.3 `SustainabilityInsight`).

    Keys: optimal_stop_epoch, wasted_epochs, wasted_compute_pct, wasted_duration_seconds,
    total_training_duration_seconds, total_samples_processed, dead_layers,
    vanishing_gradient_layers, frozen_output_layers, redundant_layer_pairs
    ([{"layer_a", "layer_b", "correlation"}]), parameter_efficiency_score, total_co2_kg,
    total_energy_kwh, co2_per_epoch_avg_kg, co2_per_1k_samples_kg, avg_power_draw_watts,
    wasted_co2_kg and energy_method (the records' method string).

    The stop epoch and waste follow `optimal_stop_epoch`; when the loss could be analysed and
    nothing was wasted they are 0, when it could not they are None. Totals sum the epochs that
    recorded the figure; every figure nothing recorded is None (lists are []), never guessed.
    """
    epochs = data.epochs
    stop = _stop(epochs, t)
    waste = _waste(epochs, stop.position) if stop is not None else None
    co2 = series(epochs, "carbon_emissions.epoch_co2_kg")
    samples = series(epochs, "throughput.samples_processed")
    total_co2 = _total(co2)
    total_samples = _total(samples)
    paired = [(c, s) for c, s in zip(co2, samples, strict=True) if c is not None and s is not None]
    paired_samples = sum(s for _, s in paired)
    return {
        "optimal_stop_epoch": optimal_stop_epoch(epochs, t),
        "wasted_epochs": waste.epochs if waste else None,
        "wasted_compute_pct": round(waste.compute_pct, 2) if waste else None,
        "wasted_duration_seconds": waste.duration_seconds if waste else None,
        "total_training_duration_seconds": _total(series(epochs, "duration_seconds")),
        "total_samples_processed": int(total_samples) if total_samples is not None else None,
        "dead_layers": [f.layer for f in _dead_flags(epochs, t) if f.reported],
        "vanishing_gradient_layers": [row[0] for row in _vanishing(epochs, t)],
        "frozen_output_layers": [f.layer for f in _frozen_flags(epochs, t) if f.reported],
        "redundant_layer_pairs": [
            {"layer_a": a, "layer_b": b, "correlation": mean}
            for a, b, mean, _ in _redundant_pairs(epochs, t)
        ],
        "parameter_efficiency_score": _parameter_efficiency(data, t),
        "total_co2_kg": total_co2,
        "total_energy_kwh": _total(series(epochs, "carbon_emissions.epoch_energy_kwh")),
        "co2_per_epoch_avg_kg": _mean(co2),
        "co2_per_1k_samples_kg": (
            1000.0 * sum(c for c, _ in paired) / paired_samples if paired_samples > 0 else None
        ),
        "avg_power_draw_watts": _mean(series(epochs, "carbon_emissions.power_draw_watts")),
        "wasted_co2_kg": waste.co2_kg if waste else None,
        "energy_method": _energy_method(epochs),
    }


CHECKS = [
    check_diminishing_returns,
    check_early_stop_opportunity,
    check_device_underutilization,
    check_over_parameterized_layer,
    check_compute_inefficient_layer,
    check_dead_neurons,
    check_vanishing_gradients,
    check_frozen_output,
    check_activation_collapse,
    check_redundant_layers,
    check_high_carbon_intensity,
    check_wasted_carbon,
]
