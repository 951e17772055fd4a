"""``python -m payserv``: the same command line as ``python run.py`` and ``payserv``."""

import sys

from payserv.cli import main

if __name__ == "__main__":
    sys.exit(main(prog="python -m payserv"))
