//! HTTP API of the geocoder.
//!
//! * `GET /geocode?q=&lang=fr|nl&limit=&focus=lon,lat&bbox=minlon,minlat,maxlon,maxlat&crs=`
//! * `GET /geocode/autocomplete` (same parameters; the last word is a prefix)
//! * `GET /geocode/structured?street=&number=&box=&postcode=&municipality=&lang=&limit=&crs=`
//! * `GET /geocode/reverse?lon=&lat=` (or `x=&y=&crs=`), `limit`, `radius` (m), `lang`, `crs`
//!
//! answer in GeocodeJSON (a GeoJSON FeatureCollection with a `geocoding` member at the top and in
//! each feature's properties). The official Brussels geocoder's endpoints are mirrored under
//! `/localization/Rest/Localize/` (`getaddresses`, `getaddressesfields`, `getaddressfromxy`, with
//! JSONP `callback=`) so that existing clients work unchanged. Bad input is a 400 problem+json.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::header::{self, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Map, Value};

use super::search::{
    Hit, Lang, MatchType, Qual, SearchOptions, Structured, MAX_LIMIT, MAX_QUERY_CHARS,
};
use super::{Current, GeocodeIndex, Geocoder};
use crate::crs::{Crs, CrsEngine};
use crate::http::{check_known, clip, parse_f64, Problem, SharedDataset};

/// Default number of results.
pub const DEFAULT_LIMIT: usize = 10;
/// Default and largest reverse search radius, metres.
pub const DEFAULT_RADIUS: f64 = 250.0;
pub const MAX_RADIUS: f64 = 5000.0;

const ATTRIBUTION: &str =
    "Realised by means of Brussels UrbIS®© - Distribution & Copyright Paradigm";

#[derive(Clone)]
pub struct GeocodeState {
    pub geocoder: Arc<Geocoder>,
    pub engine: CrsEngine,
}

/// The router; merge it at the root. Starts the index's background (re)builds when called
/// inside a Tokio runtime.
pub fn router(dataset: Arc<SharedDataset>, engine: CrsEngine) -> Router {
    let geocoder = Geocoder::new(dataset);
    if tokio::runtime::Handle::try_current().is_ok() {
        geocoder.watch();
    }
    router_with(GeocodeState { geocoder, engine })
}

pub fn router_with(state: GeocodeState) -> Router {
    Router::new()
        .route("/geocode", get(geocode))
        .route("/geocode/autocomplete", get(autocomplete))
        .route("/geocode/structured", get(structured))
        .route("/geocode/reverse", get(reverse))
        .route(
            "/localization/Rest/Localize/getaddresses",
            get(compat_getaddresses),
        )
        .route(
            "/localization/Rest/Localize/getaddressesfields",
            get(compat_getaddressesfields),
        )
        .route(
            "/localization/Rest/Localize/getaddressfromxy",
            get(compat_getaddressfromxy),
        )
        .with_state(state)
}

type Params = Query<BTreeMap<String, String>>;

fn parse_lang(param: &str, v: Option<&String>) -> Result<Option<Lang>, Problem> {
    match v.map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => Lang::parse(s)
            .map(Some)
            .ok_or_else(|| Problem::bad_param(param, format!("`{}` is not fr or nl", clip(s)))),
    }
}

fn parse_limit(v: Option<&String>) -> Result<usize, Problem> {
    match v {
        None => Ok(DEFAULT_LIMIT),
        Some(s) => match s.trim().parse::<usize>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            _ => Err(Problem::bad_param(
                "limit",
                format!("must be an integer within 1..={MAX_LIMIT}"),
            )),
        },
    }
}

/// Output CRS: 4326 (lon/lat), 31370, 3812 or 3857 (an EPSG code, `EPSG:x`, a URI or CRS84).
fn parse_crs(param: &str, v: Option<&String>) -> Result<Crs, Problem> {
    match v.map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(Crs::Wgs84),
        Some(s) => Crs::parse(s).map_err(|e| Problem::bad_param(param, e)),
    }
}

fn parse_query(param: &str, v: Option<&String>) -> Result<String, Problem> {
    let q = v.map(|s| s.trim()).unwrap_or("");
    if q.is_empty() {
        return Err(Problem::bad_param(param, "required and must not be empty"));
    }
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(Problem::bad_param(
            param,
            format!("longer than {MAX_QUERY_CHARS} characters"),
        ));
    }
    Ok(q.to_string())
}

fn numbers(param: &str, v: &str, n: usize) -> Result<Vec<f64>, Problem> {
    let nums: Result<Vec<f64>, _> = v.split(',').map(|s| s.trim().parse::<f64>()).collect();
    match nums {
        Ok(v) if v.len() == n && v.iter().all(|x| x.is_finite()) => Ok(v),
        _ => Err(Problem::bad_param(
            param,
            format!("expected {n} comma-separated numbers"),
        )),
    }
}

fn check_lon_lat(param: &str, lon: f64, lat: f64) -> Result<(), Problem> {
    if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
        return Err(Problem::bad_param(param, "longitude/latitude out of range"));
    }
    Ok(())
}

fn to_l72(
    engine: &CrsEngine,
    param: &str,
    crs: Crs,
    x: f64,
    y: f64,
) -> Result<(f64, f64), Problem> {
    if !(x.is_finite() && y.is_finite()) {
        return Err(Problem::bad_param(
            param,
            "coordinates must be finite numbers",
        ));
    }
    if crs.is_geographic() {
        check_lon_lat(param, x, y)?;
    }
    if crs == Crs::Lambert72 {
        return Ok((x, y));
    }
    engine
        .transformer(crs, Crs::Lambert72)
        .and_then(|t| t.transform(x, y))
        .map_err(|e| Problem::bad_param(param, e))
}

fn parse_focus(engine: &CrsEngine, v: Option<&String>) -> Result<Option<(f64, f64)>, Problem> {
    match v {
        None => Ok(None),
        Some(s) => {
            let n = numbers("focus", s, 2)?;
            to_l72(engine, "focus", Crs::Wgs84, n[0], n[1]).map(Some)
        }
    }
}

fn parse_bbox(engine: &CrsEngine, v: Option<&String>) -> Result<Option<[f64; 4]>, Problem> {
    match v {
        None => Ok(None),
        Some(s) => {
            let n = numbers("bbox", s, 4)?;
            check_lon_lat("bbox", n[0], n[1])?;
            check_lon_lat("bbox", n[2], n[3])?;
            if n[0] > n[2] || n[1] > n[3] {
                return Err(Problem::bad_param(
                    "bbox",
                    "expected minlon,minlat,maxlon,maxlat",
                ));
            }
            let r = geo::Rect::new(
                (n[0].max(-5.0), n[1].max(45.0)),
                (n[2].min(15.0), n[3].min(56.0)),
            );
            if r.min().x > r.max().x || r.min().y > r.max().y {
                return Ok(Some([0.0, 0.0, 0.0, 0.0]));
            }
            let t = engine
                .transformer(Crs::Wgs84, Crs::Lambert72)
                .and_then(|t| t.transform_rect(r))
                .map_err(|e| Problem::bad_param("bbox", e))?;
            Ok(Some([t.min().x, t.min().y, t.max().x, t.max().y]))
        }
    }
}

async fn current(state: &GeocodeState) -> Result<Current, Problem> {
    state.geocoder.current().await.ok_or_else(|| {
        Problem::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "the geocoding index is not available",
        )
    })
}

/// Writes points in the output CRS.
struct PointOut {
    t: Option<crate::crs::Transformer>,
    geographic: bool,
}

impl PointOut {
    fn new(engine: &CrsEngine, crs: Crs) -> Result<Self, Problem> {
        let t = if crs == Crs::Lambert72 {
            None
        } else {
            Some(engine.transformer(Crs::Lambert72, crs).map_err(|e| {
                Problem::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
            })?)
        };
        Ok(PointOut {
            t,
            geographic: crs.is_geographic(),
        })
    }
    fn xy(&self, x: f64, y: f64) -> (f64, f64) {
        let (a, b) = match &self.t {
            Some(t) => t.transform(x, y).unwrap_or((f64::NAN, f64::NAN)),
            None => (x, y),
        };
        let f = if self.geographic { 1e8 } else { 100.0 };
        ((a * f).round() / f, (b * f).round() / f)
    }
}

/// The names of a hit in both languages.
struct Names {
    street: [Option<String>; 2],
    muni: [Option<String>; 2],
    postcode: Option<String>,
    number: Option<String>,
    box_number: Option<String>,
}

fn names(ix: &GeocodeIndex, h: &Hit) -> Names {
    let st = h.street.and_then(|s| ix.streets().get(s as usize));
    let m = h.muni.and_then(|m| ix.municipalities().get(m as usize));
    let a = h.address.and_then(|a| ix.addresses().get(a as usize));
    Names {
        street: [
            st.and_then(|s| s.name_fr.clone().or(s.name_nl.clone())),
            st.and_then(|s| s.name_nl.clone().or(s.name_fr.clone())),
        ],
        muni: [
            m.and_then(|m| m.name_fr.clone().or(m.name_nl.clone())),
            m.and_then(|m| m.name_nl.clone().or(m.name_fr.clone())),
        ],
        postcode: a
            .and_then(|a| a.postcode.clone())
            .or_else(|| st.and_then(|s| s.postcodes.first().cloned()))
            .or_else(|| m.and_then(|m| m.postcodes.first().cloned())),
        number: h.number.clone(),
        box_number: a
            .and_then(|a| a.box_number.clone())
            .or(h.box_number.clone()),
    }
}

fn label(n: &Names, lang: Lang) -> String {
    let i = usize::from(lang == Lang::Nl);
    let mut s = String::new();
    if let Some(st) = &n.street[i] {
        s.push_str(st);
        if let Some(num) = &n.number {
            s.push(' ');
            s.push_str(num);
            if let Some(b) = &n.box_number {
                s.push_str(if lang == Lang::Nl { " bus " } else { " bte " });
                s.push_str(b);
            }
        }
    }
    let locality = match (&n.postcode, &n.muni[i]) {
        (Some(p), Some(m)) => format!("{p} {m}"),
        (None, Some(m)) => m.clone(),
        (Some(p), None) => p.clone(),
        (None, None) => String::new(),
    };
    if !locality.is_empty() {
        if !s.is_empty() {
            s.push_str(", ");
        }
        s.push_str(&locality);
    }
    s
}

fn address_obj(n: &Names, lang: Lang) -> Value {
    let i = usize::from(lang == Lang::Nl);
    json!({
        "street": n.street[i],
        "housenumber": n.number,
        "box": n.box_number,
        "postcode": n.postcode,
        "city": n.muni[i],
        "label": label(n, lang),
    })
}

fn round(v: f64, d: i32) -> f64 {
    let f = 10f64.powi(d);
    (v * f).round() / f
}

fn feature(ix: &GeocodeIndex, h: &Hit, lang: Option<Lang>, out: &PointOut) -> Value {
    let n = names(ix, h);
    let lang = lang.or(h.matched_lang).unwrap_or(Lang::Fr);
    let i = usize::from(lang == Lang::Nl);
    let kind = match h.match_type {
        MatchType::Exact | MatchType::Interpolated => "house",
        MatchType::Street => "street",
        MatchType::Municipality => "city",
    };
    let a = h.address.and_then(|a| ix.addresses().get(a as usize));
    let st = h.street.and_then(|s| ix.streets().get(s as usize));
    let m = h.muni.and_then(|m| ix.municipalities().get(m as usize));
    let (x, y) = out.xy(h.x, h.y);
    let mut g = Map::new();
    g.insert("type".into(), json!(kind));
    g.insert("label".into(), json!(label(&n, lang)));
    let name = match h.match_type {
        MatchType::Municipality => n.muni[i].clone(),
        _ => {
            let mut s = n.street[i].clone().unwrap_or_default();
            if let Some(num) = &n.number {
                s = format!("{s} {num}");
            }
            Some(s)
        }
    };
    g.insert("name".into(), json!(name));
    if let Some(num) = &n.number {
        g.insert("housenumber".into(), json!(num));
    }
    if let Some(b) = &n.box_number {
        g.insert("box".into(), json!(b));
    }
    if let Some(s) = &n.street[i] {
        g.insert("street".into(), json!(s));
    }
    if let Some(p) = &n.postcode {
        g.insert("postcode".into(), json!(p));
    }
    if let Some(c) = &n.muni[i] {
        g.insert("city".into(), json!(c));
    }
    g.insert("country".into(), json!("BE"));
    g.insert("match_type".into(), json!(h.match_type.as_str()));
    g.insert("confidence".into(), json!(round(h.confidence, 3)));
    g.insert("lang".into(), json!(lang.code()));
    let id = a
        .and_then(|a| a.inspire_id.clone())
        .or_else(|| {
            if a.is_none() && h.match_type == MatchType::Street {
                st.and_then(|s| s.id.clone())
            } else {
                None
            }
        })
        .or_else(|| {
            if h.match_type == MatchType::Municipality {
                m.and_then(|m| m.inspire_id.clone().or(m.nis.clone()))
            } else {
                None
            }
        });
    if let Some(id) = id {
        g.insert("id".into(), json!(id));
    }
    if let Some(a) = a {
        g.insert("address_fid".into(), json!(a.fid));
    }
    if let Some(sid) = st.and_then(|s| s.id.clone()) {
        g.insert("street_id".into(), json!(sid));
    }
    if let Some(nis) = m.and_then(|m| m.nis.clone()) {
        g.insert("municipality_nis".into(), json!(nis));
    }
    if let Some(d) = h.distance {
        g.insert("distance".into(), json!(round(d, 2)));
    }
    g.insert(
        "address".into(),
        json!({"fr": address_obj(&n, Lang::Fr), "nl": address_obj(&n, Lang::Nl)}),
    );
    json!({
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [x, y]},
        "properties": {"geocoding": Value::Object(g)},
    })
}

/// A GeocodeJSON FeatureCollection of `hits` (points in `crs`, x = longitude for 4326).
pub fn feature_collection(
    index: &GeocodeIndex,
    stale: bool,
    hits: &[Hit],
    query: Value,
    lang: Option<Lang>,
    crs: Crs,
    engine: &CrsEngine,
) -> Result<Value, Problem> {
    let out = PointOut::new(engine, crs)?;
    let features: Vec<Value> = hits.iter().map(|h| feature(index, h, lang, &out)).collect();
    Ok(json!({
        "type": "FeatureCollection",
        "geocoding": {
            "version": "0.1.0",
            "attribution": ATTRIBUTION,
            "licence": "UrbIS open data (CC-BY 4.0) / ODbL for OpenStreetMap-derived data",
            "query": query,
            "crs": crs.uri(),
            "generation": index.generation(),
            "stale": stale,
        },
        "features": features,
    }))
}

fn geocodejson(
    cur: &Current,
    hits: &[Hit],
    query: Value,
    lang: Option<Lang>,
    crs: Crs,
    engine: &CrsEngine,
) -> Result<Response, Problem> {
    let body = feature_collection(&cur.index, cur.stale, hits, query, lang, crs, engine)?;
    let mut resp = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/geo+json"),
        )],
        body.to_string(),
    )
        .into_response();
    if cur.stale {
        resp.headers_mut().insert(
            "x-urbis-index",
            HeaderValue::from_static("stale; rebuilding"),
        );
    }
    Ok(resp)
}

const FORWARD_PARAMS: &[&str] = &["q", "text", "lang", "limit", "focus", "bbox", "crs"];

async fn forward(
    state: GeocodeState,
    params: BTreeMap<String, String>,
    autocomplete: bool,
) -> Result<Response, Problem> {
    check_known(&params, FORWARD_PARAMS)?;
    let (qname, qv) = match (params.get("q"), params.get("text")) {
        (None, Some(v)) => ("text", Some(v)),
        (v, _) => ("q", v),
    };
    let q = parse_query(qname, qv)?;
    let lang = parse_lang("lang", params.get("lang"))?;
    let limit = parse_limit(params.get("limit"))?;
    let crs = parse_crs("crs", params.get("crs"))?;
    let opts = SearchOptions {
        limit,
        autocomplete,
        focus: parse_focus(&state.engine, params.get("focus"))?,
        bbox: parse_bbox(&state.engine, params.get("bbox"))?,
    };
    let cur = current(&state).await?;
    let ix = cur.index.clone();
    let qq = q.clone();
    let hits = tokio::task::spawn_blocking(move || ix.search(&qq, &opts))
        .await
        .map_err(|e| Problem::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    geocodejson(
        &cur,
        &hits,
        json!({"text": q, "autocomplete": autocomplete, "limit": limit}),
        lang,
        crs,
        &state.engine,
    )
}

async fn geocode(
    State(state): State<GeocodeState>,
    Query(params): Params,
) -> Result<Response, Problem> {
    forward(state, params, false).await
}

async fn autocomplete(
    State(state): State<GeocodeState>,
    Query(params): Params,
) -> Result<Response, Problem> {
    forward(state, params, true).await
}

fn opt_field(params: &BTreeMap<String, String>, names: &[&str]) -> Result<Option<String>, Problem> {
    for n in names {
        if let Some(v) = params.get(*n) {
            if v.chars().count() > MAX_QUERY_CHARS {
                return Err(Problem::bad_param(
                    n,
                    format!("longer than {MAX_QUERY_CHARS} characters"),
                ));
            }
            let v = v.trim();
            if !v.is_empty() {
                return Ok(Some(v.to_string()));
            }
        }
    }
    Ok(None)
}

async fn structured(
    State(state): State<GeocodeState>,
    Query(params): Params,
) -> Result<Response, Problem> {
    check_known(
        &params,
        &[
            "street",
            "number",
            "housenumber",
            "box",
            "postcode",
            "postalcode",
            "municipality",
            "locality",
            "city",
            "lang",
            "limit",
            "focus",
            "bbox",
            "crs",
        ],
    )?;
    let s = Structured {
        street: opt_field(&params, &["street"])?,
        number: opt_field(&params, &["number", "housenumber"])?,
        box_number: opt_field(&params, &["box"])?,
        postcode: opt_field(&params, &["postcode", "postalcode"])?,
        municipality: opt_field(&params, &["municipality", "locality", "city"])?,
    };
    if s.street.is_none() && s.postcode.is_none() && s.municipality.is_none() {
        return Err(Problem::bad_param(
            "street",
            "give at least a street, a postcode or a municipality",
        ));
    }
    if let Some(p) = &s.postcode {
        if !(p.len() == 4 && p.bytes().all(|b| b.is_ascii_digit())) {
            return Err(Problem::bad_param(
                "postcode",
                "expected a 4-digit Belgian postcode",
            ));
        }
    }
    let lang = parse_lang("lang", params.get("lang"))?;
    let limit = parse_limit(params.get("limit"))?;
    let crs = parse_crs("crs", params.get("crs"))?;
    let opts = SearchOptions {
        limit,
        autocomplete: false,
        focus: parse_focus(&state.engine, params.get("focus"))?,
        bbox: parse_bbox(&state.engine, params.get("bbox"))?,
    };
    let cur = current(&state).await?;
    let hits = cur.index.search_structured(&s, &opts);
    let query = json!({"street": s.street, "number": s.number, "box": s.box_number, "postcode": s.postcode, "municipality": s.municipality});
    geocodejson(&cur, &hits, query, lang, crs, &state.engine)
}

async fn reverse(
    State(state): State<GeocodeState>,
    Query(params): Params,
) -> Result<Response, Problem> {
    check_known(
        &params,
        &[
            "lon", "lat", "x", "y", "crs", "in_crs", "limit", "radius", "lang",
        ],
    )?;
    let lon = parse_f64("lon", params.get("lon"))?;
    let lat = parse_f64("lat", params.get("lat"))?;
    let x = parse_f64("x", params.get("x"))?;
    let y = parse_f64("y", params.get("y"))?;
    let out_crs = parse_crs("crs", params.get("crs"))?;
    let (x72, y72) = match (lon, lat, x, y) {
        (Some(lon), Some(lat), None, None) => to_l72(&state.engine, "lon", Crs::Wgs84, lon, lat)?,
        (None, None, Some(x), Some(y)) => {
            let in_crs = match params.get("in_crs") {
                Some(c) => parse_crs("in_crs", Some(c))?,
                None => Crs::Lambert72,
            };
            to_l72(&state.engine, "x", in_crs, x, y)?
        }
        (Some(_), None, _, _) => return Err(Problem::bad_param("lat", "required with lon")),
        (None, Some(_), _, _) => return Err(Problem::bad_param("lon", "required with lat")),
        _ => {
            return Err(Problem::bad_param(
                "lon",
                "give lon and lat (WGS 84), or x and y (in_crs, default EPSG:31370)",
            ))
        }
    };
    let limit = match params.get("limit") {
        None => 1,
        Some(_) => parse_limit(params.get("limit"))?,
    };
    let radius = match parse_f64("radius", params.get("radius"))? {
        None => DEFAULT_RADIUS,
        Some(r) if r > 0.0 && r <= MAX_RADIUS => r,
        Some(_) => {
            return Err(Problem::bad_param(
                "radius",
                format!("must be within (0, {MAX_RADIUS}] metres"),
            ))
        }
    };
    let lang = parse_lang("lang", params.get("lang"))?;
    let cur = current(&state).await?;
    let hits = cur.index.reverse(x72, y72, limit, radius);
    let query = json!({"point": {"x": x72, "y": y72, "crs": Crs::Lambert72.uri()}, "limit": limit, "radius": radius});
    geocodejson(&cur, &hits, query, lang, out_crs, &state.engine)
}

// ---- The official service's API -------------------------------------------------------------

/// Lower-cased parameter names (the official service's clients vary the case).
fn lower_keys(params: BTreeMap<String, String>) -> BTreeMap<String, String> {
    params
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect()
}

/// A JSONP callback name: a JavaScript identifier path, at most 128 characters.
fn parse_callback(v: Option<&String>) -> Result<Option<String>, Problem> {
    match v.map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => {
            let ok = s.len() <= 128
                && s.split('.').all(|part| {
                    !part.is_empty()
                        && !part.starts_with(|c: char| c.is_ascii_digit())
                        && part
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
                });
            if ok {
                Ok(Some(s.to_string()))
            } else {
                Err(Problem::bad_param(
                    "callback",
                    "not a valid JavaScript function name",
                ))
            }
        }
    }
}

fn compat_response(body: Value, callback: Option<String>) -> Response {
    match callback {
        Some(cb) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/javascript; charset=utf-8"),
            )],
            format!("/**/{cb}({body});"),
        )
            .into_response(),
        None => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            )],
            body.to_string(),
        )
            .into_response(),
    }
}

/// `spatialReference` / `SRS_In`: 31370 (the official default), 4326 or 3812.
fn compat_crs(param: &str, v: Option<&Value>) -> Result<Crs, Problem> {
    let s = match v {
        None | Some(Value::Null) => return Ok(Crs::Lambert72),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(Crs::Lambert72),
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(_) => return Err(Problem::bad_param(param, "expected an EPSG code")),
    };
    Crs::parse(&s).map_err(|e| Problem::bad_param(param, e))
}

fn compat_lang(v: Option<&Value>) -> Result<Lang, Problem> {
    match v
        .and_then(|v| v.as_str())
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => Ok(Lang::Fr),
        Some(s) => Lang::parse(s).ok_or_else(|| {
            Problem::bad_param("language", format!("`{}` is not fr or nl", clip(s)))
        }),
    }
}

/// Zero-padded official-style national address code: postcode, street code, number.
fn ad_nc(postcode: Option<&str>, street_code: Option<&str>, number: Option<&str>) -> String {
    format!(
        "{:<4}{:>4}{:>4}",
        postcode.unwrap_or(""),
        street_code.unwrap_or(""),
        number.unwrap_or("")
    )
}

fn tail_id(uri: Option<&str>) -> Option<String> {
    uri.map(|u| {
        u.trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or(u)
            .to_string()
    })
}

fn compat_result(ix: &GeocodeIndex, h: &Hit, lang: Lang, out: &PointOut) -> Value {
    let n = names(ix, h);
    let i = usize::from(lang == Lang::Nl);
    let st = h.street.and_then(|s| ix.streets().get(s as usize));
    let street_code = tail_id(st.and_then(|s| s.id.as_deref()));
    let (x, y) = out.xy(h.x, h.y);
    let extent = match (h.match_type, st) {
        (MatchType::Street, Some(s)) if s.bbox[0].is_finite() => {
            let (x0, y0) = out.xy(s.bbox[0], s.bbox[1]);
            let (x1, y1) = out.xy(s.bbox[2], s.bbox[3]);
            json!({"xmin": x0.min(x1), "ymin": y0.min(y1), "xmax": x0.max(x1), "ymax": y0.max(y1)})
        }
        _ => json!({"xmin": x, "ymin": y, "xmax": x, "ymax": y}),
    };
    let q = h.qualification;
    json!({
        "language": lang.code(),
        "address": {
            "street": {
                "name": n.street[i],
                "postCode": n.postcode,
                "municipality": n.muni[i],
                "id": street_code,
            },
            "number": n.number.clone().unwrap_or_default(),
        },
        "adNc": ad_nc(n.postcode.as_deref(), street_code.as_deref(), n.number.as_deref()),
        "score": round(h.confidence * 100.0, 2),
        "point": {"x": x, "y": y},
        "extent": extent,
        "qualificationText": {
            "policeNumber": q.number.as_str(),
            "postCode": q.postcode.as_str(),
            "municipality": q.municipality.as_str(),
            "streetName": q.street.as_str(),
        },
        "qualificationCode": {
            "policeNumber": q.number.code(),
            "postCode": q.postcode.code(),
            "municipality": q.municipality.code(),
            "streetName": q.street.code(),
        },
    })
}

fn compat_body(results: Vec<Value>) -> Value {
    let status = if results.is_empty() {
        "noresult"
    } else {
        "success"
    };
    json!({"result": results, "error": false, "status": status, "version": "2.0.2"})
}

/// Only addresses and streets (the official service does not answer with a municipality).
fn compat_hits(hits: Vec<Hit>) -> Vec<Hit> {
    hits.into_iter()
        .filter(|h| h.match_type != MatchType::Municipality)
        .collect()
}

async fn compat_getaddresses(
    State(state): State<GeocodeState>,
    Query(params): Params,
) -> Result<Response, Problem> {
    let params = lower_keys(params);
    let callback = parse_callback(params.get("callback"))?;
    let q = parse_query("address", params.get("address"))?;
    let lang = compat_lang(
        params
            .get("language")
            .map(|s| Value::String(s.clone()))
            .as_ref(),
    )?;
    let crs = compat_crs(
        "spatialReference",
        params
            .get("spatialreference")
            .map(|s| Value::String(s.clone()))
            .as_ref(),
    )?;
    let limit = match params.get("limit") {
        Some(_) => parse_limit(params.get("limit"))?,
        None => DEFAULT_LIMIT,
    };
    let cur = current(&state).await?;
    let out = PointOut::new(&state.engine, crs)?;
    let hits = compat_hits(cur.index.search(
        &q,
        &SearchOptions {
            limit,
            ..Default::default()
        },
    ));
    let results = hits
        .iter()
        .map(|h| compat_result(&cur.index, h, lang, &out))
        .collect();
    Ok(compat_response(compat_body(results), callback))
}

fn parse_json_param(params: &BTreeMap<String, String>) -> Result<Value, Problem> {
    let raw = params
        .get("json")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Problem::bad_param("json", "required"))?;
    if raw.len() > 4096 {
        return Err(Problem::bad_param("json", "longer than 4096 bytes"));
    }
    let v: Value = serde_json::from_str(raw)
        .map_err(|e| Problem::bad_param("json", format!("invalid JSON: {e}")))?;
    if !v.is_object() {
        return Err(Problem::bad_param("json", "expected a JSON object"));
    }
    Ok(v)
}

fn json_text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => {
            Some(s.trim().chars().take(MAX_QUERY_CHARS).collect())
        }
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

async fn compat_getaddressesfields(
    State(state): State<GeocodeState>,
    Query(params): Params,
) -> Result<Response, Problem> {
    let params = lower_keys(params);
    let callback = parse_callback(params.get("callback"))?;
    let j = parse_json_param(&params)?;
    let lang = compat_lang(j.get("language"))?;
    let crs = compat_crs(
        "spatialReference",
        j.get("spatialReference").or(j.get("spatialreference")),
    )?;
    let addr = j.get("address").cloned().unwrap_or(Value::Null);
    let street = addr.get("street").cloned().unwrap_or(Value::Null);
    let s = Structured {
        street: json_text(street.get("name")),
        number: json_text(addr.get("number")),
        box_number: json_text(addr.get("box")),
        postcode: json_text(street.get("postcode").or(street.get("postCode"))),
        municipality: json_text(street.get("municipality")),
    };
    if s.street.is_none() {
        return Err(Problem::bad_param(
            "json",
            "address.street.name is required",
        ));
    }
    let cur = current(&state).await?;
    let out = PointOut::new(&state.engine, crs)?;
    let hits = compat_hits(cur.index.search_structured(
        &s,
        &SearchOptions {
            limit: DEFAULT_LIMIT,
            ..Default::default()
        },
    ));
    let results = hits
        .iter()
        .map(|h| compat_result(&cur.index, h, lang, &out))
        .collect();
    Ok(compat_response(compat_body(results), callback))
}

async fn compat_getaddressfromxy(
    State(state): State<GeocodeState>,
    Query(params): Params,
) -> Result<Response, Problem> {
    let params = lower_keys(params);
    let callback = parse_callback(params.get("callback"))?;
    let j = parse_json_param(&params)?;
    let lang = compat_lang(j.get("language"))?;
    let in_crs = compat_crs("SRS_In", j.get("SRS_In").or(j.get("srs_in")))?;
    let num = |v: Option<&Value>| -> Option<f64> {
        match v? {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
        .filter(|x: &f64| x.is_finite())
    };
    let point = j.get("point").cloned().unwrap_or(Value::Null);
    let (Some(px), Some(py)) = (num(point.get("x")), num(point.get("y"))) else {
        return Err(Problem::bad_param(
            "json",
            "point.x and point.y must be numbers",
        ));
    };
    // The official service's quirk: with SRS_In 4326, x is the latitude and y the longitude.
    let (x72, y72) = if in_crs == Crs::Wgs84 {
        to_l72(&state.engine, "json", Crs::Wgs84, py, px)?
    } else {
        to_l72(&state.engine, "json", in_crs, px, py)?
    };
    let out_crs = match j.get("SRS_Out").or(j.get("spatialReference")) {
        Some(v) => compat_crs("SRS_Out", Some(v))?,
        None => in_crs,
    };
    let cur = current(&state).await?;
    let out = PointOut::new(&state.engine, out_crs)?;
    let hits = cur.index.reverse(x72, y72, 1, DEFAULT_RADIUS);
    let results = hits
        .iter()
        .filter(|h| h.match_type != MatchType::Municipality)
        .map(|h| {
            let mut r = compat_result(&cur.index, h, lang, &out);
            let a = h
                .address
                .and_then(|a| cur.index.addresses().get(a as usize));
            let st = h.street.and_then(|s| cur.index.streets().get(s as usize));
            r["addresspointid"] = json!(a.map(|a| a.fid));
            r["streetaxisid"] = json!(st.and_then(|s| s.axis_fid));
            r["streetsectionid"] = json!(st.and_then(|s| s.axis_fid));
            r["geocodematchcode"] = json!(match h.match_type {
                MatchType::Exact => 1,
                MatchType::Interpolated => 2,
                MatchType::Street => 3,
                MatchType::Municipality => 4,
            });
            r["distance"] = json!(h.distance.map(|d| round(d, 2)));
            r["qualificationText"]["policeNumber"] = json!(if a.is_some() {
                Qual::Found.as_str()
            } else {
                Qual::NotFound.as_str()
            });
            r
        })
        .collect();
    Ok(compat_response(compat_body(results), callback))
}
