-- Webshell detections (and excepted ones), detection-rule settings, notification settings.
CREATE TABLE wbd_detections (
    id                     INTEGER PRIMARY KEY,
    detection_id           TEXT NOT NULL UNIQUE,
    exception_id           TEXT UNIQUE,
    member_no              INTEGER NOT NULL REFERENCES accounts (member_no),
    instance_no            TEXT NOT NULL,
    host_name              TEXT,
    server_name            TEXT,
    container_name         TEXT,
    private_ip             TEXT,
    process_name           TEXT NOT NULL,
    process_arg            TEXT,
    executor               TEXT,
    process_id             INTEGER,
    process_name_of_parent TEXT,
    process_arg_of_parent  TEXT,
    executor_of_parent     TEXT,
    process_id_of_parent   INTEGER,
    exe_path               TEXT,
    cwd                    TEXT,
    suspicious_ip          TEXT,
    rule_id                TEXT NOT NULL,
    rule_name              TEXT NOT NULL,
    severity               INTEGER NOT NULL,
    excepted_rule_id       TEXT,
    excepted_rule_name     TEXT,
    action_status          TEXT NOT NULL,
    memo                   TEXT,
    action_time            INTEGER NOT NULL,
    detect_time            INTEGER NOT NULL,
    collect_time           INTEGER NOT NULL,
    last_updated_time      INTEGER NOT NULL,
    last_seen_time         INTEGER NOT NULL,
    detect_count           INTEGER NOT NULL,
    -- repeats of one behaviour are counted on one row: hash of server, rule, process
    -- name and arguments, parent name, and whether the row is excepted
    repeat_key             TEXT NOT NULL,
    deleted_at             INTEGER
);
CREATE INDEX wbd_detections_by_time ON wbd_detections (member_no, detect_time);
CREATE INDEX wbd_detections_repeats ON wbd_detections (member_no, repeat_key, detect_time);

CREATE TABLE wbd_detection_rule_settings (
    member_no INTEGER NOT NULL REFERENCES accounts (member_no),
    rule_id   TEXT NOT NULL,
    enabled   INTEGER NOT NULL,
    PRIMARY KEY (member_no, rule_id)
);

CREATE TABLE wbd_notification_settings (
    member_no           INTEGER PRIMARY KEY REFERENCES accounts (member_no),
    setting_id          TEXT NOT NULL,
    interval_ms         INTEGER NOT NULL,
    last_sent_time      INTEGER,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);

-- Exception-rule changes per account in order: the newest id tells whether a cached
-- rule index is still current.
CREATE INDEX wbd_rule_history_by_account ON wbd_rule_history (member_no, id);
