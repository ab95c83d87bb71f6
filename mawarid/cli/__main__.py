"""``python -m mawarid.cli``: the ``mawarid`` command without its console script."""

from . import main

main(prog_name="mawarid")
