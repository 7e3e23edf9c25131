"""`python -m slipway.cli`: the same tool as the `slipway` entry point."""

import sys

from . import app

sys.exit(app())
