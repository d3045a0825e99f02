//! Source clients: one [`Pager`] per job walks a source page by page.
//!
//! Paging is defensive: CSW stops on `nextRecord` 0, past `numberOfRecordsMatched`, not moving
//! forward, or an empty page; Hydra, CKAN and OGC API Records links are followed with loop
//! detection; every client stops after `max_pages`. A page that fails is reported (stage
//! `fetch` or `parse`) and, where the next position is known without it, the walk goes on.

use std::collections::HashSet;

use datastore_api::model::Lang;
use reqwest::Url;

use crate::config::{Settings, SourceConfig, SourceKind};
use crate::fetch::{FetchError, Fetcher};
use crate::map::{ckan, iso, rdf, records, Parsed};
use crate::xml;

const ACCEPT_XML: &str = "application/xml, text/xml;q=0.9, */*;q=0.1";
const ACCEPT_RDF: &str = "text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.8, application/n-triples;q=0.7, */*;q=0.1";
const ACCEPT_JSON: &str = "application/json, application/geo+json;q=0.9, */*;q=0.1";

/// Why a page could not be used.
#[derive(Debug, Clone)]
pub struct PageError {
    /// `fetch` (HTTP, size, timeout, refused) or `parse` (malformed document).
    pub stage: &'static str,
    pub reason: String,
    /// The source refused us or does not exist: the job fails rather than goes on.
    pub fatal: bool,
}

/// One page of a source.
#[derive(Debug)]
pub struct Page {
    pub url: String,
    pub result: Result<Parsed, PageError>,
}

/// A warning about paging (a lying server, a loop) recorded with the job.
pub type Notes = Vec<String>;

enum State {
    Csw { start: u64, matched: Option<u64> },
    Link { next: Option<String> },
    Ckan { start: u64, count: Option<u64> },
    Done,
}

/// Walks one source.
pub struct Pager {
    source: SourceConfig,
    page_size: u32,
    max_pages: u32,
    pages: u32,
    state: State,
    seen_urls: HashSet<String>,
    since: Option<String>,
    pub notes: Notes,
}

impl Pager {
    /// `since`: CKAN's `metadata_modified` lower bound (the last successful run, unless forced).
    pub fn new(source: &SourceConfig, settings: &Settings, since: Option<String>) -> Pager {
        let state = match source.kind {
            SourceKind::Csw => State::Csw {
                start: 1,
                matched: None,
            },
            SourceKind::Ckan => State::Ckan {
                start: 0,
                count: None,
            },
            SourceKind::Dcat | SourceKind::Records | SourceKind::File => State::Link {
                next: Some(match source.kind {
                    SourceKind::Records => {
                        with_param(&source.url, "limit", &settings.page_size.to_string())
                    }
                    _ => source.url.clone(),
                }),
            },
        };
        Pager {
            source: source.clone(),
            page_size: settings.page_size.clamp(1, 1000),
            max_pages: settings.max_pages.max(1),
            pages: 0,
            state,
            seen_urls: HashSet::new(),
            since,
            notes: vec![],
        }
    }

    /// The next page, or `None` at the end.
    pub async fn next(&mut self, f: &Fetcher) -> Option<Page> {
        if self.pages >= self.max_pages {
            if !matches!(self.state, State::Done) {
                self.notes.push(format!(
                    "stopped after {} pages (max_pages)",
                    self.max_pages
                ));
                self.state = State::Done;
            }
            return None;
        }
        let lang = self.source.lang();
        let page = match std::mem::replace(&mut self.state, State::Done) {
            State::Done => return None,
            State::Csw { start, matched } => self.csw_page(f, start, matched, lang).await,
            State::Ckan { start, count } => self.ckan_page(f, start, count, lang).await,
            State::Link { next: None } => return None,
            State::Link { next: Some(url) } => self.link_page(f, url, lang).await,
        };
        self.pages += 1;
        Some(page)
    }

    async fn csw_page(
        &mut self,
        f: &Fetcher,
        start: u64,
        matched: Option<u64>,
        lang: Lang,
    ) -> Page {
        let schema = self.source.csw_schema();
        let (type_name, prefix) = schema.type_name();
        let mut url = format!(
            "{}{}service=CSW&version=2.0.2&request=GetRecords&typeNames={type_name}&resultType=results&elementSetName=full&outputSchema={uri}&namespace=xmlns({prefix}={uri})&startPosition={start}&maxRecords={}",
            self.source.url,
            if self.source.url.contains('?') { "&" } else { "?" },
            self.page_size,
            uri = schema.uri(),
        );
        if let Some(c) = &self.source.filter {
            url.push_str(
                "&constraintLanguage=CQL_TEXT&constraint_language_version=1.1.0&constraint=",
            );
            url.push_str(&encode(c));
        }
        let skip_on_failure = |matched: Option<u64>, step: u64| match matched {
            Some(m) if start + step <= m => State::Csw {
                start: start + step,
                matched: Some(m),
            },
            _ => State::Done,
        };
        let body = match f.get(&url, ACCEPT_XML).await {
            Ok(b) => b,
            Err(e) => {
                let fatal = start == 1;
                if !fatal {
                    self.state = skip_on_failure(matched, self.page_size as u64);
                }
                return Page {
                    url,
                    result: Err(fetch_error(e, fatal)),
                };
            }
        };
        let parsed = xml::decode(&body.body)
            .map_err(|e| e.0)
            .and_then(|t| xml::parse(t).map_err(|e| e.0));
        let root = match parsed {
            Ok(r) => r,
            Err(reason) => {
                self.state = skip_on_failure(matched, self.page_size as u64);
                return Page {
                    url,
                    result: Err(PageError {
                        stage: "parse",
                        reason,
                        fatal: false,
                    }),
                };
            }
        };
        if root.local == "ExceptionReport" {
            let text = root
                .find("ExceptionText")
                .map(|t| t.trimmed().to_string())
                .unwrap_or_default();
            self.state = skip_on_failure(matched, self.page_size as u64);
            return Page {
                url,
                result: Err(PageError {
                    stage: "fetch",
                    reason: format!("OWS exception: {text}"),
                    fatal: start == 1,
                }),
            };
        }
        let results = root.find("SearchResults");
        let num = |name: &str| {
            results
                .and_then(|r| r.attr(name))
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let m = num("numberOfRecordsMatched").or(matched);
        let next = num("nextRecord");
        let declared = num("numberOfRecordsReturned");
        let mut out = Parsed::default();
        for md in iso::metadata_elements(&root) {
            match iso::map_metadata(md, lang) {
                Ok(r) => out.records.push(r),
                Err(e) => out.failed.push(e),
            }
        }
        let got = (out.records.len() + out.failed.len()) as u64;
        if let Some(d) = declared {
            if d != got {
                self.notes.push(format!(
                    "{url}: numberOfRecordsReturned={d} but {got} records in the page"
                ));
            }
        }
        self.state = if got == 0 {
            State::Done
        } else {
            match next {
                Some(0) => State::Done,
                Some(n) if m.is_some_and(|m| n > m) => State::Done,
                Some(n) if n <= start => {
                    self.notes.push(format!("{url}: nextRecord={n} does not move past startPosition={start}; paging stopped"));
                    State::Done
                }
                Some(n) => State::Csw {
                    start: n,
                    matched: m,
                },
                None => {
                    let n = start + got;
                    if m.is_some_and(|m| n > m) {
                        State::Done
                    } else {
                        State::Csw {
                            start: n,
                            matched: m,
                        }
                    }
                }
            }
        };
        Page {
            url,
            result: Ok(out),
        }
    }

    async fn ckan_page(&mut self, f: &Fetcher, start: u64, count: Option<u64>, lang: Lang) -> Page {
        let base = self.source.url.trim_end_matches('/');
        let base = if base.ends_with("/api/3/action/package_search") {
            base.to_string()
        } else if base.ends_with("/api/3/action") {
            format!("{base}/package_search")
        } else {
            format!("{base}/api/3/action/package_search")
        };
        let mut fq = Vec::new();
        if let Some(s) = &self.since {
            fq.push(format!("metadata_modified:[{s} TO *]"));
        }
        if let Some(x) = &self.source.filter {
            fq.push(x.clone());
        }
        let mut url = format!("{base}?rows={}&start={start}&sort=id%20asc", self.page_size);
        if !fq.is_empty() {
            url.push_str("&fq=");
            url.push_str(&encode(&fq.join(" AND ")));
        }
        let body = match f.get(&url, ACCEPT_JSON).await {
            Ok(b) => b,
            Err(e) => {
                let fatal = start == 0;
                if let Some(c) = count.filter(|c| start + (self.page_size as u64) < *c) {
                    self.state = State::Ckan {
                        start: start + self.page_size as u64,
                        count: Some(c),
                    };
                }
                return Page {
                    url,
                    result: Err(fetch_error(e, fatal)),
                };
            }
        };
        match ckan::parse_response(&body.body, lang) {
            Ok(p) => {
                let c = p.count.or(count);
                let n = start + p.returned as u64;
                self.state = if p.returned == 0 || c.is_some_and(|c| n >= c) || p.count.is_none() {
                    State::Done
                } else {
                    State::Ckan { start: n, count: c }
                };
                Page {
                    url,
                    result: Ok(p.parsed),
                }
            }
            Err(reason) => {
                if let Some(c) = count.filter(|c| start + (self.page_size as u64) < *c) {
                    self.state = State::Ckan {
                        start: start + self.page_size as u64,
                        count: Some(c),
                    };
                }
                Page {
                    url,
                    result: Err(PageError {
                        stage: "parse",
                        reason,
                        fatal: start == 0,
                    }),
                }
            }
        }
    }

    async fn link_page(&mut self, f: &Fetcher, url: String, lang: Lang) -> Page {
        self.seen_urls.insert(url.clone());
        let first = self.pages == 0;
        let accept = match self.source.kind {
            SourceKind::Records => ACCEPT_JSON,
            SourceKind::Dcat => ACCEPT_RDF,
            _ => "*/*",
        };
        let body = match f.get(&url, accept).await {
            Ok(b) => b,
            Err(e) => {
                return Page {
                    url,
                    result: Err(fetch_error(e, first)),
                }
            }
        };
        let (parsed, next) = match self.source.kind {
            SourceKind::Records => match records::parse_response(&body.body, lang) {
                Ok(p) => {
                    let next = if p.returned == 0 { None } else { p.next };
                    (Ok(p.parsed), next)
                }
                Err(e) => (Err(e), None),
            },
            SourceKind::Dcat => parse_rdf(&body, lang),
            _ => (parse_any(&body, lang), None),
        };
        let next = next.and_then(|n| {
            let abs = Url::parse(&body.url)
                .and_then(|b| b.join(&n))
                .map(|u| u.to_string())
                .unwrap_or(n);
            if self.seen_urls.contains(&abs) {
                self.notes.push(format!(
                    "{url}: the next page {abs} was already read (paging loop); stopped"
                ));
                None
            } else {
                Some(abs)
            }
        });
        self.state = State::Link { next };
        match parsed {
            Ok(p) => Page { url, result: Ok(p) },
            Err(reason) => Page {
                url,
                result: Err(PageError {
                    stage: "parse",
                    reason,
                    fatal: first,
                }),
            },
        }
    }
}

fn fetch_error(e: FetchError, fatal: bool) -> PageError {
    let fatal = fatal || matches!(e, FetchError::Refused(_));
    PageError {
        stage: "fetch",
        reason: e.to_string(),
        fatal,
    }
}

fn parse_rdf(body: &crate::fetch::Fetched, lang: Lang) -> (Result<Parsed, String>, Option<String>) {
    let Some(syntax) = rdf::Syntax::detect(body.content_type.as_deref(), &body.body, &body.url)
    else {
        return (
            Err(format!(
                "not an RDF document (Content-Type {:?})",
                body.content_type
            )),
            None,
        );
    };
    match rdf::parse_document(&body.body, syntax, &body.url, lang) {
        Ok(p) => (Ok(p.parsed), p.next),
        Err(e) => (Err(e), None),
    }
}

/// A single document of any supported kind, by sniffing.
pub fn parse_any(body: &crate::fetch::Fetched, lang: Lang) -> Result<Parsed, String> {
    let head = String::from_utf8_lossy(&body.body[..body.body.len().min(8192)]).to_string();
    let h = head.trim_start_matches('\u{feff}').trim_start();
    if h.starts_with('{') || h.starts_with('[') {
        if h.contains("\"@context\"") {
            return parse_rdf(body, lang).0;
        }
        if h.contains("\"Feature") {
            return records::parse_response(&body.body, lang).map(|p| p.parsed);
        }
        return ckan::parse_response(&body.body, lang).map(|p| p.parsed);
    }
    if h.starts_with('<')
        && (h.contains("MD_Metadata") || h.contains("MI_Metadata") || h.contains("GetRecords"))
    {
        let text = xml::decode(&body.body).map_err(|e| e.0)?;
        return iso::parse_document(text, lang).map_err(|e| e.0);
    }
    parse_rdf(body, lang).0
}

fn with_param(url: &str, key: &str, value: &str) -> String {
    if url.contains(&format!("{key}=")) {
        return url.to_string();
    }
    format!(
        "{url}{}{key}={value}",
        if url.contains('?') { "&" } else { "?" }
    )
}

/// Percent-encode a query value.
fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
