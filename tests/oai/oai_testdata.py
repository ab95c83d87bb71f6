"""A small catalogue for the OAI-PMH tests, built through the real catalogue services.

Records vary in level (deep curriculum paths), subject, language (Arabic RTL,
French, Amazigh) and acquisition mode, so that sets and formats are exercised.
Datestamps are moved in the ``oai_item`` table afterwards (``backdate``) because
publishing happens within a second or two and the date-range tests need records
spread over days.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from lxml import etree
from sqlalchemy import update

from catalogue.services import SYSTEM
from catalogue.store.models import OAIItem
from tests.support.records import complete
from tests.support.xsd import assert_valid, oai_pmh_schema

OAI = "{http://www.openarchives.org/OAI/2.0/}"
NS = {
    "oai": "http://www.openarchives.org/OAI/2.0/",
    "lom": "http://ltsc.ieee.org/xsd/LOM",
    "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
    "dc": "http://purl.org/dc/elements/1.1/",
}
REPOSITORY_ID = "mawarid.test.ma"
BASE_URL = "http://oai.example.ma"

LEVELS = ["1ap", "1ac", "tcs", "1bac-sm", "2ac"]
SUBJECTS = ["mathematiques", "svt", "langue-arabe"]
ACQUISITIONS = [
    {"mode": "achat", "reference": "AO 12/2024/LNRN", "counterpart": "Éditions Atlas"},
    {"mode": "don", "reference": "Don 3/2025", "counterpart": "Fondation Al Maarifa"},
]
#: The first datestamp given by :func:`backdate`; record i is ``i * 3`` hours later.
EPOCH = datetime(2025, 3, 1, 0, 0, 0)


def record(n: int) -> dict:
    general: dict[str, Any] = {
        "title": {"fr": f"Les fractions, leçon {n}", "ar": f"الكسور، الدرس {n}"},
        "language": ["ar", "fr"],
        "description": {
            "fr": "Exercices « corrigés » & fiches <élève>.",
            "ar": "تمارين محلولة وبطاقات للتلميذ",
        },
    }
    if n % 4 == 0:
        general["title"]["zgh"] = f"ⵜⴰⵖⵓⵍⵜ {n}"
    return complete(
        {
            "general": general,
            "classification": [
                {
                    "purpose": "educational_level",
                    "taxon_path": [{"source": "level", "taxon": [LEVELS[n % len(LEVELS)]]}],
                },
                {
                    "purpose": "discipline",
                    "taxon_path": [{"source": "subject", "taxon": [SUBJECTS[n % len(SUBJECTS)]]}],
                },
            ],
        }
    )


def publish(resources, n: int, actor=SYSTEM) -> str:
    view = resources.create_draft(actor, record(n), acquisition=ACQUISITIONS[n % 2])
    resources.submit(actor, view.id)
    resources.decide(
        actor, view.id, commission="validation", decision="conforme", reference=f"PV {n}/2025"
    )
    return resources.publish(actor, view.id).id


def backdate(db, ids_and_times: dict[str, datetime]) -> None:
    with db.engine.begin() as conn:
        for resource_id, moment in ids_and_times.items():
            conn.execute(
                update(OAIItem).where(OAIItem.resource_id == resource_id).values(datestamp=moment)
            )


def oai_id(resource_id: str) -> str:
    return f"oai:{REPOSITORY_ID}:{resource_id}"


@dataclass
class Corpus:
    published: list[str] = field(default_factory=list)  # in datestamp order
    withdrawn: list[str] = field(default_factory=list)
    unpublished: list[str] = field(default_factory=list)
    datestamps: dict[str, datetime] = field(default_factory=dict)


def build_corpus(resources, db, count: int) -> Corpus:
    corpus = Corpus()
    for n in range(count):
        corpus.published.append(publish(resources, n))
    times = {rid: EPOCH + timedelta(hours=3 * i) for i, rid in enumerate(corpus.published)}
    backdate(db, times)
    corpus.datestamps.update(times)
    # Withdrawn resources stay as deleted records, stamped when withdrawn (now).
    for rid in corpus.published[1:3]:
        resources.withdraw(SYSTEM, rid, reason="Doublon signalé par l'AREF")
        corpus.withdrawn.append(rid)
    draft = resources.create_draft(SYSTEM, record(900))
    corpus.unpublished.append(draft.id)
    pending = resources.create_draft(SYSTEM, record(901))
    resources.submit(SYSTEM, pending.id)
    corpus.unpublished.append(pending.id)
    return corpus


SECRET = "test-secret-key-for-oai-tokens"


def make_app(home, **config):
    """An app on a fresh SQLite catalogue in ``home``; small pages so that tokens are exercised."""
    from portal import create_app

    settings = {
        "TESTING": True,
        "MAWARID_HOME": str(home),
        "MAWARID_DATABASE_URL": f"sqlite:///{home / 'mawarid.sqlite3'}",
        "MAWARID_SEARCH_URL": f"whoosh://{home / 'index'}",
        "SECRET_KEY": SECRET,
        "MAWARID_BASE_URL": BASE_URL,
        "MAWARID_OAI_REPOSITORY_ID": REPOSITORY_ID,
        "MAWARID_ADMIN_EMAIL": "lnrn@men.gov.ma",
        "MAWARID_OAI_PAGE_SIZE": 5,
        "MAWARID_OAI_IDENTIFIERS_PAGE_SIZE": 7,
    }
    settings.update(config)
    return create_app(settings)


def runtime_of(app):
    return app.extensions["mawarid"]


class OAIClient:
    """Calls /oai through Flask's test client; validates every response against the XSDs."""

    def __init__(self, client, lom: str = "loose") -> None:
        self.client = client
        self.lom = lom

    def raw(self, method: str = "GET", pairs: list[tuple[str, str]] | None = None, **args: str):
        items = list(pairs or []) + list(args.items())
        if method == "GET":
            response = self.client.get("/oai?" + urlencode(items))
        else:
            response = self.client.post(
                "/oai", data=urlencode(items), content_type="application/x-www-form-urlencoded"
            )
        assert response.status_code == 200, response.data[:500]
        assert response.mimetype == "text/xml"
        return response.data

    def __call__(self, method: str = "GET", pairs=None, **args: str) -> etree._Element:
        data = self.raw(method, pairs, **args)
        root = etree.fromstring(data)
        assert_valid(oai_pmh_schema(self.lom), root)
        return root


def error_code(root) -> str | None:
    error = root.find(f"{OAI}error")
    return None if error is None else error.get("code")


def request_echo(root) -> dict[str, str]:
    return dict(root.find(f"{OAI}request").attrib)


def token_of(root):
    return root.find(f".//{OAI}resumptionToken")


def identifiers(root) -> list[str]:
    return [e.text for e in root.iterfind(f".//{OAI}header/{OAI}identifier")]


def harvest(oai, verb: str = "ListRecords", **args) -> tuple[list[etree._Element], list]:
    """Follow resumption tokens to the end; the headers and the token elements seen."""
    root = oai(verb=verb, **args)
    headers, tokens = [], []
    while True:
        assert error_code(root) is None, etree.tostring(root)[:500]
        headers.extend(root.iterfind(f".//{OAI}header"))
        token = token_of(root)
        tokens.append(token)
        if token is None or not (token.text or "").strip():
            return headers, tokens
        root = oai(verb=verb, resumptionToken=token.text)


class LiveServer:
    """The real app behind waitress on 127.0.0.1, on a free port, in a thread."""

    def __init__(self, app) -> None:
        from waitress.server import create_server

        self.server = create_server(app, host="127.0.0.1", port=0, threads=4, ident="mawarid-test")
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        # Close every socket from inside the loop (a trigger thunk): the loop ends when its
        # map is empty. Closing them from here, under a running select(), raises EBADF.
        from waitress import wasyncore

        self.server.trigger.pull_trigger(lambda: wasyncore.close_all(self.server._map))
        self.thread.join(timeout=10)
        self.server.task_dispatcher.shutdown()
