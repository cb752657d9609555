"""The ``codedcomp`` console script: Ctrl-C wins from the first instant.

The script imports only this module (``import codedcomp`` is cheap: its public names load on
first use), so an interrupt while numpy, typer or the commands are being imported prints one
line and exits 130 instead of a traceback.
"""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from .cli import main as cli_main
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(130) from None
    cli_main()
