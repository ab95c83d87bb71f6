"""The composition root of Mawarid: what wires the packages into one running instance.

* :mod:`mawarid.runtime` — :func:`~mawarid.runtime.build_runtime` opens the database,
  the search index and the services of one instance from its
  :class:`~core.settings.Settings`; the web app, the CLI and the tests use it alike;
* :mod:`mawarid.cli` — the ``mawarid`` console command (click).

This package's ``__init__`` imports neither: the runtime sits below the portal, the CLI
above it (see the layer contract in ``pyproject.toml``).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mawarid")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
