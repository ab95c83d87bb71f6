"""How a long command says how far it got: a bar on a terminal, plain lines in a log.

:class:`Progress` takes absolute counts (``update(done)``), as the services' ``progress``
callbacks give them:

* on a terminal (standard error is a TTY): a tqdm bar with the count, the rate and the time
  left (ETA) when the total is known;
* otherwise (a cron job, a pipe, CI): one plain line every :data:`EVERY` seconds, e.g.
  ``Indexation : 1 200 / 5 000 (24 %), 310/s, encore ≈ 12 s`` — in the reader's language;
* at the end, :meth:`Progress.summary` prints what was done, with counts and the duration.

Time comes from a :class:`core.clock.Clock` (tests move a ``FrozenClock``).
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import IO, Any

import click
from tqdm import tqdm

from core import formats
from core.clock import SYSTEM_CLOCK, Clock
from core.messages import N_, gettext

#: Seconds between two plain progress lines (when standard error is not a terminal).
EVERY = 10.0


class Progress:
    """Progress of one long command (see the module docstring)."""

    def __init__(
        self,
        label: str,
        total: int | None = None,
        *,
        clock: Clock = SYSTEM_CLOCK,
        stream: IO[str] | None = None,
        every: float = EVERY,
        bar: bool | None = None,
    ) -> None:
        self.label = label
        self.total = total or None
        self.clock = clock
        self.stream = stream or sys.stderr
        self.every = every
        self.done = 0
        self.started = clock.monotonic()
        self._last_line = self.started
        use_bar = self.stream.isatty() if bar is None else bar
        self._bar: Any = (
            tqdm(
                total=self.total,
                desc=label,
                file=self.stream,
                dynamic_ncols=True,
                leave=True,
            )
            if use_bar
            else None
        )

    # -- counting -------------------------------------------------------------

    def update(self, done: int) -> None:
        """``done`` items so far (an absolute count, never going back)."""
        step = max(0, done - self.done)
        self.done = max(self.done, done)
        if self._bar is not None:
            self._bar.update(step)
            return
        now = self.clock.monotonic()
        if now - self._last_line >= self.every:
            self._last_line = now
            click.echo(self.line(now), file=self.stream)

    def add(self, count: int = 1) -> None:
        self.update(self.done + count)

    def elapsed(self, now: float | None = None) -> float:
        return (self.clock.monotonic() if now is None else now) - self.started

    def rate(self, now: float | None = None) -> float:
        seconds = self.elapsed(now)
        return self.done / seconds if seconds > 0 else 0.0

    def line(self, now: float | None = None) -> str:
        """The plain progress line: count (of total), rate, time left when known."""
        rate = formats.format_number(round(self.rate(now)))
        done = formats.format_number(self.done)
        if not self.total:
            return gettext(
                N_("%(label)s: %(done)s, %(rate)s/s"), label=self.label, done=done, rate=rate
            )
        left = (self.total - self.done) / self.rate(now) if self.rate(now) > 0 else None
        return gettext(
            N_("%(label)s: %(done)s / %(total)s (%(percent)d %%), %(rate)s/s, about %(left)s left"),
            label=self.label,
            done=done,
            total=formats.format_number(self.total),
            percent=100 * self.done // self.total,
            rate=rate,
            left=_seconds(left) if left is not None else "?",
        )

    # -- the end ----------------------------------------------------------------

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def summary(self, text: str) -> None:
        """Print ``text`` (what was done, with its counts) followed by the duration and rate."""
        self.close()
        click.echo(
            gettext(
                N_("%(done)s — in %(duration)s (%(rate)s/s)"),
                done=text,
                duration=_seconds(self.elapsed()),
                rate=formats.format_number(round(self.rate())),
            )
        )

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _seconds(seconds: float) -> str:
    return gettext(N_("%(seconds)s s"), seconds=formats.format_number(round(seconds, 1)))
