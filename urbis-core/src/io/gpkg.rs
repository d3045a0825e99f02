//! GeoPackage (OGC 12-128r18, version 1.3) reading and writing, with sqlx's SQLite driver.
//!
//! [`GpkgReader`] opens a GeoPackage read-only (and `immutable` when no write-ahead log sits
//! beside it), lists its feature tables with their CRS and record count, and streams the rows of
//! one table. [`GpkgWriter`] writes a new GeoPackage that GDAL opens cleanly, with the optional
//! R-tree spatial index extension (`gpkg_rtree_index`). [`decode_gpkg_geometry`] and
//! [`encode_gpkg_geometry`] convert the GeoPackage geometry binary format.

use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use geo::{BoundingRect, Geometry, MultiLineString, MultiPoint, MultiPolygon, Rect};
use serde_json::Value;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqliteRow, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, Column, ConnectOptions, Connection, Row, TypeInfo, ValueRef};

use crate::crs::Crs;
use crate::error::{GeometryError, ReadError, WriteError};
use crate::geom::wkb;
use crate::io::{RawFeature, RecordIssue, SourceLayer};
use crate::model::{value_text, Feature, Layer};

/// `PRAGMA application_id` of a GeoPackage: ASCII "GPKG".
pub const APPLICATION_ID: i64 = 0x4750_4B47;
/// `PRAGMA user_version` of a GeoPackage 1.3.
pub const USER_VERSION: i64 = 10300;

/// Quote an SQL identifier (`"name"`, with embedded quotes doubled).
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Quote an SQL string literal.
fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

// ---------------------------------------------------------------------------------------------
// Geometry binary format
// ---------------------------------------------------------------------------------------------

/// Decode a GeoPackage geometry blob: the `GP` header (version 0, flags with byte order,
/// envelope indicator 0–4 and empty bit) followed by WKB. `Ok(None)` for an empty geometry.
/// Blobs using the extended geometry type extension are refused.
pub fn decode_gpkg_geometry(blob: &[u8]) -> Result<Option<Geometry<f64>>, GeometryError> {
    if blob.len() < 8 {
        return Err(GeometryError::Truncated);
    }
    if &blob[0..2] != b"GP" {
        return Err(GeometryError::BadHeader("missing `GP` magic".into()));
    }
    if blob[2] != 0 {
        return Err(GeometryError::BadHeader(format!(
            "unsupported version {}",
            blob[2]
        )));
    }
    let flags = blob[3];
    if flags & 0x20 != 0 {
        return Err(GeometryError::BadHeader(
            "extended (non-standard) geometry types are not supported".into(),
        ));
    }
    let envelope = match (flags >> 1) & 0x07 {
        0 => 0,
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        e => {
            return Err(GeometryError::BadHeader(format!(
                "invalid envelope indicator {e}"
            )))
        }
    };
    let start = 8 + envelope;
    if blob.len() < start {
        return Err(GeometryError::Truncated);
    }
    if flags & 0x10 != 0 {
        return Ok(None);
    }
    let (g, _) = wkb::read_wkb_prefix(&blob[start..])?;
    Ok((!wkb::is_empty(&g)).then_some(g))
}

/// Encode `g` as a GeoPackage geometry blob (little-endian, version 0) for the SRS `srs_id`:
/// points without an envelope, other geometries with their xy bounding box (envelope
/// indicator 1); empty geometries with the empty flag and no envelope.
pub fn encode_gpkg_geometry(g: &Geometry<f64>, srs_id: i32) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(b"GP");
    out.push(0);
    let rect = if matches!(g, Geometry::Point(_)) || wkb::is_empty(g) {
        None
    } else {
        g.bounding_rect()
    };
    let mut flags = 0x01u8; // little-endian header values
    if wkb::is_empty(g) {
        flags |= 0x10;
    }
    if rect.is_some() {
        flags |= 1 << 1;
    }
    out.push(flags);
    out.extend_from_slice(&srs_id.to_le_bytes());
    if let Some(r) = rect {
        for v in [r.min().x, r.max().x, r.min().y, r.max().y] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    wkb::write_wkb(g, &mut out);
    out
}

// ---------------------------------------------------------------------------------------------
// Reader
// ---------------------------------------------------------------------------------------------

/// A feature table of an opened GeoPackage.
#[derive(Debug, Clone)]
struct TableInfo {
    name: String,
    geometry_column: String,
    /// The integer primary key column, when the table has one.
    pk_column: Option<String>,
}

/// A GeoPackage opened read-only.
pub struct GpkgReader {
    path: PathBuf,
    conn: SqliteConnection,
    layers: Vec<SourceLayer>,
    tables: Vec<TableInfo>,
}

impl std::fmt::Debug for GpkgReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GpkgReader")
            .field("path", &self.path)
            .field("layers", &self.layers)
            .finish()
    }
}

impl GpkgReader {
    /// Open a GeoPackage read-only and list its feature tables (from `gpkg_contents` joined
    /// with `gpkg_geometry_columns`), their CRS and record count. A file that is not an SQLite
    /// database, or has no GeoPackage tables, is [`ReadError::Malformed`].
    pub async fn open(path: &Path) -> Result<Self, ReadError> {
        let malformed = |detail: String| ReadError::Malformed {
            path: path.to_path_buf(),
            detail,
        };
        check_sqlite_header(path)?;
        let wal = {
            let mut p = path.as_os_str().to_owned();
            p.push("-wal");
            PathBuf::from(p)
        };
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .read_only(true)
            .immutable(!wal.exists())
            // Rows stream from SQLite's worker thread: a deep buffer saves thread switches.
            .row_buffer_size(4096)
            .disable_statement_logging();
        let mut conn = SqliteConnection::connect_with(&opts)
            .await
            .map_err(|e| malformed(format!("cannot open as a GeoPackage: {e}")))?;
        let has_contents: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = 'gpkg_contents'",
        )
        .fetch_optional(&mut conn)
        .await
        .map_err(|e| malformed(format!("not a GeoPackage: {e}")))?;
        if has_contents.is_none() {
            return Err(malformed("not a GeoPackage: no gpkg_contents table".into()));
        }
        let rows = sqlx::query(
            "SELECT c.table_name, g.column_name, g.srs_id, s.organization, \
                    s.organization_coordsys_id, s.definition \
             FROM gpkg_contents c \
             JOIN gpkg_geometry_columns g ON g.table_name = c.table_name \
             LEFT JOIN gpkg_spatial_ref_sys s ON s.srs_id = g.srs_id \
             WHERE lower(c.data_type) = 'features' \
             ORDER BY c.rowid",
        )
        .fetch_all(&mut conn)
        .await
        .map_err(|e| malformed(format!("invalid GeoPackage metadata tables: {e}")))?;
        let mut layers = Vec::with_capacity(rows.len());
        let mut tables = Vec::with_capacity(rows.len());
        for row in rows {
            let get_text = |i: usize| row.try_get::<Option<String>, _>(i).ok().flatten();
            let Some(name) = get_text(0) else { continue };
            let geometry_column = get_text(1).unwrap_or_else(|| "geom".into());
            let org = get_text(3);
            let org_id = row.try_get::<Option<i64>, _>(4).ok().flatten();
            let definition = get_text(5);
            let crs = srs_to_crs(org.as_deref(), org_id, definition.as_deref());
            let count: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM {}",
                ident(&name)
            )))
            .fetch_one(&mut conn)
            .await
            .map_err(|e| malformed(format!("feature table `{name}`: {e}")))?;
            let pk_column = integer_pk(&mut conn, &name)
                .await
                .map_err(|e| malformed(format!("feature table `{name}`: {e}")))?;
            layers.push(SourceLayer {
                layer: Layer::from_source_name(&name),
                name: name.clone(),
                crs,
                count: u64::try_from(count).ok(),
            });
            tables.push(TableInfo {
                name,
                geometry_column,
                pk_column,
            });
        }
        Ok(GpkgReader {
            path: path.to_path_buf(),
            conn,
            layers,
            tables,
        })
    }

    /// The feature tables of the GeoPackage, in `gpkg_contents` order.
    pub fn layers(&self) -> &[SourceLayer] {
        &self.layers
    }

    /// Stream the rows of feature table `layer` to `sink`, in table order. A row whose geometry
    /// cannot be decoded is reported to `issues` and skipped. Returns the number of records
    /// passed to `sink`.
    pub async fn read_layer(
        &mut self,
        layer: &str,
        sink: &mut (dyn FnMut(RawFeature) -> Result<(), ReadError> + Send),
        issues: &mut Vec<RecordIssue>,
    ) -> Result<u64, ReadError> {
        let table = self
            .tables
            .iter()
            .find(|t| t.name == layer)
            .or_else(|| {
                self.tables
                    .iter()
                    .find(|t| t.name.eq_ignore_ascii_case(layer))
            })
            .cloned()
            .ok_or_else(|| ReadError::Malformed {
                path: self.path.clone(),
                detail: format!("no feature table `{layer}`"),
            })?;
        let path = self.path.clone();
        let sql = format!("SELECT * FROM {}", ident(&table.name));
        let mut rows = sqlx::query(AssertSqlSafe(sql)).fetch(&mut self.conn);
        let mut record = 0u64;
        let mut passed = 0u64;
        let mut columns: Option<Vec<(String, Role)>> = None;
        while let Some(row) = rows.next().await {
            let row = row.map_err(|e| ReadError::Sqlite {
                path: path.clone(),
                source: e,
            })?;
            record += 1;
            let cols = columns.get_or_insert_with(|| column_roles(&row, &table));
            match decode_row(&row, cols) {
                Ok(mut f) => {
                    f.record = record;
                    sink(f)?;
                    passed += 1;
                }
                Err(detail) => issues.push(RecordIssue {
                    layer: table.name.clone(),
                    record,
                    detail,
                }),
            }
        }
        Ok(passed)
    }
}

/// Check the 16-byte SQLite header, so that a non-database file gets a clear error.
fn check_sqlite_header(path: &Path) -> Result<(), ReadError> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).map_err(|e| ReadError::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    let mut head = [0u8; 16];
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(ReadError::Io {
                    path: path.to_path_buf(),
                    source: e,
                })
            }
        }
    }
    if n < 16 || &head != b"SQLite format 3\0" {
        return Err(ReadError::Malformed {
            path: path.to_path_buf(),
            detail: "not a GeoPackage (not an SQLite database)".into(),
        });
    }
    Ok(())
}

/// The CRS of a `gpkg_spatial_ref_sys` row: EPSG organisation and code first, the WKT
/// definition otherwise.
fn srs_to_crs(org: Option<&str>, org_id: Option<i64>, definition: Option<&str>) -> Option<Crs> {
    if let (Some(org), Some(id)) = (org, org_id) {
        if org.eq_ignore_ascii_case("EPSG") {
            if let Some(c) = u32::try_from(id).ok().and_then(Crs::from_epsg) {
                return Some(c);
            }
        }
    }
    definition
        .filter(|d| !d.trim().is_empty() && !d.trim().eq_ignore_ascii_case("undefined"))
        .and_then(Crs::from_wkt)
}

/// The single INTEGER PRIMARY KEY column of a table, if any.
async fn integer_pk(
    conn: &mut SqliteConnection,
    table: &str,
) -> Result<Option<String>, sqlx::Error> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "PRAGMA table_info({})",
        ident(table)
    )))
    .fetch_all(conn)
    .await?;
    let pks: Vec<(String, String)> = rows
        .iter()
        .filter(|r| r.try_get::<i64, _>("pk").unwrap_or(0) > 0)
        .map(|r| {
            (
                r.try_get::<String, _>("name").unwrap_or_default(),
                r.try_get::<String, _>("type").unwrap_or_default(),
            )
        })
        .collect();
    Ok(match pks.as_slice() {
        [(name, ty)] if ty.eq_ignore_ascii_case("INTEGER") => Some(name.clone()),
        _ => None,
    })
}

/// What a column of a feature table holds.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Role {
    Fid,
    Geometry,
    Attribute,
}

fn column_roles(row: &SqliteRow, table: &TableInfo) -> Vec<(String, Role)> {
    row.columns()
        .iter()
        .map(|c| {
            let name = c.name().to_string();
            let role = if table
                .pk_column
                .as_deref()
                .is_some_and(|pk| pk.eq_ignore_ascii_case(&name))
            {
                Role::Fid
            } else if name.eq_ignore_ascii_case(&table.geometry_column) {
                Role::Geometry
            } else {
                Role::Attribute
            };
            (name, role)
        })
        .collect()
}

/// Decode one row; the error is the detail of the record issue.
fn decode_row(row: &SqliteRow, cols: &[(String, Role)]) -> Result<RawFeature, String> {
    let mut fid = None;
    let mut geometry = None;
    let mut attributes = Vec::with_capacity(cols.len());
    for (i, (name, role)) in cols.iter().enumerate() {
        let raw = row
            .try_get_raw(i)
            .map_err(|e| format!("column {name}: {e}"))?;
        if raw.is_null() {
            if *role == Role::Attribute {
                attributes.push((name.clone(), Value::Null));
            }
            continue;
        }
        let kind = raw.type_info().name().to_string();
        match role {
            Role::Fid => fid = row.try_get_unchecked::<i64, _>(i).ok(),
            Role::Geometry => {
                let blob: Vec<u8> = row
                    .try_get_unchecked(i)
                    .map_err(|e| format!("geometry column {name}: {e}"))?;
                geometry = decode_gpkg_geometry(&blob).map_err(|e| match fid {
                    Some(fid) => format!("fid {fid}: cannot decode geometry: {e}"),
                    None => format!("cannot decode geometry: {e}"),
                })?;
            }
            Role::Attribute => {
                let value = match kind.as_str() {
                    "INTEGER" => row
                        .try_get_unchecked::<i64, _>(i)
                        .map(Value::from)
                        .map_err(|e| format!("column {name}: {e}"))?,
                    "REAL" => {
                        let f = row
                            .try_get_unchecked::<f64, _>(i)
                            .map_err(|e| format!("column {name}: {e}"))?;
                        serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
                    }
                    "BLOB" => continue,
                    _ => match row.try_get_unchecked::<String, _>(i) {
                        Ok(s) => Value::String(s),
                        Err(_) => {
                            let bytes: Vec<u8> = row
                                .try_get_unchecked(i)
                                .map_err(|e| format!("column {name}: {e}"))?;
                            Value::String(String::from_utf8_lossy(&bytes).into_owned())
                        }
                    },
                };
                attributes.push((name.clone(), value));
            }
        }
    }
    Ok(RawFeature {
        fid,
        record: 0,
        geometry,
        attributes,
    })
}

// ---------------------------------------------------------------------------------------------
// Writer
// ---------------------------------------------------------------------------------------------

/// Type of an attribute column written by [`GpkgWriter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// `TEXT`.
    Text,
    /// `INTEGER` (64-bit).
    Integer,
    /// `REAL` (64-bit float).
    Real,
}

impl FieldType {
    fn sql(self) -> &'static str {
        match self {
            FieldType::Text => "TEXT",
            FieldType::Integer => "INTEGER",
            FieldType::Real => "REAL",
        }
    }
}

const GEOMETRY_TYPES: [&str; 8] = [
    "GEOMETRY",
    "POINT",
    "LINESTRING",
    "POLYGON",
    "MULTIPOINT",
    "MULTILINESTRING",
    "MULTIPOLYGON",
    "GEOMETRYCOLLECTION",
];

/// Name of the geometry column written by [`GpkgWriter`].
const GEOM: &str = "geom";

/// Most parameters bound in one multi-row INSERT.
const MAX_PARAMS: usize = 30_000;
/// Most rows in one multi-row INSERT.
const MAX_BATCH_ROWS: usize = 500;

struct WriterTable {
    name: String,
    geometry_type: String,
    fields: Vec<(String, FieldType)>,
    extent: Option<Rect<f64>>,
    count: u64,
    envelopes: Vec<(i64, [f64; 4])>,
}

impl WriterTable {
    fn params_per_row(&self) -> usize {
        2 + self.fields.len()
    }
    fn batch_rows(&self) -> usize {
        (MAX_PARAMS / self.params_per_row()).clamp(1, MAX_BATCH_ROWS)
    }
    fn insert_sql(&self, rows: usize) -> String {
        let mut cols = vec![ident("fid"), ident(GEOM)];
        cols.extend(self.fields.iter().map(|(n, _)| ident(n)));
        let one = format!("({})", vec!["?"; cols.len()].join(","));
        format!(
            "INSERT INTO {} ({}) VALUES {}",
            ident(&self.name),
            cols.join(","),
            vec![one; rows].join(",")
        )
    }
}

/// A value bound to an INSERT.
enum Bound {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

/// Writes a new GeoPackage 1.3. The file is built under a temporary name beside `path` and
/// renamed over it by [`GpkgWriter::finish`]; a writer dropped before (or failing in)
/// `finish` leaves nothing behind.
pub struct GpkgWriter {
    conn: Option<SqliteConnection>,
    /// The file being built; removed on drop unless persisted by `finish`.
    tmp: Option<tempfile::TempPath>,
    path: PathBuf,
    srs_id: i32,
    tables: Vec<WriterTable>,
}

impl GpkgWriter {
    /// Start a GeoPackage at `path` (replaced at [`Self::finish`] if it exists) whose feature
    /// tables are all in `crs`.
    pub async fn create(path: &Path, crs: Crs) -> Result<Self, WriteError> {
        let io_err = |source| WriteError::Io {
            path: path.to_path_buf(),
            source,
        };
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let stem = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "gpkg".into());
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{stem}."))
            .suffix(".tmp")
            .tempfile_in(&dir)
            .map_err(io_err)?
            .into_temp_path();
        let opts = SqliteConnectOptions::new()
            .filename(&tmp)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Off)
            .synchronous(SqliteSynchronous::Off)
            .foreign_keys(false)
            .disable_statement_logging();
        let sql_err = |source| WriteError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        let mut conn = SqliteConnection::connect_with(&opts)
            .await
            .map_err(sql_err)?;
        let srs_id = i32::try_from(crs.epsg()).unwrap_or(i32::MAX);
        let mut ddl = format!(
            "PRAGMA application_id = {APPLICATION_ID};
             PRAGMA user_version = {USER_VERSION};
             BEGIN;
             CREATE TABLE gpkg_spatial_ref_sys (
               srs_name TEXT NOT NULL,
               srs_id INTEGER PRIMARY KEY,
               organization TEXT NOT NULL,
               organization_coordsys_id INTEGER NOT NULL,
               definition TEXT NOT NULL,
               description TEXT);
             CREATE TABLE gpkg_contents (
               table_name TEXT NOT NULL PRIMARY KEY,
               data_type TEXT NOT NULL,
               identifier TEXT UNIQUE,
               description TEXT DEFAULT '',
               last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
               min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
               srs_id INTEGER,
               CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
             CREATE TABLE gpkg_geometry_columns (
               table_name TEXT NOT NULL,
               column_name TEXT NOT NULL,
               geometry_type_name TEXT NOT NULL,
               srs_id INTEGER NOT NULL,
               z TINYINT NOT NULL,
               m TINYINT NOT NULL,
               CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
               CONSTRAINT uk_gc_table_name UNIQUE (table_name),
               CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
               CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
             CREATE TABLE gpkg_extensions (
               table_name TEXT,
               column_name TEXT,
               extension_name TEXT NOT NULL,
               definition TEXT NOT NULL,
               scope TEXT NOT NULL,
               CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
             CREATE TABLE gpkg_ogr_contents (
               table_name TEXT NOT NULL PRIMARY KEY,
               feature_count INTEGER DEFAULT NULL);
             INSERT INTO gpkg_spatial_ref_sys VALUES
               ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined',
                'undefined cartesian coordinate reference system'),
               ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined',
                'undefined geographic coordinate reference system'),
               ('WGS 84 geodetic', 4326, 'EPSG', 4326, {wgs84},
                'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid');",
            wgs84 = literal(Crs::Wgs84.wkt()),
        );
        if crs.epsg() != 4326 {
            ddl.push_str(&format!(
                "INSERT INTO gpkg_spatial_ref_sys VALUES ({}, {srs_id}, 'EPSG', {srs_id}, {}, NULL);",
                literal(srs_name(crs)),
                literal(crs.wkt()),
            ));
        }
        sqlx::raw_sql(AssertSqlSafe(ddl))
            .execute(&mut conn)
            .await
            .map_err(sql_err)?;
        Ok(GpkgWriter {
            conn: Some(conn),
            tmp: Some(tmp),
            path: path.to_path_buf(),
            srs_id,
            tables: Vec::new(),
        })
    }

    fn conn(&mut self) -> Result<&mut SqliteConnection, WriteError> {
        self.conn
            .as_mut()
            .ok_or_else(|| WriteError::Invalid("GeoPackage writer already finished".into()))
    }

    /// Add a feature table `table` with a geometry column `geom` of `geometry_type` (a
    /// GeoPackage geometry type name: `POINT`, `LINESTRING`, `POLYGON`, `MULTIPOINT`,
    /// `MULTILINESTRING`, `MULTIPOLYGON`, `GEOMETRYCOLLECTION` or `GEOMETRY`) and the attribute
    /// columns `fields`, after the `fid` primary key.
    pub async fn add_layer(
        &mut self,
        table: &str,
        geometry_type: &str,
        fields: &[(&str, FieldType)],
    ) -> Result<(), WriteError> {
        let gtype = geometry_type.to_ascii_uppercase();
        if !GEOMETRY_TYPES.contains(&gtype.as_str()) {
            return Err(WriteError::Invalid(format!(
                "unknown GeoPackage geometry type `{geometry_type}`"
            )));
        }
        if table.is_empty() || table.to_ascii_lowercase().starts_with("gpkg_") {
            return Err(WriteError::Invalid(format!("invalid table name `{table}`")));
        }
        if self
            .tables
            .iter()
            .any(|t| t.name.eq_ignore_ascii_case(table))
        {
            return Err(WriteError::Invalid(format!("table `{table}` added twice")));
        }
        let mut seen: Vec<String> = vec!["fid".into(), GEOM.into()];
        for (name, _) in fields {
            let lower = name.to_ascii_lowercase();
            if name.is_empty() || seen.contains(&lower) {
                return Err(WriteError::Invalid(format!(
                    "table `{table}`: field name `{name}` is empty, reserved or repeated"
                )));
            }
            seen.push(lower);
        }
        let mut sql = format!(
            "CREATE TABLE {} ({} INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, {} {}",
            ident(table),
            ident("fid"),
            ident(GEOM),
            gtype
        );
        for (name, ty) in fields {
            sql.push_str(&format!(", {} {}", ident(name), ty.sql()));
        }
        sql.push_str(");");
        let srs_id = self.srs_id;
        sql.push_str(&format!(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) \
             VALUES ({t}, 'features', {t}, '', {srs_id});
             INSERT INTO gpkg_geometry_columns VALUES ({t}, '{GEOM}', '{gtype}', {srs_id}, 0, 0);",
            t = literal(table),
        ));
        let path = self.path.clone();
        let conn = self.conn()?;
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(conn)
            .await
            .map_err(|source| WriteError::Sqlite { path, source })?;
        self.tables.push(WriterTable {
            name: table.to_string(),
            geometry_type: gtype,
            fields: fields.iter().map(|(n, t)| (n.to_string(), *t)).collect(),
            extent: None,
            count: 0,
            envelopes: Vec::new(),
        });
        Ok(())
    }

    /// Write `features` to `table` (added with [`Self::add_layer`]): `Feature::id` as `fid`,
    /// the geometry (a single Point/LineString/Polygon is written as a one-part multi-geometry
    /// in a MULTI… table), and for each declared field the attribute of that name converted to
    /// the field's type (missing or unconvertible → NULL).
    pub async fn write_features(
        &mut self,
        table: &str,
        features: &[Feature],
    ) -> Result<(), WriteError> {
        let idx = self
            .tables
            .iter()
            .position(|t| t.name == table)
            .ok_or_else(|| WriteError::Invalid(format!("table `{table}` was not added")))?;
        let srs_id = self.srs_id;
        let path = self.path.clone();
        let conn = self
            .conn
            .as_mut()
            .ok_or_else(|| WriteError::Invalid("GeoPackage writer already finished".into()))?;
        let t = &mut self.tables[idx];
        let batch = t.batch_rows();
        let full_sql = t.insert_sql(batch);
        for chunk in features.chunks(batch) {
            let sql = if chunk.len() == batch {
                full_sql.clone()
            } else {
                t.insert_sql(chunk.len())
            };
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for f in chunk {
                let g = promote(&f.geometry, &t.geometry_type);
                let blob = encode_gpkg_geometry(&g, srs_id);
                if !wkb::is_empty(&g) {
                    if let Some(r) = g.bounding_rect() {
                        t.extent = Some(match t.extent {
                            Some(e) => union_rect(e, r),
                            None => r,
                        });
                        t.envelopes
                            .push((f.id, [r.min().x, r.max().x, r.min().y, r.max().y]));
                    }
                }
                q = q.bind(f.id).bind(blob);
                for (name, ty) in &t.fields {
                    let v = f
                        .attributes
                        .get(name)
                        .or_else(|| {
                            f.attributes
                                .iter()
                                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                                .map(|(_, v)| v)
                        })
                        .map_or(Bound::Null, |v| convert(v, *ty));
                    q = match v {
                        Bound::Null => q.bind(None::<i64>),
                        Bound::Int(i) => q.bind(i),
                        Bound::Real(r) => q.bind(r),
                        Bound::Text(s) => q.bind(s),
                    };
                }
            }
            q.execute(&mut *conn)
                .await
                .map_err(|source| WriteError::Sqlite {
                    path: path.clone(),
                    source,
                })?;
            t.count += chunk.len() as u64;
        }
        Ok(())
    }

    /// Complete the GeoPackage: extents and feature counts, the R-tree spatial index of every
    /// table when `spatial_index` (filled from the written envelopes and registered as the
    /// `gpkg_rtree_index` extension), then commit and move the file into place.
    pub async fn finish(mut self, spatial_index: bool) -> Result<(), WriteError> {
        let path = self.path.clone();
        let sql_err = |source| WriteError::Sqlite {
            path: path.clone(),
            source,
        };
        let mut conn = self
            .conn
            .take()
            .ok_or_else(|| WriteError::Invalid("GeoPackage writer already finished".into()))?;
        for t in &self.tables {
            let (minx, miny, maxx, maxy) = match t.extent {
                Some(r) => (
                    r.min().x.to_string(),
                    r.min().y.to_string(),
                    r.max().x.to_string(),
                    r.max().y.to_string(),
                ),
                None => ("NULL".into(), "NULL".into(), "NULL".into(), "NULL".into()),
            };
            let name = literal(&t.name);
            let table = ident(&t.name);
            let trig = |kind: &str| ident(&format!("trigger_{kind}_feature_count_{}", t.name));
            let sql = format!(
                "UPDATE gpkg_contents SET min_x = {minx}, min_y = {miny}, max_x = {maxx}, \
                   max_y = {maxy}, last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now') \
                   WHERE table_name = {name};
                 INSERT INTO gpkg_ogr_contents VALUES ({name}, {count});
                 CREATE TRIGGER {ins} AFTER INSERT ON {table} BEGIN UPDATE gpkg_ogr_contents SET \
                   feature_count = feature_count + 1 WHERE lower(table_name) = lower({name}); END;
                 CREATE TRIGGER {del} AFTER DELETE ON {table} BEGIN UPDATE gpkg_ogr_contents SET \
                   feature_count = feature_count - 1 WHERE lower(table_name) = lower({name}); END;",
                count = t.count,
                ins = trig("insert"),
                del = trig("delete"),
            );
            sqlx::raw_sql(AssertSqlSafe(sql))
                .execute(&mut conn)
                .await
                .map_err(sql_err)?;
            if spatial_index {
                let rtree = ident(&format!("rtree_{}_{GEOM}", t.name));
                let sql = format!(
                    "CREATE VIRTUAL TABLE {rtree} USING rtree(id, minx, maxx, miny, maxy);
                     INSERT INTO gpkg_extensions VALUES ({name}, '{GEOM}', 'gpkg_rtree_index', \
                       'http://www.geopackage.org/spec120/#extension_rtree', 'write-only');"
                );
                sqlx::raw_sql(AssertSqlSafe(sql))
                    .execute(&mut conn)
                    .await
                    .map_err(sql_err)?;
                const RTREE_BATCH: usize = 1000;
                let full = rtree_insert_sql(&rtree, RTREE_BATCH);
                for chunk in t.envelopes.chunks(RTREE_BATCH) {
                    let sql = if chunk.len() == RTREE_BATCH {
                        full.clone()
                    } else {
                        rtree_insert_sql(&rtree, chunk.len())
                    };
                    let mut q = sqlx::query(AssertSqlSafe(sql));
                    for (id, [minx, maxx, miny, maxy]) in chunk {
                        q = q.bind(*id).bind(*minx).bind(*maxx).bind(*miny).bind(*maxy);
                    }
                    q.execute(&mut conn).await.map_err(sql_err)?;
                }
                sqlx::raw_sql(AssertSqlSafe(rtree_triggers(&t.name)))
                    .execute(&mut conn)
                    .await
                    .map_err(sql_err)?;
            }
        }
        sqlx::raw_sql("COMMIT")
            .execute(&mut conn)
            .await
            .map_err(sql_err)?;
        conn.close().await.map_err(sql_err)?;
        let io_err = |source| WriteError::Io {
            path: path.clone(),
            source,
        };
        let tmp = self
            .tmp
            .take()
            .ok_or_else(|| WriteError::Invalid("GeoPackage writer already finished".into()))?;
        std::fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(io_err)?;
        tmp.persist(&path).map_err(|e| io_err(e.error))?;
        Ok(())
    }
}

fn rtree_insert_sql(rtree: &str, rows: usize) -> String {
    format!(
        "INSERT INTO {rtree} (id, minx, maxx, miny, maxy) VALUES {}",
        vec!["(?,?,?,?,?)"; rows].join(",")
    )
}

/// The six triggers that GeoPackage 1.3 (Requirement 75, annex F.3) requires to keep the R-tree
/// in step with later edits. They are created after the bulk insert: they call `ST_IsEmpty`,
/// `ST_MinX`… which GDAL (and every GeoPackage editor) registers but plain SQLite lacks, so
/// they only run when another program edits the file; urbis itself never writes to a
/// finished GeoPackage.
fn rtree_triggers(table: &str) -> String {
    let t = ident(table);
    let r = ident(&format!("rtree_{table}_{GEOM}"));
    let trig = |suffix: &str| ident(&format!("rtree_{table}_{GEOM}_{suffix}"));
    let c = ident(GEOM);
    let i = ident("fid");
    let values = format!(
        "VALUES (NEW.{i}, ST_MinX(NEW.{c}), ST_MaxX(NEW.{c}), ST_MinY(NEW.{c}), ST_MaxY(NEW.{c}))"
    );
    format!(
        "CREATE TRIGGER {insert} AFTER INSERT ON {t} \
           WHEN (NEW.{c} NOT NULL AND NOT ST_IsEmpty(NEW.{c})) \
           BEGIN INSERT OR REPLACE INTO {r} {values}; END;
         CREATE TRIGGER {u1} AFTER UPDATE OF {c} ON {t} \
           WHEN OLD.{i} = NEW.{i} AND (NEW.{c} NOTNULL AND NOT ST_IsEmpty(NEW.{c})) \
           BEGIN INSERT OR REPLACE INTO {r} {values}; END;
         CREATE TRIGGER {u2} AFTER UPDATE OF {c} ON {t} \
           WHEN OLD.{i} = NEW.{i} AND (NEW.{c} ISNULL OR ST_IsEmpty(NEW.{c})) \
           BEGIN DELETE FROM {r} WHERE id = OLD.{i}; END;
         CREATE TRIGGER {u3} AFTER UPDATE ON {t} \
           WHEN OLD.{i} != NEW.{i} AND (NEW.{c} NOTNULL AND NOT ST_IsEmpty(NEW.{c})) \
           BEGIN DELETE FROM {r} WHERE id = OLD.{i}; INSERT OR REPLACE INTO {r} {values}; END;
         CREATE TRIGGER {u4} AFTER UPDATE ON {t} \
           WHEN OLD.{i} != NEW.{i} AND (NEW.{c} ISNULL OR ST_IsEmpty(NEW.{c})) \
           BEGIN DELETE FROM {r} WHERE id IN (OLD.{i}, NEW.{i}); END;
         CREATE TRIGGER {delete} AFTER DELETE ON {t} WHEN OLD.{c} NOT NULL \
           BEGIN DELETE FROM {r} WHERE id = OLD.{i}; END;",
        insert = trig("insert"),
        u1 = trig("update1"),
        u2 = trig("update2"),
        u3 = trig("update3"),
        u4 = trig("update4"),
        delete = trig("delete"),
    )
}

fn srs_name(crs: Crs) -> &'static str {
    match crs.epsg() {
        31370 => "BD72 / Belgian Lambert 72",
        3812 => "ETRS89 / Belgian Lambert 2008",
        4326 => "WGS 84 geodetic",
        3857 => "WGS 84 / Pseudo-Mercator",
        _ => "unnamed",
    }
}

fn union_rect(a: Rect<f64>, b: Rect<f64>) -> Rect<f64> {
    Rect::new(
        geo::coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
        geo::coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
    )
}

/// A single geometry written to a MULTI… table becomes a one-part multi-geometry.
fn promote<'a>(g: &'a Geometry<f64>, table_type: &str) -> std::borrow::Cow<'a, Geometry<f64>> {
    use std::borrow::Cow;
    match (table_type, g) {
        ("MULTIPOLYGON", Geometry::Polygon(p)) => {
            Cow::Owned(Geometry::MultiPolygon(MultiPolygon(vec![p.clone()])))
        }
        ("MULTILINESTRING", Geometry::LineString(l)) => {
            Cow::Owned(Geometry::MultiLineString(MultiLineString(vec![l.clone()])))
        }
        ("MULTIPOINT", Geometry::Point(p)) => {
            Cow::Owned(Geometry::MultiPoint(MultiPoint(vec![*p])))
        }
        _ => Cow::Borrowed(g),
    }
}

/// Convert an attribute value to a column type.
fn convert(v: &Value, ty: FieldType) -> Bound {
    match ty {
        FieldType::Text => match v {
            Value::Null => Bound::Null,
            Value::String(s) => Bound::Text(s.clone()),
            Value::Number(_) | Value::Bool(_) => value_text(v).map_or(Bound::Null, Bound::Text),
            other => Bound::Text(other.to_string()),
        },
        FieldType::Integer => {
            let from_f = |f: f64| {
                (f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
            };
            let i = match v {
                Value::Number(n) => n.as_i64().or_else(|| n.as_f64().and_then(from_f)),
                Value::String(s) => {
                    let s = s.trim();
                    s.parse::<i64>()
                        .ok()
                        .or_else(|| s.parse::<f64>().ok().and_then(from_f))
                }
                Value::Bool(b) => Some(i64::from(*b)),
                _ => None,
            };
            i.map_or(Bound::Null, Bound::Int)
        }
        FieldType::Real => {
            let f = match v {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
                Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
                _ => None,
            };
            f.map_or(Bound::Null, Bound::Real)
        }
    }
}

#[cfg(test)]
pub(crate) mod test_support;
#[cfg(test)]
pub(crate) mod tests;
