"""`python -m healthopt.cli`: the same as the `healthopt` command."""

import sys

from healthopt.cli import main

sys.exit(main())
