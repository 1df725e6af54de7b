"""PostgreSQL values the application must be able to read back whole rows with."""
from datetime import datetime, timezone


def test_a_profile_whose_proactive_check_was_never_scheduled_reads_back(runtime):
    """A new user's next proactive check is '-infinity' (due at once) and a paused one 'infinity':
    psycopg cannot represent either by default, which failed any SELECT * of the profile."""
    c = runtime.container
    c.users.ensure_user("fresh", "Fresh", now=datetime(2026, 11, 26, tzinfo=timezone.utc))
    profile = c.profile_repo.get_profile("fresh")
    assert profile["proactive_next_check_at"] == datetime.min.replace(tzinfo=timezone.utc)
    with c.database.scoped("fresh") as conn:
        conn.execute("UPDATE user_profiles SET proactive_next_check_at = 'infinity' WHERE user_id = 'fresh'")
        paused = conn.execute("SELECT proactive_next_check_at FROM user_profiles WHERE user_id = 'fresh'").fetchone()
    assert paused["proactive_next_check_at"] == datetime.max.replace(tzinfo=timezone.utc)
