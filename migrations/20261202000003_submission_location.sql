-- Where a submission was made (issue 13): the first answered location question, as a
-- point on the globe, indexed for "submissions near here" and the map. PostGIS comes
-- from Debian's postgresql-15-postgis-3; `scripts/services` enables it in template1,
-- and a server of one's own needs the package (README "Services of your own").

CREATE EXTENSION IF NOT EXISTS postgis;

ALTER TABLE submissions
    ADD COLUMN location geography(Point, 4326),
    ADD COLUMN location_accuracy_m real CHECK (location_accuracy_m >= 0);
CREATE INDEX submissions_location ON submissions USING gist (location);
