"""``python -m forecasting``: the ``forecasting`` command, for environments without the console script."""

import sys

from forecasting.cli import main

if __name__ == "__main__":
    sys.exit(main())
