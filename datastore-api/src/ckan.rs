//! A CKAN-compatible read API (`/api/3/action/...`) so that CKAN clients and aggregators work
//! unchanged: `package_search`, `package_show`, `package_list`, `organization_list`,
//! `organization_show`, `status_show`.
//!
//! Answers use CKAN's envelope `{"help", "success", "result"}`; errors are `{"help", "success":
//! false, "error": {"__type", "message"}}` with CKAN's HTTP codes: 404 *Not Found Error*, 409
//! *Validation Error* (missing or bad parameters) and *Search Query Error*, 400 for an unknown
//! action. Actions accept GET query parameters or a POST JSON object (what `ckanapi` sends).
//!
//! Datasets and dataset series are CKAN packages (`name` = `id` = the record id); data services
//! are not listed. CKAN is single-language: `title` and `notes` are the French text (else the
//! first language present), and `title_translated` / `notes_translated` carry every language
//! (as ckanext-fluent does). Publishers are organizations, EU themes are groups (code in lower
//! case), keywords are tags, distributions are resources (`format` is the EU file-type code).
//!
//! `package_search`: `q` (full text, `*:*` or empty for all), `fq` with `field:value` terms
//! joined by spaces or `AND` (`organization`, `owner_org`, `tags`, `groups`, `res_format`,
//! `license_id`, `name`, `id`, `type`), `rows` (default 10, at most 1000), `start`, `sort`
//! (`score desc`, `metadata_modified desc|asc`, `title_string asc|desc`, `name asc`) and
//! `facet.field` (JSON list of `organization`, `groups`, `tags`, `res_format`, `license_id`).

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use serde_json::{json, Map, Value};

use crate::model::{vocab, Agent, Dataset, Kind, Lang};
use crate::search::{Facet, SearchQuery, Sort};
use crate::CatalogState;

/// Largest `rows`.
pub const MAX_ROWS: usize = 1000;

/// Routes of the CKAN API.
pub fn router(state: CatalogState) -> Router {
    Router::new()
        .route("/api/3/action/{action}", any(action))
        .route("/api/action/{action}", any(action))
        .with_state(state)
}

fn help(base: &str, action: &str) -> String {
    format!("{base}/api/3/action/help_show?name={action}")
}

fn ok(base: &str, action: &str, result: Value) -> Response {
    let body = json!({"help": help(base, action), "success": true, "result": result});
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json;charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}

fn err(base: &str, action: &str, status: StatusCode, error: Value) -> Response {
    let body = json!({"help": help(base, action), "success": false, "error": error});
    (
        status,
        [(header::CONTENT_TYPE, "application/json;charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}

fn not_found(base: &str, action: &str, what: &str) -> Response {
    err(
        base,
        action,
        StatusCode::NOT_FOUND,
        json!({"__type": "Not Found Error", "message": format!("Not found: {what}")}),
    )
}

fn validation(base: &str, action: &str, field: &str, message: &str) -> Response {
    err(
        base,
        action,
        StatusCode::CONFLICT,
        json!({"__type": "Validation Error", field: [message]}),
    )
}

fn search_error(base: &str, action: &str, message: &str) -> Response {
    err(
        base,
        action,
        StatusCode::CONFLICT,
        json!({"__type": "Search Query Error", "message": message}),
    )
}

fn internal(base: &str, action: &str, e: impl std::fmt::Display) -> Response {
    tracing::error!("catalogue CKAN API: {e}");
    err(
        base,
        action,
        StatusCode::INTERNAL_SERVER_ERROR,
        json!({"__type": "Internal Server Error", "message": "the catalogue is unavailable"}),
    )
}

/// A parameter value as text (POST bodies may hold numbers or lists).
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

async fn action(
    State(state): State<CatalogState>,
    Path(name): Path<String>,
    method: Method,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
    body: Bytes,
) -> Response {
    let base = state.base_url(&headers);
    let name: String = name.chars().take(60).collect();
    let mut params: BTreeMap<String, Value> = query
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    if method == Method::POST && !body.is_empty() {
        let form = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
        if form {
            match serde_urlencoded_pairs(&body) {
                Some(pairs) => {
                    for (k, v) in pairs {
                        params.insert(k, Value::String(v));
                    }
                }
                None => {
                    return err(
                        &base,
                        &name,
                        StatusCode::BAD_REQUEST,
                        json!({"__type": "Bad Request", "message": "malformed form body"}),
                    )
                }
            }
        } else {
            match serde_json::from_slice::<Value>(&body) {
                Ok(Value::Object(m)) => params.extend(m),
                _ => {
                    return err(
                        &base,
                        &name,
                        StatusCode::BAD_REQUEST,
                        json!({"__type": "Bad Request", "message": "Bad request - JSON Error: the body must be a JSON object"}),
                    )
                }
            }
        }
    } else if method != Method::GET && method != Method::POST && method != Method::HEAD {
        return err(
            &base,
            &name,
            StatusCode::METHOD_NOT_ALLOWED,
            json!({"__type": "Bad Request", "message": "use GET or POST"}),
        );
    }
    let p: BTreeMap<String, String> = params.iter().map(|(k, v)| (k.clone(), text(v))).collect();
    match name.as_str() {
        "status_show" => status_show(&state, &base),
        "package_list" => package_list(&state, &base, &p),
        "package_show" => package_show(&state, &base, &p).await,
        "package_search" => package_search(&state, &base, &p).await,
        "organization_list" => organization_list(&state, &base, &p).await,
        "organization_show" => organization_show(&state, &base, &p).await,
        other => err(
            &base,
            other,
            StatusCode::BAD_REQUEST,
            json!({"__type": "Bad Request", "message": format!("Bad request - Action name not known: {other}")}),
        ),
    }
}

/// `application/x-www-form-urlencoded` pairs.
fn serde_urlencoded_pairs(body: &[u8]) -> Option<Vec<(String, String)>> {
    let s = std::str::from_utf8(body).ok()?;
    let decode = |x: &str| -> Option<String> {
        let x = x.replace('+', " ");
        let bytes = x.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                let h = x.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(h, 16).ok()?);
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).ok()
    };
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            Some((decode(k)?, decode(v)?))
        })
        .collect()
}

fn status_show(state: &CatalogState, base: &str) -> Response {
    let c = &state.catalogue;
    ok(
        base,
        "status_show",
        json!({
            "site_title": c.title.best(Lang::Fr).unwrap_or(""),
            "site_description": c.description.best(Lang::Fr).unwrap_or(""),
            "site_url": base,
            "ckan_version": "2.10.4",
            "error_emails_to": null,
            "locale_default": "fr",
            "extensions": ["urbis"],
        }),
    )
}

fn int_param(
    p: &BTreeMap<String, String>,
    name: &str,
    default: usize,
    max: usize,
) -> Result<usize, String> {
    match p.get(name) {
        None => Ok(default),
        Some(v) if v.is_empty() || v == "null" => Ok(default),
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if n <= max => Ok(n),
            _ => Err(format!("Invalid integer (at most {max})")),
        },
    }
}

fn package_list(state: &CatalogState, base: &str, p: &BTreeMap<String, String>) -> Response {
    let limit = match int_param(p, "limit", usize::MAX, usize::MAX) {
        Ok(n) => n,
        Err(m) => return validation(base, "package_list", "limit", &m),
    };
    let offset = match int_param(p, "offset", 0, usize::MAX) {
        Ok(n) => n,
        Err(m) => return validation(base, "package_list", "offset", &m),
    };
    let q = SearchQuery {
        kinds: vec![Kind::Dataset, Kind::Series],
        sort: Sort::Title,
        limit: usize::MAX,
        ..Default::default()
    };
    match state.search.search(&q) {
        Ok(r) => {
            let mut ids: Vec<String> = r.hits.into_iter().map(|h| h.id).collect();
            ids.sort();
            let page: Vec<String> = ids.into_iter().skip(offset).take(limit).collect();
            ok(base, "package_list", json!(page))
        }
        Err(e) => internal(base, "package_list", e),
    }
}

fn ckan_time(s: &str) -> String {
    s.trim_end_matches('Z').to_string()
}

fn best(m: &crate::model::Multilingual) -> &str {
    m.best(Lang::Fr).unwrap_or("")
}

fn translated(m: &crate::model::Multilingual) -> Value {
    Value::Object(
        m.iter()
            .map(|(l, t)| (l.tag().to_string(), Value::String(t.to_string())))
            .collect(),
    )
}

/// An organization dict.
pub fn organization(base: &str, a: &Agent, count: Option<u64>) -> Value {
    let mut v = json!({
        "id": a.id,
        "name": a.id,
        "title": best(&a.name),
        "display_name": best(&a.name),
        "title_translated": translated(&a.name),
        "description": "",
        "type": "organization",
        "is_organization": true,
        "state": "active",
        "approval_status": "approved",
        "image_url": "",
        "image_display_url": "",
        "created": null,
        "uri": crate::publisher_uri(base, a),
    });
    if let Some(n) = count {
        v["package_count"] = json!(n);
    }
    v
}

const OPEN_LICENCES: &[&str] = &[
    "CC0",
    "CC_BY_4_0",
    "CC_BY_SA_4_0",
    "CC_BY_3_0",
    "CC_BY_SA_3_0",
    "ODBL",
    "ODC_BY",
    "PDDL",
    "OGL",
    "ETALAB_2_0",
];

/// A CKAN package dict for a record.
pub fn package(base: &str, ds: &Dataset, org: Option<&Agent>) -> Value {
    let licence_code = ds.licence.as_ref().map(|l| vocab::code(&l.uri).to_string());
    let mut tags: Vec<&str> = ds.all_keywords().collect();
    tags.sort_unstable();
    tags.dedup();
    let tags: Vec<Value> = tags
        .iter()
        .map(|t| {
            json!({"id": t, "name": t, "display_name": t, "state": "active", "vocabulary_id": null})
        })
        .collect();
    let groups: Vec<Value> = ds
        .themes
        .iter()
        .map(|t| {
            let code = vocab::code(t);
            json!({"id": code.to_lowercase(), "name": code.to_lowercase(), "title": code, "display_name": code, "description": "", "image_display_url": "", "uri": t})
        })
        .collect();
    let resources: Vec<Value> = ds
        .distributions
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let title = if d.title.is_empty() {
                d.id.clone()
            } else {
                best(&d.title).to_string()
            };
            json!({
                "id": format!("{}--{}", ds.id, d.id),
                "package_id": ds.id,
                "name": title,
                "description": best(&d.description),
                "url": d.download_url.as_deref().unwrap_or(&d.access_url),
                "access_url": d.access_url,
                "download_url": d.download_url,
                "format": d.format.as_deref().map(vocab::code).unwrap_or(""),
                "mimetype": d.media_type,
                "size": d.byte_size,
                "hash": "",
                "created": d.issued.as_deref().or(ds.record.issued.get(..19)),
                "last_modified": d.modified,
                "state": "active",
                "position": i,
                "url_type": null,
                "resource_type": null,
                "uri": crate::distribution_uri(base, &ds.id, &d.id),
            })
        })
        .collect();
    let mut extras: Vec<Value> =
        vec![json!({"key": "uri", "value": crate::dataset_uri(base, &ds.id)})];
    let mut extra = |k: &str, v: String| extras.push(json!({"key": k, "value": v}));
    if let Some(b) = ds.spatial.as_ref().and_then(|s| s.bbox) {
        let (w, s, e, n) = (b.west, b.south, b.east, b.north);
        extra(
            "spatial",
            json!({"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]})
                .to_string(),
        );
    }
    if let Some(t) = &ds.temporal {
        if let Some(s) = &t.start {
            extra("temporal_start", s.clone());
        }
        if let Some(e) = &t.end {
            extra("temporal_end", e.clone());
        }
    }
    if let Some(f) = &ds.frequency {
        extra("frequency", f.clone());
    }
    if !ds.themes.is_empty() {
        extra("theme", json!(ds.themes).to_string());
    }
    if !ds.languages.is_empty() {
        extra("language", json!(ds.languages).to_string());
    }
    if let Some(a) = &ds.access_rights {
        extra("access_rights", a.clone());
    }
    if !ds.hvd_categories.is_empty() {
        extra("hvd_category", json!(ds.hvd_categories).to_string());
    }
    let cp = ds.contact_point.as_ref();
    json!({
        "id": ds.id,
        "name": ds.id,
        "title": best(&ds.title),
        "notes": best(&ds.description),
        "title_translated": translated(&ds.title),
        "notes_translated": translated(&ds.description),
        "type": "dataset",
        "dcat_type": ds.kind.dcat_class(),
        "state": "active",
        "private": false,
        "metadata_created": ckan_time(&ds.record.issued),
        "metadata_modified": ckan_time(&ds.record.modified),
        "license_id": licence_code.clone().unwrap_or_default(),
        "license_title": ds.licence.as_ref().map(|l| best(&l.label).to_string()).filter(|s| !s.is_empty()).or(licence_code.clone()).unwrap_or_default(),
        "license_url": ds.licence.as_ref().map(|l| l.uri.clone()),
        "isopen": licence_code.as_deref().is_some_and(|c| OPEN_LICENCES.contains(&c)),
        "url": ds.landing_page.clone().unwrap_or_else(|| crate::dataset_uri(base, &ds.id)),
        "version": null,
        "author": null,
        "author_email": null,
        "maintainer": cp.map(|c| best(&c.name).to_string()).filter(|s| !s.is_empty()),
        "maintainer_email": cp.and_then(|c| c.email.clone()),
        "owner_org": ds.publisher,
        "organization": org.map(|a| organization(base, a, None)),
        "tags": tags,
        "num_tags": tags.len(),
        "groups": groups,
        "resources": resources,
        "num_resources": resources.len(),
        "extras": extras,
        "relationships_as_object": [],
        "relationships_as_subject": [],
    })
}

async fn publishers(
    state: &CatalogState,
) -> Result<BTreeMap<String, Agent>, crate::store::CatalogError> {
    Ok(state
        .store
        .list_publishers()
        .await?
        .into_iter()
        .map(|a| (a.id.clone(), a))
        .collect())
}

async fn package_show(state: &CatalogState, base: &str, p: &BTreeMap<String, String>) -> Response {
    let Some(id) = p
        .get("id")
        .or_else(|| p.get("name"))
        .filter(|s| !s.is_empty())
    else {
        return validation(base, "package_show", "id", "Missing value");
    };
    let ds = match state.store.get_dataset(id).await {
        Ok(Some(d)) if d.is_public() && d.kind != Kind::Service => state.localize(d, base),
        Ok(_) => return not_found(base, "package_show", "Dataset"),
        Err(e) => return internal(base, "package_show", e),
    };
    let org = match &ds.publisher {
        Some(pid) => match state.store.get_publisher(pid).await {
            Ok(a) => a,
            Err(e) => return internal(base, "package_show", e),
        },
        None => None,
    };
    ok(base, "package_show", package(base, &ds, org.as_ref()))
}

/// `fq` terms as facet filters.
fn parse_fq(fq: &str, q: &mut SearchQuery) -> Result<(), String> {
    let mut rest = fq.trim();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("AND ").or_else(|| rest.strip_prefix("+")) {
            rest = r.trim_start();
            continue;
        }
        let Some((field, after)) = rest.split_once(':') else {
            return Err(format!(
                "cannot parse fq term `{}`",
                rest.chars().take(40).collect::<String>()
            ));
        };
        let field = field.trim();
        let (value, next) = if let Some(r) = after.strip_prefix('"') {
            match r.split_once('"') {
                Some((v, n)) => (v.to_string(), n),
                None => return Err("unbalanced quote in fq".into()),
            }
        } else {
            let end = after.find(char::is_whitespace).unwrap_or(after.len());
            (after[..end].to_string(), &after[end..])
        };
        rest = next.trim_start();
        match field {
            "organization" | "owner_org" => q.filters.push((Facet::Publisher, vec![value])),
            "tags" => q.filters.push((Facet::Keyword, vec![value])),
            "groups" => q.filters.push((
                Facet::Theme,
                vec![format!(
                    "{}{}",
                    vocab::DATA_THEME,
                    value.to_ascii_uppercase()
                )],
            )),
            "res_format" => q.filters.push((
                Facet::Format,
                vec![format!(
                    "{}{}",
                    vocab::FILE_TYPE,
                    value.to_ascii_uppercase()
                )],
            )),
            "license_id" => q
                .filters
                .push((Facet::Licence, vec![format!("{}{value}", vocab::LICENCE)])),
            "type" | "dataset_type" => {
                if value != "dataset" {
                    // Only datasets are CKAN packages here.
                    q.kinds = vec![];
                    q.filters.push((Facet::Type, vec!["none".into()]));
                }
            }
            "name" | "id" => q.ids.get_or_insert_with(Vec::new).push(value),
            other => {
                return Err(format!(
                    "unsupported fq field `{}`",
                    other.chars().take(40).collect::<String>()
                ))
            }
        }
    }
    Ok(())
}

async fn package_search(
    state: &CatalogState,
    base: &str,
    p: &BTreeMap<String, String>,
) -> Response {
    const A: &str = "package_search";
    let rows = match int_param(p, "rows", 10, MAX_ROWS) {
        Ok(n) => n,
        Err(m) => return validation(base, A, "rows", &m),
    };
    let start = match int_param(p, "start", 0, 1_000_000) {
        Ok(n) => n,
        Err(m) => return validation(base, A, "start", &m),
    };
    let mut q = SearchQuery {
        kinds: vec![Kind::Dataset, Kind::Series],
        offset: start,
        limit: rows,
        ..Default::default()
    };
    if let Some(text) = p.get("q") {
        let t = text.trim();
        if t.chars().count() > crate::search::MAX_Q {
            return search_error(base, A, "q is too long");
        }
        if !t.is_empty() && t != "*:*" && t != "*" {
            q.q = Some(t.to_string());
        }
    }
    if let Some(fq) = p.get("fq") {
        if let Err(m) = parse_fq(fq, &mut q) {
            return search_error(base, A, &m);
        }
    }
    let sort = p
        .get("sort")
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "score desc, metadata_modified desc".into());
    let first = sort.split(',').next().unwrap_or("").trim();
    q.sort = match first {
        "score desc" | "relevance asc" => Sort::Relevance,
        "metadata_modified desc" => Sort::Modified,
        "title_string asc" | "name asc" | "title asc" => Sort::Title,
        other => {
            return search_error(
                base,
                A,
                &format!(
                    "unsupported sort `{}`",
                    other.chars().take(40).collect::<String>()
                ),
            )
        }
    };
    let mut facet_fields: Vec<(String, Facet)> = Vec::new();
    if let Some(ff) = p.get("facet.field") {
        let names: Vec<String> = match serde_json::from_str::<Vec<String>>(ff) {
            Ok(v) => v,
            Err(_) => {
                return search_error(base, A, "facet.field must be a JSON list of field names")
            }
        };
        for n in names {
            let f = match n.as_str() {
                "organization" => Facet::Publisher,
                "groups" => Facet::Theme,
                "tags" => Facet::Keyword,
                "res_format" => Facet::Format,
                "license_id" => Facet::Licence,
                _ => return search_error(base, A, "unsupported facet.field"),
            };
            facet_fields.push((n, f));
        }
    }
    q.facets = facet_fields.iter().map(|(_, f)| *f).collect();
    q.facet_limit = int_param(p, "facet.limit", 50, 1000).unwrap_or(50);
    let search = state.search.clone();
    let result = match tokio::task::spawn_blocking(move || search.search(&q)).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return internal(base, A, e),
        Err(e) => return internal(base, A, e),
    };
    let orgs = match publishers(state).await {
        Ok(o) => o,
        Err(e) => return internal(base, A, e),
    };
    let ids: Vec<String> = result.hits.iter().map(|h| h.id.clone()).collect();
    let found = match state.store.get_datasets(&ids).await {
        Ok(f) => f,
        Err(e) => return internal(base, A, e),
    };
    let mut by_id: BTreeMap<String, Dataset> =
        found.into_iter().map(|d| (d.id.clone(), d)).collect();
    let results: Vec<Value> = ids
        .iter()
        .filter_map(|id| by_id.remove(id))
        .map(|d| {
            let d = state.localize(d, base);
            let org = d.publisher.as_ref().and_then(|p| orgs.get(p));
            package(base, &d, org)
        })
        .collect();
    let mut facets = Map::new();
    let mut search_facets = Map::new();
    for ((name, _), (_, counts)) in facet_fields.iter().zip(&result.facets) {
        let shown = |v: &str| -> String {
            match name.as_str() {
                "groups" | "res_format" | "license_id" => {
                    let c = vocab::code(v);
                    if name == "groups" {
                        c.to_lowercase()
                    } else {
                        c.to_string()
                    }
                }
                _ => v.to_string(),
            }
        };
        facets.insert(
            name.clone(),
            Value::Object(
                counts
                    .iter()
                    .map(|c| (shown(&c.value), json!(c.count)))
                    .collect(),
            ),
        );
        let items: Vec<Value> = counts
            .iter()
            .map(|c| {
                let display = if name == "organization" {
                    orgs.get(&c.value)
                        .map(|a| best(&a.name).to_string())
                        .unwrap_or_else(|| c.value.clone())
                } else {
                    shown(&c.value)
                };
                json!({"name": shown(&c.value), "display_name": display, "count": c.count})
            })
            .collect();
        search_facets.insert(name.clone(), json!({"title": name, "items": items}));
    }
    ok(
        base,
        A,
        json!({
            "count": result.total,
            "sort": sort,
            "facets": facets,
            "results": results,
            "search_facets": search_facets,
        }),
    )
}

async fn organization_list(
    state: &CatalogState,
    base: &str,
    p: &BTreeMap<String, String>,
) -> Response {
    const A: &str = "organization_list";
    let all_fields = p
        .get("all_fields")
        .is_some_and(|v| v == "true" || v == "True" || v == "1");
    let orgs = match publishers(state).await {
        Ok(o) => o,
        Err(e) => return internal(base, A, e),
    };
    if !all_fields {
        return ok(base, A, json!(orgs.keys().collect::<Vec<_>>()));
    }
    let counts = match state.search.search(&SearchQuery {
        kinds: vec![Kind::Dataset, Kind::Series],
        limit: 0,
        facets: vec![Facet::Publisher],
        facet_limit: usize::MAX,
        ..Default::default()
    }) {
        Ok(r) => r
            .facets
            .into_iter()
            .flat_map(|(_, c)| c)
            .map(|c| (c.value, c.count))
            .collect::<BTreeMap<_, _>>(),
        Err(e) => return internal(base, A, e),
    };
    let list: Vec<Value> = orgs
        .values()
        .map(|a| organization(base, a, Some(counts.get(&a.id).copied().unwrap_or(0))))
        .collect();
    ok(base, A, json!(list))
}

async fn organization_show(
    state: &CatalogState,
    base: &str,
    p: &BTreeMap<String, String>,
) -> Response {
    const A: &str = "organization_show";
    let Some(id) = p.get("id").filter(|s| !s.is_empty()) else {
        return validation(base, A, "id", "Missing value");
    };
    match state.store.get_publisher(id).await {
        Ok(Some(a)) => {
            let n = state
                .search
                .search(&SearchQuery {
                    kinds: vec![Kind::Dataset, Kind::Series],
                    filters: vec![(Facet::Publisher, vec![a.id.clone()])],
                    limit: 0,
                    ..Default::default()
                })
                .map(|r| r.total as u64)
                .unwrap_or(0);
            ok(base, A, organization(base, &a, Some(n)))
        }
        Ok(None) => not_found(base, A, "Organization"),
        Err(e) => internal(base, A, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fq_terms() {
        let mut q = SearchQuery::default();
        parse_fq(
            "organization:cirb AND res_format:CSV tags:\"open data\" groups:regi",
            &mut q,
        )
        .unwrap();
        assert_eq!(q.filters.len(), 4);
        assert_eq!(q.filters[1].1[0], format!("{}CSV", vocab::FILE_TYPE));
        assert_eq!(q.filters[2].1[0], "open data");
        assert_eq!(q.filters[3].1[0], format!("{}REGI", vocab::DATA_THEME));
        assert!(parse_fq("colour:red", &mut SearchQuery::default()).is_err());
        assert!(parse_fq("tags:\"open", &mut SearchQuery::default()).is_err());
        assert!(parse_fq("justtext", &mut SearchQuery::default()).is_err());
    }

    #[test]
    fn form_bodies() {
        assert_eq!(
            serde_urlencoded_pairs(b"id=a%20b&rows=10").unwrap(),
            [
                ("id".to_string(), "a b".to_string()),
                ("rows".into(), "10".into())
            ]
        );
        assert!(serde_urlencoded_pairs(b"id=%zz").is_none());
    }

    #[test]
    fn package_dict_has_ckan_fields() {
        let recs = crate::urbis_datasets::records(
            &urbis_core::Dataset::default(),
            &urbis_core::CrsEngine::helmert(),
            "http://h",
        );
        let mut d = recs[0].clone();
        d.record.issued = "2026-01-01T00:00:00Z".into();
        d.record.modified = "2026-01-02T00:00:00Z".into();
        let a = crate::urbis_datasets::publisher();
        let p = package("http://h", &d, Some(&a));
        for k in [
            "id",
            "name",
            "title",
            "notes",
            "resources",
            "tags",
            "organization",
            "license_id",
            "metadata_modified",
            "extras",
        ] {
            assert!(p.get(k).is_some(), "{k}");
        }
        assert_eq!(p["metadata_modified"], "2026-01-02T00:00:00");
        assert_eq!(p["organization"]["name"], "cirb");
        assert_eq!(p["license_id"], "CC_BY_4_0");
        assert_eq!(p["isopen"], true);
        assert_eq!(p["resources"][0]["format"], "GPKG");
    }
}
