"""Entry point for ``python -m novamind_core``."""

import sys

from novamind_core.cli import main

if __name__ == "__main__":
    sys.exit(main())
