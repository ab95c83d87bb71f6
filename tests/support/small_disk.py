"""A small, real file system to fill up: a tmpfs mounted for one test (needs root, as in
CI and on the development machines; elsewhere the test is skipped, and fails under CI).

``disk.fill()`` writes a filler file until the kernel answers "No space left on device";
``disk.free()`` deletes it. Whatever runs on the disk meanwhile meets a genuinely full
file system (``ENOSPC`` from the kernel), not a simulation.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest


class SmallDisk:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.filler = path / "filler.bin"

    def fill(self) -> None:
        chunk = b"\0" * (64 * 1024)
        with open(self.filler, "ab") as fh:
            try:
                while True:
                    fh.write(chunk)
                    fh.flush()
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
        # the last bytes: fill the remainder byte by byte is not needed, the page is full
        with suppress(OSError), open(self.path / "filler-2.bin", "wb") as fh:
            while True:
                fh.write(b"\0" * 512)
                fh.flush()

    def free(self) -> None:
        for name in ("filler.bin", "filler-2.bin"):
            (self.path / name).unlink(missing_ok=True)


@contextmanager
def small_disk(path: Path, size: str = "32m") -> Iterator[SmallDisk]:
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0777", "tmpfs", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        message = f"cannot mount a tmpfs (root needed): {mounted.stderr.strip()}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield SmallDisk(path)
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)
