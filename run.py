"""payserv's command line: ``python run.py [COMMAND]`` (``--help`` lists the commands)."""

import sys

from payserv.cli import main

if __name__ == "__main__":
    sys.exit(main())
