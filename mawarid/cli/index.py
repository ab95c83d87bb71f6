"""``mawarid reindex``: rebuild the search index from the catalogue's published resources.

The new index is built beside the one serving and switched to atomically when
complete: the portal keeps answering from the old index meanwhile, and an
interrupted rebuild (Ctrl-C, crash) leaves it untouched.
"""

from __future__ import annotations

import click

from core.messages import N_, gettext, ngettext

from .base import command, runtime
from .progress import Progress


@command(
    "reindex",
    help=N_("Rebuild the search index (a fresh index, switched to atomically when complete)."),
)
@click.option(
    "--batch",
    default=1000,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help=N_("Resources read from the database per transaction."),
)
def reindex(batch: int) -> None:
    rt = runtime()
    total = rt.resources.count(status="published")
    with Progress(gettext(N_("Indexing")), total) as progress:
        count = rt.pipeline.reindex(
            rt.resources.iter_published(batch=batch), total=total, progress=progress.update
        )
        progress.update(count)
        progress.summary(ngettext("%(num)d resource indexed", "%(num)d resources indexed", count))
    skipped: list[str] = list(getattr(rt.search, "last_rebuild_skipped", []))
    if skipped:
        click.echo(
            ngettext(
                "%(num)d resource not indexed (see the log): %(ids)s",
                "%(num)d resources not indexed (see the log): %(ids)s",
                len(skipped),
                ids=", ".join(skipped[:20]),
            ),
            err=True,
        )


COMMANDS = [reindex]
