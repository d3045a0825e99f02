//! The `/csw` endpoint: request dispatch, GetRecords over the catalogue, the Dublin Core
//! (`csw:Record`) writer and the response envelopes.
//!
//! Constraints are evaluated over a compact index of every public record's queryables
//! ([`Fields`]), rebuilt when the store's revision changes; only the returned page's records
//! are read in full. Records are ordered by id unless SortBy says otherwise, so that paging
//! with `startPosition` returns every record exactly once.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::sync::Mutex;

use super::capabilities::{self, ServiceInfo};
use super::filter::{date_key, Fields, Prop};
use super::request::{
    self, ElementSet, GetRecords, OwsException, Request, ResultType, Schema, CSW_NS,
};
use crate::model::{vocab, Agent, Dataset, Lang};
use crate::publish::iso19139;
use crate::publish::xml::XmlOut;
use crate::store::{CatalogError, ListQuery};
use crate::{dataset_uri, CatalogState};

/// The queryables of every public record, with the store revision they were read at.
struct Index {
    revision: i64,
    fields: Arc<Vec<Fields>>,
}

/// State of the CSW routes.
#[derive(Clone)]
pub struct CswState {
    pub cat: CatalogState,
    index: Arc<Mutex<Option<Index>>>,
}

impl CswState {
    pub fn new(cat: CatalogState) -> Self {
        CswState {
            cat,
            index: Arc::new(Mutex::new(None)),
        }
    }

    /// The current index (rebuilt when the catalogue changed since it was built).
    pub async fn fields(&self) -> Result<Arc<Vec<Fields>>, CatalogError> {
        let rev = self.cat.store.revision().await?;
        let mut guard = self.index.lock().await;
        if let Some(ix) = guard.as_ref() {
            if ix.revision == rev {
                return Ok(ix.fields.clone());
            }
        }
        let agents = agent_map(self.cat.store.list_publishers().await?);
        let mut fields = Vec::new();
        let mut offset = 0u64;
        loop {
            let page = self
                .cat
                .store
                .list_datasets(&ListQuery {
                    public_only: true,
                    offset,
                    limit: 1_000,
                    ..Default::default()
                })
                .await?;
            if page.items.is_empty() {
                break;
            }
            offset += page.items.len() as u64;
            for ds in &page.items {
                let publisher = ds.publisher.as_ref().and_then(|p| agents.get(p));
                fields.push(record_fields(ds, publisher).prepare());
            }
        }
        fields.sort_by(|a, b| a.identifier.cmp(&b.identifier));
        let fields = Arc::new(fields);
        *guard = Some(Index {
            revision: rev,
            fields: fields.clone(),
        });
        Ok(fields)
    }
}

fn agent_map(agents: Vec<Agent>) -> HashMap<String, Agent> {
    agents.into_iter().map(|a| (a.id.clone(), a)).collect()
}

/// The queryable values of a record.
pub fn record_fields(ds: &Dataset, publisher: Option<&Agent>) -> Fields {
    let texts = |m: &crate::model::Multilingual| m.iter().map(|(_, t)| t.to_string()).collect();
    let mut subject: Vec<String> = ds.all_keywords().map(str::to_string).collect();
    for t in ds.themes.iter().chain(ds.hvd_categories.iter()) {
        subject.push(vocab::code(t).to_string());
        subject.push(t.clone());
    }
    let mut format = Vec::new();
    for d in &ds.distributions {
        if let Some(f) = &d.format {
            format.push(vocab::code(f).to_string());
        }
        if let Some(m) = &d.media_type {
            format.push(m.clone());
        }
    }
    let mut other_text = Vec::new();
    for d in &ds.distributions {
        other_text.extend(d.title.iter().map(|(_, t)| t.to_string()));
    }
    let modified = if ds.record.modified.is_empty() {
        &ds.record.issued
    } else {
        &ds.record.modified
    };
    Fields {
        identifier: ds.id.clone(),
        title: texts(&ds.title),
        abstract_: texts(&ds.description),
        subject,
        other_text,
        modified: date_key(modified),
        created: ds.issued.as_deref().and_then(date_key),
        issued: ds.issued.as_deref().and_then(date_key),
        temp_begin: ds
            .temporal
            .as_ref()
            .and_then(|t| t.start.as_deref())
            .and_then(date_key),
        temp_end: ds
            .temporal
            .as_ref()
            .and_then(|t| t.end.as_deref())
            .and_then(date_key),
        type_: ds.kind.as_str().to_string(),
        format,
        language: ds
            .languages
            .iter()
            .map(|l| vocab::code(l).to_string())
            .collect(),
        publisher: publisher
            .map(|a| a.name.iter().map(|(_, t)| t.to_string()).collect())
            .unwrap_or_default(),
        bbox: ds
            .spatial
            .as_ref()
            .and_then(|s| s.bbox)
            .map(|b| [b.west, b.south, b.east, b.north]),
        prepared: false,
    }
}

fn sort_value(f: &Fields, p: Prop) -> Option<String> {
    match p {
        Prop::Title => f.title.first().map(|t| t.to_lowercase()),
        Prop::Identifier => Some(f.identifier.clone()),
        Prop::Modified => f.modified.clone(),
        Prop::Created => f.created.clone(),
        Prop::Issued => f.issued.clone(),
        Prop::Type => Some(f.type_.clone()),
        Prop::TempBegin => f.temp_begin.clone(),
        Prop::TempEnd => f.temp_end.clone(),
        _ => None,
    }
}

fn xml_response(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/xml; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

fn exception(e: OwsException) -> Response {
    xml_response(e.status(), e.to_xml())
}

fn store_failure(e: CatalogError) -> Response {
    tracing::error!(error = %e, "catalogue store (CSW)");
    exception(OwsException::no_code("the catalogue is unavailable"))
}

async fn get_csw(
    State(st): State<CswState>,
    headers: HeaderMap,
    Query(params): Query<Vec<(String, String)>>,
) -> Response {
    match request::from_kvp(&params) {
        Ok(r) => dispatch(st, headers, r).await,
        Err(e) => exception(e),
    }
}

async fn post_csw(State(st): State<CswState>, headers: HeaderMap, body: Bytes) -> Response {
    if body.len() > request::MAX_BODY {
        return exception(OwsException::invalid(
            "request",
            format!(
                "request body is {} bytes; at most {} are accepted",
                body.len(),
                request::MAX_BODY
            ),
        ));
    }
    let Ok(text) = std::str::from_utf8(&body) else {
        return exception(OwsException::invalid(
            "request",
            "the request body is not UTF-8",
        ));
    };
    // Form-encoded KVP is accepted on POST too.
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    let parsed = if is_form {
        match serde_urlencoded_pairs(text) {
            Some(p) => request::from_kvp(&p),
            None => Err(OwsException::invalid("request", "malformed form body")),
        }
    } else {
        request::from_xml(text)
    };
    match parsed {
        Ok(r) => dispatch(st, headers, r).await,
        Err(e) => exception(e),
    }
}

fn serde_urlencoded_pairs(text: &str) -> Option<Vec<(String, String)>> {
    let uri: axum::http::Uri = format!("/?{text}").parse().ok()?;
    let Query(p) = Query::<Vec<(String, String)>>::try_from_uri(&uri).ok()?;
    Some(p)
}

async fn dispatch(st: CswState, headers: HeaderMap, r: Request) -> Response {
    let base = st.cat.base_url(&headers);
    match r {
        Request::GetCapabilities => {
            let cat = &st.cat.catalogue;
            let endpoint = format!("{base}/csw");
            let publisher = st
                .cat
                .store
                .get_publisher(&cat.publisher)
                .await
                .ok()
                .flatten();
            let provider = publisher
                .as_ref()
                .and_then(|a| a.name.best(Lang::En).map(str::to_string))
                .unwrap_or_else(|| cat.publisher.clone());
            let doc = capabilities::capabilities(&ServiceInfo {
                endpoint: &endpoint,
                title: cat.title.best(Lang::En).unwrap_or("Catalogue"),
                abstract_: cat.description.best(Lang::En).unwrap_or(""),
                provider: &provider,
                provider_site: cat.homepage.as_deref(),
                email: publisher.as_ref().and_then(|a| a.email.as_deref()),
            });
            xml_response(200, doc)
        }
        Request::DescribeRecord { type_names } => {
            xml_response(200, capabilities::describe_record(&type_names))
        }
        Request::GetRecordById {
            ids,
            schema,
            element_set,
        } => {
            let mut records = Vec::new();
            for id in &ids {
                match st.cat.store.get_dataset(id).await {
                    Ok(Some(ds)) if ds.is_public() => records.push(st.cat.localize(ds, &base)),
                    Ok(_) => {}
                    Err(e) => return store_failure(e),
                }
            }
            let agents = match st.cat.store.list_publishers().await {
                Ok(a) => agent_map(a),
                Err(e) => return store_failure(e),
            };
            let mut o = XmlOut::new();
            let mut attrs = envelope_ns(schema);
            attrs.push(("xsi:schemaLocation", DISCOVERY_LOCATION));
            o.open("csw:GetRecordByIdResponse", &attrs);
            for ds in &records {
                write_record(&mut o, &base, ds, &agents, schema, element_set);
            }
            xml_response(200, o.finish())
        }
        Request::GetRecords(g) => get_records(st, &base, g).await,
    }
}

const DISCOVERY_LOCATION: &str =
    "http://www.opengis.net/cat/csw/2.0.2 http://schemas.opengis.net/csw/2.0.2/CSW-discovery.xsd";

fn envelope_ns(schema: Schema) -> Vec<(&'static str, &'static str)> {
    let mut v = vec![
        ("xmlns:csw", CSW_NS),
        ("xmlns:dc", "http://purl.org/dc/elements/1.1/"),
        ("xmlns:dct", "http://purl.org/dc/terms/"),
        ("xmlns:ows", request::OWS_NS),
    ];
    if schema == Schema::Iso {
        v.extend_from_slice(iso19139::NAMESPACES);
    } else {
        v.push(("xmlns:xsi", iso19139::XSI));
    }
    v
}

fn write_record(
    o: &mut XmlOut,
    base: &str,
    ds: &Dataset,
    agents: &HashMap<String, Agent>,
    schema: Schema,
    esn: ElementSet,
) {
    let publisher = ds.publisher.as_ref().and_then(|p| agents.get(p));
    match schema {
        Schema::Iso => iso19139::write(o, base, ds, publisher, esn, false),
        Schema::Csw => dublin_core(o, base, ds, publisher, esn),
    }
}

/// `csw:BriefRecord`, `csw:SummaryRecord` or `csw:Record`.
pub fn dublin_core(
    o: &mut XmlOut,
    base: &str,
    ds: &Dataset,
    publisher: Option<&Agent>,
    esn: ElementSet,
) {
    let tag: &'static str = match esn {
        ElementSet::Brief => "csw:BriefRecord",
        ElementSet::Summary => "csw:SummaryRecord",
        ElementSet::Full => "csw:Record",
    };
    o.open(tag, &[]);
    o.leaf("dc:identifier", &[], &ds.id);
    // Main language (fr) first, then the others; DC literals carry no language attribute.
    let ordered = |m: &crate::model::Multilingual| -> Vec<String> {
        let mut v: Vec<(Lang, String)> = m.iter().map(|(l, t)| (l, t.to_string())).collect();
        v.sort_by_key(|(l, _)| *l);
        v.into_iter().map(|(_, t)| t).collect()
    };
    for t in ordered(&ds.title) {
        o.leaf("dc:title", &[], &t);
    }
    o.leaf("dc:type", &[], ds.kind.as_str());
    if esn != ElementSet::Brief {
        for k in ds.all_keywords() {
            o.leaf("dc:subject", &[], k);
        }
        for t in &ds.themes {
            o.leaf(
                "dc:subject",
                &[(
                    "scheme",
                    "http://publications.europa.eu/resource/authority/data-theme",
                )],
                vocab::code(t),
            );
        }
        for f in ds.formats() {
            o.leaf("dc:format", &[], vocab::code(f));
        }
        if esn == ElementSet::Full {
            if let Some(a) = publisher {
                if let Some(n) = a.name.best(Lang::Fr) {
                    o.leaf("dc:publisher", &[], n);
                }
            }
            for l in &ds.languages {
                o.leaf("dc:language", &[], vocab::code(l));
            }
            if let Some(l) = &ds.licence {
                o.leaf("dc:rights", &[], &l.uri);
            }
            if let Some(d) = &ds.issued {
                o.leaf("dct:issued", &[], d);
            }
            for d in &ds.distributions {
                let url = d.download_url.as_deref().unwrap_or(&d.access_url);
                o.leaf(
                    "dct:references",
                    &[("scheme", "WWW:DOWNLOAD-1.0-http--download")],
                    url,
                );
            }
            if let Some(svc) = &ds.service {
                o.leaf(
                    "dct:references",
                    &[("scheme", "OGC:API")],
                    &svc.endpoint_url,
                );
            }
            o.leaf("dc:source", &[], &dataset_uri(base, &ds.id));
        }
        let modified = if ds.record.modified.is_empty() {
            &ds.record.issued
        } else {
            &ds.record.modified
        };
        if !modified.is_empty() {
            o.leaf("dct:modified", &[], modified);
        }
        for t in ordered(&ds.description) {
            o.leaf("dct:abstract", &[], &t);
        }
        if let Some(s) = &ds.spatial {
            for p in &s.places {
                o.leaf("dct:spatial", &[], p);
            }
        }
    }
    if let Some(b) = ds.spatial.as_ref().and_then(|s| s.bbox) {
        o.open(
            "ows:BoundingBox",
            &[("crs", "urn:ogc:def:crs:EPSG::4326"), ("dimensions", "2")],
        );
        o.leaf("ows:LowerCorner", &[], &format!("{} {}", b.south, b.west));
        o.leaf("ows:UpperCorner", &[], &format!("{} {}", b.north, b.east));
        o.close();
    }
    o.close();
}

fn now_rfc3339() -> String {
    crate::store::now()
}

async fn get_records(st: CswState, base: &str, g: GetRecords) -> Response {
    let index = match st.fields().await {
        Ok(f) => f,
        Err(e) => return store_failure(e),
    };
    let mut matched: Vec<&Fields> = match &g.constraint {
        None => index.iter().collect(),
        Some(c) => index.iter().filter(|f| c.matches(f)).collect(),
    };
    if !g.sort.is_empty() {
        matched.sort_by(|a, b| {
            for (p, asc) in &g.sort {
                let (x, y) = (sort_value(a, *p), sort_value(b, *p));
                // Records without the value sort last either way.
                let o = match (x, y) {
                    (Some(x), Some(y)) => {
                        if *asc {
                            x.cmp(&y)
                        } else {
                            y.cmp(&x)
                        }
                    }
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
    if g.result_type == ResultType::Validate {
        let mut o = XmlOut::new();
        let ts = now_rfc3339();
        o.open(
            "csw:Acknowledgement",
            &[
                ("xmlns:csw", CSW_NS),
                ("xmlns:xsi", iso19139::XSI),
                ("xsi:schemaLocation", DISCOVERY_LOCATION),
                ("timeStamp", &ts),
            ],
        );
        o.open("csw:EchoedRequest", &[]);
        o.open(
            "csw:GetRecords",
            &[
                ("service", "CSW"),
                ("version", "2.0.2"),
                ("resultType", "validate"),
                ("outputSchema", g.schema.uri()),
            ],
        );
        o.open("csw:Query", &[("typeNames", "csw:Record")]);
        o.leaf("csw:ElementSetName", &[], g.element_set.as_str());
        o.close().close();
        o.close();
        if let Some(id) = &g.request_id {
            o.leaf("csw:RequestId", &[], id);
        }
        return xml_response(200, o.finish());
    }
    let start = g.start.max(1);
    let (page, next): (Vec<&Fields>, usize) = if g.result_type == ResultType::Hits {
        (Vec::new(), if start <= total { start } else { 0 })
    } else {
        let from = (start - 1).min(total);
        let to = (from + g.max).min(total);
        let next = if to < total { to + 1 } else { 0 };
        (matched[from..to].to_vec(), next)
    };
    let mut records = Vec::with_capacity(page.len());
    for f in &page {
        match st.cat.store.get_dataset(&f.identifier).await {
            Ok(Some(ds)) if ds.is_public() => records.push(st.cat.localize(ds, base)),
            // Changed since the index was read: left out of this page.
            Ok(_) => {}
            Err(e) => return store_failure(e),
        }
    }
    let agents = if records.is_empty() {
        HashMap::new()
    } else {
        match st.cat.store.list_publishers().await {
            Ok(a) => agent_map(a),
            Err(e) => return store_failure(e),
        }
    };
    let mut o = XmlOut::new();
    let mut attrs = envelope_ns(g.schema);
    attrs.push(("version", "2.0.2"));
    attrs.push(("xsi:schemaLocation", DISCOVERY_LOCATION));
    o.open("csw:GetRecordsResponse", &attrs);
    if let Some(id) = &g.request_id {
        o.leaf("csw:RequestId", &[], id);
    }
    let ts = now_rfc3339();
    o.empty("csw:SearchStatus", &[("timestamp", &ts)]);
    let (m, r, n) = (
        total.to_string(),
        records.len().to_string(),
        next.to_string(),
    );
    o.open(
        "csw:SearchResults",
        &[
            ("numberOfRecordsMatched", &m),
            ("numberOfRecordsReturned", &r),
            ("nextRecord", &n),
            ("recordSchema", g.schema.uri()),
            ("elementSet", g.element_set.as_str()),
        ],
    );
    for ds in &records {
        write_record(&mut o, base, ds, &agents, g.schema, g.element_set);
    }
    xml_response(200, o.finish())
}

/// The CSW routes.
pub fn routes(state: CswState) -> Router {
    Router::new()
        .route("/csw", get(get_csw).post(post_csw))
        .with_state(state)
}
