"""Where `healthopt diagnose` finds its input: a run folder, a trial folder, or a JSON file."""

from __future__ import annotations

from pathlib import Path

from healthopt.diagnostics.records import INPUT_KEYS, DiagnosticInput
from healthopt.jsonio import JSONFileError, read_json
from healthopt.records import SchemaError, TrialResult


class SourceError(ValueError):
    """The path holds nothing the engine can read; the message says what was expected."""


def _read_json(path: Path) -> object:
    try:
        return read_json(path)
    except JSONFileError as exc:
        raise SourceError(str(exc)) from exc


def _from_json_file(path: Path) -> DiagnosticInput:
    data = _read_json(path)
    if isinstance(data, list):  # an observer.json on its own: just the epoch records
        data = {"epochs": data}
    if not isinstance(data, dict) or not INPUT_KEYS & set(data):
        found = (
            f" (it holds {', '.join(map(str, data))})" if isinstance(data, dict) and data else ""
        )
        raise SourceError(
            f'{path} must hold {{"epochs": [...], "logs": [...], '
            f'"architecture": {{...}}}} or a list of epoch records{found}'
        )
    return _validated(path, data)


def _from_trial_dir(folder: Path) -> DiagnosticInput:
    logs_path, arch_path = folder / "logs.json", folder / "architecture.json"
    data = {
        "epochs": _read_json(folder / "observer.json"),
        "logs": _read_json(logs_path) if logs_path.exists() else [],
        "architecture": _read_json(arch_path) if arch_path.exists() else None,
        "chance_accuracy": _chance_accuracy(folder / "result.json"),
    }
    return _validated(folder, data)


def _chance_accuracy(path: Path) -> float | None:
    """The trial's chance level from its result.json (`metrics.chance_accuracy`); None when
    the trial wrote none (still running, or older than issue 20), so `did_not_learn` is
    skipped and says so rather than assuming balanced classes."""
    if not path.exists():
        return None
    try:
        return TrialResult.from_json(path.read_bytes()).metrics.chance_accuracy
    except SchemaError as exc:
        raise SourceError(f"{path}: {exc}") from exc
    except OSError as exc:
        raise SourceError(f"cannot read {path} ({exc.strerror})") from exc


def _validated(where: Path, data: dict[str, object]) -> DiagnosticInput:
    try:
        return DiagnosticInput.from_json(data)
    except SchemaError as exc:
        raise SourceError(f"{where}: {exc}") from exc


def _trial_number(folder: Path) -> tuple[int, str]:
    suffix = folder.name.rpartition("_")[2]
    return (int(suffix), "") if suffix.isdigit() else (-1, folder.name)


def load_sources(path: Path) -> list[tuple[str, DiagnosticInput]]:
    """(label, input) for each thing to diagnose at `path`, in trial order for a run."""
    if path.is_file():
        return [(str(path), _from_json_file(path))]
    if not path.is_dir():
        raise SourceError(f"{path} does not exist")
    if (path / "observer.json").exists():
        return [(str(path), _from_trial_dir(path))]
    trials = path / "trials"
    if trials.is_dir():
        folders = sorted(
            (f for f in trials.iterdir() if (f / "observer.json").exists()), key=_trial_number
        )
        if not folders:
            raise SourceError(f"{trials} holds no trial with an observer.json yet")
        return [(f.name, _from_trial_dir(f)) for f in folders]
    raise SourceError(
        f"{path} is neither a run folder (with trials/), a trial folder (with "
        "observer.json) nor a JSON file"
    )
