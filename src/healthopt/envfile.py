"""`.env` support for the command line: secrets and endpoints may live in a file, not a shell.

`load_env_file` reads `NAME=value` lines (comments, blank lines, `export ` prefixes and
matching quotes allowed) into the process environment without overriding what is already
set, so a variable exported in the shell wins over the file, as with python-dotenv. Values
are never printed; a malformed line is named by its number only.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

_LINE = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")


class EnvFileError(ValueError):
    """A line of the file is not NAME=value."""


def parse_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise EnvFileError(f"{path}:{number} is not NAME=value")
        name, value = match.groups()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        else:
            value = value.split(" #", 1)[0].rstrip()
        values[name] = value
    return values


def load_env_file(path: Path = Path(".env")) -> list[str]:
    """Set the file's variables that the environment lacks; returns their names."""
    if not path.is_file():
        return []
    added = []
    for name, value in parse_env_file(path).items():
        if name not in os.environ:
            os.environ[name] = value
            added.append(name)
    return added
