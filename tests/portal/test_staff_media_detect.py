"""The record form reads type, size and duration from the file or the address, never from
what the browser or the server declares when the content tells otherwise (a local HTTP
server stands for the resource's host: no network)."""

from __future__ import annotations

import io
import re
import threading
import wave
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from staff_fixtures import as_user, record_form, runtime, staff_app  # noqa: F401

from tests.support.smtp import free_port


def wav(seconds: int) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\0" * 8000 * seconds)
    return buf.getvalue()


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


class _Files(SimpleHTTPRequestHandler):
    # A host that declares the wrong type: the bytes must win.
    extensions_map: ClassVar[dict[str, str]] = {
        ".wav": "text/plain",
        ".html": "text/html",
        "": "application/octet-stream",
    }

    def log_message(self, *args):  # quiet tests
        pass


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    root = tmp_path_factory.mktemp("host")
    (root / "lecon.wav").write_bytes(wav(75))
    (root / "page.html").write_text("<!doctype html><title>Leçon</title><p>Bonjour</p>")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Files, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _detect(client, source: str, **fields):
    data = record_form(format="", size="", duration="", **fields)
    data["detect"] = source
    answer = client.post("/staff/resources/new", data, content_type="multipart/form-data")
    assert answer.status_code == 200, answer.status_code
    return answer.get_data(as_text=True)


def _value(page: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', page
    )
    return match.group(1) if match else ""


def test_an_uploaded_file_gives_its_real_type_size_and_duration(as_user, runtime):
    idx = as_user("idx")
    before = runtime.resources.count()
    # The browser says PDF; the bytes say WAV.
    page = _detect(idx, "file", media_file=(io.BytesIO(wav(75)), "lecon.pdf", "application/pdf"))
    assert _value(page, "format") == "audio/x-wav"
    assert _value(page, "size") == str(len(wav(75)))
    assert _value(page, "duration") == "PT1M15S"
    assert "1,2" in page and "Mo" in page  # the size as people read it (CLDR, French)
    assert runtime.resources.count() == before  # detecting saves nothing
    pdf = _detect(idx, "file", media_file=(io.BytesIO(PDF), "x.bin", "video/mp4"))
    assert _value(pdf, "format") == "application/pdf" and _value(pdf, "duration") == ""


def test_a_file_of_no_known_type_is_said_and_left_to_the_person(as_user):
    page = _detect(as_user("idx"), "file", media_file=(io.BytesIO(b"juste du texte"), "a.txt"))
    assert "type could not be recognised" in page or "pas pu être reconnu" in page
    assert _value(page, "size") == "14" and _value(page, "format") == ""
    nothing = _detect(as_user("idx"), "file")
    assert "fichier" in nothing and _value(nothing, "size") == ""


def test_an_address_gives_size_and_the_type_its_bytes_show(as_user, host):
    idx = as_user("idx")
    page = _detect(idx, "url", location=f"{host}/lecon.wav")
    assert _value(page, "format") == "audio/x-wav"  # not the server's text/plain
    assert _value(page, "size") == str(len(wav(75)))
    html = _detect(idx, "url", location=f"{host}/page.html")
    assert _value(html, "format") == "text/html"  # bytes silent: the server's word


@pytest.mark.parametrize(
    "location, says",
    [
        ("{host}/absent.mp4", "404"),
        ("http://127.0.0.1:{closed}/x.mp4", "refused"),
        ("file:///etc/passwd", "http://"),
        ("", "adresse"),
    ],
)
def test_an_address_that_cannot_be_read_is_said_in_a_sentence(as_user, host, location, says):
    location = location.format(host=host, closed=free_port())
    page = _detect(as_user("idx"), "url", location=location)
    assert says in page and "Traceback" not in page
    assert _value(page, "format") == ""
