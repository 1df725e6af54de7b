-- Nightly reflection in each user's own night (their time zone), spread over the day for the fleet.
--
-- Each user has a reflection minute between 01:00 and 03:59 on their own clock (a stable hash of
-- the user id: domain/schedules.py's reflection_minute computes the same), and
-- user_profiles.reflection_due_at holds their next one. The reflection sweep (every 15 minutes)
-- claims the users whose moment has come, in batches (FOR UPDATE SKIP LOCKED, so an overlapping or
-- repeated sweep never takes a user twice), queues a job for those active in the last 7 days whose
-- clock still says night (01:00-05:00), and moves everyone it claimed to their next night. A user
-- inactive for a week is parked at 'infinity' (never scanned) until their next message, which puts
-- them back at '-infinity' (claimed and rescheduled by the next sweep). New rows start at
-- '-infinity' too.

ALTER TABLE user_profiles ADD COLUMN reflection_due_at TIMESTAMPTZ NOT NULL DEFAULT '-infinity';
CREATE INDEX idx_user_profiles_reflection_due ON user_profiles (reflection_due_at);

-- A time zone PostgreSQL knows, else UTC (a bad name must never fail a whole sweep).
CREATE FUNCTION companion_zone(tz text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
    PERFORM now() AT TIME ZONE coalesce(tz, 'UTC');
    RETURN coalesce(tz, 'UTC');
EXCEPTION WHEN invalid_parameter_value THEN
    RETURN 'UTC';
END $$;

-- The user's reflection minute of the local day: 01:00 plus md5(user_id)'s first 32 bits mod 180.
CREATE FUNCTION companion_reflection_minute(user_id text) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
    SELECT 60 + ((('x' || substr(md5(user_id), 1, 8))::bit(32)::bigint) % 180)::integer
$$;

-- The first moment after "after" at the user's reflection minute on their clock.
CREATE FUNCTION companion_reflection_slot(user_id text, tz text, after timestamptz) RETURNS timestamptz
LANGUAGE plpgsql STABLE AS $$
DECLARE
    zone text := companion_zone(tz);
    candidate timestamp := date_trunc('day', after AT TIME ZONE zone)
                           + make_interval(mins => companion_reflection_minute(user_id));
BEGIN
    WHILE (candidate AT TIME ZONE zone) <= after LOOP
        candidate := candidate + interval '1 day';
    END LOOP;
    RETURN candidate AT TIME ZONE zone;
END $$;

-- Whether "at" is inside the reflection night (01:00-05:00) on the zone's clock.
CREATE FUNCTION companion_in_reflection_night(tz text, at timestamptz) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT (extract(hour FROM at AT TIME ZONE companion_zone(tz)) * 60
            + extract(minute FROM at AT TIME ZONE companion_zone(tz))) BETWEEN 60 AND 299
$$;

-- Every existing user: their next night (the sweep parks the inactive ones on its first pass).
UPDATE user_profiles SET reflection_due_at = companion_reflection_slot(user_id, timezone, now());

-- A reflection job that could only start after its user's night (a backlog) records that it
-- skipped the night instead of running in the user's day.
ALTER TABLE reflection_reports DROP CONSTRAINT reflection_reports_status_check;
ALTER TABLE reflection_reports ADD CONSTRAINT reflection_reports_status_check
    CHECK (status IN ('succeeded', 'partial', 'failed', 'skipped'));
