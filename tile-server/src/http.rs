//! HTTP: XYZ tiles, TileJSON and the tileset catalogue under `/tiles`, and OGC API Tiles under
//! `/ogc` (contributed to the shared root through [`OgcExtension`]).
//!
//! Status codes: a tile with features is 200; a tile inside the data bounds with nothing in it is
//! 204; a tile outside the bounds, beyond the maximum zoom or below the tileset's minimum zoom is
//! 404 (MapLibre then over-zooms the parent); malformed z/x/y or x/y outside the matrix is 400;
//! unknown tilesets 404. Tiles are sent gzip- or brotli-encoded by `Accept-Encoding` (with
//! `Content-Encoding` set here, so the server's compression layer leaves them alone), with a
//! strong ETag per encoding, 304 on `If-None-Match`, `Cache-Control` and `Vary: Accept-Encoding`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Map, Value};
use tokio::sync::OnceCell;
use urbis_core::http::{
    base_url, check_known, clip, requested_range, ByteRange, OgcExtension, Problem, SharedDataset,
};
use urbis_core::{CrsEngine, Layer};

use crate::archive::Archive;
use crate::cache::{gunzip, Cached, EncodedTile, TileCache, TileKey};
use crate::render::{render, vector_layers, Budget, TileId, Tileset, TILESETS};
use crate::source::{rule, Prepared};
use crate::tms::{Tms, MAX_ZOOM};

/// Largest decompressed tile read from an archive.
const MAX_ARCHIVE_TILE: usize = 16 << 20;

pub const MVT_TYPE: &str = "application/vnd.mapbox-vector-tile";

/// What the tile service needs.
pub struct TileServiceOptions {
    pub dataset: Arc<SharedDataset>,
    pub engine: CrsEngine,
    /// Public base URL (`None`: from the request's `Host`).
    pub public_url: Option<String>,
    /// Memory bound of the tile cache in bytes (0: no cache).
    pub cache_bytes: u64,
    /// PMTiles/MBTiles files served as extra tilesets, by name.
    pub files: BTreeMap<String, PathBuf>,
    pub budget: Budget,
    /// `Cache-Control: max-age` of tiles, seconds.
    pub max_age: u32,
}

/// The dataset's address and its prepared data (built once).
type PreparedSlot = (usize, Arc<OnceCell<Arc<Prepared>>>);

struct Inner {
    dataset: Arc<SharedDataset>,
    engine: CrsEngine,
    public_url: Option<String>,
    cache: TileCache,
    /// The prepared data of the live dataset (keyed by the dataset's address; the `Prepared`
    /// holds the dataset, so the address cannot be reused while it is here).
    prepared: Mutex<Option<PreparedSlot>>,
    archives: BTreeMap<String, Arc<Archive>>,
    budget: Budget,
    /// `Cache-Control` of tiles (built once from `max_age`).
    cache_control: HeaderValue,
}

/// The tile service: state shared by the routes.
#[derive(Clone)]
pub struct TileService {
    inner: Arc<Inner>,
}

impl TileService {
    /// Open the archives and build the service.
    pub async fn new(opts: TileServiceOptions) -> anyhow::Result<TileService> {
        let mut archives = BTreeMap::new();
        for (name, path) in &opts.files {
            if Tileset::find(name).is_some() {
                anyhow::bail!("[tiles] files: `{name}` is the name of a built-in tileset");
            }
            if name.is_empty()
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                anyhow::bail!("[tiles] files: `{name}` is not a valid tileset name (letters, digits, - and _)");
            }
            let a = Archive::open(path).await?;
            archives.insert(name.clone(), Arc::new(a));
        }
        Ok(TileService {
            inner: Arc::new(Inner {
                dataset: opts.dataset,
                engine: opts.engine,
                public_url: opts.public_url.map(|u| u.trim_end_matches('/').to_string()),
                cache: TileCache::new(opts.cache_bytes),
                prepared: Mutex::new(None),
                archives,
                budget: opts.budget,
                cache_control: cache_control(opts.max_age),
            }),
        })
    }

    /// The prepared data of the live generation (built on first use, once).
    pub async fn prepared(&self) -> Result<Arc<Prepared>, Problem> {
        let ds = self.inner.dataset.borrow().clone();
        let key = Arc::as_ptr(&ds) as usize;
        let cell = {
            let mut slot = self.inner.prepared.lock().map_err(|_| {
                Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "tile state poisoned")
            })?;
            match slot.as_ref() {
                Some((k, cell)) if *k == key => cell.clone(),
                _ => {
                    let cell = Arc::new(OnceCell::new());
                    *slot = Some((key, cell.clone()));
                    cell
                }
            }
        };
        let engine = self.inner.engine.clone();
        cell.get_or_try_init(|| async move {
            tokio::task::spawn_blocking(move || Arc::new(Prepared::build(ds, &engine)))
                .await
                .map_err(|e| {
                    Problem::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        format!("tile data preparation failed: {e}"),
                    )
                })
        })
        .await
        .cloned()
    }

    /// Prepare the live generation now and again whenever a new one goes live, clearing the
    /// cache each time. Runs until the dataset channel closes.
    pub fn spawn_refresh(&self) {
        let svc = self.clone();
        let mut rx = self.inner.dataset.subscribe();
        tokio::spawn(async move {
            loop {
                let started = std::time::Instant::now();
                match svc.prepared().await {
                    Ok(p) => tracing::info!(
                        generation = p.generation,
                        "vector tile data prepared in {:.2?}",
                        started.elapsed()
                    ),
                    Err(e) => tracing::error!("vector tile data preparation failed: {}", e.detail),
                }
                if rx.changed().await.is_err() {
                    break;
                }
                svc.inner.cache.clear();
            }
        });
    }

    /// The cache (for metrics and tests).
    pub fn cache(&self) -> &TileCache {
        &self.inner.cache
    }

    fn base(&self, headers: &HeaderMap) -> String {
        base_url(headers, self.inner.public_url.as_deref())
    }

    /// The routes: `/tiles...` and the OGC API Tiles paths under `/ogc`.
    pub fn router<S>(&self) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        Router::new()
            .route("/tiles", get(catalog))
            .route("/tiles/{file}", get(tilejson))
            .route("/tiles/{tileset}/{z}/{x}/{y}", get(xyz_tile))
            .route("/tiles/{tileset}/{z}", get(listing_redirect))
            .route("/tiles/{tileset}/{z}/", get(zoom_listing))
            .route("/tiles/{tileset}/{z}/{x}", get(listing_redirect2))
            .route("/tiles/{tileset}/{z}/{x}/", get(column_listing))
            .route("/ogc/tileMatrixSets", get(ogc_tms_list))
            .route("/ogc/tileMatrixSets/{tms}", get(ogc_tms))
            .route("/ogc/tiles", get(ogc_dataset_tilesets))
            .route("/ogc/tiles/{tms}", get(ogc_dataset_tileset))
            .route(
                "/ogc/tiles/{tms}/{level}/{row}/{col}",
                get(ogc_dataset_tile),
            )
            .route(
                "/ogc/collections/{collection}/tiles",
                get(ogc_collection_tilesets),
            )
            .route(
                "/ogc/collections/{collection}/tiles/{tms}",
                get(ogc_collection_tileset),
            )
            .route(
                "/ogc/collections/{collection}/tiles/{tms}/{level}/{row}/{col}",
                get(ogc_collection_tile),
            )
            .with_state(self.clone())
    }

    /// The contribution to the `/ogc` root.
    pub fn ogc_extension(&self) -> Arc<dyn OgcExtension> {
        Arc::new(OgcTiles)
    }

    /// Render (or fetch from the cache) a tile of a built-in tileset from the prepared data of
    /// the live generation. `Ok(None)`: empty tile.
    async fn dataset_tile(
        &self,
        prep: Arc<Prepared>,
        ts: &'static Tileset,
        tile: TileId,
        municipality: Option<String>,
    ) -> Result<Cached, Problem> {
        let key = TileKey {
            source: std::borrow::Cow::Borrowed(ts.id),
            tms: tile.tms,
            level: tile.level,
            col: tile.col,
            row: tile.row,
            municipality: municipality.clone(),
            generation: prep.generation,
        };
        let budget = self.inner.budget;
        self.inner
            .cache
            .get_or_render(&key, async move {
                let r = tokio::task::spawn_blocking(move || {
                    render(&prep, tile, ts.layers, municipality.as_deref(), budget)
                })
                .await
                .map_err(|e| {
                    Problem::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        format!("tile rendering failed: {e}"),
                    )
                })?;
                Ok(if r.features == 0 {
                    None
                } else {
                    Some(Arc::new(EncodedTile::new(r.bytes)))
                })
            })
            .await
    }
}

// ---------------------------------------------------------------------------
// request validation and responses
// ---------------------------------------------------------------------------

type Params = Query<BTreeMap<String, String>>;

fn json(content_type: &'static str, body: Value) -> Response {
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body.to_string(),
    )
        .into_response()
}

fn check_f(params: &BTreeMap<String, String>) -> Result<(), Problem> {
    match params.get("f").map(|s| s.as_str()) {
        None | Some("json") | Some("application/json") => Ok(()),
        Some(other) => Err(Problem::bad_param(
            "f",
            format!("unsupported format `{}` (supported: json)", clip(other)),
        )),
    }
}

fn parse_num<T: std::str::FromStr>(param: &str, s: &str) -> Result<T, Problem> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Problem::bad_param(
            param,
            format!("`{}` is not a non-negative integer", clip(s)),
        ));
    }
    s.parse()
        .map_err(|_| Problem::bad_param(param, format!("`{}` is out of range", clip(s))))
}

/// Validate a tile address: 400 when malformed or outside the matrix, 404 beyond the data's
/// maximum level.
fn tile_id(tms: Tms, z: &str, x: &str, y: &str, names: [&str; 3]) -> Result<TileId, Problem> {
    let level: u8 = parse_num(names[0], z)?;
    let col: u32 = parse_num(names[1], x)?;
    let row: u32 = parse_num(names[2], y)?;
    if level > tms.defined_levels() {
        return Err(Problem::bad_param(
            names[0],
            format!(
                "must be within 0..={} for {}",
                tms.defined_levels(),
                tms.id()
            ),
        ));
    }
    if !tms.contains(level, col, 0) {
        return Err(Problem::bad_param(
            names[1],
            format!("{col} is outside the {level} matrix (0..{})", 1u64 << level),
        ));
    }
    if !tms.contains(level, 0, row) {
        return Err(Problem::bad_param(
            names[2],
            format!("{row} is outside the {level} matrix (0..{})", 1u64 << level),
        ));
    }
    if level > tms.max_level() {
        return Err(Problem::not_found(format!(
            "no data beyond level {} of {} (over-zoom the parent tile)",
            tms.max_level(),
            tms.id()
        )));
    }
    Ok(TileId::new(tms, level, col, row))
}

fn municipality_param(
    params: &BTreeMap<String, String>,
    prep: &Prepared,
) -> Result<Option<String>, Problem> {
    let Some(v) = params.get("municipality") else {
        return Ok(None);
    };
    let v = v.trim();
    if v.len() != 5 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Problem::bad_param(
            "municipality",
            format!("`{}` is not a NIS code (5 digits, e.g. 21004)", clip(v)),
        ));
    }
    if prep.has_municipality(v) == Some(false) {
        return Err(Problem::bad_param(
            "municipality",
            format!("no municipality with NIS code {v}"),
        ));
    }
    Ok(Some(v.to_string()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Identity,
    Gzip,
    Brotli,
}

/// Choose the tile encoding from `Accept-Encoding`: brotli when preferred over gzip (higher q,
/// or gzip absent), else gzip when acceptable, else identity.
pub fn negotiate(headers: &HeaderMap) -> Encoding {
    let Some(v) = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
    else {
        return Encoding::Identity;
    };
    let (mut gz, mut br, mut star) = (None, None, None);
    for part in v.split(',') {
        let mut it = part.split(';');
        let name = it.next().unwrap_or("").trim().to_ascii_lowercase();
        let mut q = 1.0f32;
        for p in it {
            if let Some(val) = p.trim().strip_prefix("q=") {
                q = val.trim().parse().unwrap_or(0.0);
            }
        }
        match name.as_str() {
            "gzip" | "x-gzip" => gz = Some(q),
            "br" => br = Some(q),
            "*" => star = Some(q),
            _ => {}
        }
    }
    let gz = gz.or(star).unwrap_or(0.0);
    let br = br.or(star).unwrap_or(0.0);
    if br > 0.0 && br > gz {
        Encoding::Brotli
    } else if gz > 0.0 {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

/// `Cache-Control` for tiles cached `max_age` seconds by clients and shared caches.
pub fn cache_control(max_age: u32) -> HeaderValue {
    HeaderValue::from_str(&format!("public, max-age={max_age}"))
        .unwrap_or_else(|_| HeaderValue::from_static("public"))
}

fn cache_headers(h: &mut HeaderMap, cache_control: &HeaderValue) {
    h.insert(header::CACHE_CONTROL, cache_control.clone());
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
}

fn if_none_match(headers: &HeaderMap, etag: &[u8]) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t.as_bytes() == etag)
}

/// The response for a tile (or an empty tile) with negotiation, ETag and caching headers.
pub fn tile_response(tile: &Cached, headers: &HeaderMap, cache_control: &HeaderValue) -> Response {
    let Some(t) = tile else {
        let mut r = StatusCode::NO_CONTENT.into_response();
        cache_headers(r.headers_mut(), cache_control);
        return r;
    };
    let enc = negotiate(headers);
    // Bytes are reference-counted: answering from the cache copies nothing.
    let (form, body, ce): (usize, Bytes, Option<&str>) = match enc {
        Encoding::Identity => (0, t.raw.clone(), None),
        Encoding::Gzip => (1, t.gzip.clone(), Some("gzip")),
        Encoding::Brotli => (2, t.brotli().clone(), Some("br")),
    };
    let etag = t.etag(form);
    let mut r = if if_none_match(headers, etag.as_bytes()) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        // A single byte range of the selected representation (clients that read tile trees
        // as files, such as GDAL's /vsicurl/, ask for one).
        let len = body.len() as u64;
        let range = if headers.contains_key(header::RANGE) {
            requested_range(headers, len, etag.to_str().unwrap_or(""))
        } else {
            ByteRange::Full
        };
        let mut r = match range {
            ByteRange::Full => body.into_response(),
            ByteRange::Part(a, b) => {
                let mut r = (
                    StatusCode::PARTIAL_CONTENT,
                    body.slice(a as usize..=b as usize),
                )
                    .into_response();
                if let Ok(v) = HeaderValue::from_str(&format!("bytes {a}-{b}/{len}")) {
                    r.headers_mut().insert(header::CONTENT_RANGE, v);
                }
                r
            }
            ByteRange::Unsatisfiable => {
                let mut r = Problem::new(
                    StatusCode::RANGE_NOT_SATISFIABLE,
                    format!("the tile has {len} bytes"),
                )
                .into_response();
                if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                    r.headers_mut().insert(header::CONTENT_RANGE, v);
                }
                return r;
            }
        };
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(MVT_TYPE));
        if let Some(ce) = ce {
            r.headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static(ce));
        }
        r
    };
    r.headers_mut().insert(header::ETAG, etag.clone());
    cache_headers(r.headers_mut(), cache_control);
    r
}

/// 404 unless the tile meets the data bounds of `layers` and the tileset's zoom range.
fn check_in_bounds(prep: &Prepared, ts: &Tileset, tile: TileId) -> Result<(), Problem> {
    let zoom = tile.tms.equivalent_zoom(tile.level);
    if zoom < ts.min_zoom() {
        return Err(Problem::not_found(format!(
            "tileset `{}` starts at zoom {}",
            ts.id,
            ts.min_zoom()
        )));
    }
    let b = tile.tms.tile_bounds(tile.level, tile.col, tile.row);
    let inside = prep.extent(tile.tms, ts.layers).is_some_and(|e| {
        b.0 <= e.max().x && b.2 >= e.min().x && b.1 <= e.max().y && b.3 >= e.min().y
    });
    if !inside {
        return Err(Problem::not_found("tile outside the data bounds"));
    }
    Ok(())
}

async fn serve_dataset_tile(
    svc: &TileService,
    ts: &'static Tileset,
    tile: TileId,
    params: &BTreeMap<String, String>,
    headers: &HeaderMap,
) -> Result<Response, Problem> {
    let prep = svc.prepared().await?;
    let municipality = municipality_param(params, &prep)?;
    check_in_bounds(&prep, ts, tile)?;
    let t = svc.dataset_tile(prep, ts, tile, municipality).await?;
    Ok(tile_response(&t, headers, &svc.inner.cache_control))
}

async fn serve_archive_tile(
    svc: &TileService,
    name: &str,
    a: &Arc<Archive>,
    tile: TileId,
    headers: &HeaderMap,
) -> Result<Response, Problem> {
    let info = a.info();
    if tile.level < info.min_zoom || tile.level > info.max_zoom {
        return Err(Problem::not_found(format!(
            "tileset `{name}` has zoom levels {}..={}",
            info.min_zoom, info.max_zoom
        )));
    }
    let key = TileKey {
        source: std::borrow::Cow::Owned(format!("file:{name}")),
        tms: tile.tms,
        level: tile.level,
        col: tile.col,
        row: tile.row,
        municipality: None,
        generation: 0,
    };
    let a = a.clone();
    let t = svc
        .inner
        .cache
        .get_or_render(&key, async move {
            let stored = a
                .tile(tile.level, tile.col, tile.row)
                .await
                .map_err(|e| Problem::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
            Ok::<_, Problem>(match stored {
                None => None,
                Some(bytes) if bytes.starts_with(&[0x1f, 0x8b]) => {
                    let raw = gunzip(&bytes, MAX_ARCHIVE_TILE).map_err(|e| {
                        Problem::new(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            format!("corrupt tile: {e}"),
                        )
                    })?;
                    Some(Arc::new(EncodedTile::with_gzip(raw, bytes)))
                }
                Some(bytes) => Some(Arc::new(EncodedTile::new(bytes))),
            })
        })
        .await?;
    if t.is_none() {
        let b = info.bounds;
        let (w, s, e, n) = tile_lonlat(tile);
        if w > b[2] || e < b[0] || s > b[3] || n < b[1] {
            return Err(Problem::not_found("tile outside the tileset bounds"));
        }
    }
    Ok(tile_response(&t, headers, &svc.inner.cache_control))
}

/// WGS 84 bounds (west, south, east, north) of a Web Mercator tile.
fn tile_lonlat(tile: TileId) -> (f64, f64, f64, f64) {
    let n = (1u64 << tile.level) as f64;
    let lon = |x: f64| x / n * 360.0 - 180.0;
    let lat = |y: f64| {
        let t = std::f64::consts::PI * (1.0 - 2.0 * y / n);
        t.sinh().atan().to_degrees()
    };
    (
        lon(tile.col as f64),
        lat(tile.row as f64 + 1.0),
        lon(tile.col as f64 + 1.0),
        lat(tile.row as f64),
    )
}

// ---------------------------------------------------------------------------
// /tiles
// ---------------------------------------------------------------------------

fn query_suffix(municipality: Option<&str>) -> String {
    municipality
        .map(|m| format!("?municipality={m}"))
        .unwrap_or_default()
}

const ATTRIBUTION: &str =
    "Realised by means of Brussels UrbIS®© - Distribution & Copyright Paradigm";

fn dataset_tilejson(
    base: &str,
    ts: &Tileset,
    prep: &Prepared,
    municipality: Option<&str>,
) -> Value {
    let bounds = prep
        .bounds_of(ts.layers)
        .or(prep.bounds_wgs84)
        .unwrap_or([4.24, 50.76, 4.48, 50.92]);
    let center = [
        (bounds[0] + bounds[2]) / 2.0,
        (bounds[1] + bounds[3]) / 2.0,
        ts.min_zoom().max(13) as f64,
    ];
    json!({
        "tilejson": "3.0.0",
        "name": ts.id,
        "description": ts.title,
        "version": format!("1.0.{}", prep.generation),
        "attribution": ATTRIBUTION,
        "scheme": "xyz",
        "tiles": [format!("{base}/tiles/{}/{{z}}/{{x}}/{{y}}.mvt{}", ts.id, query_suffix(municipality))],
        "minzoom": ts.min_zoom(),
        "maxzoom": MAX_ZOOM,
        "bounds": bounds,
        "center": center,
        "vector_layers": vector_layers(ts),
    })
}

fn archive_tilejson(base: &str, name: &str, a: &Archive) -> Value {
    let i = a.info();
    json!({
        "tilejson": "3.0.0",
        "name": name,
        "description": format!("Pre-seeded tiles from {}", a.file_name()),
        "attribution": ATTRIBUTION,
        "scheme": "xyz",
        "tiles": [format!("{base}/tiles/{name}/{{z}}/{{x}}/{{y}}.mvt")],
        "minzoom": i.min_zoom,
        "maxzoom": i.max_zoom,
        "bounds": i.bounds,
        "center": [(i.bounds[0] + i.bounds[2]) / 2.0, (i.bounds[1] + i.bounds[3]) / 2.0, i.max_zoom.min(14) as f64],
        "vector_layers": i.vector_layers,
    })
}

async fn catalog(
    State(svc): State<TileService>,
    headers: HeaderMap,
    Query(params): Params,
) -> Result<Response, Problem> {
    check_known(&params, &["f"])?;
    check_f(&params)?;
    let base = svc.base(&headers);
    let mut list: Vec<Value> = TILESETS
        .iter()
        .map(|t| {
            json!({
                "id": t.id,
                "title": t.title,
                "layers": t.layers.iter().map(|l| l.id()).collect::<Vec<_>>(),
                "minzoom": t.min_zoom(),
                "maxzoom": MAX_ZOOM,
                "tilejson": format!("{base}/tiles/{}.json", t.id),
                "tiles": format!("{base}/tiles/{}/{{z}}/{{x}}/{{y}}.mvt", t.id),
            })
        })
        .collect();
    for (name, a) in &svc.inner.archives {
        list.push(json!({
            "id": name,
            "title": format!("Pre-seeded tiles from {}", a.file_name()),
            "minzoom": a.info().min_zoom,
            "maxzoom": a.info().max_zoom,
            "tilejson": format!("{base}/tiles/{name}.json"),
            "tiles": format!("{base}/tiles/{name}/{{z}}/{{x}}/{{y}}.mvt"),
        }));
    }
    Ok(json(
        "application/json",
        json!({
            "tilesets": list,
            "links": [
                {"href": format!("{base}/tiles"), "rel": "self", "type": "application/json"},
                {"href": format!("{base}/ogc/tiles"), "rel": "alternate", "type": "application/json", "title": "OGC API Tiles"},
            ],
        }),
    ))
}

async fn tilejson(
    State(svc): State<TileService>,
    Path(file): Path<String>,
    headers: HeaderMap,
    Query(params): Params,
) -> Result<Response, Problem> {
    let Some(name) = file.strip_suffix(".json") else {
        return Err(Problem::not_found(format!(
            "no resource /tiles/{} (TileJSON is /tiles/<tileset>.json)",
            clip(&file)
        )));
    };
    check_known(&params, &["municipality"])?;
    let base = svc.base(&headers);
    if let Some(ts) = Tileset::find(name) {
        let prep = svc.prepared().await?;
        let m = municipality_param(&params, &prep)?;
        return Ok(json(
            "application/json",
            dataset_tilejson(&base, ts, &prep, m.as_deref()),
        ));
    }
    if let Some(a) = svc.inner.archives.get(name) {
        if params.contains_key("municipality") {
            return Err(Problem::bad_param(
                "municipality",
                "pre-seeded tilesets cannot be filtered",
            ));
        }
        return Ok(json("application/json", archive_tilejson(&base, name, a)));
    }
    Err(unknown_tileset(name))
}

fn unknown_tileset(name: &str) -> Problem {
    Problem::not_found(format!(
        "unknown tileset `{}` (see /tiles for the list)",
        clip(name)
    ))
}

async fn xyz_tile(
    State(svc): State<TileService>,
    Path((tileset, z, x, y)): Path<(String, String, String, String)>,
    headers: HeaderMap,
    Query(params): Params,
) -> Result<Response, Problem> {
    let Some(y) = y.strip_suffix(".mvt").or_else(|| y.strip_suffix(".pbf")) else {
        return Err(Problem::not_found(format!(
            "no resource /tiles/{}/{}/{}/{} (tiles end in .mvt or .pbf)",
            clip(&tileset),
            clip(&z),
            clip(&x),
            clip(&y)
        )));
    };
    if let Some(ts) = Tileset::find(&tileset) {
        check_known(&params, &["municipality"])?;
        let tile = tile_id(Tms::WebMercatorQuad, &z, &x, y, ["z", "x", "y"])?;
        return serve_dataset_tile(&svc, ts, tile, &params, &headers).await;
    }
    if let Some(a) = svc.inner.archives.get(&tileset) {
        check_known(&params, &[])?;
        let tile = tile_id_any_zoom(&z, &x, y)?;
        return serve_archive_tile(&svc, &tileset, a, tile, &headers).await;
    }
    Err(unknown_tileset(&tileset))
}

// ---------------------------------------------------------------------------
// directory listings: a tileset as a tree of `z/x/y.mvt` files
// ---------------------------------------------------------------------------

/// Most entries in one listing page (a column of the Region at z16 has a few hundred).
const MAX_LISTING: u32 = 100_000;

/// A tile range: (min col, min row, max col, max row).
type TileRange = (u32, u32, u32, u32);

/// The columns (`x`) or rows (`y`) at `z` whose tiles meet the tileset's data bounds, or 404.
fn listed_range(prep: &Prepared, ts: &Tileset, z: &str) -> Result<(u8, TileRange), Problem> {
    let tile = tile_id(Tms::WebMercatorQuad, z, "0", "0", ["z", "x", "y"])?;
    let zoom = tile.level;
    if zoom < ts.min_zoom() {
        return Err(Problem::not_found(format!(
            "tileset `{}` starts at zoom {}",
            ts.id,
            ts.min_zoom()
        )));
    }
    let Some(e) = prep.extent(Tms::WebMercatorQuad, ts.layers) else {
        return Err(Problem::not_found("the tileset has no data"));
    };
    let range = Tms::WebMercatorQuad.tile_range(zoom, (e.min().x, e.min().y, e.max().x, e.max().y));
    Ok((zoom, range))
}

/// An HTML directory index (the layout of Python's `http.server` and of web servers' auto
/// indexes), so that tools which read a tile tree over HTTP (GDAL's MVT driver through
/// `/vsicurl/`, mirroring tools) can walk a tileset.
fn listing(path: &str, entries: impl Iterator<Item = String>) -> Response {
    let mut body = format!(
        "<!DOCTYPE HTML>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Directory listing for {path}</title>\n</head>\n<body>\n<h1>Directory listing for {path}</h1>\n<hr>\n<ul>\n"
    );
    for e in entries {
        body.push_str(&format!("<li><a href=\"{e}\">{e}</a></li>\n"));
    }
    body.push_str("</ul>\n<hr>\n</body>\n</html>\n");
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

fn dataset_tileset(name: &str) -> Result<&'static Tileset, Problem> {
    Tileset::find(name).ok_or_else(|| unknown_tileset(name))
}

/// `/tiles/{tileset}/{z}` → `/tiles/{tileset}/{z}/` (a directory).
async fn listing_redirect(Path((tileset, z)): Path<(String, String)>) -> Result<Response, Problem> {
    dataset_tileset(&tileset)?;
    let level: u8 = parse_num("z", &z)?;
    // Relative, so that it holds behind a proxy's path prefix too.
    Ok(axum::response::Redirect::permanent(&format!("{level}/")).into_response())
}

/// `/tiles/{tileset}/{z}/{x}` → `/tiles/{tileset}/{z}/{x}/`.
async fn listing_redirect2(
    Path((tileset, z, x)): Path<(String, String, String)>,
) -> Result<Response, Problem> {
    dataset_tileset(&tileset)?;
    parse_num::<u8>("z", &z)?;
    let col: u32 = parse_num("x", &x)?;
    Ok(axum::response::Redirect::permanent(&format!("{col}/")).into_response())
}

/// The columns of a zoom level that meet the data.
async fn zoom_listing(
    State(svc): State<TileService>,
    Path((tileset, z)): Path<(String, String)>,
) -> Result<Response, Problem> {
    let ts = dataset_tileset(&tileset)?;
    let prep = svc.prepared().await?;
    let (zoom, (c0, _, c1, _)) = listed_range(&prep, ts, &z)?;
    if c1 - c0 >= MAX_LISTING {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("zoom {zoom} has too many columns to list"),
        ));
    }
    Ok(listing(
        &format!("/tiles/{}/{zoom}/", ts.id),
        (c0..=c1).map(|c| format!("{c}/")),
    ))
}

/// The tiles of a column that meet the data (`y.mvt`).
async fn column_listing(
    State(svc): State<TileService>,
    Path((tileset, z, x)): Path<(String, String, String)>,
) -> Result<Response, Problem> {
    let ts = dataset_tileset(&tileset)?;
    let prep = svc.prepared().await?;
    let (zoom, (c0, r0, c1, r1)) = listed_range(&prep, ts, &z)?;
    let col: u32 = parse_num("x", &x)?;
    if col < c0 || col > c1 {
        return Err(Problem::not_found(format!(
            "column {col} of zoom {zoom} is outside the data bounds"
        )));
    }
    if r1 - r0 >= MAX_LISTING {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("zoom {zoom} has too many rows to list"),
        ));
    }
    Ok(listing(
        &format!("/tiles/{}/{zoom}/{col}/", ts.id),
        (r0..=r1).map(|r| format!("{r}.mvt")),
    ))
}

/// A Web Mercator tile address for archives (their own zoom range applies).
fn tile_id_any_zoom(z: &str, x: &str, y: &str) -> Result<TileId, Problem> {
    let level: u8 = parse_num("z", z)?;
    let col: u32 = parse_num("x", x)?;
    let row: u32 = parse_num("y", y)?;
    let tms = Tms::WebMercatorQuad;
    if level > tms.defined_levels() {
        return Err(Problem::bad_param("z", "must be within 0..=24"));
    }
    if !tms.contains(level, col, row) {
        return Err(Problem::bad_param(
            "x",
            "x or y outside the zoom level's matrix",
        ));
    }
    Ok(TileId::new(tms, level, col, row))
}

// ---------------------------------------------------------------------------
// OGC API Tiles
// ---------------------------------------------------------------------------

const REL_TILING_SCHEME: &str = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme";
const REL_TILING_SCHEMES: &str = "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes";
const REL_TILESETS_VECTOR: &str = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector";

struct OgcTiles;

impl OgcExtension for OgcTiles {
    fn conformance(&self) -> Vec<String> {
        [
            "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
            "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
            "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
            "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/dataset-tilesets",
            "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
            "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
            "http://www.opengis.net/spec/tms/2.0/conf/tilematrixset",
            "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset",
        ]
        .into_iter()
        .map(String::from)
        .collect()
    }

    fn landing_links(&self, base: &str) -> Vec<Value> {
        vec![
            json!({"href": format!("{base}/ogc/tileMatrixSets"), "rel": REL_TILING_SCHEMES, "type": "application/json", "title": "Tile matrix sets"}),
            json!({"href": format!("{base}/ogc/tiles"), "rel": REL_TILESETS_VECTOR, "type": "application/json", "title": "Vector tilesets of the dataset"}),
        ]
    }

    fn collection_links(&self, base: &str, collection: &str) -> Vec<Value> {
        if collection.parse::<Layer>().is_err() {
            return Vec::new();
        }
        vec![json!({
            "href": format!("{base}/ogc/collections/{collection}/tiles"),
            "rel": REL_TILESETS_VECTOR,
            "type": "application/json",
            "title": "Vector tilesets",
        })]
    }
}

fn tms_of(id: &str) -> Result<Tms, Problem> {
    Tms::parse(id).ok_or_else(|| {
        Problem::not_found(format!(
            "unknown tile matrix set `{}` (WebMercatorQuad, BelgianLambert72)",
            clip(id)
        ))
    })
}

async fn ogc_tms_list(
    State(svc): State<TileService>,
    headers: HeaderMap,
    Query(params): Params,
) -> Result<Response, Problem> {
    check_known(&params, &["f"])?;
    check_f(&params)?;
    let base = svc.base(&headers);
    let list: Vec<Value> = Tms::ALL
        .iter()
        .map(|t| {
            let d = t.definition();
            let mut v = json!({
                "id": t.id(),
                "title": d["title"],
                "crs": d["crs"],
                "links": [{"href": format!("{base}/ogc/tileMatrixSets/{}", t.id()), "rel": "self", "type": "application/json", "title": t.id()}],
            });
            if let Some(uri) = d.get("uri") {
                v["uri"] = uri.clone();
            }
            v
        })
        .collect();
    Ok(json(
        "application/json",
        json!({
            "links": [{"href": format!("{base}/ogc/tileMatrixSets"), "rel": "self", "type": "application/json"}],
            "tileMatrixSets": list,
        }),
    ))
}

async fn ogc_tms(
    State(svc): State<TileService>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(params): Params,
) -> Result<Response, Problem> {
    check_known(&params, &["f"])?;
    check_f(&params)?;
    let t = tms_of(&id)?;
    let base = svc.base(&headers);
    let mut d = t.definition();
    d["links"] = json!([{"href": format!("{base}/ogc/tileMatrixSets/{}", t.id()), "rel": "self", "type": "application/json"}]);
    Ok(json("application/json", d))
}

/// Tileset summaries for `path` (`/ogc/tiles` or `/ogc/collections/{c}/tiles`).
fn tileset_list(base: &str, path: &str, title: &str) -> Value {
    let sets: Vec<Value> = Tms::ALL
        .iter()
        .map(|t| {
            let d = t.definition();
            let mut v = json!({
                "title": format!("{title} ({})", t.id()),
                "dataType": "vector",
                "crs": d["crs"],
                "links": [
                    {"href": format!("{base}{path}/{}", t.id()), "rel": "self", "type": "application/json"},
                    {"href": format!("{base}/ogc/tileMatrixSets/{}", t.id()), "rel": REL_TILING_SCHEME, "type": "application/json"},
                ],
            });
            if let Some(uri) = d.get("uri") {
                v["tileMatrixSetURI"] = uri.clone();
            }
            v
        })
        .collect();
    json!({
        "links": [{"href": format!("{base}{path}"), "rel": "self", "type": "application/json"}],
        "tilesets": sets,
    })
}

/// The tileset metadata document of `ts` in `tms`.
fn tileset_metadata(base: &str, path: &str, ts: &Tileset, tms: Tms, prep: &Prepared) -> Value {
    let d = tms.definition();
    let min_level = (0..=tms.max_level())
        .find(|l| tms.equivalent_zoom(*l) >= ts.min_zoom())
        .unwrap_or(0);
    let extent = prep.extent(tms, ts.layers);
    let limits: Vec<Value> = match extent {
        Some(e) => (min_level..=tms.max_level())
            .map(|l| {
                let (c0, r0, c1, r1) =
                    tms.tile_range(l, (e.min().x, e.min().y, e.max().x, e.max().y));
                json!({"tileMatrix": l.to_string(), "minTileRow": r0, "maxTileRow": r1, "minTileCol": c0, "maxTileCol": c1})
            })
            .collect(),
        None => Vec::new(),
    };
    let layers: Vec<Value> = ts
        .layers
        .iter()
        .map(|l| {
            let r = rule(*l);
            let lmin = (0..=tms.max_level())
                .find(|lv| tms.equivalent_zoom(*lv) >= r.min_zoom)
                .unwrap_or(0);
            let props: Map<String, Value> = r
                .fields
                .iter()
                .map(|(k, desc)| {
                    (
                        k.to_string(),
                        json!({"type": "string", "description": desc}),
                    )
                })
                .collect();
            let dim = match l {
                Layer::Addresses => 0,
                Layer::Streets => 1,
                _ => 2,
            };
            json!({
                "id": l.id(),
                "title": format!("UrbIS {}", l.id()),
                "dataType": "vector",
                "geometryDimension": dim,
                "minTileMatrix": lmin.to_string(),
                "maxTileMatrix": tms.max_level().to_string(),
                "propertiesSchema": {"type": "object", "properties": props},
            })
        })
        .collect();
    let mut v = json!({
        "title": format!("{} ({})", ts.title, tms.id()),
        "dataType": "vector",
        "crs": d["crs"],
        "tileMatrixSetLimits": limits,
        "layers": layers,
        "links": [
            {"href": format!("{base}{path}/{}", tms.id()), "rel": "self", "type": "application/json"},
            {"href": format!("{base}/ogc/tileMatrixSets/{}", tms.id()), "rel": REL_TILING_SCHEME, "type": "application/json"},
            {"href": format!("{base}{path}/{}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}", tms.id()), "rel": "item", "type": MVT_TYPE, "templated": true, "title": "Tiles"},
        ],
    });
    if let Some(uri) = d.get("uri") {
        v["tileMatrixSetURI"] = uri.clone();
    }
    if let Some(e) = extent {
        v["boundingBox"] = json!({
            "lowerLeft": [e.min().x, e.min().y],
            "upperRight": [e.max().x, e.max().y],
            "crs": d["crs"],
        });
    }
    v
}

fn layer_tileset(collection: &str) -> Result<&'static Tileset, Problem> {
    collection
        .parse::<Layer>()
        .ok()
        .and_then(|l| Tileset::find(l.id()))
        .ok_or_else(|| {
            Problem::not_found(format!("collection `{}` has no tiles", clip(collection)))
        })
}

fn urbis_tileset() -> &'static Tileset {
    &TILESETS[0]
}

async fn ogc_dataset_tilesets(
    State(svc): State<TileService>,
    headers: HeaderMap,
    Query(params): Params,
) -> Result<Response, Problem> {
    check_known(&params, &["f"])?;
    check_f(&params)?;
    let base = svc.base(&headers);
    Ok(json(
        "application/json",
        tileset_list(&base, "/ogc/tiles", urbis_tileset().title),
    ))
}

async fn ogc_dataset_tileset(
    State(svc): State<TileService>,
    Path(tms): Path<String>,
    headers: HeaderMap,
    Query(params): Params,
) -> Result<Response, Problem> {
    check_known(&params, &["f"])?;
    check_f(&params)?;
    let tms = tms_of(&tms)?;
    let base = svc.base(&headers);
    let prep = svc.prepared().await?;
    Ok(json(
        "application/json",
        tileset_metadata(&base, "/ogc/tiles", urbis_tileset(), tms, &prep),
    ))
}

async fn ogc_dataset_tile(
    State(svc): State<TileService>,
    Path((tms, level, row, col)): Path<(String, String, String, String)>,
    headers: HeaderMap,
    Query(params): Params,
) -> Result<Response, Problem> {
    check_known(&params, &["f", "municipality"])?;
    check_f_mvt(&params)?;
    let tms = tms_of(&tms)?;
    let tile = tile_id(
        tms,
        &level,
        &col,
        &row,
        ["tileMatrix", "tileCol", "tileRow"],
    )?;
    serve_dataset_tile(&svc, urbis_tileset(), tile, &params, &headers).await
}

fn check_f_mvt(params: &BTreeMap<String, String>) -> Result<(), Problem> {
    match params.get("f").map(|s| s.as_str()) {
        None | Some("mvt") | Some(MVT_TYPE) => Ok(()),
        Some(other) => Err(Problem::bad_param(
            "f",
            format!("unsupported format `{}` (supported: mvt)", clip(other)),
        )),
    }
}

async fn ogc_collection_tilesets(
    State(svc): State<TileService>,
    Path(collection): Path<String>,
    headers: HeaderMap,
    Query(params): Params,
) -> Result<Response, Problem> {
    check_known(&params, &["f"])?;
    check_f(&params)?;
    let ts = layer_tileset(&collection)?;
    let base = svc.base(&headers);
    Ok(json(
        "application/json",
        tileset_list(
            &base,
            &format!("/ogc/collections/{}/tiles", ts.id),
            ts.title,
        ),
    ))
}

async fn ogc_collection_tileset(
    State(svc): State<TileService>,
    Path((collection, tms)): Path<(String, String)>,
    headers: HeaderMap,
    Query(params): Params,
) -> Result<Response, Problem> {
    check_known(&params, &["f"])?;
    check_f(&params)?;
    let ts = layer_tileset(&collection)?;
    let tms = tms_of(&tms)?;
    let base = svc.base(&headers);
    let prep = svc.prepared().await?;
    Ok(json(
        "application/json",
        tileset_metadata(
            &base,
            &format!("/ogc/collections/{}/tiles", ts.id),
            ts,
            tms,
            &prep,
        ),
    ))
}

async fn ogc_collection_tile(
    State(svc): State<TileService>,
    Path((collection, tms, level, row, col)): Path<(String, String, String, String, String)>,
    headers: HeaderMap,
    Query(params): Params,
) -> Result<Response, Problem> {
    check_known(&params, &["f", "municipality"])?;
    check_f_mvt(&params)?;
    let ts = layer_tileset(&collection)?;
    let tms = tms_of(&tms)?;
    let tile = tile_id(
        tms,
        &level,
        &col,
        &row,
        ["tileMatrix", "tileCol", "tileRow"],
    )?;
    serve_dataset_tile(&svc, ts, tile, &params, &headers).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(ae: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(ae).expect("header"),
        );
        h
    }

    #[test]
    fn encoding_negotiation() {
        assert_eq!(negotiate(&HeaderMap::new()), Encoding::Identity);
        assert_eq!(negotiate(&h("gzip, deflate, br")), Encoding::Gzip);
        assert_eq!(negotiate(&h("br;q=1.0, gzip;q=0.8")), Encoding::Brotli);
        assert_eq!(negotiate(&h("br")), Encoding::Brotli);
        assert_eq!(negotiate(&h("gzip;q=0, identity")), Encoding::Identity);
        assert_eq!(negotiate(&h("*")), Encoding::Gzip);
    }

    #[test]
    fn tile_addresses() {
        let t = Tms::WebMercatorQuad;
        assert!(tile_id(t, "16", "33560", "21984", ["z", "x", "y"]).is_ok());
        let e = tile_id(t, "17", "0", "0", ["z", "x", "y"]).expect_err("beyond max zoom");
        assert_eq!(e.status, StatusCode::NOT_FOUND);
        for (z, x, y) in [
            ("a", "0", "0"),
            ("-1", "0", "0"),
            ("25", "0", "0"),
            ("2", "4", "0"),
            ("2", "0", "4"),
            ("300", "0", "0"),
        ] {
            let e = tile_id(t, z, x, y, ["z", "x", "y"]).expect_err("invalid");
            assert_eq!(e.status, StatusCode::BAD_REQUEST, "{z}/{x}/{y}");
        }
        let l = Tms::BelgianLambert72;
        assert!(tile_id(l, "10", "375", "598", ["tileMatrix", "tileCol", "tileRow"]).is_ok());
        assert_eq!(
            tile_id(l, "11", "0", "0", ["tileMatrix", "tileCol", "tileRow"])
                .expect_err("beyond")
                .status,
            StatusCode::BAD_REQUEST
        );
    }

    #[test]
    fn etag_and_304() {
        let t: Cached = Some(Arc::new(EncodedTile::new(vec![26, 0])));
        let r = tile_response(&t, &h("gzip"), &cache_control(60));
        assert_eq!(r.status(), StatusCode::OK);
        let etag = r.headers()[header::ETAG]
            .to_str()
            .expect("etag")
            .to_string();
        assert!(etag.ends_with("-gz\""));
        assert_eq!(r.headers()[header::CONTENT_ENCODING], "gzip");
        assert_eq!(r.headers()[header::VARY], "accept-encoding");
        let mut hm = h("gzip");
        hm.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_str(&etag).expect("h"),
        );
        assert_eq!(
            tile_response(&t, &hm, &cache_control(60)).status(),
            StatusCode::NOT_MODIFIED
        );
        // The identity representation has another ETag.
        let mut hm = HeaderMap::new();
        hm.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_str(&etag).expect("h"),
        );
        assert_eq!(
            tile_response(&t, &hm, &cache_control(60)).status(),
            StatusCode::OK
        );
        assert_eq!(
            tile_response(&None, &hm, &cache_control(60)).status(),
            StatusCode::NO_CONTENT
        );
    }

    #[test]
    fn tile_lonlat_bounds() {
        let (w, s, e, n) = tile_lonlat(TileId::new(Tms::WebMercatorQuad, 1, 1, 0));
        assert_eq!((w, e), (0.0, 180.0));
        assert!(s.abs() < 1e-9 && (n - 85.0511287798).abs() < 1e-6);
    }
}
