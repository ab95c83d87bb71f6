"""The OAI-PMH renderings of a record: same bytes as another checkout, and their CPU cost.

    python bench/render_check.py inputs /tmp/render-inputs.pickle --records 5000 --seeds 1,2,3
    python bench/render_check.py digest /tmp/render-inputs.pickle /tmp/base.json --root ../main
    python bench/render_check.py digest /tmp/render-inputs.pickle /tmp/new.json --root .
    python bench/render_check.py compare /tmp/base.json /tmp/new.json
    python bench/render_check.py show /tmp/render-inputs.pickle "corpus/lomfr-1.0.xml/0" --root .
    python bench/render_check.py time --root ../main --records 2000

``inputs`` collects the cases once (synthetic records of several seeds, the metadata
samples and records broken in ways the writers refuse, the intake corpus's LOM records,
Hypothesis records with provenances), so that both checkouts render the very same
records. ``digest`` renders each case with the checkout at ``--root`` —
:func:`catalogue.services.oai_records.render`, strict and loose LOM and ScoLOMFR exports
with what they left out — and writes a SHA-256 of each output (a refusal counts as an
output: its type, text and errors). ``compare`` lists the cases whose outputs differ,
``show`` prints one case's outputs (to diff two checkouts'). ``time`` measures this
process's CPU time per format over synthetic records validated with ``load_record``, as
a bulk ingest renders them (best of ``--rounds``; on a shared machine, compare runs made
side by side). Run with PYTHONDONTWRITEBYTECODE=1 against a checkout left untouched.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import pickle
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
Case = tuple[str, dict[str, Any], str, dict[str, Any] | None]
BASE_URL = "https://mawarid.men.gov.ma"


def _use(root: Path) -> None:
    """Import the project from ``root`` (ahead of the venv's editable install)."""
    sys.path.insert(0, str(root.resolve()))
    import metadata_schemas

    found = Path(metadata_schemas.__file__).resolve().parent.parent
    if found != root.resolve():
        raise SystemExit(f"metadata_schemas imported from {found}, not {root}")


def _provenance(acquisition: dict[str, Any], index: int) -> dict[str, Any]:
    """A published record's summary (catalogue.services.provenance.summary_of's shape)."""
    return {
        "mode": acquisition.get("mode"),
        "reference": acquisition.get("reference"),
        "counterpart": acquisition.get("counterpart"),
        "validated": {"date": "2025-01-02", "commission": "validation", "reference": f"PV {index}"},
        "published": {"date": "2025-01-05T10:00:00+00:00", "by": "LNRN"},
    }


def _synthetic(count: int, seed: int, *, unpublished: bool = True) -> Iterator[Case]:
    from metadata_schemas.record import load_record
    from metadata_schemas.synthetic import generate_dataset

    for index, (data, acquisition) in enumerate(generate_dataset(count, seed=seed)):
        record = load_record(data)
        ident = f"r-{seed}-{index:06d}"
        # Every tenth without provenance: render() is also called so.
        provenance = None if unpublished and index % 10 == 9 else _provenance(acquisition, index)
        yield f"synthetic/{seed}/{index}", record, ident, provenance


def _samples() -> Iterator[Case]:
    from metadata_schemas.record import load_record

    for path in sorted((ROOT / "tests" / "metadata" / "samples").glob("*.json")):
        record = load_record(json.loads(path.read_text("utf-8")))
        yield f"samples/{path.name}", record, "s-1", None
        yield f"samples/{path.name}+provenance", record, "s-1", _provenance({}, 1)


#: Ways to break a valid record (as a caller that skipped validation would pass it): the
#: renderings must refuse it as before, with the same message.
_BREAKS: dict[str, Callable[[dict[str, Any]], None]] = {
    "control character in a title": lambda r: r["general"]["title"].update(fr="a\x0bb"),
    "control character in a keyword": lambda r: r["general"]["keyword"].append({"fr": "\x00"}),
    "lone surrogate in a description": lambda r: r["general"].update(description={"ar": "\ud800"}),
    "control character in a language tag": lambda r: r["general"]["title"].update({"f\x01": "t"}),
    "U+FFFE in an entity": lambda r: r["lifecycle"]["contribute"][0]["entity"].append("\ufffe"),
    "unknown term": lambda r: r["educational"].update(interactivity_type="nowhere"),
    "unknown learning resource type": lambda r: r["educational"]["learning_resource_type"].append(
        "nowhere"
    ),
    "unknown taxon": lambda r: r["classification"][0]["taxon_path"][0]["taxon"].append("nowhere"),
    "unknown taxon source": lambda r: r["classification"][0]["taxon_path"][0].update(
        source="nowhere"
    ),
    "unknown licence": lambda r: r["rights"].update(licence="nowhere"),
    "date LOM cannot carry": lambda r: r["lifecycle"]["contribute"][0].update(date="soon"),
    "no metaMetadata": lambda r: r.pop("meta_metadata"),
    "no metadata schema": lambda r: r["meta_metadata"].pop("metadata_schema"),
    "only ScoLOMFR schemas": lambda r: r["meta_metadata"].update(
        metadata_schema=["SCOLOMFRv3.1", "lomfrv1.0"]
    ),
    "no general, no lifecycle": lambda r: [r.pop("general"), r.pop("lifecycle")],
    "empty": lambda r: r.clear(),
}


def _broken() -> Iterator[Case]:
    from metadata_schemas.record import load_record

    data = json.loads((ROOT / "tests/metadata/samples/all_categories.json").read_text("utf-8"))
    for name, damage in _BREAKS.items():
        record = copy.deepcopy(load_record(data))
        damage(record)
        yield f"broken/{name}", record, "b", None
        yield f"broken/{name}+provenance", record, "b", _provenance({}, 3)


def _corpus() -> Iterator[Case]:
    sys.path.insert(0, str(ROOT / "tests" / "intake"))
    from intake_support import lom_records
    from test_roundtrip import LOM_FILES

    for name in LOM_FILES:
        for index, (_written, accepted) in enumerate(lom_records(name)):
            yield f"corpus/{name}/{index}", accepted.record, f"c-{index}", None
            yield f"corpus/{name}/{index}+provenance", accepted.record, "c", _provenance({}, 2)


def _hypothesis(count: int, draw_seed: int) -> Iterator[Case]:
    from hypothesis import HealthCheck, given, seed, settings
    from hypothesis import strategies as st

    from tests.metadata.strategies import provenances, records

    drawn: list[tuple[dict[str, Any], dict[str, Any] | None]] = []

    @seed(draw_seed)
    @settings(
        max_examples=count, database=None, deadline=None, suppress_health_check=list(HealthCheck)
    )
    @given(records(), st.one_of(st.none(), provenances()))
    def draw(record: dict[str, Any], provenance: dict[str, Any] | None) -> None:
        drawn.append((record, provenance))

    draw()
    for index, (record, provenance) in enumerate(drawn):
        yield f"hypothesis/{index}", record, f"h-{index}", provenance


def inputs(args: argparse.Namespace) -> None:
    _use(ROOT)
    cases: list[Case] = [*_samples(), *_broken(), *_corpus()]
    for one in args.seeds.split(","):
        cases.extend(_synthetic(args.records, int(one)))
    if args.hypothesis:
        cases.extend(_hypothesis(args.hypothesis, args.hypothesis_seed))
    with open(args.file, "wb") as out:
        pickle.dump(cases, out)
    print(f"{len(cases)} cases in {args.file}")


def _outputs(case: Case) -> Iterator[tuple[str, Callable[[], Any]]]:
    from lxml import etree

    from catalogue.services.oai_records import render
    from metadata_schemas.lom_xml import export_lom
    from metadata_schemas.scolomfr_xml import export_scolomfr

    _key, record, ident, provenance = case

    def text(export: Any) -> tuple[str, list[str]]:
        return etree.tostring(export.element, encoding="unicode"), export.left_out

    kw = {"identifier": ident, "provenance": provenance}
    yield (
        "render",
        lambda: render(
            record, resource_id=ident, provenance=provenance, repository_id="m", base_url=BASE_URL
        ),
    )
    yield "lom", lambda: text(export_lom(record, **kw))
    yield "lom-strict", lambda: text(export_lom(record, strict=True, **kw))
    yield "scolomfr", lambda: text(export_scolomfr(record, **kw))
    yield "scolomfr-bare", lambda: text(export_scolomfr(record))


def _refusal(exc: Exception) -> tuple[str, ...]:
    """An exception as an output: its type, its text and its errors by record path."""
    return ("error", type(exc).__name__, str(exc), repr(getattr(exc, "errors", None)))


def digest(args: argparse.Namespace) -> None:
    _use(Path(args.root))
    with open(args.file, "rb") as inp:
        cases: list[Case] = pickle.load(inp)
    out: dict[str, str] = {}
    errors = 0
    for case in cases:
        for name, produce in _outputs(case):
            try:
                value: Any = produce()
            except Exception as exc:  # the same refusal is the same output
                value = _refusal(exc)
                errors += 1
            data = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
            out[f"{case[0]} {name}"] = hashlib.sha256(data.encode("utf-8")).hexdigest()
    Path(args.digests).write_text(json.dumps(out, indent=0), encoding="utf-8")
    print(f"{len(cases)} cases, {len(out)} outputs ({errors} refused) → {args.digests}")


def show(args: argparse.Namespace) -> None:
    """The outputs of one case, to compare two checkouts' by eye or with diff."""
    _use(Path(args.root))
    with open(args.file, "rb") as inp:
        cases: list[Case] = pickle.load(inp)
    case = next(c for c in cases if c[0] == args.key)
    for name, produce in _outputs(case):
        try:
            value: Any = produce()
        except Exception as exc:
            value = _refusal(exc)
        print(f"== {name}\n{json.dumps(value, ensure_ascii=False, indent=1)}")


def compare(args: argparse.Namespace) -> None:
    before = json.loads(Path(args.before).read_text("utf-8"))
    after = json.loads(Path(args.after).read_text("utf-8"))
    differ = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    for key in differ[:20]:
        print("differs:", key)
    print(f"{len(before)} outputs before, {len(after)} after, {len(differ)} differ")
    if differ:
        raise SystemExit(1)


def timing(args: argparse.Namespace) -> None:
    _use(Path(args.root))
    from lxml import etree

    from catalogue.services.oai_records import render
    from metadata_schemas.lom_xml import record_to_lom_element
    from metadata_schemas.oai_dc import record_to_oai_dc_element
    from metadata_schemas.scolomfr_xml import record_to_scolomfr_element

    cases = list(_synthetic(args.records, args.seed, unpublished=False))
    formats: dict[str, Callable[[Case], Any]] = {
        "oai_dc": lambda c: record_to_oai_dc_element(
            c[1], identifier=c[2], base_url=BASE_URL, oai_identifier="x", provenance=c[3]
        ),
        "lom": lambda c: record_to_lom_element(c[1], identifier=c[2], provenance=c[3]),
        "scolomfr": lambda c: record_to_scolomfr_element(c[1], identifier=c[2], provenance=c[3]),
    }
    try:  # the texts render() takes, where the checkout writes them directly
        from metadata_schemas.oai_dc import record_to_oai_dc_text
        from metadata_schemas.scolomfr_xml import lom_and_scolomfr_texts

        formats["oai_dc text"] = lambda c: record_to_oai_dc_text(
            c[1], identifier=c[2], base_url=BASE_URL, oai_identifier="x", provenance=c[3]
        )
        formats["lom+scolomfr texts"] = lambda c: lom_and_scolomfr_texts(
            c[1], identifier=c[2], provenance=c[3]
        )
    except ImportError:
        pass
    cpu: dict[str, float] = {}
    for _round in range(args.rounds):
        for name, build in formats.items():
            started = time.process_time()
            for case in cases:
                build(case)
            elapsed = time.process_time() - started
            cpu[name] = min(cpu.get(name, elapsed), elapsed)
            elements = [build(case) for case in cases]
            if not isinstance(elements[0], etree._Element):
                continue
            started = time.process_time()
            for element in elements:
                etree.tostring(element, encoding="unicode")
            elapsed = time.process_time() - started
            cpu[name + " tostring"] = min(cpu.get(name + " tostring", elapsed), elapsed)
        started = time.process_time()
        for _key, record, ident, provenance in cases:
            render(
                record,
                resource_id=ident,
                provenance=provenance,
                repository_id="m",
                base_url=BASE_URL,
            )
        elapsed = time.process_time() - started
        cpu["render()"] = min(cpu.get("render()", elapsed), elapsed)
    result = {name: seconds * 1000 / len(cases) for name, seconds in cpu.items()}
    print(json.dumps({"root": args.root, "records": len(cases), "ms_per_record": result}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(required=True)
    one = commands.add_parser("inputs")
    one.add_argument("file")
    one.add_argument("--records", type=int, default=5000)
    one.add_argument("--seeds", default="1,2,3")
    one.add_argument("--hypothesis", type=int, default=2000, help="records drawn (0: none)")
    one.add_argument("--hypothesis-seed", type=int, default=20250101)
    one.set_defaults(run=inputs)
    one = commands.add_parser("digest")
    one.add_argument("file")
    one.add_argument("digests")
    one.add_argument("--root", default=str(ROOT))
    one.set_defaults(run=digest)
    one = commands.add_parser("show")
    one.add_argument("file")
    one.add_argument("key")
    one.add_argument("--root", default=str(ROOT))
    one.set_defaults(run=show)
    one = commands.add_parser("compare")
    one.add_argument("before")
    one.add_argument("after")
    one.set_defaults(run=compare)
    one = commands.add_parser("time")
    one.add_argument("--root", default=str(ROOT))
    one.add_argument("--records", type=int, default=2000)
    one.add_argument("--seed", type=int, default=7)
    one.add_argument("--rounds", type=int, default=3)
    one.set_defaults(run=timing)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
