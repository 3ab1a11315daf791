-- Accounts, keys, and IPS events.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE accounts (
    member_no  INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE subaccounts (
    id            INTEGER PRIMARY KEY,
    member_no     INTEGER NOT NULL REFERENCES accounts (member_no),
    name          TEXT NOT NULL,
    policies      TEXT NOT NULL,   -- comma-separated policy names
    server_groups TEXT NOT NULL,   -- comma-separated group names; empty = unrestricted
    created_at    INTEGER NOT NULL,
    UNIQUE (member_no, name)
);

CREATE TABLE access_keys (
    access_key    TEXT PRIMARY KEY,
    member_no     INTEGER NOT NULL REFERENCES accounts (member_no),
    subaccount_id INTEGER REFERENCES subaccounts (id),
    secret_sealed BLOB NOT NULL,
    created_at    INTEGER NOT NULL,
    revoked_at    INTEGER
);

-- Low-cardinality text (event names, protocols, zones...) is stored once here and
-- referenced by id: rows stay narrow and a substring filter scans this small table.
-- Id 0 means "no value" so label columns can sit in primary keys (NULLs cannot).
CREATE TABLE labels (
    id    INTEGER PRIMARY KEY,
    kind  INTEGER NOT NULL,
    value TEXT NOT NULL,
    UNIQUE (kind, value)
);

CREATE TABLE ips_events (
    ticket_id      INTEGER PRIMARY KEY,
    member_no      INTEGER NOT NULL,
    platform       INTEGER NOT NULL,
    detected_at    INTEGER NOT NULL,
    event_name_id  INTEGER NOT NULL,
    attack_type_id INTEGER NOT NULL DEFAULT 0,
    protocol_id    INTEGER NOT NULL DEFAULT 0,
    region_id      INTEGER NOT NULL DEFAULT 0,
    zone_id        INTEGER NOT NULL DEFAULT 0,
    vpc_id         INTEGER NOT NULL DEFAULT 0,
    attacker_ip    TEXT,
    attacker_key   BLOB,
    attacker_port  INTEGER,
    target_ip      TEXT,
    target_key     BLOB,
    target_port    INTEGER,
    detect         INTEGER NOT NULL DEFAULT 1,
    signature_id   INTEGER,
    severity       INTEGER,
    action_id      INTEGER NOT NULL DEFAULT 0,
    flow_id        INTEGER,
    app_proto_id   INTEGER NOT NULL DEFAULT 0
);

-- The time index carries every label column, so counts and filtered pages over a
-- time range are answered from the index alone.
CREATE INDEX ips_events_by_time ON ips_events (
    member_no, platform, detected_at, ticket_id,
    event_name_id, attack_type_id, protocol_id, region_id, zone_id
);
CREATE INDEX ips_events_by_attacker ON ips_events (member_no, platform, attacker_key, detected_at);
CREATE INDEX ips_events_by_target ON ips_events (member_no, platform, target_key, detected_at);

-- Exact counts without scanning a long range, maintained in the same transaction as
-- the events: rows per hour (questions without a label filter), per hour and label (a
-- filter on one kind of label, e.g. eventNm, sums the hours of the ids it matches), and
-- per hour and label combination (filters on several kinds at once).
CREATE TABLE ips_hourly_counts (
    member_no INTEGER NOT NULL,
    platform  INTEGER NOT NULL,
    hour      INTEGER NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (member_no, platform, hour)
) WITHOUT ROWID;

CREATE TABLE ips_label_counts (
    member_no INTEGER NOT NULL,
    platform  INTEGER NOT NULL,
    label_id  INTEGER NOT NULL,
    hour      INTEGER NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (member_no, platform, label_id, hour)
) WITHOUT ROWID;

CREATE TABLE ips_combo_counts (
    member_no      INTEGER NOT NULL,
    platform       INTEGER NOT NULL,
    hour           INTEGER NOT NULL,
    event_name_id  INTEGER NOT NULL,
    attack_type_id INTEGER NOT NULL,
    protocol_id    INTEGER NOT NULL,
    region_id      INTEGER NOT NULL,
    zone_id        INTEGER NOT NULL,
    n              INTEGER NOT NULL,
    PRIMARY KEY (member_no, platform, hour, event_name_id, attack_type_id, protocol_id,
                 region_id, zone_id)
) WITHOUT ROWID;
