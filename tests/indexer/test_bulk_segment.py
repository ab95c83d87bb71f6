"""The rebuild's segment writer (indexer.whoosh_segment) writes the files Whoosh's own
SegmentWriter writes for the same documents, byte for byte: Whoosh then reads a rebuilt
index exactly as one it wrote itself (terms, postings, lengths, stored fields, columns)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from whoosh import index as whoosh_index
from whoosh.analysis import StandardAnalyzer
from whoosh.fields import BOOLEAN, ID, IDLIST, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.writing import SegmentWriter

from indexer import IndexableResource
from indexer.analysis import MultilingualAnalyzer, index_positions, tagged
from indexer.documents import build_document
from indexer.whoosh_segment import BulkSegmentWriter
from indexer.whoosh_store import make_schema, to_whoosh
from metadata_schemas.synthetic import generate_dataset

SYNTHETIC = 1200  # facet terms of more than 128 documents: several posting blocks


def _files(ix, segment) -> dict[str, bytes]:
    """The files inside a segment's compound file, named without the random segment id."""
    storage = segment.open_compound_file(ix.storage)
    out = {}
    for name in storage.list():
        f = storage.open_file(name)
        out[name.replace(segment.segid, "SEG")] = f.read()
        f.close()
    return out


def _by_whoosh(path, schema, docs):
    path.mkdir()
    ix = whoosh_index.create_in(str(path), schema)
    writer = SegmentWriter(ix, _lk=False)
    for fields in docs:
        writer.add_document(**fields)
    segment = writer._finalize_segment()
    return _files(ix, segment), segment._fieldlengths, segment.doc_count_all()


def _by_bulk(path, schema, docs):
    path.mkdir()
    ix = whoosh_index.create_in(str(path), schema)
    writer = BulkSegmentWriter(ix)
    for fields in docs:
        writer.add(fields)
    segment = writer.finish()
    return _files(ix, segment), segment._fieldlengths, segment.doc_count_all()


def _assert_same_segment(tmp_path, schema, docs):
    whoosh = _by_whoosh(tmp_path / "whoosh", schema, docs)
    bulk = _by_bulk(tmp_path / "bulk", schema, docs)
    assert sorted(bulk[0]) == sorted(whoosh[0])
    for name, data in whoosh[0].items():
        assert bulk[0][name] == data, name
    assert bulk[1:] == whoosh[1:]
    return whoosh[0]


@pytest.fixture(scope="module")
def documents(corpus, vocabularies):
    base = datetime(2024, 1, 1)
    synthetic = [
        IndexableResource(
            id=f"s{n:05d}",
            record=record,
            acquisition_mode=acq["mode"],
            published_at=base + timedelta(days=n),
            updated_at=base + timedelta(days=n),
        )
        for n, (record, acq) in enumerate(generate_dataset(SYNTHETIC, seed=5))
    ]
    return [to_whoosh(build_document(r, vocabularies)) for r in [*corpus, *synthetic]]


def test_the_index_segment_is_whooshs_byte_for_byte(tmp_path, documents):
    files = _assert_same_segment(tmp_path, make_schema(), documents)
    assert {name.rsplit(".", 2)[-2] for name in files if name.endswith(".col")} >= {
        "_stored",
        "_title_len",
        "date",
        "tk_fr",
    }


def test_unusual_documents_too(tmp_path, documents):
    """Empty values, missing fields, a word repeated past a length byte's precision."""
    first = documents[0]
    long_text = tagged({"fr": " ".join(["fractions décimales"] * 300), "ar": "الكسور " * 40})
    docs = [
        {**first, "id": "empty", "title": "", "keywords": "", "words": "", "f_level": ""},
        {name: value for name, value in first.items() if name in ("id", "title", "date")},
        {**first, "id": "long", "description": long_text, "date": None},
        {**first, "id": "lists", "f_type": "exercise\nexercise\nquiz"},
    ]
    _assert_same_segment(tmp_path, make_schema(), docs + documents[:50])


def test_other_field_types_go_through_whooshs_own_analysis(tmp_path):
    schema = Schema(
        id=ID(stored=True, sortable=True),
        plain=TEXT(analyzer=StandardAnalyzer(), sortable=True),
        boosted=TEXT(analyzer=MultilingualAnalyzer(), field_boost=2.5),
        tags=KEYWORD(scorable=True, commas=True, lowercase=True),
        codes=IDLIST(),
        number=NUMERIC(stored=True, sortable=True),
        flag=BOOLEAN(stored=True),
        note=STORED(),
    )
    docs = [
        {
            "id": f"d{n}",
            "plain": f"The quick brown fox {n} jumps over the lazy dog " * (n % 4 + 1),
            "boosted": tagged({"fr": f"Les fractions {n} et les fractions", "ar": "الكسور"}),
            "tags": f"Alpha,beta,gamma{n % 7},alpha",
            "codes": f"x{n % 3} y{n % 5} x{n % 3}",
            "number": n * 37 - 500,
            "flag": n % 2 == 0,
            "note": {"n": n},
        }
        for n in range(300)
    ]
    _assert_same_segment(tmp_path, schema, docs)


def test_index_positions_are_the_analyzers(documents):
    analyzer = MultilingualAnalyzer()
    for fields in documents[:300]:
        for name in ("title", "keywords", "description"):
            expected: dict[str, list[int]] = {}
            for token in analyzer(fields[name], positions=True, mode="index"):
                expected.setdefault(token.text, []).append(token.pos)
            found, count = index_positions(fields[name])
            assert found == expected
            assert count == sum(len(p) for p in expected.values())


def test_what_the_writer_does_not_write_is_refused(tmp_path, documents):
    with pytest.raises(ValueError, match="vectors"):
        BulkSegmentWriter(whoosh_index.create_in(str(tmp_path), Schema(t=TEXT(vector=True))))
    writer = BulkSegmentWriter(whoosh_index.create_in(str(tmp_path), make_schema()))
    with pytest.raises(ValueError, match="boosts"):
        writer.add({**documents[0], "_boost": 2.0})
    writer.cancel()
