"""The safe XML parser refuses hostile, malformed and mis-encoded documents clearly."""

from __future__ import annotations

import socket
import threading

import pytest
from lxml import etree

from metadata_schemas.errors import MetadataError, UnsafeXMLError
from metadata_schemas.safe_xml import DEFAULT_MAX_BYTES, make_parser, parse_xml

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lom xmlns="http://ltsc.ieee.org/xsd/LOM"><general><title><string>&lol9;</string></title></general></lom>
"""


def _xxe_file(path: str) -> bytes:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE lom [<!ENTITY x SYSTEM "file://{path}">]>\n'
        f'<lom xmlns="http://ltsc.ieee.org/xsd/LOM"><general><title>'
        f'<string language="fr">&x;</string></title></general></lom>'
    ).encode()


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-CONTENT-4242")
    return path


@pytest.fixture
def listener():
    """A local TCP server recording whether anyone connected (stands in for an attacker host)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.2)
    hits: list[bytes] = []
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                hits.append(conn.recv(1024))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", hits
    stop.set()
    thread.join(1)
    server.close()


def _reject(data: bytes, source: str = "partner/notice.xml", **kw) -> UnsafeXMLError:
    with pytest.raises(UnsafeXMLError) as info:
        parse_xml(data, source=source, **kw)
    err = info.value
    assert isinstance(err, MetadataError)
    assert str(err).startswith(f"{source}: "), str(err)
    assert "Traceback" not in str(err)
    return err


def test_accepts_ordinary_xml_and_drops_comments():
    root = parse_xml(
        '<?xml version="1.0" encoding="UTF-8"?><a><!-- hi --><b>الكسور ⵜⴰⵎⴰⵣⵉⵖⵜ</b></a>'.encode(),
        source="ok.xml",
    )
    assert root.tag == "a"
    assert root[0].text == "الكسور ⵜⴰⵎⴰⵣⵉⵖⵜ"
    assert len(root) == 1


def test_accepts_honestly_declared_encodings():
    text = '<?xml version="1.0" encoding="ISO-8859-1"?><a>élève</a>'
    assert parse_xml(text.encode("latin-1"), source="x").text == "élève"
    utf16 = '<?xml version="1.0" encoding="UTF-16"?><a>تلميذ</a>'.encode("utf-16")  # with BOM
    assert parse_xml(utf16, source="x").text == "تلميذ"


def test_billion_laughs_is_refused_as_a_dtd():
    err = _reject(BILLION_LAUGHS)
    assert "DOCTYPE" in str(err)
    assert "lollol" not in str(err)


def test_external_file_entity_never_leaks(secret_file):
    err = _reject(_xxe_file(str(secret_file)))
    assert "DOCTYPE" in str(err)
    assert "TOP-SECRET" not in str(err)


def test_etc_passwd_never_leaks():
    err = _reject(_xxe_file("/etc/passwd"))
    assert "root:" not in str(err)


def test_network_entities_and_external_dtds_are_not_fetched(listener):
    url, hits = listener
    for doc in (
        f'<!DOCTYPE a SYSTEM "{url}/evil.dtd"><a/>',
        f'<!DOCTYPE a [<!ENTITY % p SYSTEM "{url}/p.dtd"> %p;]><a/>',
        f'<!DOCTYPE a [<!ENTITY x SYSTEM "{url}/x">]><a>&x;</a>',
    ):
        _reject(doc.encode())
    assert hits == []


def test_parser_settings_alone_do_not_resolve_entities(secret_file, listener):
    """Defence in depth: even if the DOCTYPE rule were bypassed, nothing is read or fetched."""
    url, hits = listener
    doc = (
        f'<!DOCTYPE a [<!ENTITY x SYSTEM "file://{secret_file}">'
        f'<!ENTITY y SYSTEM "{url}/y">]><a>&x;&y;</a>'
    ).encode()
    root = etree.fromstring(doc, make_parser())
    assert "TOP-SECRET" not in etree.tostring(root, encoding="unicode")
    assert hits == []


def test_doctype_in_utf16_is_refused():
    doc = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'
    _reject(doc.encode("utf-16"))


@pytest.mark.parametrize(
    "data, needle",
    [
        (b"<a><b></a>", "mismatch"),
        (b"<a>", "line 1"),
        (b"just text", "line 1"),
        (b"<a x='1' x='2'/>", "line 1"),
        (b"<a/><b/>", "line 1"),
    ],
    ids=["mismatch", "unclosed", "text", "dup-attr", "two-roots"],
)
def test_malformed_xml_names_line_and_column(data, needle):
    err = _reject(data)
    assert "not well-formed" in str(err)
    assert needle in str(err)
    assert err.line == 1 and err.column


def test_error_position_points_at_the_fault():
    err = _reject(b"<a>\n  <b>\n  </c>\n</a>")
    assert err.line == 3
    assert "line 3, column" in str(err)


def test_latin1_bytes_declared_utf8_is_an_encoding_error():
    err = _reject('<?xml version="1.0" encoding="UTF-8"?>\n<a>élève</a>'.encode("latin-1"))
    assert "encoding" in str(err).lower()
    assert err.line == 2


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_refused(codec):
    err = _reject('<?xml version="1.0" encoding="UTF-16"?><a>تلميذ</a>'.encode(codec))
    assert "byte order mark" in str(err)


def test_unknown_declared_encoding():
    err = _reject(b'<?xml version="1.0" encoding="klingon-8"?><a/>')
    assert "klingon-8" in str(err)


def test_empty_document():
    assert "empty" in str(_reject(b"  \n"))


def test_size_cap_is_checked_before_parsing():
    err = _reject(b"<a>" + b"x" * 2000 + b"</a>", max_bytes=1000)
    assert "too large" in str(err) and "1,000" in str(err)
    big = b"<a>" + b"x" * DEFAULT_MAX_BYTES + b"</a>"
    assert "too large" in str(_reject(big))


def test_absurd_nesting_is_refused():
    depth = 100_000
    err = _reject(b"<a>" * depth + b"</a>" * depth)
    assert "not well-formed" in str(err)


def test_str_input_is_a_programming_error():
    with pytest.raises(TypeError):
        parse_xml("<a/>", source="x")  # type: ignore[arg-type]


def test_huge_text_node_under_the_size_cap_is_still_refused():
    # libxml2's own limit (10 MB per text node) stays on: huge_tree=False
    err = _reject(b"<a>" + b"x" * (15 * 1024 * 1024) + b"</a>", source="big.xml")
    assert "too long" in str(err)
