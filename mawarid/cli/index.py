"""``mawarid reindex``: rebuild the search index from the catalogue's published resources.

The new index is built beside the one serving and switched to atomically when
complete: the portal keeps answering from the old index meanwhile, and an
interrupted rebuild (Ctrl-C, crash) leaves it untouched.
"""

from __future__ import annotations

import time

import click

from indexer import SearchError

from .base import command, runtime


@command("reindex")
@click.option(
    "--batch",
    default=1000,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="Resources read from the database per transaction.",
)
def reindex(batch: int) -> None:
    """Rebuild the search index (fresh index, atomic switch) / إعادة بناء فهرس البحث."""
    rt = runtime()
    try:
        total = rt.resources.list(status="published", page=1, size=1).total
    except Exception:  # counting is only for the progress bar
        total = None
    started = time.monotonic()
    done = 0
    try:
        with click.progressbar(
            length=total or 0, label="Indexation / الفهرسة", show_pos=True, show_percent=bool(total)
        ) as bar:

            def progress(count: int) -> None:
                nonlocal done
                bar.update(count - done)
                done = count

            count = rt.pipeline.reindex(
                rt.resources.iter_published(batch=batch), total=total, progress=progress
            )
    except SearchError as exc:
        raise click.ClickException(f"{exc.message('fr')} / {exc.message('ar')}") from None
    seconds = time.monotonic() - started
    click.echo(f"{count} ressources indexées en {seconds:.1f} s / تمت فهرسة {count} موردا")
    skipped = getattr(rt.search, "last_rebuild_skipped", [])
    if skipped:
        click.echo(
            f"{len(skipped)} non indexées (voir le journal) / لم تتم فهرسة {len(skipped)}: "
            + ", ".join(skipped[:20]),
            err=True,
        )


COMMANDS = [reindex]
