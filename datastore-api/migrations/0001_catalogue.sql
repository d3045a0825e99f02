-- The catalogue: records as JSON documents plus the columns queries filter on.
CREATE TABLE records (
    id           TEXT PRIMARY KEY NOT NULL,
    kind         TEXT NOT NULL,
    publisher    TEXT,
    origin       TEXT NOT NULL,
    published    INTEGER NOT NULL DEFAULT 0,
    archived_at  TEXT,
    source_id    TEXT,
    original_id  TEXT,
    checksum     TEXT,
    issued       TEXT NOT NULL,
    modified     TEXT NOT NULL,
    doc          TEXT NOT NULL
);
CREATE UNIQUE INDEX records_provenance ON records (source_id, original_id) WHERE source_id IS NOT NULL;
CREATE INDEX records_modified ON records (modified);
CREATE INDEX records_kind ON records (kind, published);
CREATE INDEX records_publisher ON records (publisher);

CREATE TABLE publishers (
    id        TEXT PRIMARY KEY NOT NULL,
    modified  TEXT NOT NULL,
    doc       TEXT NOT NULL
);

-- Every change: who, when, what.
CREATE TABLE audit (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    target_type  TEXT NOT NULL,
    target_id    TEXT NOT NULL,
    detail       TEXT
);
CREATE INDEX audit_target ON audit (target_type, target_id);

-- API keys: only a salted SHA-256 of the secret is stored.
CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY NOT NULL,
    salt        TEXT NOT NULL,
    hash        TEXT NOT NULL,
    role        TEXT NOT NULL,
    publisher   TEXT,
    label       TEXT,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);

-- A counter bumped by every write, so that a search index can tell it is outdated.
CREATE TABLE revision (
    one  INTEGER PRIMARY KEY CHECK (one = 1),
    n    INTEGER NOT NULL
);
INSERT INTO revision (one, n) VALUES (1, 0);
