"""Intake: partner records and staff spreadsheets into the catalogue, with a review queue.

:class:`.importer.Importer` (``mawarid import``) reads files, folders and archives in
every record family ``metadata_schemas`` reads, writes each record alone, and reports
per record (:mod:`.report`); :class:`.review.ReviewService` is the documentalists'
queue of imported records whose mappings and kept values wait for a person. The
modules are imported by name (the resource services import :mod:`.models`).
"""
