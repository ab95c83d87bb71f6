"""The checkers of this folder catch what they claim to catch.

A deliberately broken little Flask app (raw payload in HTML, a traceback in a
body, an exception, a JSON error of the wrong shape) must be flagged by
``problems``/``fetch``; otherwise every green test here would prove nothing.
"""

from __future__ import annotations

from flask import Flask, Response, jsonify
from security_support import XSS, fetch, problems


def _broken_app():
    app = Flask("broken")
    app.config["TESTING"] = True

    @app.get("/raw")
    def raw():
        return f"<p>{XSS}</p>"

    @app.get("/escaped")
    def escaped():
        return "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"

    @app.get("/trace")
    def trace():
        return Response(
            'Traceback (most recent call last):\n  File "/x.py"', 400, mimetype="text/html"
        )

    @app.get("/boom")
    def boom():
        raise KeyError("boom")

    @app.get("/api/bad")
    def bad_json():
        return jsonify({"message": "nope"}), 404

    @app.get("/api/good")
    def good_json():
        return jsonify(
            {
                "type": "http://localhost/api/problems/not_found",
                "title": "introuvable",
                "status": 404,
                "detail": "introuvable",
                "errors": {},
            }
        ), 404

    return app


def test_checkers_flag_broken_answers_and_pass_good_ones():
    client = _broken_app().test_client()
    assert any("unescaped" in p for p in problems(client.get("/raw")))
    assert problems(client.get("/escaped")) == []
    assert any("stack trace" in p for p in problems(client.get("/trace")))
    response, error = fetch(client, "GET", "/boom")
    assert response is None and error.startswith("KeyError")
    assert any("shape" in p for p in problems(client.get("/api/bad")))
    assert problems(client.get("/api/good")) == []
