"""Issue 7 point 6 seen from outside: forged, replayed and robot traffic is not counted.

Real requests on the tracked routes, then the stored COUNTER figures are read
straight from the database (``usage_daily``).
"""

from __future__ import annotations

from security_support import engine_of
from sqlalchemy import text

HUMAN = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"
ROBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def _daily(app, rid):
    app.extensions["mawarid"].diffusion.usage.flush()
    with engine_of(app).connect() as conn:
        row = conn.execute(
            text(
                "select coalesce(sum(accesses),0), coalesce(sum(views),0), "
                "coalesce(sum(robots),0) from usage_daily where resource_id = :r"
            ),
            {"r": rid},
        ).one()
        events = conn.execute(
            text("select count(*) from usage_events where resource_id = :r"), {"r": rid}
        ).scalar_one()
    return {"accesses": row[0], "views": row[1], "robots": row[2], "events": events}


def _get(client, url, ua, ip="192.0.2.10"):
    response = client.get(url, environ_base={"REMOTE_ADDR": ip}, headers={"User-Agent": ua})
    response.get_data()
    return response


def test_repeated_clicks_count_once_and_robots_not_at_all(fresh_app, ids):
    rid = ids["published"][2]
    client = fresh_app.test_client()
    for _ in range(5):  # a nervous double (quintuple) click
        response = _get(client, f"/r/{rid}/access", HUMAN)
        assert response.status_code == 302
        assert response.headers["Location"].startswith(("http://", "https://"))
    for _ in range(3):
        _get(client, f"/r/{rid}/access", ROBOT)
        _get(client, f"/resources/{rid}", ROBOT)
    counts = _daily(fresh_app, rid)
    assert counts["accesses"] == 1, counts
    assert counts["views"] == 0, counts


def test_unknown_draft_and_withdrawn_resources_are_404_and_never_counted(fresh_app, ids):
    client = fresh_app.test_client()
    for rid in (
        "does-not-exist",
        ids["draft"],
        ids["withdrawn"],
        "..%2F..%2Fetc%2Fpasswd",
        "%3Cscript%3E",
    ):
        for url in (f"/r/{rid}/access", f"/resources/{rid}", f"/api/resources/{rid}"):
            response = _get(client, url, HUMAN)
            assert response.status_code == 404, (url, response.status_code)
    for rid in ("does-not-exist", ids["draft"], ids["withdrawn"]):
        counts = _daily(fresh_app, rid)
        assert counts == {"accesses": 0, "views": 0, "robots": 0, "events": 0}, (rid, counts)


def test_query_strings_cannot_forge_extra_counts(fresh_app, ids):
    """Parameters that look like tracking fields change nothing: one visit, one count."""
    rid = ids["published"][3]
    client = fresh_app.test_client()
    _get(
        client,
        f"/r/{rid}/access?kind=view&count=1000&visitor=x&resource_id={ids['published'][4]}",
        HUMAN,
        ip="192.0.2.99",
    )
    counts = _daily(fresh_app, rid)
    other = _daily(fresh_app, ids["published"][4])
    assert counts["accesses"] == 1 and counts["views"] == 0, counts
    assert other["accesses"] == 0 and other["events"] == 0, other
