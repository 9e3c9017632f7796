"""`python -m quantinuum_api.cli`: `qapi` where the console script is not on the PATH."""

from __future__ import annotations

import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())
