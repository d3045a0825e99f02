//! OGC API Records Part 1 (core): the catalogue as the collection `catalog` under the `/ogc`
//! root the UrbIS feature collections use, each record as a GeoJSON feature.
//!
//! `/ogc/collections/catalog/items` takes `q` (comma-separated terms, any of which matches the
//! record's texts, case- and accent-insensitive), `bbox` (CRS84), `datetime` (instant or
//! interval, against the temporal extent), `type` (dataset, series, service), `ids`,
//! `sortby` (`title`, `updated`, `created`, `id`; `-` for descending), `limit`, `offset`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use urbis_core::http::{check_known, clip, OgcExtension, Problem};

use super::csw::filter::{date_key, fold, Fields, Prop};
use super::csw::service::CswState;
use crate::model::{vocab, Agent, Catalogue, Dataset, Kind, Lang, Multilingual};
use crate::{dataset_uri, CatalogState};

pub const COLLECTION: &str = "catalog";
/// Records per page when `limit` is absent, and the most a page holds.
pub const DEFAULT_LIMIT: usize = 10;
pub const MAX_LIMIT: usize = 1_000;

const CONF: &[&str] = &[
    "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/record-core",
    "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/record-collection",
    "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/searchable-catalog",
    "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/sorting",
    "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/json",
    "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/geojson",
];

/// What the catalogue adds to the `/ogc` root: the Records conformance classes and the
/// `catalog` collection.
pub struct RecordsExtension {
    catalogue: Arc<Catalogue>,
}

/// The `/ogc` contribution for `Mounted::ogc`.
pub fn extension(state: &CatalogState) -> Arc<dyn OgcExtension> {
    Arc::new(RecordsExtension {
        catalogue: state.catalogue.clone(),
    })
}

fn collection_json(base: &str, cat: &Catalogue) -> Value {
    let url = format!("{base}/ogc/collections/{COLLECTION}");
    json!({
        "id": COLLECTION,
        "type": "Collection",
        "itemType": "record",
        "title": cat.title.best(Lang::En).unwrap_or("Catalogue"),
        "description": cat.description.best(Lang::En).unwrap_or(""),
        "keywords": ["open data", "Brussels", "UrbIS", "DCAT-AP"],
        "language": {"code": "fr"},
        "languages": [{"code": "fr"}, {"code": "nl"}, {"code": "en"}],
        "extent": {
            "spatial": {"bbox": [[4.24, 50.76, 4.48, 50.92]], "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"},
        },
        "defaultSortOrder": [{"field": "id", "direction": "asc"}],
        "links": [
            {"href": url, "rel": "self", "type": "application/json", "title": "This collection"},
            {"href": format!("{url}/items"), "rel": "items", "type": "application/geo+json", "title": "Catalogue records"},
            {"href": format!("{base}/catalog"), "rel": "alternate", "type": "text/turtle", "title": "The catalogue as DCAT-AP"},
            {"href": format!("{base}/csw?service=CSW&request=GetCapabilities"), "rel": "alternate", "type": "application/xml", "title": "CSW 2.0.2"},
        ],
    })
}

impl OgcExtension for RecordsExtension {
    fn conformance(&self) -> Vec<String> {
        CONF.iter().map(|c| c.to_string()).collect()
    }

    fn landing_links(&self, base: &str) -> Vec<Value> {
        vec![json!({
            "href": format!("{base}/ogc/collections/{COLLECTION}"),
            "rel": "http://www.opengis.net/def/rel/ogc/1.0/ogc-catalog",
            "type": "application/json",
            "title": "Open data catalogue (OGC API Records)",
        })]
    }

    fn collections(&self, base: &str) -> Vec<Value> {
        vec![collection_json(base, &self.catalogue)]
    }
}

fn json_response(ct: &'static str, v: &Value) -> Response {
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(ct))],
        v.to_string(),
    )
        .into_response()
}

fn unavailable(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "catalogue store (Records)");
    Problem::new(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "the catalogue is unavailable",
    )
    .into_response()
}

fn check_f(params: &BTreeMap<String, String>) -> Result<(), Problem> {
    match params.get("f").map(String::as_str) {
        None | Some("json") | Some("geojson") => Ok(()),
        Some(other) => Err(Problem::bad_param(
            "f",
            format!("unsupported format `{}` (json)", clip(other)),
        )),
    }
}

async fn collection(
    State(st): State<CswState>,
    headers: HeaderMap,
    Query(params): Query<BTreeMap<String, String>>,
) -> Response {
    if let Err(p) = check_known(&params, &["f"]).and_then(|_| check_f(&params)) {
        return p.into_response();
    }
    let base = st.cat.base_url(&headers);
    json_response(
        "application/json",
        &collection_json(&base, &st.cat.catalogue),
    )
}

fn main_text(m: &Multilingual) -> Option<&str> {
    m.best(Lang::Fr)
}

fn spdx(uri: &str) -> &'static str {
    match vocab::code(uri) {
        "CC0" => "CC0-1.0",
        "CC_BY_4_0" => "CC-BY-4.0",
        "CC_BYSA_4_0" => "CC-BY-SA-4.0",
        "ODBL" => "ODbL-1.0",
        _ => "other",
    }
}

/// A record as an OGC API Records GeoJSON feature.
pub fn record_json(base: &str, ds: &Dataset, publisher: Option<&Agent>) -> Value {
    let item = format!("{base}/ogc/collections/{COLLECTION}/items/{}", ds.id);
    let geometry = ds.spatial.as_ref().and_then(|s| s.bbox).map(|b| {
        json!({"type": "Polygon", "coordinates": [[
            [b.west, b.south], [b.east, b.south], [b.east, b.north], [b.west, b.north], [b.west, b.south]
        ]]})
    });
    let time = ds
        .temporal
        .as_ref()
        .filter(|t| t.start.is_some() || t.end.is_some())
        .map(|t| {
            json!({"interval": [
                t.start.as_deref().unwrap_or(".."),
                t.end.as_deref().unwrap_or(".."),
            ]})
        });
    let mut props = serde_json::Map::new();
    props.insert("type".into(), json!(ds.kind.as_str()));
    props.insert(
        "title".into(),
        json!(main_text(&ds.title).unwrap_or(&ds.id)),
    );
    if let Some(d) = main_text(&ds.description) {
        props.insert("description".into(), json!(d));
    }
    // Every language of the texts, keyed by tag (an extension of record-core).
    let per_lang = |m: &Multilingual| -> Value {
        Value::Object(
            m.iter()
                .map(|(l, t)| (l.tag().to_string(), json!(t)))
                .collect(),
        )
    };
    props.insert("titles".into(), per_lang(&ds.title));
    props.insert("descriptions".into(), per_lang(&ds.description));
    let keywords: Vec<&str> = ds.all_keywords().collect();
    if !keywords.is_empty() {
        props.insert("keywords".into(), json!(keywords));
    }
    let mut themes = Vec::new();
    if !ds.themes.is_empty() {
        themes.push(json!({
            "concepts": ds.themes.iter().map(|t| json!({"id": vocab::code(t), "url": t})).collect::<Vec<_>>(),
            "scheme": "http://publications.europa.eu/resource/authority/data-theme",
        }));
    }
    if !ds.hvd_categories.is_empty() {
        themes.push(json!({
            "concepts": ds.hvd_categories.iter().map(|t| json!({"id": vocab::code(t), "url": t})).collect::<Vec<_>>(),
            "scheme": "http://data.europa.eu/bna/asd487ae75",
        }));
    }
    if !themes.is_empty() {
        props.insert("themes".into(), json!(themes));
    }
    let langs: Vec<Value> = ds
        .languages
        .iter()
        .map(|l| {
            let code = match vocab::code(l) {
                "FRA" => "fr",
                "NLD" => "nl",
                "ENG" => "en",
                "DEU" => "de",
                other => other,
            };
            json!({"code": code})
        })
        .collect();
    if let Some(first) = langs.first() {
        props.insert("language".into(), first.clone());
        props.insert("languages".into(), json!(langs));
    }
    let mut contacts = Vec::new();
    if let Some(cp) = &ds.contact_point {
        let mut c = serde_json::Map::new();
        if let Some(n) = main_text(&cp.name) {
            c.insert("name".into(), json!(n));
        }
        if let Some(e) = &cp.email {
            c.insert(
                "emails".into(),
                json!([{"value": e.trim_start_matches("mailto:")}]),
            );
        }
        if let Some(u) = &cp.url {
            c.insert("links".into(), json!([{"href": u, "rel": "about"}]));
        }
        c.insert("roles".into(), json!(["pointOfContact"]));
        contacts.push(Value::Object(c));
    }
    if let Some(a) = publisher {
        let mut c = serde_json::Map::new();
        c.insert(
            "organization".into(),
            json!(main_text(&a.name).unwrap_or(&a.id)),
        );
        if let Some(e) = &a.email {
            c.insert("emails".into(), json!([{"value": e}]));
        }
        if let Some(h) = &a.homepage {
            c.insert("links".into(), json!([{"href": h, "rel": "about"}]));
        }
        c.insert("roles".into(), json!(["publisher"]));
        contacts.push(Value::Object(c));
    }
    if !contacts.is_empty() {
        props.insert("contacts".into(), json!(contacts));
    }
    if let Some(l) = &ds.licence {
        props.insert("license".into(), json!(spdx(&l.uri)));
    }
    if let Some(r) = ds.rights.as_ref().and_then(main_text) {
        props.insert("rights".into(), json!(r));
    }
    if let Some(c) = ds.issued.as_deref() {
        props.insert("created".into(), json!(c));
    }
    let updated = if ds.record.modified.is_empty() {
        &ds.record.issued
    } else {
        &ds.record.modified
    };
    if !updated.is_empty() {
        props.insert("updated".into(), json!(updated));
    }
    let formats: Vec<Value> = ds
        .distributions
        .iter()
        .filter(|d| d.format.is_some() || d.media_type.is_some())
        .map(|d| json!({"name": d.format.as_deref().map(vocab::code), "mediaType": d.media_type}))
        .collect();
    if !formats.is_empty() {
        props.insert("formats".into(), json!(formats));
    }
    if let Some(id) = &ds.identifier {
        props.insert("externalIds".into(), json!([{"value": id}]));
    }

    let uri = dataset_uri(base, &ds.id);
    let mut links = vec![
        json!({"href": item, "rel": "self", "type": "application/geo+json", "title": "This record"}),
        json!({"href": format!("{base}/ogc/collections/{COLLECTION}"), "rel": "collection", "type": "application/json"}),
        json!({"href": format!("{uri}.ttl"), "rel": "alternate", "type": "text/turtle", "title": "DCAT-AP (Turtle)"}),
        json!({"href": format!("{uri}.rdf"), "rel": "alternate", "type": "application/rdf+xml", "title": "DCAT-AP (RDF/XML)"}),
        json!({"href": format!("{uri}.jsonld"), "rel": "alternate", "type": "application/ld+json", "title": "DCAT-AP (JSON-LD)"}),
        json!({"href": format!("{base}/csw?service=CSW&version=2.0.2&request=GetRecordById&outputSchema=http://www.isotc211.org/2005/gmd&elementSetName=full&id={}", ds.id), "rel": "alternate", "type": "application/xml", "title": "ISO 19139"}),
    ];
    if let Some(l) = &ds.licence {
        links.push(json!({"href": l.uri, "rel": "license", "title": l.label.best(Lang::En).unwrap_or(vocab::code(&l.uri))}));
    }
    if let Some(lp) = &ds.landing_page {
        links.push(json!({"href": lp, "rel": "describedby", "type": "text/html"}));
    }
    for d in &ds.distributions {
        let title = main_text(&d.title).unwrap_or(&d.id);
        match &d.download_url {
            Some(u) => {
                let mut l = json!({"href": u, "rel": "enclosure", "title": title});
                if let Some(m) = &d.media_type {
                    l["type"] = json!(m);
                }
                if let Some(n) = d.byte_size {
                    l["length"] = json!(n);
                }
                links.push(l);
                if d.access_url != *u {
                    links.push(json!({"href": d.access_url, "rel": "related", "title": title}));
                }
            }
            None => links.push(json!({"href": d.access_url, "rel": "related", "title": title})),
        }
    }
    if let Some(svc) = &ds.service {
        links
            .push(json!({"href": svc.endpoint_url, "rel": "service", "title": "Service endpoint"}));
        if let Some(d) = &svc.endpoint_description {
            links.push(json!({"href": d, "rel": "service-desc"}));
        }
        for s in &svc.serves_dataset {
            links.push(json!({"href": format!("{base}/ogc/collections/{COLLECTION}/items/{s}"), "rel": "related", "type": "application/geo+json", "title": "Served dataset"}));
        }
    }
    json!({
        "id": ds.id,
        "type": "Feature",
        "conformsTo": ["http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/record-core"],
        "time": time,
        "geometry": geometry,
        "properties": Value::Object(props),
        "links": links,
    })
}

/// A `datetime` parameter: `(start, end)` date keys, `None` for an open end.
fn parse_datetime(v: &str) -> Result<(Option<String>, Option<String>), Problem> {
    let bad = || {
        Problem::bad_param(
            "datetime",
            format!(
                "`{}` is not an RFC 3339 instant or interval (a/b, ../b, a/..)",
                clip(v)
            ),
        )
    };
    let part = |s: &str| -> Result<Option<String>, Problem> {
        match s.trim() {
            "" | ".." => Ok(None),
            t => date_key(t).map(Some).ok_or_else(bad),
        }
    };
    match v.split_once('/') {
        Some((a, b)) => {
            let (a, b) = (part(a)?, part(b)?);
            if let (Some(x), Some(y)) = (&a, &b) {
                if x > y {
                    return Err(Problem::bad_param(
                        "datetime",
                        "the interval ends before it starts",
                    ));
                }
            }
            Ok((a, b))
        }
        None => {
            let t = part(v)?.ok_or_else(bad)?;
            Ok((Some(t.clone()), Some(t)))
        }
    }
}

fn parse_bbox(v: &str) -> Result<[f64; 4], Problem> {
    let n: Vec<f64> = v
        .split(',')
        .map(|x| x.trim().parse::<f64>().ok().filter(|f| f.is_finite()))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| Problem::bad_param("bbox", format!("`{}` is not 4 numbers", clip(v))))?;
    if n.len() != 4 {
        return Err(Problem::bad_param(
            "bbox",
            format!(
                "expected 4 numbers (minlon,minlat,maxlon,maxlat), got {}",
                n.len()
            ),
        ));
    }
    if n[1] > n[3] || n[1] < -90.0 || n[3] > 90.0 || n[0] < -180.0 || n[2] > 180.0 {
        return Err(Problem::bad_param(
            "bbox",
            "must be longitude/latitude in CRS84 with minlat ≤ maxlat",
        ));
    }
    Ok([n[0], n[1], n[2], n[3]])
}

fn matches_bbox(f: &Fields, b: &[f64; 4]) -> bool {
    let Some(r) = f.bbox else { return false };
    let lat = r[1] <= b[3] && b[1] <= r[3];
    // A box crossing the antimeridian (minlon > maxlon) is two boxes.
    let lon = if b[0] <= b[2] {
        r[0] <= b[2] && b[0] <= r[2]
    } else {
        r[2] >= b[0] || r[0] <= b[2]
    };
    lat && lon
}

struct ItemsQuery {
    terms: Vec<String>,
    bbox: Option<[f64; 4]>,
    time: Option<(Option<String>, Option<String>)>,
    types: Vec<Kind>,
    ids: Vec<String>,
    sort: Vec<(String, bool)>,
    limit: usize,
    offset: usize,
}

fn parse_items(params: &BTreeMap<String, String>) -> Result<ItemsQuery, Problem> {
    check_known(
        params,
        &[
            "q", "bbox", "datetime", "type", "ids", "sortby", "limit", "offset", "f",
        ],
    )?;
    check_f(params)?;
    let list = |k: &str| -> Vec<String> {
        params
            .get(k)
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    };
    let terms: Vec<String> = list("q").iter().map(|t| fold(t)).collect();
    if terms.iter().any(|t| t.len() > 200) || terms.len() > 20 {
        return Err(Problem::bad_param(
            "q",
            "at most 20 terms of at most 200 characters",
        ));
    }
    let mut types = Vec::new();
    for t in list("type") {
        types.push(Kind::parse(&t).ok_or_else(|| {
            Problem::bad_param(
                "type",
                format!("`{}` is not dataset, series or service", clip(&t)),
            )
        })?);
    }
    let ids = list("ids");
    if ids.len() > 1_000 {
        return Err(Problem::bad_param("ids", "at most 1000 ids"));
    }
    let mut sort = Vec::new();
    for s in list("sortby") {
        let (name, asc) = match s.strip_prefix('-') {
            Some(n) => (n, false),
            None => (s.strip_prefix('+').unwrap_or(&s), true),
        };
        if !["title", "updated", "created", "id", "type"].contains(&name) {
            return Err(Problem::bad_param(
                "sortby",
                format!(
                    "cannot sort by `{}` (title, updated, created, id, type)",
                    clip(name)
                ),
            ));
        }
        sort.push((name.to_string(), asc));
    }
    let number = |k: &str, default: usize| -> Result<usize, Problem> {
        match params.get(k) {
            None => Ok(default),
            Some(v) => v.trim().parse::<usize>().map_err(|_| {
                Problem::bad_param(k, format!("`{}` is not a non-negative integer", clip(v)))
            }),
        }
    };
    let limit = number("limit", DEFAULT_LIMIT)?;
    if limit == 0 {
        return Err(Problem::bad_param("limit", "must be at least 1"));
    }
    Ok(ItemsQuery {
        terms,
        bbox: params.get("bbox").map(|v| parse_bbox(v)).transpose()?,
        time: params
            .get("datetime")
            .map(|v| parse_datetime(v))
            .transpose()?,
        types,
        ids,
        sort,
        limit: limit.min(MAX_LIMIT),
        offset: number("offset", 0)?,
    })
}

fn item_matches(q: &ItemsQuery, f: &Fields) -> bool {
    if !q.ids.is_empty() && !q.ids.contains(&f.identifier) {
        return false;
    }
    if !q.types.is_empty() && !q.types.iter().any(|k| k.as_str() == f.type_) {
        return false;
    }
    if let Some(b) = &q.bbox {
        if !matches_bbox(f, b) {
            return false;
        }
    }
    if let Some((lo, hi)) = &q.time {
        if f.temp_begin.is_none() && f.temp_end.is_none() {
            return false;
        }
        let starts_before_hi = match (&f.temp_begin, hi) {
            (Some(b), Some(h)) => b <= h,
            _ => true,
        };
        let ends_after_lo = match (&f.temp_end, lo) {
            (Some(e), Some(l)) => e >= l,
            _ => true,
        };
        if !(starts_before_hi && ends_after_lo) {
            return false;
        }
    }
    if !q.terms.is_empty() {
        // Identifier, titles, descriptions, keywords, themes, publisher, formats.
        let texts = f.folded_texts(Prop::AnyText);
        if !q
            .terms
            .iter()
            .any(|t| texts.iter().any(|x| x.contains(t.as_str())))
        {
            return false;
        }
    }
    true
}

fn sort_key(f: &Fields, field: &str) -> Option<String> {
    match field {
        "title" => f.title.first().map(|t| fold(t)),
        "updated" => f.modified.clone(),
        "created" => f.created.clone(),
        "type" => Some(f.type_.clone()),
        _ => Some(f.identifier.clone()),
    }
}

fn page_url(base: &str, params: &BTreeMap<String, String>, offset: usize, limit: usize) -> String {
    let mut p: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| k.as_str() != "offset" && k.as_str() != "limit")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    p.push(("limit".into(), limit.to_string()));
    p.push(("offset".into(), offset.to_string()));
    let qs: Vec<String> = p
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    format!("{base}/ogc/collections/{COLLECTION}/items?{}", qs.join("&"))
}

/// Percent-encode a query component.
fn encode(s: &str) -> String {
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

async fn items(
    State(st): State<CswState>,
    headers: HeaderMap,
    Query(params): Query<BTreeMap<String, String>>,
) -> Response {
    let q = match parse_items(&params) {
        Ok(q) => q,
        Err(p) => return p.into_response(),
    };
    let index = match st.fields().await {
        Ok(f) => f,
        Err(e) => return unavailable(e),
    };
    let mut matched: Vec<&Fields> = index.iter().filter(|f| item_matches(&q, f)).collect();
    if !q.sort.is_empty() {
        matched.sort_by(|a, b| {
            for (field, asc) in &q.sort {
                let o = match (sort_key(a, field), sort_key(b, field)) {
                    (Some(x), Some(y)) if *asc => x.cmp(&y),
                    (Some(x), Some(y)) => y.cmp(&x),
                    (Some(_), None) => std::cmp::Ordering::Less,
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                    (None, None) => std::cmp::Ordering::Equal,
                };
                if o != std::cmp::Ordering::Equal {
                    return o;
                }
            }
            a.identifier.cmp(&b.identifier)
        });
    }
    let total = matched.len();
    let from = q.offset.min(total);
    let to = (from + q.limit).min(total);
    let base = st.cat.base_url(&headers);
    let agents: HashMap<String, Agent> = if to > from {
        match st.cat.store.list_publishers().await {
            Ok(a) => a.into_iter().map(|a| (a.id.clone(), a)).collect(),
            Err(e) => return unavailable(e),
        }
    } else {
        HashMap::new()
    };
    let mut features = Vec::with_capacity(to - from);
    for f in &matched[from..to] {
        match st.cat.store.get_dataset(&f.identifier).await {
            Ok(Some(ds)) if ds.is_public() => {
                let publisher = ds.publisher.as_ref().and_then(|p| agents.get(p));
                let ds = st.cat.localize(ds, &base);
                features.push(record_json(&base, &ds, publisher));
            }
            Ok(_) => {}
            Err(e) => return unavailable(e),
        }
    }
    let mut links = vec![
        json!({"href": page_url(&base, &params, from, q.limit), "rel": "self", "type": "application/geo+json"}),
        json!({"href": format!("{base}/ogc/collections/{COLLECTION}"), "rel": "collection", "type": "application/json"}),
    ];
    if to < total {
        links.push(json!({"href": page_url(&base, &params, to, q.limit), "rel": "next", "type": "application/geo+json"}));
    }
    if from > 0 {
        links.push(json!({"href": page_url(&base, &params, from.saturating_sub(q.limit), q.limit), "rel": "prev", "type": "application/geo+json"}));
    }
    let body = json!({
        "type": "FeatureCollection",
        "timeStamp": crate::store::now(),
        "numberMatched": total,
        "numberReturned": features.len(),
        "features": features,
        "links": links,
    });
    json_response("application/geo+json", &body)
}

async fn item(
    State(st): State<CswState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(params): Query<BTreeMap<String, String>>,
) -> Response {
    if let Err(p) = check_known(&params, &["f"]).and_then(|_| check_f(&params)) {
        return p.into_response();
    }
    let ds = match st.cat.store.get_dataset(&id).await {
        Ok(Some(ds)) if ds.is_public() => ds,
        Ok(_) => return Problem::not_found(format!("no record `{}`", clip(&id))).into_response(),
        Err(e) => return unavailable(e),
    };
    let publisher = match &ds.publisher {
        Some(p) => match st.cat.store.get_publisher(p).await {
            Ok(a) => a,
            Err(e) => return unavailable(e),
        },
        None => None,
    };
    let base = st.cat.base_url(&headers);
    let ds = st.cat.localize(ds, &base);
    json_response(
        "application/geo+json",
        &record_json(&base, &ds, publisher.as_ref()),
    )
}

/// The Records routes.
pub fn routes(state: CswState) -> Router {
    Router::new()
        .route(&format!("/ogc/collections/{COLLECTION}"), get(collection))
        .route(&format!("/ogc/collections/{COLLECTION}/items"), get(items))
        .route(
            &format!("/ogc/collections/{COLLECTION}/items/{{record_id}}"),
            get(item),
        )
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime_and_bbox_parameters() {
        assert_eq!(
            parse_datetime("2020-01-01/..").unwrap(),
            (Some("2020-01-01T00:00:00".into()), None)
        );
        assert!(parse_datetime("2021-01-01/2020-01-01").is_err());
        assert!(parse_datetime("yesterday").is_err());
        assert!(parse_bbox("4.3,50.8,4.4").is_err());
        assert!(parse_bbox("4.3,50.8,4.4,x").is_err());
        assert_eq!(
            parse_bbox("4.3,50.8,4.4,50.9").unwrap(),
            [4.3, 50.8, 4.4, 50.9]
        );
        assert_eq!(encode("a b&c"), "a%20b%26c");
    }
}
