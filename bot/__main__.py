"""`python -m bot ...`: see bot/cli.py (or `python -m bot --help`)."""

import sys

from .cli import main

sys.exit(main())
