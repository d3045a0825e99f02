//! The JSON catalogue API for developers: `/api/datasets`, `/api/services`, `/api/publishers`,
//! `/api/catalogue/quality` and the OpenAPI 3.1 document at `/api/openapi.json`.
//!
//! Search parameters (all optional): `q` (full text), `type` (dataset, series, service),
//! facet filters `theme`, `publisher`, `format`, `keyword`, `licence`, `language` (comma
//! separated values are alternatives; codes such as `REGI`, `CSV`, `FRA` expand to the EU
//! vocabulary URIs), `hvd` (`true`, `false` or a category), `bbox` (`west,south,east,north` in
//! WGS 84), `temporal` (`start/end`, either side `..`), `modified_since` (ISO 8601),
//! `sort` (relevance, title, modified), `lang` (title sorting and labels: fr, nl, en, de),
//! `page` (from 1) and `limit` (0–100, default 20), `facets` (list or `none`; default all) and
//! `facet_limit` (1–100). Unknown or malformed parameters answer 400 problem+json.

use std::collections::BTreeMap;
use std::sync::Mutex;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Serialize;
use serde_json::{json, Map, Value};
use urbis_core::http::{check_known, clip, Problem};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::admin::doc::BearerAuth;
use crate::model::{vocab, Agent, Bbox, Dataset, Kind, Lang};
use crate::mqa::{CatalogueAccumulator, CatalogueScore};
use crate::search::{Facet, FacetCount, SearchQuery, Sort, MAX_Q};
use crate::store::normalize_instant;
use crate::CatalogState;

/// Largest `limit`.
pub const MAX_LIMIT: usize = 100;
/// Deepest result reachable by paging (`page × limit`).
pub const MAX_DEPTH: usize = 100_000;

const SEARCH_PARAMS: &[&str] = &[
    "q",
    "type",
    "theme",
    "publisher",
    "format",
    "keyword",
    "licence",
    "language",
    "hvd",
    "bbox",
    "temporal",
    "modified_since",
    "sort",
    "lang",
    "page",
    "limit",
    "facets",
    "facet_limit",
];

/// Query parameters of the searches (documentation of `/api/datasets` and `/api/services`).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct SearchParams {
    /// Full text over titles, descriptions and keywords (FR/NL/EN/DE stemming, accents ignored).
    q: Option<String>,
    /// dataset, series, service (comma-separated alternatives; `/api/datasets` only).
    #[param(rename = "type")]
    kind: Option<String>,
    /// EU data-theme code or URI (comma-separated alternatives).
    theme: Option<String>,
    /// Publisher id.
    publisher: Option<String>,
    /// EU file-type code or URI.
    format: Option<String>,
    keyword: Option<String>,
    /// Licence URI (or EU licence code).
    licence: Option<String>,
    /// EU language code (FRA) or URI.
    language: Option<String>,
    /// true, false, or an HVD category (`c_ac64a52d`) or URI.
    hvd: Option<String>,
    /// west,south,east,north in WGS 84 degrees.
    bbox: Option<String>,
    /// start/end (ISO 8601 dates; `..` for an open side).
    temporal: Option<String>,
    /// ISO 8601 date or date-time.
    modified_since: Option<String>,
    /// relevance (default), title, modified.
    sort: Option<String>,
    /// fr (default), nl, en, de: title sorting and labels.
    lang: Option<String>,
    /// Page number from 1.
    page: Option<u64>,
    /// Results per page, 0–100 (default 20).
    limit: Option<u64>,
    /// Facets to count (comma-separated) or `none` (default: all).
    facets: Option<String>,
    /// Values per facet, 1–100 (default 20).
    facet_limit: Option<u64>,
}

/// A search response (documentation).
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct SearchResponse {
    total: u64,
    page: u64,
    limit: u64,
    /// Records with `uri` and an `mqa` summary.
    items: Vec<Dataset>,
    /// Facet → values with counts (publishers with a `label`).
    #[schema(value_type = Object)]
    facets: BTreeMap<String, Vec<FacetCount>>,
    #[schema(value_type = Vec<Object>)]
    links: Vec<Value>,
}

/// A publisher with its number of public datasets (documentation).
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct PublisherOut {
    #[serde(flatten)]
    agent: Agent,
    uri: String,
    datasets: u64,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "urbis catalogue API",
        description = "Search and read the open-data catalogue of the Brussels-Capital Region (DCAT-AP 3.0.1 model). Errors are RFC 9457 problem+json.",
        version = "1"
    ),
    paths(
        search_datasets,
        get_dataset,
        search_services,
        get_service,
        list_publishers,
        get_publisher,
        catalogue_quality,
        crate::admin::doc::create,
        crate::admin::doc::replace,
        crate::admin::doc::delete,
        crate::admin::doc::publish,
        crate::admin::doc::unpublish,
        crate::admin::doc::audit,
        crate::admin::doc::put_publisher,
    ),
    components(schemas(Dataset, Agent, SearchResponse, PublisherOut, CatalogueScore, crate::model::FieldError)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// The OpenAPI 3.1 document.
pub fn openapi_json() -> Value {
    serde_json::to_value(ApiDoc::openapi()).unwrap_or(Value::Null)
}

/// Routes of the JSON API.
pub fn router(state: CatalogState) -> Router {
    Router::new()
        .route("/api/datasets", get(search_datasets))
        .route("/api/datasets/{id}", get(get_dataset))
        .route("/api/services", get(search_services))
        .route("/api/services/{id}", get(get_service))
        .route("/api/publishers", get(list_publishers))
        .route("/api/publishers/{id}", get(get_publisher))
        .route("/api/catalogue/quality", get(catalogue_quality))
        .route("/api/openapi.json", get(openapi))
        .with_state(state)
}

type Params = Query<BTreeMap<String, String>>;

fn internal(e: impl std::fmt::Display) -> Problem {
    tracing::error!("catalogue: {e}");
    Problem::new(
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        "the catalogue is unavailable",
    )
}

fn json_response(v: &Value) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], v.to_string()).into_response()
}

fn list(v: &str) -> Vec<&str> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// A code or URI of an EU vocabulary as a URI.
fn vocab_value(prefix: &str, v: &str) -> String {
    if v.starts_with("http://") || v.starts_with("https://") {
        v.to_string()
    } else {
        format!("{prefix}{}", v.to_ascii_uppercase())
    }
}

fn parse_uint(param: &str, v: Option<&String>, min: u64, max: u64) -> Result<Option<u64>, Problem> {
    match v {
        None => Ok(None),
        Some(s) => match s.trim().parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(Problem::bad_param(
                param,
                format!("`{}` is not an integer within {min}..{max}", clip(s)),
            )),
        },
    }
}

/// Parse `west,south,east,north` (WGS 84).
pub fn parse_bbox(v: &str) -> Result<Bbox, Problem> {
    let parts: Vec<&str> = v.split(',').map(str::trim).collect();
    let nums: Option<Vec<f64>> = parts
        .iter()
        .map(|p| p.parse::<f64>().ok().filter(|x| x.is_finite()))
        .collect();
    let b = match nums.as_deref() {
        Some([w, s, e, n]) => Bbox {
            west: *w,
            south: *s,
            east: *e,
            north: *n,
        },
        _ => {
            return Err(Problem::bad_param(
                "bbox",
                format!("`{}` is not west,south,east,north", clip(v)),
            ))
        }
    };
    if !(-180.0..=180.0).contains(&b.west)
        || !(-180.0..=180.0).contains(&b.east)
        || !(-90.0..=90.0).contains(&b.south)
        || !(-90.0..=90.0).contains(&b.north)
        || b.west > b.east
        || b.south > b.north
    {
        return Err(Problem::bad_param(
            "bbox",
            "must be WGS 84 degrees with west ≤ east and south ≤ north",
        ));
    }
    Ok(b)
}

/// Parse `start/end` with `..` or empty for an open side (a single date means that day).
pub fn parse_temporal(v: &str) -> Result<(Option<time::Date>, Option<time::Date>), Problem> {
    let side = |s: &str| -> Result<Option<time::Date>, Problem> {
        let s = s.trim();
        if s.is_empty() || s == ".." {
            return Ok(None);
        }
        crate::model::parse_date(s).map(Some).ok_or_else(|| {
            Problem::bad_param("temporal", format!("`{}` is not an ISO 8601 date", clip(s)))
        })
    };
    let (a, b) = match v.split_once('/') {
        Some((a, b)) => (side(a)?, side(b)?),
        None => {
            let d = side(v)?;
            (d, d)
        }
    };
    if a.is_none() && b.is_none() {
        return Err(Problem::bad_param("temporal", "needs a start or an end"));
    }
    if let (Some(a), Some(b)) = (a, b) {
        if a > b {
            return Err(Problem::bad_param("temporal", "start is after end"));
        }
    }
    Ok((a, b))
}

/// Parse the search parameters; `kinds` are the kinds searched when `type` is absent.
pub fn parse_search(
    params: &BTreeMap<String, String>,
    kinds: &[Kind],
    allow_type: bool,
) -> Result<(SearchQuery, u64, u64), Problem> {
    check_known(params, SEARCH_PARAMS)?;
    let mut q = SearchQuery::default();
    if let Some(text) = params.get("q") {
        if text.chars().count() > MAX_Q {
            return Err(Problem::bad_param(
                "q",
                format!("longer than {MAX_Q} characters"),
            ));
        }
        q.q = Some(text.clone());
    }
    q.kinds = kinds.to_vec();
    if let Some(t) = params.get("type") {
        if !allow_type {
            return Err(Problem::bad_param("type", "not available on this resource"));
        }
        let mut ks = Vec::new();
        for v in list(t) {
            ks.push(Kind::parse(v).ok_or_else(|| {
                Problem::bad_param(
                    "type",
                    format!("`{}` is not dataset, series or service", clip(v)),
                )
            })?);
        }
        q.kinds = ks;
    }
    for (name, facet, prefix) in [
        ("theme", Facet::Theme, Some(vocab::DATA_THEME)),
        ("publisher", Facet::Publisher, None),
        ("format", Facet::Format, Some(vocab::FILE_TYPE)),
        ("keyword", Facet::Keyword, None),
        ("licence", Facet::Licence, Some(vocab::LICENCE)),
        ("language", Facet::Language, Some(vocab::LANGUAGE)),
    ] {
        if let Some(v) = params.get(name) {
            let values: Vec<String> = list(v)
                .into_iter()
                .map(|x| match prefix {
                    Some(p) => vocab_value(p, x),
                    None => x.to_string(),
                })
                .collect();
            if values.is_empty() {
                return Err(Problem::bad_param(name, "is empty"));
            }
            if values.len() > 50 {
                return Err(Problem::bad_param(name, "more than 50 values"));
            }
            q.filters.push((facet, values));
        }
    }
    if let Some(h) = params.get("hvd") {
        match h.trim() {
            "true" => q.hvd = Some(true),
            "false" => q.hvd = Some(false),
            other if !other.is_empty() => {
                let uri = if other.starts_with("http") {
                    other.to_string()
                } else {
                    format!("{}{other}", vocab::HVD_CATEGORY)
                };
                q.filters.push((Facet::Hvd, vec![uri]));
            }
            _ => return Err(Problem::bad_param("hvd", "is empty")),
        }
    }
    if let Some(b) = params.get("bbox") {
        q.bbox = Some(parse_bbox(b)?);
    }
    if let Some(t) = params.get("temporal") {
        q.temporal = Some(parse_temporal(t)?);
    }
    if let Some(m) = params.get("modified_since") {
        q.modified_since = Some(normalize_instant(m).ok_or_else(|| {
            Problem::bad_param(
                "modified_since",
                format!("`{}` is not an ISO 8601 date or date-time", clip(m)),
            )
        })?);
    }
    if let Some(s) = params.get("sort") {
        q.sort = match s.as_str() {
            "relevance" => Sort::Relevance,
            "title" => Sort::Title,
            "modified" => Sort::Modified,
            other => {
                return Err(Problem::bad_param(
                    "sort",
                    format!("`{}` is not relevance, title or modified", clip(other)),
                ))
            }
        };
    }
    if let Some(l) = params.get("lang") {
        q.lang = match l.as_str() {
            "fr" => Lang::Fr,
            "nl" => Lang::Nl,
            "en" => Lang::En,
            "de" => Lang::De,
            other => {
                return Err(Problem::bad_param(
                    "lang",
                    format!("`{}` is not fr, nl, en or de", clip(other)),
                ))
            }
        };
    }
    let limit = parse_uint("limit", params.get("limit"), 0, MAX_LIMIT as u64)?.unwrap_or(20);
    let page = parse_uint("page", params.get("page"), 1, MAX_DEPTH as u64)?.unwrap_or(1);
    let offset = (page - 1).saturating_mul(limit);
    if offset > MAX_DEPTH as u64 {
        return Err(Problem::bad_param(
            "page",
            format!("paging stops at {MAX_DEPTH} results; narrow the query"),
        ));
    }
    q.offset = offset as usize;
    q.limit = limit as usize;
    q.facets = match params.get("facets").map(String::as_str) {
        None => Facet::ALL.to_vec(),
        Some("none") | Some("") => Vec::new(),
        Some(v) => {
            let mut fs = Vec::new();
            for x in list(v) {
                fs.push(Facet::parse(x).ok_or_else(|| {
                    Problem::bad_param(
                        "facets",
                        format!(
                            "`{}` is not one of theme, publisher, format, keyword, licence, language, type, hvd",
                            clip(x)
                        ),
                    )
                })?);
            }
            fs
        }
    };
    q.facet_limit =
        parse_uint("facet_limit", params.get("facet_limit"), 1, 100)?.unwrap_or(20) as usize;
    Ok((q, page, limit))
}

/// A record as the API shows it: the model plus `uri` and an `mqa` summary.
pub fn record_json(state: &CatalogState, ds: Dataset, base: &str) -> Value {
    let ds = state.localize(ds, base);
    let score = state.mqa(&ds);
    let uri = crate::dataset_uri(base, &ds.id);
    let mut v = serde_json::to_value(&ds).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.insert("uri".into(), Value::String(uri));
        m.insert(
            "mqa".into(),
            json!({"points": score.points, "max": score.max, "band": score.band, "unchecked_points": score.unchecked_points}),
        );
    }
    v
}

fn page_link(base: &str, path: &str, params: &BTreeMap<String, String>, page: u64) -> String {
    let mut p = params.clone();
    p.insert("page".into(), page.to_string());
    let qs: Vec<String> = p
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    format!("{base}{path}?{}", qs.join("&"))
}

/// Percent-encoding of a query component.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

async fn run_search(
    state: &CatalogState,
    headers: &HeaderMap,
    params: &BTreeMap<String, String>,
    path: &str,
    kinds: &[Kind],
    allow_type: bool,
) -> Result<Response, Problem> {
    let (q, page, limit) = parse_search(params, kinds, allow_type)?;
    let search = state.search.clone();
    let lang = q.lang;
    let result = tokio::task::spawn_blocking(move || search.search(&q))
        .await
        .map_err(internal)?
        .map_err(internal)?;
    let base = state.base_url(headers);
    let ids: Vec<String> = result.hits.iter().map(|h| h.id.clone()).collect();
    let mut found = state.store.get_datasets(&ids).await.map_err(internal)?;
    let mut by_id: BTreeMap<String, Dataset> = found.drain(..).map(|d| (d.id.clone(), d)).collect();
    let items: Vec<Value> = ids
        .iter()
        .filter_map(|id| by_id.remove(id))
        .map(|d| record_json(state, d, &base))
        .collect();
    let mut facets = Map::new();
    let mut names: Option<BTreeMap<String, String>> = None;
    for (f, counts) in &result.facets {
        if *f == Facet::Publisher && names.is_none() {
            let agents = state.store.list_publishers().await.map_err(internal)?;
            names = Some(
                agents
                    .into_iter()
                    .map(|a| (a.id.clone(), a.name.best(lang).unwrap_or(&a.id).to_string()))
                    .collect(),
            );
        }
        let values: Vec<Value> = counts
            .iter()
            .map(|c| {
                let mut v = json!({"value": c.value, "count": c.count});
                if *f == Facet::Publisher {
                    if let Some(n) = names.as_ref().and_then(|m| m.get(&c.value)) {
                        v["label"] = Value::String(n.clone());
                    }
                }
                v
            })
            .collect();
        facets.insert(f.as_str().into(), Value::Array(values));
    }
    let mut links = vec![
        json!({"rel": "self", "href": page_link(&base, path, params, page), "type": "application/json"}),
    ];
    if limit > 0 && page * limit < result.total as u64 {
        links.push(json!({"rel": "next", "href": page_link(&base, path, params, page + 1), "type": "application/json"}));
    }
    if page > 1 {
        links.push(json!({"rel": "prev", "href": page_link(&base, path, params, page - 1), "type": "application/json"}));
    }
    Ok(json_response(&json!({
        "total": result.total,
        "page": page,
        "limit": limit,
        "items": items,
        "facets": facets,
        "links": links,
    })))
}

/// Search datasets and dataset series.
#[utoipa::path(
    get,
    path = "/api/datasets",
    params(SearchParams),
    responses(
        (status = 200, description = "A page of datasets with the total and facet counts", body = SearchResponse),
        (status = 400, description = "Bad parameter (problem+json)")
    )
)]
async fn search_datasets(
    State(state): State<CatalogState>,
    headers: HeaderMap,
    Query(params): Params,
) -> Result<Response, Problem> {
    run_search(
        &state,
        &headers,
        &params,
        "/api/datasets",
        &[Kind::Dataset, Kind::Series],
        true,
    )
    .await
}

/// Search data services.
#[utoipa::path(
    get,
    path = "/api/services",
    params(SearchParams),
    responses(
        (status = 200, description = "A page of data services", body = SearchResponse),
        (status = 400, description = "Bad parameter (problem+json)")
    )
)]
async fn search_services(
    State(state): State<CatalogState>,
    headers: HeaderMap,
    Query(params): Params,
) -> Result<Response, Problem> {
    run_search(
        &state,
        &headers,
        &params,
        "/api/services",
        &[Kind::Service],
        false,
    )
    .await
}

async fn one(
    state: &CatalogState,
    headers: &HeaderMap,
    id: &str,
    services: bool,
) -> Result<Response, Problem> {
    let what = if services { "data service" } else { "dataset" };
    let ds = state
        .store
        .get_dataset(id)
        .await
        .map_err(internal)?
        .filter(|d| d.is_public() && ((d.kind == Kind::Service) == services))
        .ok_or_else(|| Problem::not_found(format!("no {what} `{}`", clip(id))))?;
    let base = state.base_url(headers);
    let score = state.mqa(&ds);
    let mut v = record_json(state, ds, &base);
    v["mqa"] = serde_json::to_value(&score).unwrap_or(Value::Null);
    Ok(json_response(&v))
}

/// One dataset, with its full MQA score.
#[utoipa::path(
    get,
    path = "/api/datasets/{id}",
    params(("id" = String, Path, description = "Dataset id")),
    responses(
        (status = 200, description = "The dataset", body = Dataset),
        (status = 404, description = "No such public dataset")
    )
)]
async fn get_dataset(
    State(state): State<CatalogState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    one(&state, &headers, &id, false).await
}

/// One data service.
#[utoipa::path(
    get,
    path = "/api/services/{id}",
    params(("id" = String, Path, description = "Data service id")),
    responses(
        (status = 200, description = "The data service", body = Dataset),
        (status = 404, description = "No such public data service")
    )
)]
async fn get_service(
    State(state): State<CatalogState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    one(&state, &headers, &id, true).await
}

/// Public records per publisher.
fn publisher_counts(state: &CatalogState) -> Result<BTreeMap<String, u64>, Problem> {
    let r = state
        .search
        .search(&SearchQuery {
            limit: 0,
            facets: vec![Facet::Publisher],
            facet_limit: usize::MAX,
            ..Default::default()
        })
        .map_err(internal)?;
    Ok(r.facets
        .into_iter()
        .flat_map(|(_, c)| c)
        .map(|c| (c.value, c.count))
        .collect())
}

fn publisher_json(base: &str, a: &Agent, n: u64) -> Value {
    let mut v = serde_json::to_value(a).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.insert("uri".into(), Value::String(crate::publisher_uri(base, a)));
        m.insert("datasets".into(), json!(n));
    }
    v
}

/// Every publisher with its number of public records.
#[utoipa::path(
    get,
    path = "/api/publishers",
    responses((status = 200, description = "Publishers", body = Vec<PublisherOut>))
)]
async fn list_publishers(
    State(state): State<CatalogState>,
    headers: HeaderMap,
    Query(params): Params,
) -> Result<Response, Problem> {
    check_known(&params, &[])?;
    let counts = publisher_counts(&state)?;
    let base = state.base_url(&headers);
    let agents = state.store.list_publishers().await.map_err(internal)?;
    let items: Vec<Value> = agents
        .iter()
        .map(|a| publisher_json(&base, a, counts.get(&a.id).copied().unwrap_or(0)))
        .collect();
    Ok(json_response(
        &json!({"total": items.len(), "items": items}),
    ))
}

/// One publisher.
#[utoipa::path(
    get,
    path = "/api/publishers/{id}",
    params(("id" = String, Path, description = "Publisher id")),
    responses(
        (status = 200, description = "The publisher", body = PublisherOut),
        (status = 404, description = "No such publisher")
    )
)]
async fn get_publisher(
    State(state): State<CatalogState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let a = state
        .store
        .get_publisher(&id)
        .await
        .map_err(internal)?
        .ok_or_else(|| Problem::not_found(format!("no publisher `{}`", clip(&id))))?;
    let counts = publisher_counts(&state)?;
    let base = state.base_url(&headers);
    Ok(json_response(&publisher_json(
        &base,
        &a,
        counts.get(&a.id).copied().unwrap_or(0),
    )))
}

/// Cache of the catalogue score by store revision.
static QUALITY: Mutex<Option<(i64, CatalogueScore)>> = Mutex::new(None);

/// The catalogue's MQA score (mean over public datasets and series).
pub async fn catalogue_score(state: &CatalogState) -> Result<CatalogueScore, Problem> {
    let rev = state.store.revision().await.map_err(internal)?;
    if !state.check_urls {
        if let Ok(guard) = QUALITY.lock() {
            if let Some((r, s)) = guard.as_ref() {
                if *r == rev {
                    return Ok(s.clone());
                }
            }
        }
    }
    let mut acc = CatalogueAccumulator::default();
    let st = state.clone();
    state
        .store
        .for_each_dataset(&mut |d| {
            if d.is_public() && d.kind != Kind::Service {
                acc.add(&st.mqa(&d));
            }
        })
        .await
        .map_err(internal)?;
    let score = acc.finish(state.check_urls);
    if let Ok(mut guard) = QUALITY.lock() {
        *guard = Some((rev, score.clone()));
    }
    Ok(score)
}

/// The catalogue's metadata quality (data.europa.eu MQA, 405 points).
#[utoipa::path(
    get,
    path = "/api/catalogue/quality",
    responses((status = 200, description = "Mean MQA score of the public datasets", body = CatalogueScore))
)]
async fn catalogue_quality(
    State(state): State<CatalogState>,
    Query(params): Params,
) -> Result<Response, Problem> {
    check_known(&params, &[])?;
    let s = catalogue_score(&state).await?;
    Ok(json_response(
        &serde_json::to_value(&s).unwrap_or(Value::Null),
    ))
}

async fn openapi() -> Response {
    json_response(&openapi_json())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parses_search_parameters() {
        let (q, page, limit) = parse_search(
            &p(&[
                ("q", "bâtiments"),
                ("theme", "REGI,ENVI"),
                ("format", "csv"),
                ("bbox", "4.3,50.8,4.4,50.9"),
                ("temporal", "2020-01-01/.."),
                ("modified_since", "2024-01-01"),
                ("sort", "title"),
                ("lang", "nl"),
                ("page", "3"),
                ("limit", "10"),
                ("facets", "theme,publisher"),
            ]),
            &[Kind::Dataset],
            true,
        )
        .unwrap();
        assert_eq!((page, limit, q.offset, q.limit), (3, 10, 20, 10));
        assert_eq!(q.filters[0].1[1], format!("{}ENVI", vocab::DATA_THEME));
        assert_eq!(q.filters[1].1[0], format!("{}CSV", vocab::FILE_TYPE));
        assert_eq!(q.modified_since.as_deref(), Some("2024-01-01T00:00:00Z"));
        assert_eq!(q.facets, [Facet::Theme, Facet::Publisher]);
        assert_eq!(q.sort, Sort::Title);
        assert_eq!(q.lang, Lang::Nl);
    }

    #[test]
    fn rejects_bad_parameters() {
        for (k, v) in [
            ("bbox", "1,2,3"),
            ("bbox", "5,50,4,51"),
            ("temporal", "2021-01-01/2020-01-01"),
            ("temporal", "yesterday"),
            ("modified_since", "soon"),
            ("sort", "random"),
            ("limit", "1000"),
            ("page", "0"),
            ("type", "map"),
            ("facets", "colour"),
            ("unknown", "1"),
        ] {
            let e = parse_search(&p(&[(k, v)]), &[Kind::Dataset], true).unwrap_err();
            assert_eq!(e.status.as_u16(), 400, "{k}={v}");
        }
        let long = "x".repeat(MAX_Q + 1);
        assert!(parse_search(&p(&[("q", &long)]), &[Kind::Dataset], true).is_err());
        assert!(parse_search(&p(&[("type", "service")]), &[Kind::Service], false).is_err());
    }

    #[test]
    fn openapi_is_3_1_and_documents_the_routes() {
        let doc = openapi_json();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        for path in [
            "/api/datasets",
            "/api/datasets/{id}",
            "/api/services",
            "/api/publishers",
            "/api/catalogue/quality",
        ] {
            assert!(doc["paths"].get(path).is_some(), "{path}");
        }
        assert!(doc["components"]["schemas"].get("Dataset").is_some());
    }
}
