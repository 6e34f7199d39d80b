-- What change data capture needs from the core database.

-- Debezium writes here on every heartbeat so that the replication slot advances (and the WAL is
-- recycled) even when the captured tables are quiet.
CREATE TABLE cdc_heartbeat (
    id      integer PRIMARY KEY,
    beat_at timestamptz NOT NULL
);

-- Deleted rows keep their full image in the WAL where deletes happen, so bronze records what was removed.
ALTER TABLE devices REPLICA IDENTITY FULL;
ALTER TABLE consent_permissions REPLICA IDENTITY FULL;
