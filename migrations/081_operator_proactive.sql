-- 081: proactive messages an operator asked for (POST /chat/proactive/{user_id}), stored with
-- the sweep's decisions so one table explains every message the companion started.

ALTER TABLE proactive_decisions
    -- who asked: the 5-minute sweep, or an operator through the REST API
    ADD COLUMN origin VARCHAR(10) NOT NULL DEFAULT 'sweep' CHECK (origin IN ('sweep', 'operator')),
    -- an admin forced it: timing, limits and the threshold were overridden (never an opt-out or
    -- a suspension); a forced send's reason names the limit, or below_threshold, it overrode
    ADD COLUMN forced BOOLEAN NOT NULL DEFAULT false;
