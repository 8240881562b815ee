"""The base every record shares: frozen pydantic models with one `from_json` and one `to_json`.

Pydantic rather than dataclasses because the same types are the API's schemas (OpenAPI then
describes them fully and the dashboard's TypeScript types are generated from them) and their
validation is the boundary check for files a stranger hands us.

Versioning policy, for every record that is a file of its own (`VersionedRecord`):
- `schema_version` is written on every file; readers accept any version up to the current one.
- A file without `schema_version` was written before records were versioned (wave 1 and
  wave 2's first releases) and is read as version 0: same keys, upgraded by `_upgrade`.
- A version above the current one is refused with `SchemaError`, naming both: its new
  fields would otherwise be dropped without a word.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, model_validator


class SchemaError(ValueError):
    """A record is malformed, or written by a newer healthopt than this one."""


def finite_or_none(value: Any) -> float | None:
    """A finite float, or None for missing, non-numeric, NaN or infinite values.

    Measurements go through it: a figure that went NaN is "not measured", never a number
    that sorts or averages wrongly, and never non-finite JSON on disk.
    """
    if value is None or isinstance(value, (bool, str, bytes)):
        return None
    try:  # int, float and numpy scalars
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


# A measured number: finite, or None ("not measured"). Strings and NaN read as None.
Finite = Annotated[float | None, BeforeValidator(finite_or_none)]


class Record(BaseModel):
    """A frozen record; unknown keys are kept (`model_extra`) so a reader can name them."""

    model_config = ConfigDict(
        frozen=True, extra="allow", populate_by_name=True, protected_namespaces=()
    )

    @classmethod
    def from_json(cls, data: str | bytes | Mapping[str, Any]) -> Self:
        """Validate JSON text or an already-parsed object; SchemaError says what was wrong."""
        try:
            if isinstance(data, (str, bytes)):
                return cls.model_validate_json(data)
            return cls.model_validate(data)
        except ValidationError as exc:
            raise SchemaError(f"not a valid {cls.__name__}: {_short(exc)}") from exc

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready object in the written spelling; `json.dumps` takes it as is."""
        return self.model_dump(mode="json", by_alias=True)

    def to_json_text(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_json(), indent=indent, allow_nan=False)

    def unknown_keys(self) -> tuple[str, ...]:
        """Keys the reader did not know (a misspelling, or a newer writer's field)."""
        return tuple(self.model_extra or ())


class VersionedRecord(Record):
    """A record that is a file of its own, carrying `schema_version` (module docstring)."""

    SCHEMA_VERSION: ClassVar[int] = 1
    schema_version: int = 0

    @model_validator(mode="before")
    @classmethod
    def _versioned(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        version = data.get("schema_version", 0)
        if isinstance(version, bool) or not isinstance(version, int) or version < 0:
            raise ValueError(f"schema_version must be a whole number >= 0, got {version!r}")
        if version > cls.SCHEMA_VERSION:
            raise ValueError(
                f"schema_version {version} is newer than this healthopt reads "
                f"({cls.SCHEMA_VERSION}); upgrade healthopt to read it"
            )
        upgraded = cls._upgrade(dict(data), version)
        upgraded["schema_version"] = cls.SCHEMA_VERSION
        return upgraded

    @classmethod
    def _upgrade(cls, data: dict[str, Any], version: int) -> dict[str, Any]:
        """Rewrite an older version's keys into the current ones (none changed yet)."""
        return data

    @classmethod
    def create(cls, **fields: Any) -> Self:
        """A new record of the current version (what writers use)."""
        return cls.model_validate({**fields, "schema_version": cls.SCHEMA_VERSION})


def _short(exc: ValidationError, limit: int = 5) -> str:
    parts = []
    for error in exc.errors()[:limit]:
        where = ".".join(str(p) for p in error["loc"]) or "(top level)"
        parts.append(f"{where}: {error['msg']}")
    more = exc.error_count() - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")
