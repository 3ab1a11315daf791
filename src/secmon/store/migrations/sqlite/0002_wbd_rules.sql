-- Webshell Behavior Detector: detection targets, exception rules and their audit trail.
CREATE TABLE wbd_server_groups (
    id         INTEGER PRIMARY KEY,
    group_id   TEXT NOT NULL UNIQUE,
    member_no  INTEGER NOT NULL REFERENCES accounts (member_no),
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    deleted_at INTEGER
);
-- A live group name is unique in its account; a deleted group's name may be reused.
CREATE UNIQUE INDEX wbd_server_groups_live_name ON wbd_server_groups (member_no, name)
    WHERE deleted_at IS NULL;

CREATE TABLE wbd_servers (
    id           INTEGER PRIMARY KEY,
    member_no    INTEGER NOT NULL REFERENCES accounts (member_no),
    instance_no  TEXT NOT NULL,
    server_name  TEXT NOT NULL,
    host_name    TEXT,
    ip_address   TEXT,
    group_id     TEXT REFERENCES wbd_server_groups (group_id),
    agent_status TEXT NOT NULL,
    memo         TEXT,
    created_at   INTEGER NOT NULL,
    UNIQUE (member_no, instance_no)
);

CREATE TABLE wbd_exception_rules (
    id                              INTEGER PRIMARY KEY,
    rule_id                         TEXT NOT NULL UNIQUE,
    member_no                       INTEGER NOT NULL REFERENCES accounts (member_no),
    name                            TEXT NOT NULL,
    target_type                     TEXT NOT NULL,
    target                          TEXT,
    target_name                     TEXT,
    process_name                    TEXT,
    process_name_condition          TEXT NOT NULL,
    process_arg                     TEXT,
    process_arg_condition           TEXT NOT NULL,
    executor                        TEXT,
    executor_condition              TEXT NOT NULL,
    process_name_of_parent          TEXT,
    process_name_of_parent_condition TEXT NOT NULL,
    process_arg_of_parent           TEXT,
    process_arg_of_parent_condition TEXT NOT NULL,
    executor_of_parent              TEXT,
    executor_of_parent_condition    TEXT NOT NULL,
    memo                            TEXT,
    disabled                        INTEGER NOT NULL,
    created_at                      INTEGER NOT NULL,
    updated_at                      INTEGER NOT NULL,
    deleted_at                      INTEGER
);
CREATE INDEX wbd_exception_rules_by_account ON wbd_exception_rules (member_no, created_at);

CREATE TABLE wbd_rule_history (
    id         INTEGER PRIMARY KEY,
    rule_id    TEXT NOT NULL,
    member_no  INTEGER NOT NULL,
    time       INTEGER NOT NULL,
    actor      TEXT NOT NULL,
    access_key TEXT,
    action     TEXT NOT NULL,
    before     TEXT,
    after      TEXT
);
CREATE INDEX wbd_rule_history_by_rule ON wbd_rule_history (member_no, rule_id, id);
