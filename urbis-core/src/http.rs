//! HTTP API of the spatial core: OGC API Features (Part 1 core + GeoJSON, Part 2 CRS) for the
//! UrbIS layers under `/ogc`, and `GET /features/at` (what lies at a point).
//!
//! Errors are RFC 9457 problem documents (`application/problem+json`); a bad query parameter
//! gives 400 naming it.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use geo::{Coord, Geometry, LineString, Polygon, Rect};
use serde_json::{json, Map, Value};
use tokio::sync::watch;

use crate::crs::{Crs, CrsEngine, Transformer};
use crate::index::Dataset;
use crate::model::{text_attr, Feature, Layer};

/// The live dataset, shared by every handler and swapped when a new generation goes live.
/// Subscribers (tile caches, the catalogue) are notified through [`watch::Receiver::changed`].
pub type SharedDataset = watch::Sender<Arc<Dataset>>;

/// Another crate's contribution to the shared `/ogc` root: OGC API Tiles (tile-server) and
/// OGC API Records (datastore-api) live beside the features without the core knowing them.
///
/// The contributing crate serves its own routes (static paths such as
/// `/ogc/collections/catalog` take precedence over the core's `/ogc/collections/{collection}`;
/// nested routes under a feature collection must name the parameter `{collection}`); the core
/// lists what it contributes in the landing page, the conformance declaration and the
/// collections document. `base` is the public base URL without a trailing slash.
pub trait OgcExtension: Send + Sync {
    /// Conformance class URIs added to `/ogc/conformance`.
    fn conformance(&self) -> Vec<String> {
        Vec::new()
    }
    /// Links added to the landing page (e.g. `tiling-schemes`).
    fn landing_links(&self, _base: &str) -> Vec<Value> {
        Vec::new()
    }
    /// Collections listed at `/ogc/collections` after the UrbIS feature collections.
    fn collections(&self, _base: &str) -> Vec<Value> {
        Vec::new()
    }
    /// Links added to a UrbIS feature collection's description (e.g. its vector tilesets).
    fn collection_links(&self, _base: &str, _collection: &str) -> Vec<Value> {
        Vec::new()
    }
}

/// State of the core router.
#[derive(Clone)]
pub struct CoreState {
    pub dataset: Arc<SharedDataset>,
    pub engine: CrsEngine,
    /// Public base URL (`https://urbis.example.org`) used in links; by default derived from the
    /// request's `Host` header.
    pub public_url: Option<String>,
    /// What other crates add to the `/ogc` root.
    pub extensions: Vec<Arc<dyn OgcExtension>>,
}

impl CoreState {
    pub fn new(dataset: Arc<SharedDataset>, engine: CrsEngine, public_url: Option<String>) -> Self {
        CoreState {
            dataset,
            engine,
            public_url: public_url.map(|u| u.trim_end_matches('/').to_string()),
            extensions: Vec::new(),
        }
    }

    /// Add another crate's contribution to the `/ogc` root.
    pub fn with_extension(mut self, ext: Arc<dyn OgcExtension>) -> Self {
        self.extensions.push(ext);
        self
    }

    fn current(&self) -> Arc<Dataset> {
        self.dataset.borrow().clone()
    }
}

/// An RFC 9457 problem response.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub status: StatusCode,
    pub title: String,
    pub detail: String,
    /// The query parameter at fault, for 400s.
    pub parameter: Option<String>,
}

impl Problem {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Problem {
            status,
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            detail: detail.into(),
            parameter: None,
        }
    }

    /// 400 for a bad query parameter; the detail names it.
    pub fn bad_param(param: &str, detail: impl std::fmt::Display) -> Self {
        Problem {
            status: StatusCode::BAD_REQUEST,
            title: "Invalid parameter".into(),
            detail: format!("parameter `{param}`: {detail}"),
            parameter: Some(param.to_string()),
        }
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::NOT_FOUND, detail)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut body = json!({
            "type": "about:blank",
            "title": self.title,
            "status": self.status.as_u16(),
            "detail": self.detail,
        });
        if let Some(p) = self.parameter {
            body["parameter"] = Value::String(p);
        }
        (
            self.status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body.to_string(),
        )
            .into_response()
    }
}

/// The base URL of the service for links.
pub struct BaseUrl(pub String);

impl FromRequestParts<CoreState> for BaseUrl {
    type Rejection = Problem;
    async fn from_request_parts(parts: &mut Parts, state: &CoreState) -> Result<Self, Problem> {
        Ok(BaseUrl(base_url(
            &parts.headers,
            state.public_url.as_deref(),
        )))
    }
}

/// Base URL from the configured public URL or the request's `Host` (and `X-Forwarded-Proto`).
pub fn base_url(headers: &HeaderMap, public_url: Option<&str>) -> String {
    if let Some(u) = public_url {
        return u.trim_end_matches('/').to_string();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
        })
        .unwrap_or("localhost");
    let proto = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .filter(|p| *p == "https" || *p == "http")
        .unwrap_or("http");
    format!("{proto}://{host}")
}

/// A CRS as named in an OGC API request, with its axis order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OgcCrs {
    pub crs: Crs,
    /// EPSG:4326 is latitude, longitude in OGC APIs; CRS84 is longitude, latitude.
    pub lat_lon: bool,
}

pub const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

impl OgcCrs {
    pub const CRS84: OgcCrs = OgcCrs {
        crs: Crs::Wgs84,
        lat_lon: false,
    };

    pub fn parse(param: &str, value: &str) -> Result<OgcCrs, Problem> {
        let v = value.trim().trim_start_matches('[').trim_end_matches(']');
        let crs = Crs::parse(v).map_err(|e| Problem::bad_param(param, e))?;
        let lat_lon = crs == Crs::Wgs84 && !v.to_ascii_uppercase().contains("CRS84");
        Ok(OgcCrs { crs, lat_lon })
    }

    pub fn uri(&self) -> &'static str {
        if self.crs == Crs::Wgs84 && !self.lat_lon {
            CRS84
        } else {
            self.crs.uri()
        }
    }

    /// Decimal places that keep about a centimetre.
    fn precision(&self) -> i32 {
        if self.crs.is_geographic() {
            7
        } else {
            2
        }
    }
}

/// The CRS URIs every collection can be served in.
pub fn supported_crs_uris() -> Vec<&'static str> {
    let mut v = vec![CRS84];
    v.extend(Crs::ALL.iter().map(|c| c.uri()));
    v
}

/// The router: mount it at the root (`/ogc/...`, `/features/at`).
pub fn router(state: CoreState) -> Router {
    Router::new()
        .route("/ogc", get(landing))
        .route("/ogc/", get(landing))
        .route("/ogc/conformance", get(conformance))
        .route("/ogc/collections", get(collections))
        .route("/ogc/collections/{collection}", get(collection))
        .route("/ogc/collections/{collection}/items", get(items))
        .route("/ogc/collections/{collection}/items/{fid}", get(item))
        .route("/features/at", get(features_at))
        .with_state(state)
}

type Params = Query<BTreeMap<String, String>>;

fn json_response(content_type: &'static str, body: Value) -> Response {
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body.to_string(),
    )
        .into_response()
}

/// Only JSON is offered: `f=json` (or the GeoJSON media type) is accepted, anything else is 400.
fn check_format(params: &BTreeMap<String, String>) -> Result<(), Problem> {
    match params.get("f").map(|s| s.as_str()) {
        None
        | Some("json")
        | Some("geojson")
        | Some("application/json")
        | Some("application/geo+json") => Ok(()),
        Some(other) => Err(Problem::bad_param(
            "f",
            format!("unsupported format `{other}` (supported: json)"),
        )),
    }
}

/// 400 naming the first query parameter that is not in `allowed`.
pub fn check_known(params: &BTreeMap<String, String>, allowed: &[&str]) -> Result<(), Problem> {
    for k in params.keys() {
        if !allowed.contains(&k.as_str()) {
            return Err(Problem::bad_param(
                k,
                format!("unknown parameter (allowed: {})", allowed.join(", ")),
            ));
        }
    }
    Ok(())
}

async fn landing(
    State(state): State<CoreState>,
    BaseUrl(base): BaseUrl,
    Query(params): Params,
) -> Result<Response, Problem> {
    check_known(&params, &["f"])?;
    check_format(&params)?;
    let mut links = vec![
        json!({"href": format!("{base}/ogc"), "rel": "self", "type": "application/json", "title": "This document"}),
        json!({"href": format!("{base}/ogc/conformance"), "rel": "conformance", "type": "application/json", "title": "Conformance classes"}),
        json!({"href": format!("{base}/ogc/collections"), "rel": "data", "type": "application/json", "title": "Collections"}),
    ];
    for ext in &state.extensions {
        links.extend(ext.landing_links(&base));
    }
    Ok(json_response(
        "application/json",
        json!({
            "title": "urbis — Brussels UrbIS",
            "description": "UrbIS reference data of the Brussels-Capital Region (addresses, buildings, cadastral parcels, streets, municipalities) as OGC API Features.",
            "attribution": "Realised by means of Brussels UrbIS®© - Distribution & Copyright Paradigm",
            "links": links,
        }),
    ))
}

async fn conformance(
    State(state): State<CoreState>,
    Query(params): Params,
) -> Result<Response, Problem> {
    check_known(&params, &["f"])?;
    check_format(&params)?;
    let mut classes: Vec<String> = [
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    ]
    .map(String::from)
    .to_vec();
    for ext in &state.extensions {
        for c in ext.conformance() {
            if !classes.contains(&c) {
                classes.push(c);
            }
        }
    }
    Ok(json_response(
        "application/json",
        json!({ "conformsTo": classes }),
    ))
}

fn collection_json(base: &str, layer: Layer, ds: &Dataset, state: &CoreState) -> Value {
    let engine = &state.engine;
    let idx = ds.layer(layer);
    let mut extent = Value::Null;
    if let Some(r) = idx.and_then(|i| i.extent()) {
        let l72 = [r.min().x, r.min().y, r.max().x, r.max().y];
        let wgs = engine
            .transformer(Crs::Lambert72, Crs::Wgs84)
            .and_then(|t| t.transform_rect(r))
            .ok()
            .map(|w| [w.min().x, w.min().y, w.max().x, w.max().y].map(|v| (v * 1e6).round() / 1e6));
        extent = json!({
            "spatial": {
                "bbox": [wgs.map(|w| w.to_vec()).unwrap_or_default()],
                "crs": CRS84,
                "storageCrsBbox": [l72.map(|v| (v * 100.0).round() / 100.0)],
            }
        });
    }
    let id = layer.id();
    let mut links = vec![
        json!({"href": format!("{base}/ogc/collections/{id}"), "rel": "self", "type": "application/json"}),
        json!({"href": format!("{base}/ogc/collections/{id}/items"), "rel": "items", "type": "application/geo+json", "title": "Features"}),
    ];
    for ext in &state.extensions {
        links.extend(ext.collection_links(base, id));
    }
    json!({
        "id": id,
        "title": layer.title(),
        "itemType": "feature",
        "extent": extent,
        "crs": supported_crs_uris(),
        "storageCrs": Crs::Lambert72.uri(),
        "numberOfFeatures": idx.map(|i| i.len()).unwrap_or(0),
        "links": links,
    })
}

async fn collections(
    State(state): State<CoreState>,
    BaseUrl(base): BaseUrl,
    Query(params): Params,
) -> Result<Response, Problem> {
    check_known(&params, &["f"])?;
    check_format(&params)?;
    let ds = state.current();
    let mut cols: Vec<Value> = ds
        .layers()
        .map(|l| collection_json(&base, l.layer(), &ds, &state))
        .collect();
    for ext in &state.extensions {
        cols.extend(ext.collections(&base));
    }
    Ok(json_response(
        "application/json",
        json!({
            "links": [{"href": format!("{base}/ogc/collections"), "rel": "self", "type": "application/json"}],
            "crs": supported_crs_uris(),
            "collections": cols,
        }),
    ))
}

fn find_layer(ds: &Dataset, id: &str) -> Result<Layer, Problem> {
    id.parse::<Layer>()
        .ok()
        .filter(|l| ds.layer(*l).is_some())
        .ok_or_else(|| Problem::not_found(format!("no collection `{id}`")))
}

async fn collection(
    State(state): State<CoreState>,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
    Query(params): Params,
) -> Result<Response, Problem> {
    check_known(&params, &["f"])?;
    check_format(&params)?;
    let ds = state.current();
    let layer = find_layer(&ds, &id)?;
    Ok(json_response(
        "application/json",
        collection_json(&base, layer, &ds, &state),
    ))
}

/// Default and maximum page sizes of `/items`.
pub const DEFAULT_LIMIT: usize = 10;
pub const MAX_LIMIT: usize = 10_000;

fn parse_usize(param: &str, v: &str) -> Result<usize, Problem> {
    v.trim()
        .parse::<usize>()
        .map_err(|_| Problem::bad_param(param, format!("`{v}` is not a non-negative integer")))
}

/// A bbox filter in EPSG:31370: the envelope for the R-tree search and, when the bbox was given
/// in another CRS, its outline (densified and transformed) for the exact test.
#[derive(Debug, Clone)]
pub struct BboxFilter {
    pub envelope: Rect<f64>,
    pub outline: Option<Polygon<f64>>,
}

impl BboxFilter {
    /// Does a geometry (EPSG:31370) intersect the requested box?
    pub fn matches(&self, g: &Geometry<f64>) -> bool {
        use geo::Intersects;
        match &self.outline {
            Some(p) => p.intersects(g),
            None => g.intersects(&self.envelope),
        }
    }
}

/// The outline of `r` with each edge cut into `n` segments, transformed.
fn transformed_outline(
    t: &Transformer,
    r: Rect<f64>,
    n: usize,
) -> Result<Polygon<f64>, crate::error::CrsError> {
    let (x0, y0, x1, y1) = (r.min().x, r.min().y, r.max().x, r.max().y);
    let mut pts = Vec::with_capacity(4 * n + 1);
    let corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)];
    for i in 0..4 {
        let (ax, ay) = corners[i];
        let (bx, by) = corners[(i + 1) % 4];
        for k in 0..n {
            let f = k as f64 / n as f64;
            let (x, y) = t.transform(ax + (bx - ax) * f, ay + (by - ay) * f)?;
            pts.push(Coord { x, y });
        }
    }
    if let Some(first) = pts.first().copied() {
        pts.push(first);
    }
    Ok(Polygon::new(LineString::from(pts), vec![]))
}

/// Parse an OGC `bbox` (4 or 6 numbers) in `crs` and return it as a filter in EPSG:31370.
fn parse_bbox(v: &str, crs: OgcCrs, engine: &CrsEngine) -> Result<BboxFilter, Problem> {
    let nums: Result<Vec<f64>, _> = v.split(',').map(|s| s.trim().parse::<f64>()).collect();
    let nums =
        nums.map_err(|_| Problem::bad_param("bbox", format!("`{v}` is not a list of numbers")))?;
    let (a, b, c, d) = match nums.as_slice() {
        [a, b, c, d] => (*a, *b, *c, *d),
        [a, b, _, c, d, _] => (*a, *b, *c, *d),
        _ => {
            return Err(Problem::bad_param(
                "bbox",
                "expected 4 numbers (minx,miny,maxx,maxy) or 6 with heights",
            ))
        }
    };
    if ![a, b, c, d].iter().all(|x| x.is_finite()) {
        return Err(Problem::bad_param("bbox", "coordinates must be finite"));
    }
    let (minx, miny, maxx, maxy) = if crs.lat_lon {
        (b, a, d, c)
    } else {
        (a, b, c, d)
    };
    if minx > maxx || miny > maxy {
        return Err(Problem::bad_param(
            "bbox",
            "the lower corner must come first (minx <= maxx, miny <= maxy)",
        ));
    }
    if crs.crs.is_geographic() && (minx < -180.0 || maxx > 180.0 || miny < -90.0 || maxy > 90.0) {
        return Err(Problem::bad_param(
            "bbox",
            "longitude/latitude out of range",
        ));
    }
    let rect = Rect::new((minx, miny), (maxx, maxy));
    if crs.crs == Crs::Lambert72 {
        return Ok(BboxFilter {
            envelope: rect,
            outline: None,
        });
    }
    // Clamp geographic boxes to a generous area around Belgium before projecting.
    let rect = if crs.crs.is_geographic() {
        let (x0, y0, x1, y1) = (
            minx.max(-5.0),
            miny.max(45.0),
            maxx.min(15.0),
            maxy.min(56.0),
        );
        if x0 > x1 || y0 > y1 {
            return Ok(BboxFilter {
                envelope: Rect::new((0.0, 0.0), (0.0, 0.0)),
                outline: None,
            });
        }
        Rect::new((x0, y0), (x1, y1))
    } else {
        rect
    };
    let t = engine
        .transformer(crs.crs, Crs::Lambert72)
        .map_err(|e| Problem::bad_param("bbox", e))?;
    let envelope = t
        .transform_rect(rect)
        .map_err(|e| Problem::bad_param("bbox", e))?;
    // Boxes far outside the data (where the grid does not reach) keep the envelope only.
    let outline = transformed_outline(&t, rect, 32).ok();
    Ok(BboxFilter { envelope, outline })
}

fn round_to(v: f64, precision: i32) -> f64 {
    let f = 10f64.powi(precision);
    (v * f).round() / f
}

/// Writes geometries as GeoJSON coordinates in an output CRS.
pub struct GeometryWriter {
    transformer: Option<Transformer>,
    lat_lon: bool,
    precision: i32,
}

impl GeometryWriter {
    pub fn new(engine: &CrsEngine, out: OgcCrs) -> Result<Self, Problem> {
        let transformer = if out.crs == Crs::Lambert72 {
            None
        } else {
            Some(
                engine
                    .transformer(Crs::Lambert72, out.crs)
                    .map_err(|e| Problem::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?,
            )
        };
        Ok(GeometryWriter {
            transformer,
            lat_lon: out.lat_lon,
            precision: out.precision(),
        })
    }

    fn coord(&self, c: Coord<f64>) -> Value {
        let (x, y) = match &self.transformer {
            Some(t) => t.transform(c.x, c.y).unwrap_or((f64::NAN, f64::NAN)),
            None => (c.x, c.y),
        };
        let (a, b) = if self.lat_lon { (y, x) } else { (x, y) };
        json!([round_to(a, self.precision), round_to(b, self.precision)])
    }

    fn line(&self, l: &LineString<f64>) -> Value {
        Value::Array(l.0.iter().map(|c| self.coord(*c)).collect())
    }

    fn polygon(&self, p: &Polygon<f64>) -> Value {
        let mut rings = vec![self.line(p.exterior())];
        rings.extend(p.interiors().iter().map(|r| self.line(r)));
        Value::Array(rings)
    }

    /// The GeoJSON geometry object.
    pub fn geometry(&self, g: &Geometry<f64>) -> Value {
        match g {
            Geometry::Point(p) => json!({"type": "Point", "coordinates": self.coord(p.0)}),
            Geometry::MultiPoint(mp) => {
                json!({"type": "MultiPoint", "coordinates": mp.0.iter().map(|p| self.coord(p.0)).collect::<Vec<_>>()})
            }
            Geometry::LineString(l) => json!({"type": "LineString", "coordinates": self.line(l)}),
            Geometry::MultiLineString(ml) => {
                json!({"type": "MultiLineString", "coordinates": ml.0.iter().map(|l| self.line(l)).collect::<Vec<_>>()})
            }
            Geometry::Polygon(p) => json!({"type": "Polygon", "coordinates": self.polygon(p)}),
            Geometry::MultiPolygon(mp) => {
                json!({"type": "MultiPolygon", "coordinates": mp.0.iter().map(|p| self.polygon(p)).collect::<Vec<_>>()})
            }
            Geometry::Line(l) => self.geometry(&Geometry::LineString(LineString::from(vec![
                l.start, l.end,
            ]))),
            Geometry::Rect(r) => self.geometry(&Geometry::Polygon(r.to_polygon())),
            Geometry::Triangle(t) => self.geometry(&Geometry::Polygon(t.to_polygon())),
            Geometry::GeometryCollection(gc) => {
                json!({"type": "GeometryCollection", "geometries": gc.0.iter().map(|g| self.geometry(g)).collect::<Vec<_>>()})
            }
        }
    }

    /// A GeoJSON feature with its properties and, if `links` is given, self/collection links.
    pub fn feature(&self, f: &Feature, links: Option<(&str, Layer)>) -> Value {
        let mut obj = Map::new();
        obj.insert("type".into(), json!("Feature"));
        obj.insert("id".into(), json!(f.id));
        obj.insert("geometry".into(), self.geometry(&f.geometry));
        obj.insert("properties".into(), Value::Object(f.attributes.clone()));
        if let Some((base, layer)) = links {
            let id = layer.id();
            obj.insert(
                "links".into(),
                json!([
                    {"href": format!("{base}/ogc/collections/{id}/items/{}", f.id), "rel": "self", "type": "application/geo+json"},
                    {"href": format!("{base}/ogc/collections/{id}"), "rel": "collection", "type": "application/json"},
                ]),
            );
        }
        Value::Object(obj)
    }
}

fn output_crs(params: &BTreeMap<String, String>) -> Result<OgcCrs, Problem> {
    match params.get("crs") {
        Some(v) => OgcCrs::parse("crs", v),
        None => Ok(OgcCrs::CRS84),
    }
}

fn geojson_response(body: Value, crs: OgcCrs) -> Response {
    let mut resp = json_response("application/geo+json", body);
    if let Ok(v) = HeaderValue::from_str(&format!("<{}>", crs.uri())) {
        resp.headers_mut().insert("content-crs", v);
    }
    resp
}

fn query_string(params: &BTreeMap<String, String>) -> String {
    let mut s = String::new();
    for (k, v) in params {
        if !s.is_empty() {
            s.push('&');
        }
        s.push_str(&urlencode(k));
        s.push('=');
        s.push_str(&urlencode(v));
    }
    s
}

fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~,".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

async fn items(
    State(state): State<CoreState>,
    BaseUrl(base): BaseUrl,
    Path(id): Path<String>,
    Query(params): Params,
) -> Result<Response, Problem> {
    check_format(&params)?;
    let ds = state.current();
    let layer = find_layer(&ds, &id)?;
    let Some(idx) = ds.layer(layer) else {
        return Err(Problem::not_found(format!("no collection `{id}`")));
    };
    const STANDARD: &[&str] = &[
        "f", "limit", "offset", "bbox", "bbox-crs", "crs", "datetime",
    ];
    // Every other parameter must be a property of the layer (equality filter).
    let mut filters: Vec<(String, String)> = Vec::new();
    for (k, v) in &params {
        if STANDARD.contains(&k.as_str()) {
            continue;
        }
        let name = k.to_ascii_uppercase();
        if layer.m8_fields().contains(&name.as_str())
            || idx
                .features()
                .first()
                .is_some_and(|f| f.attributes.contains_key(&name))
        {
            filters.push((name, v.clone()));
        } else {
            return Err(Problem::bad_param(
                k,
                format!(
                    "unknown parameter (allowed: {} or a property of {id} such as {})",
                    STANDARD.join(", "),
                    layer.m8_fields().join(", ")
                ),
            ));
        }
    }
    let limit = match params.get("limit") {
        Some(v) => {
            let n = parse_usize("limit", v)?;
            if n == 0 {
                return Err(Problem::bad_param("limit", "must be at least 1"));
            }
            n.min(MAX_LIMIT)
        }
        None => DEFAULT_LIMIT,
    };
    let offset = match params.get("offset") {
        Some(v) => parse_usize("offset", v)?,
        None => 0,
    };
    let out_crs = output_crs(&params)?;
    let bbox_crs = match params.get("bbox-crs") {
        Some(v) => OgcCrs::parse("bbox-crs", v)?,
        None => OgcCrs::CRS84,
    };
    let bbox = match params.get("bbox") {
        Some(v) => Some(parse_bbox(v, bbox_crs, &state.engine)?),
        None => None,
    };
    let exact_bbox = bbox.as_ref().is_some_and(|b| b.outline.is_some());
    let (total, page): (usize, Vec<&Feature>) = if filters.is_empty() && !exact_bbox {
        idx.page(bbox.map(|b| b.envelope), offset, limit)
    } else {
        let matching: Vec<&Feature> = match &bbox {
            Some(b) => idx
                .in_bbox(b.envelope)
                .into_iter()
                .filter(|f| b.matches(&f.geometry))
                .collect::<Vec<_>>(),
            None => idx.features().iter().collect(),
        }
        .into_iter()
        .filter(|f| {
            filters
                .iter()
                .all(|(k, v)| text_attr(&f.attributes, k).as_deref() == Some(v.as_str()))
        })
        .collect();
        let total = matching.len();
        (
            total,
            matching.into_iter().skip(offset).take(limit).collect(),
        )
    };
    let writer = GeometryWriter::new(&state.engine, out_crs)?;
    let features: Vec<Value> = page
        .iter()
        .map(|f| writer.feature(f, Some((&base, layer))))
        .collect();
    let returned = features.len();
    let self_url = format!("{base}/ogc/collections/{id}/items");
    let mut links = vec![
        json!({"href": format!("{self_url}?{}", query_string(&params)), "rel": "self", "type": "application/geo+json"}),
        json!({"href": format!("{base}/ogc/collections/{id}"), "rel": "collection", "type": "application/json"}),
    ];
    let mut page_link = |rel: &str, new_offset: usize| {
        let mut p = params.clone();
        p.insert("offset".into(), new_offset.to_string());
        p.insert("limit".into(), limit.to_string());
        links.push(json!({"href": format!("{self_url}?{}", query_string(&p)), "rel": rel, "type": "application/geo+json"}));
    };
    if offset + returned < total {
        page_link("next", offset + returned);
    }
    if offset > 0 {
        page_link("prev", offset.saturating_sub(limit));
    }
    let body = json!({
        "type": "FeatureCollection",
        "timeStamp": time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        "numberMatched": total,
        "numberReturned": returned,
        "features": features,
        "links": links,
    });
    Ok(geojson_response(body, out_crs))
}

async fn item(
    State(state): State<CoreState>,
    BaseUrl(base): BaseUrl,
    Path((id, fid)): Path<(String, String)>,
    Query(params): Params,
) -> Result<Response, Problem> {
    check_known(&params, &["f", "crs"])?;
    check_format(&params)?;
    let ds = state.current();
    let layer = find_layer(&ds, &id)?;
    let out_crs = output_crs(&params)?;
    let fid_num: i64 = fid
        .parse()
        .map_err(|_| Problem::not_found(format!("no feature `{fid}` in {id}")))?;
    let f = ds
        .layer(layer)
        .and_then(|i| i.get(fid_num))
        .ok_or_else(|| Problem::not_found(format!("no feature `{fid}` in {id}")))?;
    let writer = GeometryWriter::new(&state.engine, out_crs)?;
    Ok(geojson_response(
        writer.feature(f, Some((&base, layer))),
        out_crs,
    ))
}

/// A byte range of a representation of length `len` (RFC 9110 §14).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// No (usable) Range header: the whole file.
    Full,
    /// `start..=end`.
    Part(u64, u64),
    Unsatisfiable,
}

/// Parse a `Range` header for a file of `len` bytes. Multiple ranges and malformed headers are
/// ignored (the whole file is sent, as RFC 9110 allows).
pub fn parse_range(v: &str, len: u64) -> ByteRange {
    let Some(spec) = v.trim().strip_prefix("bytes=") else {
        return ByteRange::Full;
    };
    if spec.contains(',') {
        return ByteRange::Full;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return ByteRange::Full;
    };
    let (a, b) = (a.trim(), b.trim());
    match (a.is_empty(), b.is_empty()) {
        (true, true) => ByteRange::Full,
        (true, false) => match b.parse::<u64>() {
            Ok(0) => ByteRange::Unsatisfiable,
            Ok(_) if len == 0 => ByteRange::Unsatisfiable,
            Ok(n) => ByteRange::Part(len.saturating_sub(n), len - 1),
            Err(_) => ByteRange::Full,
        },
        (false, _) => {
            let Ok(start) = a.parse::<u64>() else {
                return ByteRange::Full;
            };
            let end = if b.is_empty() {
                Some(len.saturating_sub(1))
            } else {
                b.parse::<u64>().ok()
            };
            match end {
                None => ByteRange::Full,
                Some(_) if start >= len => ByteRange::Unsatisfiable,
                Some(end) if end < start => ByteRange::Full,
                Some(end) => ByteRange::Part(start, end.min(len - 1)),
            }
        }
    }
}

/// The range a request asks of a representation of `len` bytes whose strong ETag is `etag`:
/// its `Range` header, unless an `If-Range` names another representation.
pub fn requested_range(headers: &axum::http::HeaderMap, len: u64, etag: &str) -> ByteRange {
    let range = headers
        .get(axum::http::header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map_or(ByteRange::Full, |v| parse_range(v, len));
    match headers
        .get(axum::http::header::IF_RANGE)
        .and_then(|v| v.to_str().ok())
    {
        Some(ir) if ir.trim() != etag => ByteRange::Full,
        _ => range,
    }
}

/// An input value as echoed in an error message: at most 40 characters.
pub fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

/// An optional finite number parameter; 400 naming `param` otherwise.
pub fn parse_f64(param: &str, v: Option<&String>) -> Result<Option<f64>, Problem> {
    match v {
        None => Ok(None),
        Some(s) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .map(Some)
            .ok_or_else(|| Problem::bad_param(param, format!("`{}` is not a number", clip(s)))),
    }
}

/// `GET /features/at?lon=&lat=` (or `x=&y=&crs=`): the municipality, parcel and building at a
/// point. Geometries are included with `geometry=true`.
async fn features_at(
    State(state): State<CoreState>,
    BaseUrl(base): BaseUrl,
    Query(params): Params,
) -> Result<Response, Problem> {
    check_known(&params, &["lon", "lat", "x", "y", "crs", "geometry", "f"])?;
    check_format(&params)?;
    let lon = parse_f64("lon", params.get("lon"))?;
    let lat = parse_f64("lat", params.get("lat"))?;
    let x = parse_f64("x", params.get("x"))?;
    let y = parse_f64("y", params.get("y"))?;
    let (crs, px, py) = match (lon, lat, x, y) {
        (Some(lon), Some(lat), None, None) => {
            if !(-180.0..=180.0).contains(&lon) {
                return Err(Problem::bad_param("lon", "must be within -180..180"));
            }
            if !(-90.0..=90.0).contains(&lat) {
                return Err(Problem::bad_param("lat", "must be within -90..90"));
            }
            (OgcCrs::CRS84, lon, lat)
        }
        (None, None, Some(x), Some(y)) => {
            let crs = match params.get("crs") {
                Some(c) => OgcCrs::parse("crs", c)?,
                None => OgcCrs {
                    crs: Crs::Lambert72,
                    lat_lon: false,
                },
            };
            // x/y are always easting/longitude, northing/latitude here.
            (
                OgcCrs {
                    lat_lon: false,
                    ..crs
                },
                x,
                y,
            )
        }
        _ => {
            let missing = match (lon, lat, x, y) {
                (Some(_), None, _, _) => "lat",
                (None, Some(_), _, _) => "lon",
                (None, None, Some(_), None) => "y",
                (None, None, None, Some(_)) => "x",
                (Some(_), Some(_), _, _) => "x",
                _ => "lon",
            };
            return Err(Problem::bad_param(
                missing,
                "give either lon and lat (WGS 84), or x and y (with crs, default EPSG:31370)",
            ));
        }
    };
    let with_geometry = match params.get("geometry").map(|s| s.as_str()) {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(Problem::bad_param(
                "geometry",
                format!("`{other}` is not true or false"),
            ))
        }
    };
    let (x72, y72) = if crs.crs == Crs::Lambert72 {
        (px, py)
    } else {
        state
            .engine
            .transformer(crs.crs, Crs::Lambert72)
            .and_then(|t| t.transform(px, py))
            .map_err(|e| Problem::bad_param(if lon.is_some() { "lon" } else { "x" }, e))?
    };
    let ds = state.current();
    let at = ds.at_point(x72, y72);
    let writer = GeometryWriter::new(&state.engine, OgcCrs::CRS84)?;
    let render = |f: Option<&Feature>, layer: Layer| -> Value {
        match f {
            None => Value::Null,
            Some(f) => {
                let mut v = writer.feature(f, Some((&base, layer)));
                if !with_geometry {
                    v["geometry"] = Value::Null;
                }
                v
            }
        }
    };
    Ok(json_response(
        "application/json",
        json!({
            "point": {"x": x72, "y": y72, "crs": Crs::Lambert72.uri()},
            "municipality": render(at.municipality, Layer::Municipalities),
            "parcel": render(at.parcel, Layer::Parcels),
            "building": render(at.building, Layer::Buildings),
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_ranges() {
        use ByteRange::*;
        assert_eq!(parse_range("bytes=0-99", 1000), Part(0, 99));
        assert_eq!(parse_range("bytes=900-", 1000), Part(900, 999));
        assert_eq!(parse_range("bytes=-100", 1000), Part(900, 999));
        assert_eq!(parse_range("bytes=-5000", 1000), Part(0, 999));
        assert_eq!(parse_range("bytes=990-2000", 1000), Part(990, 999));
        assert_eq!(parse_range("bytes=1000-", 1000), Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 1000), Unsatisfiable);
        assert_eq!(parse_range("bytes=5-1", 1000), Full);
        assert_eq!(parse_range("bytes=0-1,5-6", 1000), Full);
        assert_eq!(parse_range("items=0-1", 1000), Full);
        assert_eq!(parse_range("bytes=x-1", 1000), Full);
        let mut h = axum::http::HeaderMap::new();
        h.insert("range", "bytes=0-9".parse().expect("value"));
        assert_eq!(requested_range(&h, 100, "\"a\""), Part(0, 9));
        h.insert("if-range", "\"a\"".parse().expect("value"));
        assert_eq!(requested_range(&h, 100, "\"a\""), Part(0, 9));
        assert_eq!(requested_range(&h, 100, "\"b\""), Full);
    }
}
