"""On-disk layout of the Whoosh index: generations, the ``CURRENT`` pointer, the schema.

::

    <root>/CURRENT          name of the generation that serves (replaced atomically)
    <root>/gen-<stamp>/     complete Whoosh indexes (the current one and the previous one)
    <root>/build-<stamp>/   a rebuild in progress (or left by a crash: removed on next run)
    <root>/rebuild.lock     held (flock) by whoever rebuilds or cleans up
    <root>/journal.jsonl    changes written while a rebuild runs (any process), replayed
                            into the new generation just before the switch

A rebuild writes a fresh index into ``build-*``, commits it, renames it to
``gen-*`` and only then replaces ``CURRENT`` with :func:`os.replace`, so readers
(in this process or another) keep the old generation until the new one is
complete. The previous generation is kept one round, for readers in other
processes that still have it open.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import time
import uuid
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.codec import whoosh3
from whoosh.fields import ID, IDLIST, NUMERIC, STORED, TEXT, Schema

from .analysis import MultilingualAnalyzer, spelling_keys, tagged
from .facets import FACET_FIELDS
from .model import SearchError
from .plan import TEXT_FIELDS
from .suggest import suggestion_terms


def _cache_length_columns() -> None:
    """Whoosh reads a field's length column once per *posting* when it writes a
    segment (for per-block length statistics), through a Python column reader,
    and only caches the columns it finds: fields without lengths (facets,
    suggestions) cost a ``stat`` per posting. Measured: a third of the indexing
    time. A segment's files never change, so we remember missing columns and
    load a length column (one byte per document) into an array once."""
    reader_class = whoosh3.W3PerDocReader
    if getattr(reader_class, "_mawarid_patched", False):
        return
    original = reader_class._cached_reader

    def _cached_reader(self, fieldname, column):
        if fieldname in self._readers:
            return self._readers[fieldname]
        found = original(self, fieldname, column)
        if found is not None and column is whoosh3.LENGTHS_COLUMN:
            found = _load_lengths(found)
        self._readers[fieldname] = found
        return found

    def _load_lengths(reader):
        try:  # one read of the column's bytes, padded with the default (0)
            raw = reader._dbfile.get(reader._basepos, reader._count)
            values = array("B", raw)
            values.extend(bytes(max(0, reader._doccount - len(values))))
            return values
        except AttributeError:  # another Whoosh version: its own loader
            return reader.load()

    reader_class._cached_reader = _cached_reader
    reader_class._mawarid_patched = True


_cache_length_columns()

CURRENT = "CURRENT"
LOCK = "rebuild.lock"
JOURNAL = "journal.jsonl"
JOURNAL_LOCK = "journal.lock"
_GEN = re.compile(r"^(gen|build)-[0-9A-Za-z_-]+$")

SORT_LANGS = ("fr", "ar")


class SortKey(ID):
    """A per-document sort key kept only as a column: not indexed, so it adds no
    terms (title keys are unique per document) and no postings."""

    indexed = False


class SortNumber(NUMERIC):
    """A number kept only as a column (NUMERIC would index 16 range-query terms)."""

    indexed = False


def facet_field(name: str) -> str:
    return f"f_{name}"


def make_schema() -> Schema:
    stemmed = MultilingualAnalyzer()
    values = re.compile(r"[^\n]+")
    fields: dict[str, Any] = {
        "id": ID(stored=True, unique=True),
        # spelling keys of the title and keyword words, one per line: what typos correct to
        "words": IDLIST(expression=values),
        "suggest": IDLIST(expression=values),
        "date": SortNumber(bits=64, signed=True, sortable=True),
        "hit": STORED(),
        "snip": STORED(),
    }
    for name in TEXT_FIELDS:
        fields[name] = TEXT(analyzer=stemmed, phrase=True)
    for name in FACET_FIELDS:
        fields[facet_field(name)] = IDLIST(expression=values)
    for lang in SORT_LANGS:
        fields[f"tk_{lang}"] = SortKey(sortable=True)
    return Schema(**fields)


def _values(values: list[str]) -> str:
    # one value per line: newlines inside a value would split it
    lines = []
    for value in values:
        words = str(value).split()
        if words:  # a value of whitespace only is left out
            lines.append(" ".join(words))
    return "\n".join(lines)


def to_whoosh(doc: dict[str, Any]) -> dict[str, Any]:
    """The engine-neutral document (see :mod:`indexer.documents`) as Whoosh fields."""
    out: dict[str, Any] = {"id": doc["id"]}
    for name in TEXT_FIELDS:
        out[name] = tagged(doc[name])
    out["words"] = _values(spelling_keys(doc["title"] + doc["keywords"]))
    out["suggest"] = _values(
        suggestion_terms(doc["title"]) + suggestion_terms(doc["keywords"], starts=1)
    )
    for name, values in doc["facets"].items():
        out[facet_field(name)] = _values(values)
    date = doc.get("date")
    out["date"] = int(date.timestamp()) if date else 0
    for lang in SORT_LANGS:
        out[f"tk_{lang}"] = doc["sort_title"].get(lang) or ""
    out["hit"] = json.dumps(doc["hit"], ensure_ascii=False, separators=(",", ":"))
    out["snip"] = json.dumps(doc["snippet_text"], ensure_ascii=False, separators=(",", ":"))
    return out


class Layout:
    """The folder of one ``whoosh:///path`` URL."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def current_name(self) -> str | None:
        try:
            name = (self.root / CURRENT).read_text("ascii").strip()
        except (FileNotFoundError, UnicodeDecodeError):
            return None
        return name if _GEN.match(name) and (self.root / name).is_dir() else None

    def pointer_stamp(self) -> tuple[int, int]:
        try:
            st = (self.root / CURRENT).stat()
        except FileNotFoundError:
            return (0, 0)
        return (st.st_ino, st.st_mtime_ns)

    def open_current(self):
        name = self.current_name()
        if name is None:
            raise FileNotFoundError(self.root / CURRENT)
        return name, whoosh_index.open_dir(str(self.root / name))

    def ensure(self) -> None:
        """Create the folder and an empty first generation when there is none."""
        self.root.mkdir(parents=True, exist_ok=True)
        if self.current_name() is not None:
            return
        with self.lock():
            if self.current_name() is None:
                build = self.new_build()
                whoosh_index.create_in(str(build), make_schema())
                self.publish(build)

    def new_build(self) -> Path:
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + "-" + uuid.uuid4().hex[:8]
        path = self.root / f"build-{stamp}"
        path.mkdir()
        return path

    def publish(self, build: Path) -> str:
        """Rename a complete build to a generation and point ``CURRENT`` at it (atomic)."""
        gen = self.root / build.name.replace("build-", "gen-", 1)
        os.replace(build, gen)
        tmp = self.root / f"{CURRENT}.{uuid.uuid4().hex[:8]}.tmp"
        with open(tmp, "w", encoding="ascii") as fh:
            fh.write(gen.name + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.root / CURRENT)
        _fsync_dir(self.root)
        return gen.name

    def cleanup(self, keep_previous: str | None = None) -> list[str]:
        """Remove partial builds and generations other than the current (and ``keep_previous``).

        Call with the lock held: nobody else can be building then.
        """
        current = self.current_name()
        removed = []
        for entry in self.root.iterdir():
            if not entry.is_dir() or not _GEN.match(entry.name):
                continue
            if entry.name in (current, keep_previous):
                continue
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry.name)
        for entry in self.root.glob(f"{CURRENT}.*.tmp"):
            entry.unlink(missing_ok=True)
        return removed

    # -- the change journal: writes made while someone (any process) rebuilds ----------

    @contextmanager
    def journal_lock(self) -> Iterator[None]:
        """Serialises journal appends/replays and index writes against the switch."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / JOURNAL_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def rebuilding(self) -> bool:
        """True while a rebuild holds the rebuild lock (in this process or another)."""
        fd = os.open(self.root / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # closing releases the lock if we got it
        return False

    def journal_append(self, kind: str, payload: list) -> None:
        line = json.dumps([kind, payload], ensure_ascii=False, separators=(",", ":"))
        with open(self.root / JOURNAL, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def journal_entries(self) -> list[tuple[str, list]]:
        try:
            text = (self.root / JOURNAL).read_text("utf-8")
        except FileNotFoundError:
            return []
        entries = []
        for line in text.splitlines():
            try:
                kind, payload = json.loads(line)
            except ValueError:  # a line cut by a crash mid-append
                continue
            entries.append((kind, payload))
        return entries

    def journal_clear(self) -> None:
        (self.root / JOURNAL).unlink(missing_ok=True)

    @contextmanager
    def lock(self, *, blocking: bool = True) -> Iterator[None]:
        """The rebuild lock (an ``flock``, so it is released if the process dies)."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            except BlockingIOError:
                raise SearchError("rebuild_in_progress") from None
            yield
        finally:
            os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
