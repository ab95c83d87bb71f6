"""``python -m mawarid.cli``: the ``mawarid`` command without its console script."""

from . import main

if __name__ == "__main__":  # worker processes re-import the main module: never rerun it
    main(prog_name="mawarid")
