"""The option syntax of user dataset names: `csv:PATH?label=COL&text=COL2`, `folder:PATH?size=HxW`.

Options follow the LAST '?' of the name and are read with urllib.parse, so a column name with
spaces or '&' is written URL-encoded (`dataset_with_options` does that for you). A path that
itself holds a '?' ends with a bare '?' (`folder:/data/a?b?`): the empty options after it leave
the path whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode

from healthopt.data.errors import DatasetError

CSV_PREFIX = "csv:"
FOLDER_PREFIX = "folder:"
NPZ_PREFIX = "npz:"
# The options each kind of user data reads; any other key is a mistake worth naming.
OPTION_KEYS = {CSV_PREFIX: ("label", "text"), FOLDER_PREFIX: ("size", "color")}
COLOR_MODES = {"rgb": 3, "grayscale": 1, "rgba": 4}  # keras color_mode -> channels
DEFAULT_IMAGE_SIZE = (32, 32)
DEFAULT_COLOR_MODE = "rgb"


@dataclass(frozen=True)
class UserSource:
    """A `csv:` or `folder:` dataset name taken apart: its kind, its path and its options."""

    prefix: str
    path: str
    options: dict[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.prefix.rstrip(":")

    def name(self) -> str:
        """The dataset name again, options in the order OPTION_KEYS lists them."""
        ordered = [(k, self.options[k]) for k in OPTION_KEYS[self.prefix] if k in self.options]
        return f"{self.prefix}{self.path}" + (f"?{urlencode(ordered)}" if ordered else "")


def user_prefix(name: str) -> str | None:
    """`csv:` or `folder:` when `name` names such data, else None."""
    return next((p for p in OPTION_KEYS if name.startswith(p)), None)


def parse_source(name: str) -> UserSource:
    """Split a `csv:`/`folder:` name into path and options; DatasetError names what is wrong."""
    prefix = user_prefix(name)
    if prefix is None:
        raise DatasetError(f"{name!r} is not a {CSV_PREFIX}PATH or {FOLDER_PREFIX}PATH dataset")
    rest = name[len(prefix) :]
    path, mark, query = rest.rpartition("?")
    if not mark:
        path, query = rest, ""
    if not path:
        raise DatasetError(f"dataset name {name!r} has no path after {prefix!r}")
    try:
        parsed = parse_qs(query, keep_blank_values=True, strict_parsing=True) if query else {}
    except ValueError as exc:
        raise DatasetError(
            f"cannot read the options {query!r} of dataset {name!r} ({exc}); write them as "
            f"{prefix}PATH?key=value&key=value"
        ) from None
    allowed = OPTION_KEYS[prefix]
    unknown = sorted(set(parsed) - set(allowed))
    if unknown:
        raise DatasetError(
            f"unknown option(s) {', '.join(unknown)} in dataset {name!r}; {prefix} datasets "
            f"take {', '.join(allowed)}"
        )
    repeated = sorted(k for k, values in parsed.items() if len(values) > 1)
    if repeated:
        raise DatasetError(f"option(s) {', '.join(repeated)} given twice in dataset {name!r}")
    return UserSource(prefix, path, {k: values[0] for k, values in parsed.items()})


def image_size(source: UserSource) -> tuple[int, int]:
    """The `size=HxW` option as (height, width), DEFAULT_IMAGE_SIZE when absent."""
    text = source.options.get("size")
    if text is None:
        return DEFAULT_IMAGE_SIZE
    height, x, width = text.lower().partition("x")
    if not (x and height.isdigit() and width.isdigit() and int(height) > 0 and int(width) > 0):
        raise DatasetError(
            f"image size {text!r} of {source.name()!r} is not HEIGHTxWIDTH in pixels "
            "(e.g. size=32x32)"
        )
    return int(height), int(width)


def color_mode(source: UserSource) -> str:
    """The `color=` option (keras' color_mode), DEFAULT_COLOR_MODE when absent."""
    mode = source.options.get("color", DEFAULT_COLOR_MODE)
    if mode not in COLOR_MODES:
        raise DatasetError(
            f"color mode {mode!r} of {source.name()!r} is not one of {', '.join(COLOR_MODES)}"
        )
    return mode


def with_options(name: str, options: dict[str, str]) -> str:
    """`name` with `options` added (replacing any it already had), checked as `parse_source`
    and the option readers would check them."""
    prefix = user_prefix(name)
    if prefix is None:
        kind = "npz:PATH" if name.startswith(NPZ_PREFIX) else repr(name)
        raise DatasetError(
            f"option(s) {', '.join(options)} apply only to {CSV_PREFIX}PATH and "
            f"{FOLDER_PREFIX}PATH datasets, not to {kind}"
        )
    source = parse_source(name)
    wrong = sorted(set(options) - set(OPTION_KEYS[prefix]))
    if wrong:
        raise DatasetError(
            f"option(s) {', '.join(wrong)} do not apply to {prefix}PATH datasets, which take "
            f"{', '.join(OPTION_KEYS[prefix])}"
        )
    merged = UserSource(prefix, source.path, {**source.options, **options})
    if prefix == FOLDER_PREFIX:
        image_size(merged)
        color_mode(merged)
    return merged.name()
