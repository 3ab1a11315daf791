-- Aggregating alerts into events across batches and runs, and resumable ingest.
-- agg_key: a 64-bit hash of what makes alerts "the same" (event name, attacker, target
-- address and port, protocol, platform); NULL for events that never aggregate.
ALTER TABLE ips_events ADD COLUMN agg_key INTEGER;
CREATE INDEX ips_events_by_agg_key ON ips_events (member_no, agg_key, detected_at)
    WHERE agg_key IS NOT NULL;

-- How far ingest got in each file, committed with the events read from it.
CREATE TABLE ingest_progress (
    member_no  INTEGER NOT NULL REFERENCES accounts (member_no),
    source     TEXT NOT NULL,
    path       TEXT NOT NULL,
    inode      INTEGER NOT NULL,
    position   INTEGER NOT NULL,
    by_records INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (member_no, source, path, inode)
);
