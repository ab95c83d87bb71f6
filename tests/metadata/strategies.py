"""Hypothesis strategies for valid Mawarid records, built from the shipped vocabularies.

Import as ``from tests.metadata.strategies import records`` (module names under
``tests/`` are not unique across areas). Texts mix Arabic (with harakat and RTL
marks), Tifinagh, accented Latin, digits and the characters that XML and vCard
must escape (``< > & " ' , ; \\``). Values stay inside what the record model
*and* the LOM XML binding can both express: dates in LOM's DateTime syntax
(a time zone only after fractional seconds), durations without weeks, texts
without control characters or surrounding blanks (the record model strips them).
"""

from __future__ import annotations

from hypothesis import strategies as st

from metadata_schemas.record import LANGSTRING_LANGUAGES, load_record
from metadata_schemas.vocabularies import get_vocabularies

VOCABS = get_vocabularies()

ARABIC = "ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأإؤئىة" + "\u064e\u064f\u0650\u0651\u0652"
TIFINAGH = "".join(chr(c) for c in range(0x2D30, 0x2D68))
LATIN = "abcdefghijklmnopqrstuvwxyzàâçéèêëîïôùûüÉÀ" + "ABCXYZ0123456789"
SPECIAL = "<>&\"',;\\:/.()-_!?«»" + "\u200f\u200e"  # XML, vCard and bidi specials

ALPHABET = ARABIC + TIFINAGH + LATIN + SPECIAL + "  \t"
# st.text draws single characters; two stand-ins become line breaks afterwards.
_NEWLINES = {"\u2029": "\n", "\u2028": "\r\n"}


def _lines(text: str) -> str:
    for mark, newline in _NEWLINES.items():
        text = text.replace(mark, newline)
    return text


def texts(max_size: int = 40, newlines: bool = False) -> st.SearchStrategy[str]:
    alphabet = ALPHABET + ("".join(_NEWLINES) if newlines else "")
    return (
        st.text(alphabet, min_size=1, max_size=max_size)
        .map(_lines)
        .map(str.strip)
        .filter(lambda s: s != "" and "\n\n" not in s)
    )


def langstrings(max_size: int = 40, newlines: bool = False) -> st.SearchStrategy[dict]:
    return st.dictionaries(
        st.sampled_from(LANGSTRING_LANGUAGES), texts(max_size, newlines), min_size=1, max_size=4
    )


def term(vocabulary: str) -> st.SearchStrategy[str]:
    return st.sampled_from([t.id for t in VOCABS[vocabulary]])


def terms(vocabulary: str, max_size: int = 3) -> st.SearchStrategy[list[str]]:
    return st.lists(term(vocabulary), min_size=1, max_size=max_size, unique=True)


def lom_dates() -> st.SearchStrategy[str]:
    year = st.integers(1990, 2040).map(str)
    two = lambda lo, hi: st.integers(lo, hi).map(lambda n: f"{n:02d}")  # noqa: E731
    zone = st.sampled_from(["Z", "+01:00", "-05:30", "+00:00"])
    return st.one_of(
        year,
        st.tuples(year, two(1, 12)).map("-".join),
        st.tuples(year, two(1, 12), two(1, 28)).map("-".join),
        st.tuples(year, two(1, 12), two(1, 28), two(0, 23), two(0, 59)).map(
            lambda p: f"{p[0]}-{p[1]}-{p[2]}T{p[3]}:{p[4]}"
        ),
        st.tuples(
            year,
            two(1, 12),
            two(1, 28),
            two(0, 23),
            two(0, 59),
            two(0, 59),
            st.integers(0, 999),
            zone,
        ).map(lambda p: f"{p[0]}-{p[1]}-{p[2]}T{p[3]}:{p[4]}:{p[5]}.{p[6]}{p[7]}"),
    )


def durations() -> st.SearchStrategy[str]:
    part = lambda unit: st.one_of(st.none(), st.integers(0, 90).map(lambda n: f"{n}{unit}"))  # noqa: E731
    return (
        st.tuples(part("Y"), part("M"), part("D"), part("H"), part("M"), part("S"))
        .map(
            lambda p: (
                "P"
                + "".join(x for x in p[:3] if x)
                + ("T" + "".join(x for x in p[3:] if x) if any(p[3:]) else "")
            )
        )
        .filter(lambda d: d != "P")
    )


def names() -> st.SearchStrategy[str]:
    # Entity names are kept verbatim by the record model (surrounding blanks included).
    return st.text(ALPHABET, min_size=1, max_size=30).filter(str.strip)


def identifiers() -> st.SearchStrategy[dict]:
    # Catalogs the exporter owns (mawarid, mawarid-acquisition) are left to it.
    catalog = texts(15).filter(lambda c: not c.lower().startswith("mawarid"))
    return st.fixed_dictionaries({"catalog": catalog, "entry": texts(30)})


def contributes(role_vocabulary: str) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(
        {"role": term(role_vocabulary), "entity": st.lists(names(), min_size=1, max_size=3)},
        optional={"date": lom_dates()},
    )


def taxon_paths(source: str) -> st.SearchStrategy[dict]:
    vocab = VOCABS[source]
    return st.sampled_from(list(vocab.terms)).map(
        lambda leaf: {"source": source, "taxon": [t.id for t in vocab.path(leaf)]}
    )


def _optional(**fields) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({}, optional=fields)


MIME = [
    "application/pdf",
    "video/mp4",
    "text/html",
    "image/png",
    "audio/mpeg",
    "application/vnd.geogebra.file+zip",
    "application/zip",
]
URLS = st.builds(
    lambda host, path: f"https://{host}.ma/{path}",
    st.sampled_from(["taalimtice", "men", "example"]),
    st.text("abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=12),
)


def record_data() -> st.SearchStrategy[dict]:
    """A raw record dict (as a form or an API client would send it)."""
    general = st.fixed_dictionaries(
        {"title": langstrings()},
        optional={
            "identifier": st.lists(identifiers(), min_size=1, max_size=2),
            "language": terms("language"),
            "description": langstrings(200, newlines=True),
            "keyword": st.lists(langstrings(20), min_size=1, max_size=4),
            "coverage": st.lists(langstrings(20), min_size=1, max_size=2),
            "structure": term("structure"),
            "aggregation_level": term("aggregation_level"),
        },
    )
    lifecycle = _optional(
        version=st.from_regex(r"\A[0-9]{1,2}\.[0-9]{1,2}\Z"),
        status=term("lifecycle_status"),
        contribute=st.lists(contributes("contributor_role"), min_size=1, max_size=3),
    )
    meta = _optional(
        identifier=st.lists(identifiers(), min_size=1, max_size=2),
        contribute=st.lists(contributes("metadata_role"), min_size=1, max_size=2),
        metadata_schema=st.lists(
            st.sampled_from(["LOMv1.0", "ScoLOMFRv3.1"]), min_size=1, max_size=2, unique=True
        ),
        language=term("language"),
    )
    technical = _optional(
        format=st.lists(st.sampled_from(MIME), min_size=1, max_size=2, unique=True),
        size=st.integers(0, 10**10),
        location=st.lists(URLS, min_size=1, max_size=2),
        duration=durations(),
        installation_remarks=langstrings(),
        other_platform_requirements=langstrings(),
    )
    educational = _optional(
        interactivity_type=term("interactivity_type"),
        learning_resource_type=terms("learning_resource_type"),
        interactivity_level=term("interactivity_level"),
        semantic_density=term("semantic_density"),
        intended_end_user_role=terms("intended_end_user_role"),
        context=terms("context"),
        typical_age_range=st.lists(
            st.from_regex(r"\A[0-9]{1,2}(-[0-9]{1,2}|\+)?\Z"), min_size=1, max_size=2
        ),
        difficulty=term("difficulty"),
        typical_learning_time=durations(),
        description=langstrings(100, newlines=True),
        language=terms("language"),
    )
    rights = _optional(
        cost=st.booleans(),
        copyright=st.booleans(),
        licence=term("licence"),
        description=langstrings(100, newlines=True),
    )
    relation = st.fixed_dictionaries(
        {
            "kind": term("relation_kind"),
            "resource": st.one_of(
                st.fixed_dictionaries(
                    {"identifier": st.lists(identifiers(), min_size=1, max_size=2)},
                    optional={"description": langstrings()},
                ),
                st.fixed_dictionaries({"description": langstrings()}),
            ),
        }
    )
    annotation = st.fixed_dictionaries(
        {"description": langstrings()}, optional={"entity": names(), "date": lom_dates()}
    )
    classification = st.fixed_dictionaries(
        {
            "purpose": term("classification_purpose"),
            "taxon_path": st.lists(
                st.one_of(taxon_paths("level"), taxon_paths("subject")), min_size=1, max_size=3
            ),
        },
        optional={
            "description": langstrings(),
            "keyword": st.lists(langstrings(20), min_size=1, max_size=2),
        },
    )
    return st.fixed_dictionaries(
        {"general": general},
        optional={
            "lifecycle": lifecycle,
            "meta_metadata": meta,
            "technical": technical,
            "educational": educational,
            "rights": rights,
            "relation": st.lists(relation, min_size=1, max_size=2),
            "annotation": st.lists(annotation, min_size=1, max_size=2),
            "classification": st.lists(classification, min_size=1, max_size=3),
        },
    )


def records() -> st.SearchStrategy[dict]:
    """Valid canonical records (as :func:`load_record` returns them)."""
    return record_data().map(load_record)


def provenances() -> st.SearchStrategy[dict]:
    """Provenance summaries as the catalogue builds them (docs/contracts.md)."""
    validated = st.fixed_dictionaries(
        {"date": lom_dates(), "commission": term("commission"), "reference": texts(20)}
    )
    published = st.fixed_dictionaries(
        {
            "date": st.sampled_from(
                ["2025-01-05T10:00:00Z", "2024-12-31", "2025-06-01T08:30:00+01:00"]
            ),
            "by": st.sampled_from(["LNRN", "lnrn", "DPG"]),
        }
    )
    return st.fixed_dictionaries(
        {
            "mode": term("acquisition_mode"),
            "reference": texts(20),
            "counterpart": st.one_of(st.none(), names()),
            "validated": st.one_of(st.none(), validated),
            "published": st.one_of(st.none(), published),
        }
    )


def record_ids() -> st.SearchStrategy[str]:
    return st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9._-]{2,20}\Z")
