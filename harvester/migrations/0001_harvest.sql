-- Harvest sources as last configured, with the last successful run.
CREATE TABLE sources (
    id               TEXT PRIMARY KEY NOT NULL,
    kind             TEXT NOT NULL,
    url              TEXT NOT NULL,
    config           TEXT NOT NULL,
    last_success_at  TEXT,
    next_run_at      TEXT
);

-- One row per harvest run.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    source_id    TEXT NOT NULL,
    status       TEXT NOT NULL,          -- running, done, done-with-errors, failed
    stage        TEXT NOT NULL,          -- gather, fetch, import, archive, finished
    trigger      TEXT NOT NULL,          -- cli, api, schedule
    forced       INTEGER NOT NULL DEFAULT 0,
    pid          INTEGER NOT NULL,
    started_at   TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL,
    finished_at  TEXT,
    pages        INTEGER NOT NULL DEFAULT 0,
    pages_failed INTEGER NOT NULL DEFAULT 0,
    seen         INTEGER NOT NULL DEFAULT 0,
    created      INTEGER NOT NULL DEFAULT 0,
    updated      INTEGER NOT NULL DEFAULT 0,
    unchanged    INTEGER NOT NULL DEFAULT 0,
    linked       INTEGER NOT NULL DEFAULT 0,
    failed       INTEGER NOT NULL DEFAULT 0,
    missing      INTEGER NOT NULL DEFAULT 0,
    archived     INTEGER NOT NULL DEFAULT 0,
    message      TEXT
);
CREATE INDEX jobs_source ON jobs (source_id, id);
CREATE INDEX jobs_status ON jobs (status);

-- Per-record (and per-page) outcomes of a job.
CREATE TABLE job_records (
    job_id       INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL,
    original_id  TEXT,
    record_id    TEXT,
    status       TEXT NOT NULL,          -- created, updated, unchanged, linked, missing, archived, failed
    stage        TEXT,                   -- fetch, map, validate, import, archive
    reason       TEXT,
    url          TEXT,
    unmapped     TEXT,                   -- JSON array
    PRIMARY KEY (job_id, seq)
);

-- What each source last delivered: identity by (source, original id) with the dataset URI
-- as the fallback, and the start of a record's absence (grace period).
CREATE TABLE harvested (
    source_id      TEXT NOT NULL,
    original_id    TEXT NOT NULL,
    record_id      TEXT NOT NULL,
    dataset_uri    TEXT,
    linked         INTEGER NOT NULL DEFAULT 0, -- 1: the record belongs to another source
    last_seen_at   TEXT NOT NULL,
    missing_since  TEXT,
    PRIMARY KEY (source_id, original_id)
);
CREATE INDEX harvested_uri ON harvested (dataset_uri);
CREATE INDEX harvested_record ON harvested (record_id);
