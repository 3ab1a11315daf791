-- Webhook targets for WBD detection notifications (a secmon extension).
CREATE TABLE wbd_webhooks (
    id         INTEGER PRIMARY KEY,
    webhook_id TEXT NOT NULL UNIQUE,
    member_no  INTEGER NOT NULL REFERENCES accounts (member_no),
    url        TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX wbd_webhooks_by_account ON wbd_webhooks (member_no);
CREATE INDEX wbd_detections_by_collect_time ON wbd_detections (member_no, collect_time);
