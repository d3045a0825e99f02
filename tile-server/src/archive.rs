//! Tile archives: PMTiles v3 and MBTiles, written by `urbis tiles seed` and served as tilesets.
//!
//! * PMTiles is written with the `pmtiles` crate (gzip tiles, Hilbert-ordered, deduplicated) and
//!   read here with a small reader of our own (127-byte header, gzip directories, leaf
//!   directories), so the tests check the files against an independent implementation.
//! * MBTiles is a SQLite file written with sqlx: `tiles` rows in the TMS scheme
//!   (`tile_row = 2^z - 1 - y`), gzip `tile_data`, and `metadata` with `name`, `format=pbf`,
//!   `bounds`, `center`, `minzoom`, `maxzoom` and `json` holding `vector_layers`.

use std::fs::File;
use std::io::{BufWriter, Read};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::Row;

use crate::cache::gunzip;

/// Largest decompressed PMTiles directory or metadata we accept.
const MAX_DIRECTORY: usize = 64 << 20;
/// Largest stored tile we read.
const MAX_STORED_TILE: u64 = 16 << 20;

/// Description of an archive's content.
#[derive(Debug, Clone, PartialEq)]
pub struct ArchiveInfo {
    pub min_zoom: u8,
    pub max_zoom: u8,
    /// west, south, east, north (WGS 84).
    pub bounds: [f64; 4],
    pub center: [f64; 3],
    /// TileJSON `vector_layers`.
    pub vector_layers: Value,
    pub name: String,
}

/// The content of the `json` metadata (MBTiles) / JSON metadata (PMTiles).
pub fn metadata_json(name: &str, vector_layers: &Value) -> Value {
    json!({
        "name": name,
        "vector_layers": vector_layers,
        "attribution": "Realised by means of Brussels UrbIS®© - Distribution & Copyright Paradigm",
    })
}

enum Kind {
    PmTiles(Box<PmReader>),
    MbTiles(SqlitePool),
}

/// An open archive.
pub struct Archive {
    path: PathBuf,
    info: ArchiveInfo,
    kind: Kind,
}

impl Archive {
    /// Open a `.pmtiles` or `.mbtiles` file (by extension).
    pub async fn open(path: &Path) -> Result<Archive> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase());
        match ext.as_deref() {
            Some("pmtiles") => {
                let p = path.to_path_buf();
                let reader = tokio::task::spawn_blocking(move || PmReader::open(&p))
                    .await
                    .context("PMTiles reader task")??;
                Ok(Archive {
                    path: path.to_path_buf(),
                    info: reader.info.clone(),
                    kind: Kind::PmTiles(Box::new(reader)),
                })
            }
            Some("mbtiles") => {
                let pool = open_mbtiles(path, false).await?;
                let info = mbtiles_info(&pool)
                    .await
                    .with_context(|| format!("{}: invalid MBTiles metadata", path.display()))?;
                Ok(Archive {
                    path: path.to_path_buf(),
                    info,
                    kind: Kind::MbTiles(pool),
                })
            }
            _ => bail!(
                "{}: unknown tile archive type (expected .pmtiles or .mbtiles)",
                path.display()
            ),
        }
    }

    pub fn info(&self) -> &ArchiveInfo {
        &self.info
    }

    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// The stored bytes of tile z/x/y (XYZ scheme; gzip-compressed as written), if present.
    pub async fn tile(&self, z: u8, x: u32, y: u32) -> Result<Option<Vec<u8>>> {
        match &self.kind {
            Kind::PmTiles(r) => {
                let r = r.clone_handle()?;
                tokio::task::spawn_blocking(move || r.tile(z, x, y))
                    .await
                    .context("PMTiles read task")?
            }
            Kind::MbTiles(pool) => {
                if z > 30 {
                    return Ok(None);
                }
                let tms_row = ((1u64 << z) - 1 - y as u64) as i64;
                let row = sqlx::query(
                    "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                )
                .bind(z as i64)
                .bind(x as i64)
                .bind(tms_row)
                .fetch_optional(pool)
                .await
                .with_context(|| format!("{}: tile query", self.path.display()))?;
                match row {
                    None => Ok(None),
                    Some(r) => {
                        let data: Vec<u8> = r.try_get(0)?;
                        if data.len() as u64 > MAX_STORED_TILE {
                            bail!("{}: tile {z}/{x}/{y} is too large", self.path.display());
                        }
                        Ok(Some(data))
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// MBTiles
// ---------------------------------------------------------------------------

async fn open_mbtiles(path: &Path, create: bool) -> Result<SqlitePool> {
    let opts = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
        .with_context(|| format!("{}: bad path", path.display()))?
        .create_if_missing(create)
        .read_only(!create);
    SqlitePoolOptions::new()
        .max_connections(if create { 1 } else { 4 })
        .connect_with(opts)
        .await
        .with_context(|| format!("cannot open the MBTiles file {}", path.display()))
}

async fn mbtiles_info(pool: &SqlitePool) -> Result<ArchiveInfo> {
    let rows = sqlx::query("SELECT name, value FROM metadata")
        .fetch_all(pool)
        .await?;
    let mut m = std::collections::BTreeMap::new();
    for r in rows {
        let k: String = r.try_get(0)?;
        let v: String = r.try_get(1)?;
        m.insert(k, v);
    }
    let nums = |k: &str, n: usize| -> Result<Vec<f64>> {
        let v = m
            .get(k)
            .with_context(|| format!("metadata `{k}` missing"))?;
        let out: Vec<f64> = v
            .split(',')
            .map(|s| s.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .with_context(|| format!("metadata `{k}` is not {n} numbers"))?;
        if out.len() != n {
            bail!("metadata `{k}` is not {n} numbers");
        }
        Ok(out)
    };
    let zoom = |k: &str| -> Result<u8> {
        m.get(k)
            .with_context(|| format!("metadata `{k}` missing"))?
            .trim()
            .parse()
            .with_context(|| format!("metadata `{k}` is not a zoom level"))
    };
    let b = nums("bounds", 4)?;
    let c = nums("center", 3)?;
    let json: Value = match m.get("json") {
        Some(s) => serde_json::from_str(s).context("metadata `json` is not JSON")?,
        None => json!({}),
    };
    Ok(ArchiveInfo {
        min_zoom: zoom("minzoom")?,
        max_zoom: zoom("maxzoom")?,
        bounds: [b[0], b[1], b[2], b[3]],
        center: [c[0], c[1], c[2]],
        vector_layers: json.get("vector_layers").cloned().unwrap_or(json!([])),
        name: m.get("name").cloned().unwrap_or_default(),
    })
}

/// Writes an MBTiles file.
pub struct MbTilesWriter {
    pool: SqlitePool,
    tx: Option<sqlx::Transaction<'static, sqlx::Sqlite>>,
    pending: usize,
}

impl MbTilesWriter {
    /// Create `path` (replacing it) with the schema and metadata.
    pub async fn create(path: &Path, info: &ArchiveInfo) -> Result<MbTilesWriter> {
        if path.exists() {
            std::fs::remove_file(path)
                .with_context(|| format!("cannot replace {}", path.display()))?;
        }
        let pool = open_mbtiles(path, true).await?;
        for stmt in [
            "PRAGMA journal_mode = OFF",
            "PRAGMA synchronous = OFF",
            "CREATE TABLE metadata (name TEXT, value TEXT)",
            "CREATE UNIQUE INDEX metadata_name ON metadata (name)",
            "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)",
            "CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row)",
        ] {
            sqlx::query(stmt).execute(&pool).await?;
        }
        let b = info.bounds;
        let c = info.center;
        let meta = [
            ("name", info.name.clone()),
            ("format", "pbf".to_string()),
            ("type", "baselayer".to_string()),
            ("version", "1".to_string()),
            (
                "description",
                "UrbIS vector tiles (Brussels-Capital Region)".to_string(),
            ),
            (
                "attribution",
                "Realised by means of Brussels UrbIS®© - Distribution & Copyright Paradigm"
                    .to_string(),
            ),
            ("bounds", format!("{},{},{},{}", b[0], b[1], b[2], b[3])),
            ("center", format!("{},{},{}", c[0], c[1], c[2])),
            ("minzoom", info.min_zoom.to_string()),
            ("maxzoom", info.max_zoom.to_string()),
            (
                "json",
                json!({"vector_layers": info.vector_layers}).to_string(),
            ),
        ];
        for (k, v) in meta {
            sqlx::query("INSERT INTO metadata (name, value) VALUES (?, ?)")
                .bind(k)
                .bind(v)
                .execute(&pool)
                .await?;
        }
        Ok(MbTilesWriter {
            pool,
            tx: None,
            pending: 0,
        })
    }

    /// Add tile z/x/y (XYZ; stored with the TMS row) with already gzip-compressed data.
    pub async fn add(&mut self, z: u8, x: u32, y: u32, gz: &[u8]) -> Result<()> {
        if self.tx.is_none() {
            self.tx = Some(self.pool.begin().await?);
        }
        let tms_row = ((1u64 << z) - 1 - y as u64) as i64;
        if let Some(tx) = self.tx.as_mut() {
            sqlx::query(
                "INSERT OR REPLACE INTO tiles (zoom_level, tile_column, tile_row, tile_data) VALUES (?, ?, ?, ?)",
            )
            .bind(z as i64)
            .bind(x as i64)
            .bind(tms_row)
            .bind(gz)
            .execute(&mut **tx)
            .await?;
        }
        self.pending += 1;
        if self.pending >= 2000 {
            if let Some(tx) = self.tx.take() {
                tx.commit().await?;
            }
            self.pending = 0;
        }
        Ok(())
    }

    pub async fn finish(mut self) -> Result<()> {
        if let Some(tx) = self.tx.take() {
            tx.commit().await?;
        }
        self.pool.close().await;
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// PMTiles
// ---------------------------------------------------------------------------

/// Writes a PMTiles v3 file (tiles must be added in increasing tile-id order for clustering).
pub struct PmTilesFileWriter {
    inner: pmtiles::PmTilesStreamWriter<BufWriter<File>>,
}

impl PmTilesFileWriter {
    pub fn create(path: &Path, info: &ArchiveInfo) -> Result<PmTilesFileWriter> {
        let f = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
        let b = info.bounds;
        let inner = pmtiles::PmTilesWriter::new(pmtiles::TileType::Mvt)
            .precompressed(pmtiles::Compression::Gzip)
            .min_zoom(info.min_zoom)
            .max_zoom(info.max_zoom)
            .bounds(b[0], b[1], b[2], b[3])
            .center(info.center[0], info.center[1])
            .center_zoom(info.center[2] as u8)
            .metadata(metadata_json(&info.name, &info.vector_layers).to_string())
            .create(BufWriter::new(f))
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(PmTilesFileWriter { inner })
    }

    pub fn add(&mut self, z: u8, x: u32, y: u32, gz: &[u8]) -> Result<()> {
        let c = pmtiles::TileCoord::new(z, x, y)?;
        self.inner.add_tile(c, gz)?;
        Ok(())
    }

    pub fn finish(self) -> Result<()> {
        self.inner.finalize()?;
        Ok(())
    }
}

/// The PMTiles tile id of z/x/y (Hilbert order within a zoom level).
pub fn pmtiles_tile_id(z: u8, x: u32, y: u32) -> Option<u64> {
    let c = pmtiles::TileCoord::new(z, x, y).ok()?;
    Some(pmtiles::TileId::from(c).value())
}

/// The parsed PMTiles v3 header (the fields we use).
#[derive(Debug, Clone, PartialEq)]
pub struct PmHeader {
    pub root_offset: u64,
    pub root_length: u64,
    pub metadata_offset: u64,
    pub metadata_length: u64,
    pub leaf_offset: u64,
    pub data_offset: u64,
    pub addressed_tiles: u64,
    pub internal_compression: u8,
    pub tile_compression: u8,
    pub tile_type: u8,
    pub min_zoom: u8,
    pub max_zoom: u8,
    pub bounds: [f64; 4],
    pub center: [f64; 3],
}

impl PmHeader {
    pub fn parse(b: &[u8]) -> Result<PmHeader> {
        if b.len() < 127 || &b[..7] != b"PMTiles" {
            bail!("not a PMTiles file (bad magic)");
        }
        if b[7] != 3 {
            bail!("unsupported PMTiles version {}", b[7]);
        }
        let u = |o: usize| {
            let mut a = [0u8; 8];
            a.copy_from_slice(&b[o..o + 8]);
            u64::from_le_bytes(a)
        };
        let i = |o: usize| {
            let mut a = [0u8; 4];
            a.copy_from_slice(&b[o..o + 4]);
            i32::from_le_bytes(a) as f64 / 1e7
        };
        Ok(PmHeader {
            root_offset: u(8),
            root_length: u(16),
            metadata_offset: u(24),
            metadata_length: u(32),
            leaf_offset: u(40),
            data_offset: u(56),
            addressed_tiles: u(72),
            internal_compression: b[97],
            tile_compression: b[98],
            tile_type: b[99],
            min_zoom: b[100],
            max_zoom: b[101],
            bounds: [i(102), i(106), i(110), i(114)],
            center: [i(119), i(123), b[118] as f64],
        })
    }
}

#[derive(Debug, Clone, Copy)]
struct PmEntry {
    tile_id: u64,
    offset: u64,
    length: u64,
    run_length: u64,
}

fn read_varint(buf: &[u8], pos: &mut usize) -> Result<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *buf.get(*pos).context("truncated PMTiles directory")?;
        *pos += 1;
        v |= ((b & 0x7f) as u64) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    bail!("bad varint in a PMTiles directory")
}

fn parse_directory(buf: &[u8]) -> Result<Vec<PmEntry>> {
    let mut pos = 0;
    let n = read_varint(buf, &mut pos)? as usize;
    if n > buf.len() {
        bail!("PMTiles directory claims {n} entries");
    }
    let mut e = vec![
        PmEntry {
            tile_id: 0,
            offset: 0,
            length: 0,
            run_length: 0
        };
        n
    ];
    let mut last = 0u64;
    for x in e.iter_mut() {
        last = last
            .checked_add(read_varint(buf, &mut pos)?)
            .context("PMTiles tile id overflow")?;
        x.tile_id = last;
    }
    for x in e.iter_mut() {
        x.run_length = read_varint(buf, &mut pos)?;
    }
    for x in e.iter_mut() {
        x.length = read_varint(buf, &mut pos)?;
    }
    for i in 0..n {
        let o = read_varint(buf, &mut pos)?;
        e[i].offset = if o == 0 && i > 0 {
            e[i - 1].offset + e[i - 1].length
        } else {
            o.saturating_sub(1)
        };
    }
    Ok(e)
}

/// A PMTiles reader over a local file.
struct PmReader {
    path: PathBuf,
    header: PmHeader,
    root: Vec<PmEntry>,
    info: ArchiveInfo,
}

struct PmHandle {
    file: File,
    header: PmHeader,
    root: std::sync::Arc<Vec<PmEntry>>,
}

impl PmReader {
    fn open(path: &Path) -> Result<PmReader> {
        let mut f = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let mut head = vec![0u8; 127];
        f.read_exact(&mut head)
            .with_context(|| format!("{}: too short for PMTiles", path.display()))?;
        let header = PmHeader::parse(&head).with_context(|| path.display().to_string())?;
        if header.tile_type != 1 {
            bail!("{}: not a vector tile archive", path.display());
        }
        let root_raw = read_at(&f, header.root_offset, header.root_length)?;
        let root = parse_directory(&decompress(&root_raw, header.internal_compression)?)
            .with_context(|| format!("{}: root directory", path.display()))?;
        let meta_raw = read_at(&f, header.metadata_offset, header.metadata_length)?;
        let meta: Value = if meta_raw.is_empty() {
            json!({})
        } else {
            serde_json::from_slice(&decompress(&meta_raw, header.internal_compression)?)
                .with_context(|| format!("{}: metadata is not JSON", path.display()))?
        };
        let info = ArchiveInfo {
            min_zoom: header.min_zoom,
            max_zoom: header.max_zoom,
            bounds: header.bounds,
            center: header.center,
            vector_layers: meta.get("vector_layers").cloned().unwrap_or(json!([])),
            name: meta
                .get("name")
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string(),
        };
        Ok(PmReader {
            path: path.to_path_buf(),
            header,
            root,
            info,
        })
    }

    fn clone_handle(&self) -> Result<PmHandle> {
        Ok(PmHandle {
            file: File::open(&self.path)
                .with_context(|| format!("cannot open {}", self.path.display()))?,
            header: self.header.clone(),
            root: std::sync::Arc::new(self.root.clone()),
        })
    }
}

impl Archive {
    /// The parsed PMTiles header (`None` for MBTiles).
    pub fn pmtiles_header(&self) -> Option<&PmHeader> {
        match &self.kind {
            Kind::PmTiles(r) => Some(&r.header),
            Kind::MbTiles(_) => None,
        }
    }
}

fn read_at(f: &File, offset: u64, len: u64) -> Result<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    if len > MAX_DIRECTORY as u64 {
        bail!("PMTiles section of {len} bytes is too large");
    }
    let mut buf = vec![0u8; len as usize];
    f.read_exact_at(&mut buf, offset)
        .context("PMTiles file truncated")?;
    Ok(buf)
}

fn decompress(data: &[u8], compression: u8) -> Result<Vec<u8>> {
    match compression {
        0 | 1 => Ok(data.to_vec()),
        2 => Ok(gunzip(data, MAX_DIRECTORY)?),
        c => bail!("unsupported PMTiles internal compression {c}"),
    }
}

fn find(entries: &[PmEntry], id: u64) -> Option<PmEntry> {
    let i = match entries.binary_search_by(|e| e.tile_id.cmp(&id)) {
        Ok(i) => return Some(entries[i]),
        Err(0) => return None,
        Err(i) => i - 1,
    };
    let e = entries[i];
    if e.run_length == 0 || id - e.tile_id < e.run_length {
        Some(e)
    } else {
        None
    }
}

impl PmHandle {
    fn tile(&self, z: u8, x: u32, y: u32) -> Result<Option<Vec<u8>>> {
        let Some(id) = pmtiles_tile_id(z, x, y) else {
            return Ok(None);
        };
        let mut dir = self.root.clone();
        // Root plus at most three levels of leaves.
        for _ in 0..4 {
            let Some(e) = find(&dir, id) else {
                return Ok(None);
            };
            if e.run_length > 0 {
                if e.length > MAX_STORED_TILE {
                    bail!("tile {z}/{x}/{y} is too large");
                }
                return read_at(&self.file, self.header.data_offset + e.offset, e.length).map(Some);
            }
            let raw = read_at(&self.file, self.header.leaf_offset + e.offset, e.length)?;
            dir = std::sync::Arc::new(parse_directory(&decompress(
                &raw,
                self.header.internal_compression,
            )?)?);
        }
        bail!("PMTiles leaf directories nested too deep")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> ArchiveInfo {
        ArchiveInfo {
            min_zoom: 0,
            max_zoom: 3,
            bounds: [4.3, 50.8, 4.4, 50.9],
            center: [4.35, 50.85, 2.0],
            vector_layers: json!([{"id": "municipalities", "fields": {"nis": "NIS code"}}]),
            name: "test".into(),
        }
    }

    fn all_tiles() -> Vec<(u8, u32, u32)> {
        let mut v = Vec::new();
        for z in 0..=3u8 {
            for x in 0..(1u32 << z) {
                for y in 0..(1u32 << z) {
                    v.push((z, x, y));
                }
            }
        }
        v.sort_by_key(|(z, x, y)| pmtiles_tile_id(*z, *x, *y));
        v
    }

    fn data(z: u8, x: u32, y: u32) -> Vec<u8> {
        crate::cache::gzip(format!("{z}/{x}/{y}").as_bytes())
    }

    #[tokio::test]
    async fn pmtiles_round_trip() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("t.pmtiles");
        let mut w = PmTilesFileWriter::create(&p, &info()).expect("create");
        for (z, x, y) in all_tiles() {
            if (x + y) % 3 != 0 {
                w.add(z, x, y, &data(z, x, y)).expect("add");
            }
        }
        w.finish().expect("finish");
        let a = Archive::open(&p).await.expect("open");
        let h = a.pmtiles_header().expect("pmtiles");
        assert_eq!(
            (h.min_zoom, h.max_zoom, h.tile_type, h.tile_compression),
            (0, 3, 1, 2)
        );
        assert!((h.bounds[0] - 4.3).abs() < 1e-6);
        assert_eq!(a.info().vector_layers[0]["id"], "municipalities");
        for (z, x, y) in all_tiles() {
            let t = a.tile(z, x, y).await.expect("read");
            if (x + y) % 3 != 0 {
                let raw = gunzip(&t.expect("present"), 1000).expect("gz");
                assert_eq!(raw, format!("{z}/{x}/{y}").as_bytes());
            } else {
                assert!(t.is_none(), "{z}/{x}/{y} absent");
            }
        }
    }

    #[tokio::test]
    async fn mbtiles_round_trip_with_tms_rows() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("t.mbtiles");
        let mut w = MbTilesWriter::create(&p, &info()).await.expect("create");
        w.add(3, 1, 2, &data(3, 1, 2)).await.expect("add");
        w.finish().await.expect("finish");
        // The row is flipped in the file.
        let pool = open_mbtiles(&p, false).await.expect("open");
        let row: (i64,) = sqlx::query_as("SELECT tile_row FROM tiles")
            .fetch_one(&pool)
            .await
            .expect("row");
        assert_eq!(row.0, 8 - 1 - 2);
        let fmt: (String,) = sqlx::query_as("SELECT value FROM metadata WHERE name = 'format'")
            .fetch_one(&pool)
            .await
            .expect("format");
        assert_eq!(fmt.0, "pbf");
        let a = Archive::open(&p).await.expect("open");
        assert_eq!(a.info(), &info());
        let t = a.tile(3, 1, 2).await.expect("read").expect("present");
        assert_eq!(gunzip(&t, 100).expect("gz"), b"3/1/2");
        assert!(a.tile(3, 1, 5).await.expect("read").is_none());
    }

    #[test]
    fn rejects_non_pmtiles() {
        assert!(PmHeader::parse(&[0u8; 127]).is_err());
        assert!(PmHeader::parse(b"PMTiles").is_err());
    }
}
