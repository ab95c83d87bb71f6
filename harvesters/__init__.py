"""OAI-PMH harvesting of partner catalogues into Mawarid, following them over time.

* :mod:`harvesters.run` — :class:`~harvesters.run.SourceHarvester`: one run of one
  source (incremental from the partner's last ``responseDate``, resumable, with
  periodic full comparisons), each page applied through the catalogue's
  :class:`~catalogue.services.harvest_sources.HarvestSources`;
* :mod:`harvesters.client` — :class:`~harvesters.client.PoliteClient`, Sickle with
  timeouts, retries and back-off, ``Retry-After`` obeyed and the safe XML parser;
* :mod:`harvesters.reading` — one partner record → a catalogue record and its notes,
  through the intake's detection, readers and crosswalks (``catalogue.intake``), as
  ``mawarid import`` reads it; the notes go to the intake's review queue.

The commands are in :mod:`mawarid.cli.harvest`; sources are data (``harvest_sources``).
"""
