"""Usage recording: COUNTER R5 counting, robots, double clicks, privacy, unknown ids."""

from __future__ import annotations

from datetime import datetime, timedelta

from diffusion_testdata import CHROME_UA, GOOGLEBOT_UA
from sqlalchemy import inspect, select, text

from diffusion.models import UsageEvent
from tests.support.settings import settings_of

T0 = datetime(2026, 3, 2, 9, 0, 0)
IP = "196.200.131.7"


def test_robot_from_the_counter_list_is_not_counted(diffusion, corpus):
    usage = diffusion.usage
    usage.record("view", "res-fractions", ip=IP, user_agent=GOOGLEBOT_UA, at=T0)
    usage.record(
        "access", "res-fractions", ip=IP, user_agent=GOOGLEBOT_UA, at=T0 + timedelta(minutes=1)
    )
    usage.record("view", "res-fractions", ip="10.1.1.1", user_agent=CHROME_UA, at=T0)
    totals = diffusion.reports.totals()
    assert totals["total_investigations"] == 1
    assert totals["total_requests"] == 0
    assert totals["robots"] == 2
    with diffusion.db.session() as s:
        agents = sorted(s.scalars(select(UsageEvent.agent)).all())
    assert agents == ["human", "robot", "robot"]


def test_repeated_click_within_30_seconds_counts_once(diffusion, corpus):
    usage = diffusion.usage
    for seconds in (0, 10, 25, 50):  # a burst: each within 30 s of the previous one
        usage.record(
            "access",
            "res-fractions",
            ip=IP,
            user_agent=CHROME_UA,
            at=T0 + timedelta(seconds=seconds),
        )
    usage.record(
        "access", "res-fractions", ip=IP, user_agent=CHROME_UA, at=T0 + timedelta(seconds=50 + 31)
    )  # a real second access
    totals = diffusion.reports.totals()
    assert totals["total_requests"] == 2
    assert totals["double_clicks"] == 3
    assert totals["unique_requests"] == 1


def test_double_click_rule_holds_across_batches(diffusion, corpus):
    usage = diffusion.usage
    usage.record("view", "res-fractions", ip=IP, user_agent=CHROME_UA, at=T0)
    usage.flush()
    usage.record("view", "res-fractions", ip=IP, user_agent=CHROME_UA, at=T0 + timedelta(seconds=5))
    usage.flush()
    assert diffusion.reports.totals()["views"] == 1


def test_unique_vs_total_per_visitor_and_day(diffusion, corpus):
    usage = diffusion.usage
    # Visitor A reads the fractions page, accesses it twice (minutes apart), reads equations.
    usage.record("view", "res-fractions", ip=IP, user_agent=CHROME_UA, at=T0)
    usage.record(
        "access", "res-fractions", ip=IP, user_agent=CHROME_UA, at=T0 + timedelta(minutes=1)
    )
    usage.record(
        "access", "res-fractions", ip=IP, user_agent=CHROME_UA, at=T0 + timedelta(minutes=5)
    )
    usage.record("view", "res-equations", ip=IP, user_agent=CHROME_UA, at=T0 + timedelta(minutes=6))
    # Visitor B (a logged session) accesses fractions once; the same session next day again.
    usage.record(
        "access",
        "res-fractions",
        ip="41.250.1.2",
        user_agent=CHROME_UA,
        session="sess-b",
        at=T0 + timedelta(minutes=2),
    )
    usage.record(
        "access",
        "res-fractions",
        ip="41.250.1.2",
        user_agent=CHROME_UA,
        session="sess-b",
        at=T0 + timedelta(days=1),
    )
    totals = diffusion.reports.totals()
    assert totals["total_requests"] == 4
    assert totals["unique_requests"] == 3  # A day 1, B day 1, B day 2
    assert totals["total_investigations"] == 6  # every view and access
    assert totals["unique_investigations"] == 4  # A×fractions, A×equations, B day 1, B day 2
    top = diffusion.reports.top_resources(limit=5)
    assert top[0]["resource_id"] == "res-fractions"
    assert (top[0]["total_requests"], top[0]["unique_requests"]) == (4, 3)
    assert top[0]["title"] == {"fr": "Les fractions", "ar": "الكسور"}


def test_salt_rotates_daily(diffusion):
    hasher = diffusion.usage.hasher
    day1 = hasher.visitor(T0.date(), ip=IP, user_agent=CHROME_UA)
    assert day1 == hasher.visitor(T0.date(), ip=IP, user_agent=CHROME_UA)
    assert day1 != hasher.visitor((T0 + timedelta(days=1)).date(), ip=IP, user_agent=CHROME_UA)
    assert day1 != hasher.visitor(T0.date(), ip="196.200.131.8", user_agent=CHROME_UA)


def test_same_ip_on_two_days_is_stored_under_unrelated_keys(diffusion, corpus):
    diffusion.usage.record("view", "res-fractions", ip=IP, user_agent=CHROME_UA, at=T0)
    diffusion.usage.record(
        "view", "res-fractions", ip=IP, user_agent=CHROME_UA, at=T0 + timedelta(days=1)
    )
    diffusion.usage.flush()
    with diffusion.db.session() as s:
        visitors = s.scalars(select(UsageEvent.visitor).order_by(UsageEvent.id)).all()
    assert len(visitors) == 2 and visitors[0] != visitors[1]


def test_no_raw_ip_or_user_agent_anywhere_in_the_database(diffusion, corpus):
    ua = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0 MawaridProbe"
    diffusion.usage.record(
        "view", "res-fractions", ip="203.0.113.77", user_agent=ua, session="sid-42"
    )
    diffusion.usage.record("access", "res-lumiere", ip="2001:db8::77", user_agent=ua)
    diffusion.usage.record("api", "res-equations", ip="203.0.113.77", user_agent=GOOGLEBOT_UA)
    assert diffusion.usage.flush() == 3
    needles = ["203.0.113.77", "2001:db8::77", "MawaridProbe", "Firefox", "Googlebot", "sid-42"]
    engine = diffusion.db.engine
    with engine.connect() as conn:
        for table in inspect(engine).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                dump = " ".join(str(v) for v in row)
                for needle in needles:
                    assert needle not in dump, f"{needle!r} stored in table {table}"


def test_unknown_or_unpublished_resource_is_not_counted(diffusion, corpus):
    usage = diffusion.usage
    usage.record("view", "no-such-resource", ip=IP, user_agent=CHROME_UA)
    usage.record("view", "res-draft", ip=IP, user_agent=CHROME_UA)  # exists, not published
    usage.record("view", "../../etc/passwd", ip=IP, user_agent=CHROME_UA)  # not even an id
    usage.record("bogus-kind", "res-fractions", ip=IP, user_agent=CHROME_UA)
    usage.flush()
    with diffusion.db.session() as s:
        assert s.scalar(select(UsageEvent.id)) is None
    assert diffusion.reports.totals()["total_investigations"] == 0
    assert usage.stats["unknown"] == 2 and usage.stats["refused"] == 2


def test_record_never_raises(diffusion, corpus):
    usage = diffusion.usage
    usage.record("view", None, ip=None, user_agent=None)  # type: ignore[arg-type]
    usage.record("view", "res-fractions", ip=object(), user_agent=12)  # type: ignore[arg-type]
    usage.record("view", "res-fractions", ip=IP, user_agent="x" * 100_000)
    with diffusion.db.engine.begin() as conn:  # a broken database only loses the batch
        conn.execute(text("DROP TABLE usage_daily"))
    usage.record("view", "res-equations", ip=IP, user_agent=CHROME_UA)
    assert usage.flush() == 0
    assert usage.stats["failed_batches"] == 1


def test_oai_harvests_are_counted_apart(diffusion, corpus):
    usage = diffusion.usage
    usage.record("oai", "res-fractions", ip=IP, user_agent="python-requests/2.32.3", at=T0)
    usage.record("oai", "res-equations", ip=IP, user_agent="python-requests/2.32.3", at=T0)
    totals = diffusion.reports.totals()
    assert totals["harvests"] == 2
    assert totals["total_investigations"] == 0 and totals["total_requests"] == 0


def test_level_and_subject_breakdown(diffusion, corpus):
    usage = diffusion.usage
    usage.record("access", "res-fractions", ip="1.1.1.1", user_agent=CHROME_UA, at=T0)
    usage.record("access", "res-equations", ip="1.1.1.2", user_agent=CHROME_UA, at=T0)
    usage.record("access", "res-lumiere", ip="1.1.1.3", user_agent=CHROME_UA, at=T0)
    subjects = {r["term"]: r["total_requests"] for r in diffusion.reports.by_dimension("subject")}
    assert subjects == {"mathematiques": 2, "physique-chimie": 1}
    levels = {r["term"]: r["total_requests"] for r in diffusion.reports.by_dimension("level")}
    assert levels == {"1ac": 1, "2ac": 1, "1bac": 1}
    cycles = {r["term"]: r for r in diffusion.reports.by_dimension("cycle")}
    assert cycles["secondaire-collegial"]["total_requests"] == 2
    assert cycles["secondaire-collegial"]["labels"]["ar"]


def test_monthly_series(diffusion, corpus):
    usage = diffusion.usage
    for day, ip in (
        (datetime(2026, 1, 5), "1.1.1.1"),
        (datetime(2026, 1, 20), "1.1.1.2"),
        (datetime(2026, 2, 1), "1.1.1.3"),
    ):
        usage.record("view", "res-fractions", ip=ip, user_agent=CHROME_UA, at=day)
    monthly = diffusion.reports.series(granularity="month")
    assert [(m["period"], m["views"]) for m in monthly] == [("2026-01", 2), ("2026-02", 1)]
    daily = diffusion.reports.series(granularity="day")
    assert [d["period"] for d in daily] == ["2026-01-05", "2026-01-20", "2026-02-01"]


def test_periods_read_the_monthly_or_daily_rollup_consistently(diffusion, corpus):
    from datetime import date

    from diffusion.dashboards import Period

    usage = diffusion.usage
    for day, ip in (
        (datetime(2026, 1, 5), "1.1.1.1"),
        (datetime(2026, 1, 20), "1.1.1.2"),
        (datetime(2026, 2, 1), "1.1.1.3"),
        (datetime(2026, 3, 31, 23, 59), "1.1.1.4"),
    ):
        usage.record("access", "res-fractions", ip=ip, user_agent=CHROME_UA, at=day)
    reports = diffusion.reports
    january = Period(date(2026, 1, 1), date(2026, 1, 31))
    assert january.whole_months
    assert reports.totals(january)["total_requests"] == 2
    partial = Period(date(2026, 1, 10), date(2026, 2, 27))
    assert not partial.whole_months
    assert reports.totals(partial)["total_requests"] == 2  # 20 Jan and 1 Feb
    assert reports.totals(Period(end=date(2026, 3, 31)))["total_requests"] == 4
    assert reports.totals(Period(end=date(2026, 3, 30)))["total_requests"] == 3
    assert reports.top_resources(period=partial)[0]["total_requests"] == 2
    assert [s["period"] for s in reports.series(granularity="month", period=partial)] == [
        "2026-01",
        "2026-02",
    ]
    assert reports.by_dimension("subject", period=january)[0]["total_requests"] == 2


def test_purging_raw_events_keeps_the_counts(diffusion, corpus):
    usage = diffusion.usage
    usage.record("access", "res-fractions", ip=IP, user_agent=CHROME_UA, at=T0)
    usage.record("access", "res-fractions", ip=IP, user_agent=CHROME_UA, at=T0 + timedelta(days=10))
    usage.flush()
    assert usage.purge((T0 + timedelta(days=1)).date()) == 1
    with diffusion.db.session() as s:
        assert len(s.scalars(select(UsageEvent.id)).all()) == 1
    assert diffusion.reports.totals()["total_requests"] == 2


def test_background_writer_flushes_without_being_asked(settings, catalogue, corpus):
    import time

    from diffusion.services import build_services
    from metadata_schemas.vocabularies import get_vocabularies

    svc = build_services(
        settings_of({**settings, "MAWARID_USAGE_FLUSH_SECONDS": 0.1}),
        catalogue,
        None,
        get_vocabularies(),
    )
    try:
        svc.usage.record("view", "res-fractions", ip=IP, user_agent=CHROME_UA)
        deadline = time.monotonic() + 10
        while svc.usage.stats["written"] < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert svc.usage.stats["written"] == 1
    finally:
        svc.close()
    with catalogue.db.session() as s:
        assert s.scalar(select(UsageEvent.kind)) == "view"
