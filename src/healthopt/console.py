"""The rich console every command prints through, so piped output keeps whole phrases."""

from __future__ import annotations

import sys
from typing import TextIO

from rich.console import Console

# Off a terminal there is no width to measure, and rich would fall back to 80 columns (or to
# $COLUMNS), breaking "health score" or a long path across lines for anyone who pipes a report
# into a file or a test. Soft wrap stops rich from wrapping plain lines at all; tables still need
# a width to lay out in, and this one is wide enough that no table of ours wraps a cell.
PIPED_WIDTH = 1000


def output_console(file: TextIO | None = None) -> Console:
    """A console for a command's output: the terminal's own width on a terminal; off one,
    lines are never wrapped and tables get all the width they need."""
    stream = file if file is not None else sys.stdout
    if stream.isatty():
        return Console(file=file, highlight=False)
    return Console(file=file, highlight=False, soft_wrap=True, width=PIPED_WIDTH)
