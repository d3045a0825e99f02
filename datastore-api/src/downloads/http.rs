//! The download service's routes.
//!
//! * `GET /downloads`: what can be downloaded (layers, formats, CRSs, prepared files with size,
//!   SHA-256 and URL, the generation and its date).
//! * `GET /downloads/{layer}.{format}`: a layer; `GET /downloads/urbis.gpkg?layers=a,b` several
//!   layers in one GeoPackage; `GET /downloads/{layer|urbis}.zip?format=F[&layers=…]` several
//!   layers (or one) in a zip. Query: `crs`, `bbox`, `bbox-crs`, `municipality`. Without a
//!   filter and in the format's default CRS the prepared file is served (`Content-Length`,
//!   strong `ETag`, `Accept-Ranges: bytes`, single range requests, `If-None-Match`, `If-Range`);
//!   otherwise, or while the prepared files of a new generation are being built, the file is
//!   extracted on demand into a temporary file and streamed.
//! * `GET /downloads/UrbISVector_31370_{GPKG|SHP}_04000_<YYYYMMDD>.zip`: the official naming.
//! * `GET /downloads/{file}.sha256`: the checksum of a prepared file (`sha256sum` format).
//!
//! Errors are RFC 9457 problem+json: 400 for a bad layer, format, CRS, bbox (malformed or
//! outside Belgium) or municipality, 404 for a file that does not exist, 503 with `Retry-After`
//! when too many extracts run at once.

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use geo::{Geometry, Rect};
use serde_json::{json, Value};
use tokio::runtime::Handle;
use tokio::sync::Semaphore;
use urbis_core::http::{
    base_url, check_known, clip, requested_range, ByteRange, Problem, SharedDataset,
};
use urbis_core::model::{nis_code, Municipality};
use urbis_core::{Crs, CrsEngine, Dataset, Layer};

use super::export::{export, validate, ExportError, ExportJob, Filter, Packaging};
use super::prepared::{Manifest, Prepared, PreparedFile};
use super::{formats, layer_name, official_name, yyyymmdd, Format, DOWNLOAD_CRS};

/// Belgium in WGS 84 (lon/lat), with a margin: a bbox must intersect it.
pub const BELGIUM: [f64; 4] = [2.5, 49.45, 6.45, 51.55];

/// Chunk size of streamed files.
const CHUNK: usize = 256 * 1024;

/// Shared state of the download routes.
#[derive(Clone)]
pub struct DownloadState {
    pub dataset: Arc<SharedDataset>,
    pub engine: CrsEngine,
    pub prepared: Arc<Prepared>,
    pub public_url: Option<String>,
    /// Bounds the extracts running at once.
    pub extracts: Arc<Semaphore>,
}

impl DownloadState {
    pub fn new(
        dataset: Arc<SharedDataset>,
        engine: CrsEngine,
        prepared: Arc<Prepared>,
        public_url: Option<String>,
        max_concurrent_extracts: usize,
    ) -> Self {
        DownloadState {
            dataset,
            engine,
            prepared,
            public_url: public_url.map(|u| u.trim_end_matches('/').to_string()),
            extracts: Arc::new(Semaphore::new(max_concurrent_extracts.max(1))),
        }
    }
}

/// The `/downloads` routes.
pub fn router(state: DownloadState) -> Router {
    Router::new()
        .route("/downloads", get(listing))
        .route("/downloads/", get(listing))
        .route("/downloads/{file}", get(download))
        .with_state(state)
}

fn generation_date(ds: &Dataset) -> Option<String> {
    let g = ds.generation()?;
    g.finished_at
        .as_deref()
        .and_then(yyyymmdd)
        .or_else(|| yyyymmdd(&g.started_at))
}

fn crs_json(c: Crs) -> Value {
    json!({"epsg": c.epsg(), "uri": c.uri()})
}

fn file_json(base: &str, f: &PreparedFile) -> Value {
    json!({
        "name": f.name,
        "url": format!("{base}/downloads/{}", f.name),
        "layers": f.layers,
        "format": f.format,
        "crs": f.crs,
        "mediaType": f.media_type,
        "size": f.size,
        "sha256": f.sha256,
        "checksumUrl": format!("{base}/downloads/{}.sha256", f.name),
        "features": f.features.iter().map(|(l, n)| (l.id().to_string(), json!(n))).collect::<serde_json::Map<_, _>>(),
    })
}

async fn listing(
    State(st): State<DownloadState>,
    headers: HeaderMap,
    Query(params): Query<BTreeMap<String, String>>,
) -> Result<Response, Problem> {
    check_known(&params, &[])?;
    let base = base_url(&headers, st.public_url.as_deref());
    let ds = st.dataset.borrow().clone();
    let date = generation_date(&ds);
    let layers: Vec<Value> = ds
        .layers()
        .map(|l| {
            json!({
                "id": l.layer().id(),
                "name": layer_name(l.layer()),
                "title": l.layer().title(),
                "features": l.len(),
                "url": format!("{base}/downloads/{}.{{format}}", l.layer().id()),
            })
        })
        .collect();
    let fmts: Vec<Value> = formats()
        .iter()
        .map(|f| {
            json!({
                "id": f.id,
                "title": f.title,
                "mediaType": f.media_type,
                "extension": f.extension,
                "fileType": f.file_type,
                "defaultCrs": f.default_crs.epsg(),
                "crs": f.format.crs_allowed().iter().map(|c| c.epsg()).collect::<Vec<_>>(),
                "multiLayer": f.multi_layer,
            })
        })
        .collect();
    let generation = ds.generation().map(|g| g.id);
    let manifest = generation.and_then(|g| st.prepared.manifest(g));
    let status = st.prepared.status();
    let prepared = match &manifest {
        Some(m) => json!({
            "status": "ready",
            "preparedAt": m.prepared_at,
            "files": m.files.iter().map(|f| file_json(&base, f)).collect::<Vec<_>>(),
        }),
        None if !status.enabled => json!({
            "status": "off",
            "files": [],
            "note": "preparation is off ([downloads] prepare = false): every download is extracted on demand",
        }),
        None => json!({
            "status": if status.error.is_some() { "failed" } else { "building" },
            "done": status.done,
            "total": status.total,
            "error": status.error,
            "files": [],
            "note": "until the files are ready, every download is extracted on demand",
        }),
    };
    let official: Vec<Value> = date
        .as_deref()
        .map(|d| {
            [Format::GeoPackage, Format::Shapefile]
                .into_iter()
                .filter_map(|f| official_name(f, d))
                .map(|n| json!({"name": n, "url": format!("{base}/downloads/{n}")}))
                .collect()
        })
        .unwrap_or_default();
    let body = json!({
        "generation": ds.generation().map(|g| json!({
            "id": g.id,
            "date": date,
            "finishedAt": g.finished_at,
            "source": g.source,
        })),
        "layers": layers,
        "formats": fmts,
        "crs": DOWNLOAD_CRS.iter().map(|c| crs_json(*c)).collect::<Vec<_>>(),
        "prepared": prepared,
        "official": official,
        "extract": {
            "layer": format!("{base}/downloads/{{layer}}.{{format}}{{?crs,bbox,bbox-crs,municipality}}"),
            "geopackage": format!("{base}/downloads/urbis.gpkg{{?layers,crs,bbox,bbox-crs,municipality}}"),
            "zip": format!("{base}/downloads/urbis.zip{{?format,layers,crs,bbox,bbox-crs,municipality}}"),
            "bboxCrsDefault": "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
        },
        "links": [
            {"href": format!("{base}/downloads"), "rel": "self", "type": "application/json"},
        ],
    });
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response())
}

/// A parsed download request.
#[derive(Debug)]
struct Request {
    job: ExportJob,
    /// The prepared file that answers it, if any (no filter, default CRS, natural packaging).
    prepared_name: Option<String>,
    /// `Content-Disposition` file name of an extract.
    filename: String,
    media_type: &'static str,
    /// A `Warning` header value.
    warning: Option<String>,
}

fn parse_crs(param: &str, v: &str, allowed: &[Crs]) -> Result<Crs, Problem> {
    let c = Crs::parse(v).map_err(|_| {
        Problem::bad_param(
            param,
            format!(
                "unknown CRS `{}` (use one of {})",
                clip(v),
                allowed
                    .iter()
                    .map(|c| c.epsg().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })?;
    if !allowed.contains(&c) {
        return Err(Problem::bad_param(
            param,
            format!(
                "EPSG:{} is not offered here (use one of {})",
                c.epsg(),
                allowed
                    .iter()
                    .map(|c| c.epsg().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    Ok(c)
}

/// `bbox=minx,miny,maxx,maxy` in `bbox-crs` (default CRS84) → EPSG:31370, checked against
/// Belgium.
pub fn parse_bbox(engine: &CrsEngine, v: &str, crs: Crs) -> Result<Rect<f64>, Problem> {
    let nums: Vec<f64> = v
        .split(',')
        .map(|s| s.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| {
            Problem::bad_param(
                "bbox",
                format!("`{}` is not four numbers minx,miny,maxx,maxy", clip(v)),
            )
        })?;
    if nums.len() != 4 || nums.iter().any(|x| !x.is_finite()) {
        return Err(Problem::bad_param(
            "bbox",
            format!("`{}` is not four numbers minx,miny,maxx,maxy", clip(v)),
        ));
    }
    let (minx, miny, maxx, maxy) = (nums[0], nums[1], nums[2], nums[3]);
    if minx > maxx || miny > maxy {
        return Err(Problem::bad_param(
            "bbox",
            "minimum greater than maximum (expected minx,miny,maxx,maxy)",
        ));
    }
    if crs.is_geographic() && (minx < -180.0 || maxx > 180.0 || miny < -90.0 || maxy > 90.0) {
        return Err(Problem::bad_param(
            "bbox",
            "longitudes must lie in [-180, 180] and latitudes in [-90, 90] (for a bbox in \
             Lambert coordinates add bbox-crs=31370)",
        ));
    }
    let rect = Rect::new((minx, miny), (maxx, maxy));
    let outside = || {
        Problem::bad_param(
            "bbox",
            format!(
                "the bbox lies outside Belgium (bbox-crs is EPSG:{}{})",
                crs.epsg(),
                if crs.is_geographic() {
                    "; for Lambert coordinates add bbox-crs=31370"
                } else {
                    ""
                }
            ),
        )
    };
    let wgs = engine
        .transformer(crs, Crs::Wgs84)
        .and_then(|t| t.transform_rect(rect))
        .map_err(|_| outside())?;
    let inside = wgs.max().x >= BELGIUM[0]
        && wgs.min().x <= BELGIUM[2]
        && wgs.max().y >= BELGIUM[1]
        && wgs.min().y <= BELGIUM[3];
    if !inside {
        return Err(outside());
    }
    engine
        .transformer(crs, Crs::Lambert72)
        .and_then(|t| t.transform_rect(rect))
        .map_err(|e| Problem::bad_param("bbox", e.to_string()))
}

/// Letters and digits of the accent-folded, lowercased name.
fn name_key(s: &str) -> String {
    urbis_core::geocode::normalize::fold(s)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// The municipality named by a NIS code or a French or Dutch name: its NIS code and geometry.
pub fn find_municipality(ds: &Dataset, v: &str) -> Result<(String, Geometry<f64>), Problem> {
    let idx = ds.layer(Layer::Municipalities).ok_or_else(|| {
        Problem::bad_param("municipality", "the live data has no municipalities layer")
    })?;
    let wanted_nis = nis_code(v).filter(|c| c.len() == 5);
    let key = name_key(v);
    let mut names = Vec::new();
    for f in idx.features() {
        let m = Municipality::from_attributes(&f.attributes);
        let hit = match &wanted_nis {
            Some(code) => m.nis_code.as_deref() == Some(code.as_str()),
            None => [&m.name_fr, &m.name_nl]
                .into_iter()
                .flatten()
                .any(|n| !key.is_empty() && name_key(n) == key),
        };
        if hit {
            let code = m.nis_code.unwrap_or_default();
            return Ok((code, f.geometry.clone()));
        }
        if let Some(n) = m.name_fr.or(m.name_nl) {
            names.push(n);
        }
    }
    names.sort();
    Err(Problem::bad_param(
        "municipality",
        format!(
            "unknown municipality `{}` (give a NIS code 21001–21019 or a name: {})",
            clip(v),
            names.join(", ")
        ),
    ))
}

fn parse_request(
    st: &DownloadState,
    ds: &Dataset,
    file: &str,
    params: &BTreeMap<String, String>,
) -> Result<Request, Problem> {
    let date = generation_date(ds);
    // The official naming.
    if let Some(rest) = file.strip_prefix("UrbISVector_31370_") {
        let (format, prefix) = if rest.starts_with("GPKG_") {
            (Format::GeoPackage, "gpkg/")
        } else if rest.starts_with("SHP_") {
            (Format::Shapefile, "shp/")
        } else {
            return Err(Problem::not_found(format!(
                "no official distribution named {}",
                clip(file)
            )));
        };
        check_known(params, &[])?;
        let current = date.as_deref().and_then(|d| official_name(format, d));
        if current.as_deref() != Some(file) {
            return Err(Problem::not_found(match current {
                Some(c) => format!("{} is not the current distribution: {c} is", clip(file)),
                None => "no data has been imported yet".into(),
            }));
        }
        let layers: Vec<Layer> = ds.layers().map(|l| l.layer()).collect();
        return Ok(Request {
            job: ExportJob {
                layers,
                format,
                crs: Crs::Lambert72,
                filter: Filter::default(),
                gpkg_stem: "UrbISVector_04000".into(),
                packaging: Packaging::Zip {
                    prefix: prefix.into(),
                },
                ogr_driver: None,
            },
            prepared_name: Some(file.to_string()),
            filename: file.to_string(),
            media_type: "application/zip",
            warning: None,
        });
    }
    let Some((stem, ext)) = file.split_once('.') else {
        return Err(Problem::not_found(format!(
            "no download named {} (expected {{layer}}.{{format}})",
            clip(file)
        )));
    };
    let is_zip = ext.eq_ignore_ascii_case("zip");
    let all = stem == "urbis";
    let mut allowed = vec!["crs", "bbox", "bbox-crs", "municipality"];
    if all {
        allowed.push("layers");
    }
    if is_zip {
        allowed.push("format");
    }
    check_known(params, &allowed)?;
    let mut ogr_driver = None;
    let format = if is_zip {
        let id = params.get("format").map(String::as_str).unwrap_or("shp");
        if let Some(driver) = id.strip_prefix("ogr:") {
            if !super::GDAL {
                return Err(Problem::bad_param(
                    "format",
                    "OGR drivers need a build with the `gdal` feature",
                ));
            }
            ogr_driver = Some(driver.to_string());
            Format::Ogr
        } else {
            Format::from_id(id).ok_or_else(|| {
                Problem::bad_param(
                    "format",
                    format!(
                        "unknown format `{}` (available: {})",
                        clip(id),
                        format_ids()
                    ),
                )
            })?
        }
    } else {
        Format::from_id(ext).ok_or_else(|| {
            Problem::new(
                StatusCode::BAD_REQUEST,
                format!(
                    "unknown format `{}` (available: {}, or zip)",
                    clip(ext),
                    format_ids()
                ),
            )
        })?
    };
    let layers: Vec<Layer> = if all {
        match params.get("layers") {
            Some(list) => {
                let mut out = Vec::new();
                for id in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    let l = id
                        .parse::<Layer>()
                        .map_err(|e| Problem::bad_param("layers", e))?;
                    if !out.contains(&l) {
                        out.push(l);
                    }
                }
                if out.is_empty() {
                    return Err(Problem::bad_param("layers", "no layer named"));
                }
                out
            }
            None => ds.layers().map(|l| l.layer()).collect(),
        }
    } else {
        vec![stem.parse::<Layer>().map_err(|e| {
            Problem::new(
                StatusCode::BAD_REQUEST,
                format!("{e} (or `urbis` for several layers)"),
            )
        })?]
    };
    for l in &layers {
        if ds.layer(*l).is_none() {
            return Err(Problem::not_found(format!(
                "layer `{l}` is not in the live data"
            )));
        }
    }
    let info = format.info();
    let crs = match params.get("crs") {
        Some(v) => parse_crs("crs", v, format.crs_allowed())?,
        None => info.default_crs,
    };
    let bbox_crs = match params.get("bbox-crs") {
        Some(v) => parse_crs("bbox-crs", v, &DOWNLOAD_CRS)?,
        None => Crs::Wgs84,
    };
    let bbox = params
        .get("bbox")
        .map(|v| parse_bbox(&st.engine, v, bbox_crs))
        .transpose()?;
    let municipality = params
        .get("municipality")
        .map(|v| find_municipality(ds, v))
        .transpose()?;
    let packaging = if is_zip {
        Packaging::Zip {
            prefix: String::new(),
        }
    } else {
        if layers.len() > 1 && !info.multi_layer {
            return Err(Problem::new(
                StatusCode::BAD_REQUEST,
                format!(
                    "{} holds one layer per file: use urbis.gpkg or urbis.zip?format={}",
                    info.title, info.id
                ),
            ));
        }
        Packaging::File
    };
    let filter = Filter {
        bbox,
        area: municipality.as_ref().map(|(_, g)| g.clone()),
    };
    let natural = !all && !is_zip;
    let prepared_name =
        (natural && filter.is_empty() && crs == info.default_crs && !info.needs_gdal)
            .then(|| file.to_string());
    let mut filename = stem.to_string();
    if let Some((code, _)) = &municipality {
        filename.push_str(&format!("_{code}"));
    }
    if bbox.is_some() {
        filename.push_str("_bbox");
    }
    filename.push_str(&format!("_{}", crs.epsg()));
    let (ext, media_type) = match (&packaging, format) {
        (Packaging::Zip { .. }, _) => (format!("{}.zip", info.id), "application/zip"),
        (Packaging::File, Format::Shapefile) => ("shp.zip".to_string(), "application/zip"),
        (Packaging::File, _) => (info.extension.to_string(), info.media_type),
    };
    filename.push('.');
    filename.push_str(&ext);
    let warning = (format == Format::GeoJson && crs != Crs::Wgs84).then(|| {
        format!(
            "299 urbis \"GeoJSON in EPSG:{} is not RFC 7946 GeoJSON (which is WGS 84 only); \
             the CRS is named in a crs member\"",
            crs.epsg()
        )
    });
    let gpkg_stem = if all {
        "urbis".to_string()
    } else {
        layers
            .first()
            .map(|l| layer_name(*l))
            .unwrap_or("urbis")
            .to_string()
    };
    Ok(Request {
        job: ExportJob {
            layers,
            format,
            crs,
            filter,
            gpkg_stem,
            packaging,
            ogr_driver,
        },
        prepared_name,
        filename,
        media_type,
        warning,
    })
}

fn format_ids() -> String {
    formats()
        .iter()
        .map(|f| f.id)
        .collect::<Vec<_>>()
        .join(", ")
}

async fn download(
    State(st): State<DownloadState>,
    UrlPath(file): UrlPath<String>,
    headers: HeaderMap,
    Query(params): Query<BTreeMap<String, String>>,
) -> Result<Response, Problem> {
    let ds = st.dataset.borrow().clone();
    let generation = ds
        .generation()
        .map(|g| g.id)
        .ok_or_else(|| Problem::new(StatusCode::SERVICE_UNAVAILABLE, "no data imported yet"))?;
    if let Some(name) = file.strip_suffix(".sha256") {
        check_known(&params, &[])?;
        let Some(m) = st.prepared.manifest(generation) else {
            return Ok(busy(
                "the checksums are computed with the prepared files, still being built",
            ));
        };
        let f = m
            .file(name)
            .ok_or_else(|| Problem::not_found(format!("no prepared file named {}", clip(name))))?;
        return Ok((
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("{}  {}\n", f.sha256, f.name),
        )
            .into_response());
    }
    let req = parse_request(&st, &ds, &file, &params)?;
    if let Some(name) = &req.prepared_name {
        if let Some(m) = st.prepared.manifest(generation) {
            if let Some(f) = m.file(name) {
                return serve_prepared(&st.prepared, &m, f, &headers).await;
            }
        }
    }
    extract(st, ds, req).await
}

fn busy(detail: &str) -> Response {
    let mut r = Problem::new(StatusCode::SERVICE_UNAVAILABLE, detail).into_response();
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("10"));
    r
}

/// Stream `len` bytes of `file` from its current position; `keep` lives as long as the stream
/// (the temporary directory of an extract).
fn file_body(file: std::fs::File, len: u64, keep: Option<tempfile::TempDir>) -> Body {
    let state = Some((file, len, keep));
    let stream = futures_util::stream::unfold(state, |state| async move {
        let (mut f, rem, keep) = state?;
        if rem == 0 {
            return None;
        }
        let n = rem.min(CHUNK as u64) as usize;
        let res = tokio::task::spawn_blocking(move || {
            let mut buf = vec![0u8; n];
            f.read_exact(&mut buf).map(|_| (f, buf))
        })
        .await;
        match res {
            Ok(Ok((f, buf))) => Some((Ok(Bytes::from(buf)), Some((f, rem - n as u64, keep)))),
            Ok(Err(e)) => Some((Err(e), None)),
            Err(e) => Some((Err(std::io::Error::other(e.to_string())), None)),
        }
    });
    Body::from_stream(stream)
}

fn etag_of(f: &PreparedFile) -> String {
    format!("\"{}\"", &f.sha256[..f.sha256.len().min(32)])
}

fn etag_matches(list: &str, etag: &str) -> bool {
    list.split(',')
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == etag)
}

fn disposition(name: &str) -> HeaderValue {
    let safe: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "._-".contains(*c))
        .collect();
    HeaderValue::from_str(&format!("attachment; filename=\"{safe}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

async fn serve_prepared(
    prepared: &Prepared,
    m: &Manifest,
    f: &PreparedFile,
    headers: &HeaderMap,
) -> Result<Response, Problem> {
    let path = prepared.path(m, f);
    let etag = etag_of(f);
    let etag_value = HeaderValue::from_str(&etag)
        .map_err(|e| Problem::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    if let Some(inm) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        if etag_matches(inm, &etag) {
            let mut r = StatusCode::NOT_MODIFIED.into_response();
            r.headers_mut().insert(header::ETAG, etag_value);
            return Ok(r);
        }
    }
    let len = f.size;
    let range = requested_range(headers, len, &etag);
    let mut resp_headers = HeaderMap::new();
    resp_headers.insert(header::ETAG, etag_value);
    resp_headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    // `Accept-Ranges` also keeps the server's compression layer off: ranges and the ETag refer
    // to these bytes.
    resp_headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    if let Ok(v) = HeaderValue::from_str(&f.media_type) {
        resp_headers.insert(header::CONTENT_TYPE, v);
    }
    let download_name = if f.media_type == "application/zip" && !f.name.ends_with(".zip") {
        format!("{}.zip", f.name)
    } else {
        f.name.clone()
    };
    resp_headers.insert(header::CONTENT_DISPOSITION, disposition(&download_name));
    let (status, start, count) = match range {
        ByteRange::Full => (StatusCode::OK, 0, len),
        ByteRange::Part(a, b) => {
            let v = format!("bytes {a}-{b}/{len}");
            if let Ok(v) = HeaderValue::from_str(&v) {
                resp_headers.insert(header::CONTENT_RANGE, v);
            }
            (StatusCode::PARTIAL_CONTENT, a, b - a + 1)
        }
        ByteRange::Unsatisfiable => {
            let mut r = Problem::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                format!("the file has {len} bytes"),
            )
            .into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                r.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return Ok(r);
        }
    };
    let file = tokio::task::spawn_blocking(move || {
        let mut file = std::fs::File::open(&path)?;
        file.seek(SeekFrom::Start(start))?;
        Ok::<_, std::io::Error>(file)
    })
    .await
    .map_err(|e| Problem::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
    .map_err(|e| {
        tracing::error!("prepared download {}: {e}", f.name);
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the prepared file cannot be read",
        )
    })?;
    resp_headers.insert(header::CONTENT_LENGTH, HeaderValue::from(count));
    let mut r = Response::new(file_body(file, count, None));
    *r.status_mut() = status;
    *r.headers_mut() = resp_headers;
    Ok(r)
}

async fn extract(st: DownloadState, ds: Arc<Dataset>, req: Request) -> Result<Response, Problem> {
    validate(&ds, &req.job).map_err(|e| Problem::new(StatusCode::BAD_REQUEST, e.to_string()))?;
    let Ok(permit) = st.extracts.clone().try_acquire_owned() else {
        return Ok(busy("too many extracts are running; retry shortly"));
    };
    let root = st.prepared.root().to_path_buf();
    let engine = st.engine.clone();
    let rt = Handle::current();
    let job = req.job.clone();
    let res = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        std::fs::create_dir_all(&root).map_err(|source| ExportError::Io {
            path: root.clone(),
            source,
        })?;
        let dir = tempfile::Builder::new()
            .prefix(".extract")
            .tempdir_in(&root)
            .map_err(|source| ExportError::Io {
                path: root.clone(),
                source,
            })?;
        let out: PathBuf = dir.path().join("result");
        export(&rt, &ds, &engine, &job, &out, &|_| {})?;
        let file = std::fs::File::open(&out).map_err(|source| ExportError::Io {
            path: out.clone(),
            source,
        })?;
        let len = file
            .metadata()
            .map_err(|source| ExportError::Io {
                path: out.clone(),
                source,
            })?
            .len();
        Ok::<_, ExportError>((dir, file, len))
    })
    .await
    .map_err(|e| Problem::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let (dir, file, len) = match res {
        Ok(v) => v,
        Err(
            e @ (ExportError::Invalid(_) | ExportError::Write(urbis_core::WriteError::Invalid(_))),
        ) => {
            return Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                hide_paths(&e.to_string(), &st.prepared.root().to_string_lossy()),
            ))
        }
        Err(e) => {
            tracing::error!("extract failed: {e}");
            return Err(Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the extract could not be written",
            ));
        }
    };
    let mut h = HeaderMap::new();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(req.media_type),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    h.insert(header::CONTENT_DISPOSITION, disposition(&req.filename));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(w) = req
        .warning
        .as_deref()
        .and_then(|w| HeaderValue::from_str(w).ok())
    {
        h.insert(header::WARNING, w);
    }
    let mut r = Response::new(file_body(file, len, Some(dir)));
    *r.headers_mut() = h;
    Ok(r)
}

/// `msg` with every path under `root` (the server's work directories) reduced to its file
/// name: clients learn which file failed, not where the server keeps it.
fn hide_paths(msg: &str, root: &str) -> String {
    if root.is_empty() {
        return msg.to_string();
    }
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    while let Some(i) = rest.find(root) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let end = tail
            .find(|c: char| c.is_whitespace() || c == ':' || c == ',')
            .unwrap_or(tail.len());
        let path = &tail[..end];
        out.push_str(path.rsplit('/').next().unwrap_or(""));
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_paths_are_hidden() {
        assert_eq!(
            hide_paths(
                "/srv/dl/.extract1/.urbis-export.x/Buildings.shp: layer `Buildings` is too big",
                "/srv/dl"
            ),
            "Buildings.shp: layer `Buildings` is too big"
        );
        assert_eq!(hide_paths("no path here", "/srv/dl"), "no path here");
    }

    #[test]
    fn etags() {
        assert!(etag_matches("\"abc\", \"def\"", "\"def\""));
        assert!(etag_matches("W/\"abc\"", "\"abc\""));
        assert!(etag_matches("*", "\"abc\""));
        assert!(!etag_matches("\"abd\"", "\"abc\""));
    }

    #[test]
    fn bboxes() {
        let e = CrsEngine::helmert();
        let r = parse_bbox(&e, "4.35,50.84,4.36,50.85", Crs::Wgs84).unwrap();
        assert!(r.min().x > 140000.0 && r.max().x < 160000.0, "{r:?}");
        let r = parse_bbox(&e, "148000,169000,150000,171000", Crs::Lambert72).unwrap();
        assert_eq!(r.min().x, 148000.0);
        for bad in ["1,2,3", "a,b,c,d", "4.4,50.8,4.3,50.9", "4,5,6,NaN"] {
            let p = parse_bbox(&e, bad, Crs::Wgs84).unwrap_err();
            assert_eq!(p.status, StatusCode::BAD_REQUEST, "{bad}");
        }
        // Paris.
        let p = parse_bbox(&e, "2.3,48.8,2.4,48.9", Crs::Wgs84).unwrap_err();
        assert!(p.detail.contains("outside Belgium"), "{}", p.detail);
        // Lambert numbers given as degrees.
        let p = parse_bbox(&e, "148000,169000,150000,171000", Crs::Wgs84).unwrap_err();
        assert!(p.detail.contains("bbox-crs=31370"), "{}", p.detail);
    }

    #[test]
    fn municipality_names_fold() {
        assert_eq!(
            name_key("Saint-Josse-ten-Noode"),
            name_key("saint josse ten noode")
        );
        assert_eq!(name_key("Sint-Agatha-Berchem"), "sintagathaberchem");
        assert_eq!(name_key("Évere"), "evere");
    }
}
