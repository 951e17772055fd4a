"""payserv's command line: ``python run.py [serve|web|worker|migrate|createuser|seed|psql]``."""

import sys

from payserv.cli import main

if __name__ == "__main__":
    sys.exit(main())
