-- Import generations: one row per import, building → live → retired (or failed).
CREATE TABLE generations (
    id          INTEGER PRIMARY KEY,
    status      TEXT NOT NULL CHECK (status IN ('building', 'live', 'retired', 'failed')),
    source      TEXT NOT NULL,
    checksum    TEXT,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    counts      TEXT,
    issues      INTEGER NOT NULL DEFAULT 0,
    message     TEXT
);
CREATE UNIQUE INDEX generations_one_live ON generations (status) WHERE status = 'live';

-- Features of every generation: geometry as WKB in EPSG:31370, attributes as a JSON object.
CREATE TABLE features (
    generation INTEGER NOT NULL REFERENCES generations (id),
    layer      TEXT NOT NULL,
    fid        INTEGER NOT NULL,
    geom       BLOB NOT NULL,
    attrs      TEXT NOT NULL
);
CREATE UNIQUE INDEX features_key ON features (generation, layer, fid);
