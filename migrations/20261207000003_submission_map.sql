-- The submissions map (issue 15): "what an app's submissions show inside this box" is
-- answered from one index on the app and the point. The point as a plain lat/lon
-- geometry matches the rectangle a web map shows exactly (a geography box would bend
-- its edges along great circles). btree_gist lets a GiST index lead with the app id.

CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE INDEX submissions_app_place ON submissions USING gist (app_id, (location::geometry))
    WHERE location IS NOT NULL;

-- Submissions are behind forced row level security. Postgres then uses a filter's
-- operator in an index scan only when the operator is leakproof (it cannot reveal a
-- row the policy hides, e.g. in an error message); otherwise every row of the app is
-- read and checked. The map's box (`&&`, over the point cast to geometry), "this answer
-- is exactly" (`@>`) and free text (`@@`) compare or convert values and never fail on
-- a stored value, so they are declared leakproof. Only a superuser may do so: a
-- migration run by another role leaves them as they are (filters still work, without
-- their indexes) and says so.
DO $$
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        ALTER FUNCTION geometry_overlaps(geometry, geometry) LEAKPROOF;
        ALTER FUNCTION geometry(geography) LEAKPROOF;
        ALTER FUNCTION jsonb_contains(jsonb, jsonb) LEAKPROOF;
        ALTER FUNCTION ts_match_vq(tsvector, tsquery) LEAKPROOF;
    ELSE
        RAISE WARNING 'Not a superuser: the map box, answer and free-text filters of submissions will not use their indexes (see migrations/20261207000003_submission_map.sql).';
    END IF;
END
$$;
