//! DCAT / DCAT-AP RDF (RDF/XML, Turtle, JSON-LD, N-Triples) → the catalogue model.
//!
//! The document is parsed into triples (JSON-LD contexts come only from the local copies in
//! `contexts/`; no context is fetched), then every subject typed `dcat:Dataset`,
//! `dcat:DatasetSeries` or `dcat:DataService` — whether written as a typed element or as
//! `rdf:Description` + `rdf:type` — is mapped. Untagged literals take the source's declared
//! language, keyword URIs become themes, licences become URIs. Hydra paging links
//! (`hydra:next`/`hydra:nextPage` of a `PagedCollection` or `PartialCollectionView`) are
//! returned for the client to follow.

use std::collections::{BTreeSet, HashMap};

use datastore_api::model::{
    vocab, Bbox, ContactPoint, Dataset, Distribution, Kind, Lang, Licence, Multilingual,
    ServiceInfo, Spatial, Temporal,
};
use oxrdf::{NamedOrBlankNode, Term};
use oxrdfio::{RdfFormat, RdfParser};

use super::{
    date, file_type, frequency, inspire_theme, licence_from_text, push_unique, Failed, Mapped,
    Parsed,
};

const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const DCAT: &str = "http://www.w3.org/ns/dcat#";
const DCT: &str = "http://purl.org/dc/terms/";
const VCARD: &str = "http://www.w3.org/2006/vcard/ns#";
const HYDRA: &str = "http://www.w3.org/ns/hydra/core#";
const LOCN: &str = "http://www.w3.org/ns/locn#";
const SCHEMA: &str = "http://schema.org/";
const RDFS_LABEL: &str = "http://www.w3.org/2000/01/rdf-schema#label";
const FOAF: &str = "http://xmlns.com/foaf/0.1/";

/// Largest number of triples read from one document.
const MAX_TRIPLES: usize = 2_000_000;

/// Local copies of the JSON-LD contexts harvested documents reference.
const CONTEXTS: &[(&str, &str)] = &[
    (
        "https://semiceu.github.io/uri.semic.eu-generated/DCAT-AP/releases/3.0.0/html/examples/context.jsonld",
        include_str!("../../contexts/dcat-ap-3-examples.jsonld"),
    ),
    (
        "https://semiceu.github.io/uri.semic.eu-generated/DCAT-AP/releases/3.0.1/html/examples/context.jsonld",
        include_str!("../../contexts/dcat-ap-3-examples.jsonld"),
    ),
    ("https://schema.org", include_str!("../../contexts/schema-org.jsonld")),
    ("https://schema.org/", include_str!("../../contexts/schema-org.jsonld")),
    ("http://schema.org", include_str!("../../contexts/schema-org.jsonld")),
    ("http://schema.org/", include_str!("../../contexts/schema-org.jsonld")),
];

/// An RDF serialisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    RdfXml,
    Turtle,
    NTriples,
    JsonLd,
}

impl Syntax {
    /// From a media type, else by sniffing the first bytes.
    pub fn detect(content_type: Option<&str>, body: &[u8], url: &str) -> Option<Syntax> {
        match content_type.unwrap_or("") {
            "application/rdf+xml" => return Some(Syntax::RdfXml),
            "text/turtle" | "application/x-turtle" => return Some(Syntax::Turtle),
            "application/n-triples" => return Some(Syntax::NTriples),
            "application/ld+json" => return Some(Syntax::JsonLd),
            _ => {}
        }
        let path = url
            .split(['?', '#'])
            .next()
            .unwrap_or(url)
            .to_ascii_lowercase();
        for (ext, s) in [
            (".rdf", Syntax::RdfXml),
            (".ttl", Syntax::Turtle),
            (".nt", Syntax::NTriples),
            (".jsonld", Syntax::JsonLd),
        ] {
            if path.ends_with(ext) {
                return Some(s);
            }
        }
        let head = String::from_utf8_lossy(&body[..body.len().min(4096)]).to_string();
        let h = head.trim_start_matches('\u{feff}').trim_start();
        if h.starts_with('{') || h.starts_with('[') {
            return Some(Syntax::JsonLd);
        }
        if h.starts_with('<')
            && (h.contains("rdf:RDF") || h.contains("22-rdf-syntax-ns#"))
            && !h.starts_with("<http")
        {
            return Some(Syntax::RdfXml);
        }
        if h.contains("@prefix") || h.contains("PREFIX ") {
            return Some(Syntax::Turtle);
        }
        if h.starts_with("<http") || h.starts_with("_:") {
            return Some(Syntax::NTriples);
        }
        None
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Node {
    Iri(String),
    Blank(String),
}

#[derive(Debug, Clone)]
enum Obj {
    Node(Node),
    Lit { value: String, lang: Option<String> },
}

/// The triples of a document indexed by subject.
#[derive(Default)]
struct Graph {
    by_subject: HashMap<Node, Vec<(String, Obj)>>,
    order: Vec<Node>,
}

impl Graph {
    fn values<'a>(&'a self, s: &Node, p: &str) -> impl Iterator<Item = &'a Obj> + 'a {
        let p = p.to_string();
        self.by_subject
            .get(s)
            .into_iter()
            .flat_map(|v| v.iter())
            .filter(move |(pp, _)| *pp == p)
            .map(|(_, o)| o)
    }

    fn first_lit(&self, s: &Node, p: &str) -> Option<String> {
        self.values(s, p).find_map(|o| match o {
            Obj::Lit { value, .. } => Some(value.trim().to_string()),
            Obj::Node(_) => None,
        })
    }

    fn first_iri(&self, s: &Node, p: &str) -> Option<String> {
        self.values(s, p).find_map(|o| match o {
            Obj::Node(Node::Iri(i)) => Some(i.clone()),
            Obj::Lit { value, .. } if value.starts_with("http") => Some(value.trim().to_string()),
            _ => None,
        })
    }

    fn nodes(&self, s: &Node, p: &str) -> Vec<Node> {
        self.values(s, p)
            .filter_map(|o| match o {
                Obj::Node(n) => Some(n.clone()),
                _ => None,
            })
            .collect()
    }

    fn types(&self, s: &Node) -> BTreeSet<String> {
        self.values(s, RDF_TYPE)
            .filter_map(|o| match o {
                Obj::Node(Node::Iri(i)) => Some(i.clone()),
                _ => None,
            })
            .collect()
    }

    /// Texts of a property by language; untagged literals take `default`.
    fn multi(
        &self,
        s: &Node,
        p: &str,
        default: Lang,
        skipped: &mut BTreeSet<String>,
    ) -> Multilingual {
        let mut m = Multilingual::new();
        for o in self.values(s, p) {
            if let Obj::Lit { value, lang } = o {
                match lang {
                    None => {
                        if m.get(default).is_none() {
                            m.set(default, value.as_str());
                        }
                    }
                    Some(l) => match Lang::parse(l) {
                        Some(l) => m.set(l, value.as_str()),
                        None => {
                            skipped.insert(l.clone());
                        }
                    },
                }
            }
        }
        m
    }
}

/// What a DCAT document gives: mapped records and the next page, if any.
#[derive(Debug, Default)]
pub struct DcatPage {
    pub parsed: Parsed,
    /// `hydra:next` / `hydra:nextPage`.
    pub next: Option<String>,
    /// `hydra:totalItems`, when declared.
    pub total: Option<u64>,
}

/// Parse and map a DCAT document.
pub fn parse_document(
    body: &[u8],
    syntax: Syntax,
    base: &str,
    default_lang: Lang,
) -> Result<DcatPage, String> {
    let graph = read_graph(body, syntax, base)?;
    let mut page = DcatPage::default();
    for s in &graph.order {
        let types = graph.types(s);
        let is_view = types.iter().any(|t| {
            t == &format!("{HYDRA}PagedCollection") || t == &format!("{HYDRA}PartialCollectionView")
        });
        let next = graph
            .first_iri(s, &format!("{HYDRA}next"))
            .or_else(|| graph.first_iri(s, &format!("{HYDRA}nextPage")));
        if let Some(n) = next {
            if is_view || page.next.is_none() {
                page.next = Some(n);
            }
        }
        if let Some(t) = graph.first_lit(s, &format!("{HYDRA}totalItems")) {
            page.total = t.parse().ok();
        }
        let kind = if types.contains(&format!("{DCAT}DataService")) {
            Some(Kind::Service)
        } else if types.contains(&format!("{DCAT}DatasetSeries")) {
            Some(Kind::Series)
        } else if types.contains(&format!("{DCAT}Dataset")) {
            Some(Kind::Dataset)
        } else {
            None
        };
        if let Some(kind) = kind {
            match map_subject(&graph, s, kind, default_lang) {
                Ok(m) => page.parsed.records.push(m),
                Err(f) => page.parsed.failed.push(f),
            }
        }
    }
    Ok(page)
}

fn read_graph(body: &[u8], syntax: Syntax, base: &str) -> Result<Graph, String> {
    let mut g = Graph::default();
    let mut add = |s: NamedOrBlankNode, p: String, o: Term| -> Result<(), String> {
        let sn = match s {
            NamedOrBlankNode::NamedNode(n) => Node::Iri(n.into_string()),
            NamedOrBlankNode::BlankNode(b) => Node::Blank(b.into_string()),
        };
        let on = match o {
            Term::NamedNode(n) => Obj::Node(Node::Iri(n.into_string())),
            Term::BlankNode(b) => Obj::Node(Node::Blank(b.into_string())),
            Term::Literal(l) => {
                let (value, _, lang) = l.destruct();
                Obj::Lit { value, lang }
            }
            #[allow(unreachable_patterns)]
            _ => return Ok(()),
        };
        let entry = g.by_subject.entry(sn.clone()).or_default();
        if entry.is_empty() {
            g.order.push(sn);
        }
        entry.push((p, on));
        Ok(())
    };
    let mut n = 0usize;
    match syntax {
        Syntax::JsonLd => {
            let parser = oxjsonld::JsonLdParser::new()
                .with_base_iri(base)
                .map_err(|e| format!("bad base IRI {base}: {e}"))?
                .for_slice(body)
                .with_load_document_callback(|url, _| {
                    CONTEXTS
                        .iter()
                        .find(|(u, _)| *u == url)
                        .map(|(u, doc)| oxjsonld::JsonLdRemoteDocument {
                            document: doc.as_bytes().to_vec(),
                            document_url: u.to_string(),
                        })
                        .ok_or_else(|| {
                            format!(
                                "the remote JSON-LD context {url} is not fetched (no local copy)"
                            )
                            .into()
                        })
                });
            for q in parser {
                let q = q.map_err(|e| format!("JSON-LD: {e}"))?;
                n += 1;
                if n > MAX_TRIPLES {
                    return Err(format!("more than {MAX_TRIPLES} triples"));
                }
                add(q.subject, q.predicate.into_string(), q.object)?;
            }
        }
        _ => {
            if syntax == Syntax::RdfXml {
                let head =
                    String::from_utf8_lossy(&body[..body.len().min(1 << 20)]).to_ascii_uppercase();
                if head.contains("<!ENTITY") {
                    return Err("RDF/XML with entity declarations is refused".into());
                }
            }
            let format = match syntax {
                Syntax::RdfXml => RdfFormat::RdfXml,
                Syntax::Turtle => RdfFormat::Turtle,
                Syntax::NTriples => RdfFormat::NTriples,
                Syntax::JsonLd => return Err("JSON-LD is read by the JSON-LD parser".into()),
            };
            let parser = RdfParser::from_format(format)
                .with_base_iri(base)
                .map_err(|e| format!("bad base IRI {base}: {e}"))?;
            for q in parser.for_slice(body) {
                let q = q.map_err(|e| format!("{syntax:?}: {e}"))?;
                n += 1;
                if n > MAX_TRIPLES {
                    return Err(format!("more than {MAX_TRIPLES} triples"));
                }
                add(q.subject, q.predicate.into_string(), q.object)?;
            }
        }
    }
    Ok(g)
}

fn map_subject(g: &Graph, s: &Node, kind: Kind, lang: Lang) -> Result<Mapped, Failed> {
    let mut skipped = BTreeSet::new();
    let mut unmapped = Vec::new();
    let identifier = g.first_lit(s, &format!("{DCT}identifier"));
    let (original_id, dataset_uri) = match s {
        Node::Iri(i) => (i.clone(), Some(i.clone())),
        Node::Blank(_) => match &identifier {
            Some(id) => (id.clone(), None),
            None => {
                return Err(Failed {
                    original_id: None,
                    reason: "a dataset with neither a URI nor a dct:identifier cannot be tracked"
                        .into(),
                })
            }
        },
    };
    let mut ds = Dataset {
        kind,
        identifier: identifier.clone().or_else(|| dataset_uri.clone()),
        ..Default::default()
    };
    ds.title = g.multi(s, &format!("{DCT}title"), lang, &mut skipped);
    ds.description = g.multi(s, &format!("{DCT}description"), lang, &mut skipped);
    if ds.description.is_empty() && !ds.title.is_empty() {
        ds.description = ds.title.clone();
        unmapped.push("no dct:description: the title is used".into());
    }
    // Keywords: literals, and URIs moved to themes.
    for o in g.values(s, &format!("{DCAT}keyword")) {
        match o {
            Obj::Lit { value, lang: l } => {
                let l = match l {
                    None => Some(lang),
                    Some(t) => Lang::parse(t),
                };
                match l {
                    Some(l) => ds.keywords.add(l, value.as_str()),
                    None => {
                        skipped.insert(format!("keyword language {l:?}"));
                    }
                }
            }
            Obj::Node(Node::Iri(i)) => theme(&mut ds, i, &mut unmapped),
            Obj::Node(Node::Blank(_)) => {}
        }
    }
    for o in g.values(s, &format!("{DCAT}theme")) {
        match o {
            Obj::Node(Node::Iri(i)) => theme(&mut ds, i, &mut unmapped),
            Obj::Lit { value, .. } => theme(&mut ds, value.trim(), &mut unmapped),
            _ => {}
        }
    }
    if let Some(cp) = g.nodes(s, &format!("{DCAT}contactPoint")).first() {
        let email = g
            .first_iri(cp, &format!("{VCARD}hasEmail"))
            .or_else(|| g.first_lit(cp, &format!("{VCARD}hasEmail")))
            .map(|e| e.trim_start_matches("mailto:").to_string());
        let mut name = g.multi(cp, &format!("{VCARD}fn"), lang, &mut skipped);
        if name.is_empty() {
            name = g.multi(cp, &format!("{VCARD}organization-name"), lang, &mut skipped);
        }
        ds.contact_point = Some(ContactPoint {
            name,
            email: email.filter(|e| datastore_api::model::is_email(e)),
            url: g
                .first_iri(cp, &format!("{VCARD}hasURL"))
                .filter(|u| datastore_api::model::is_uri(u)),
        });
    }
    if let Some(p) = g.nodes(s, &format!("{DCT}publisher")).first() {
        let name = g.multi(p, &format!("{FOAF}name"), lang, &mut skipped);
        let label = name
            .best(lang)
            .map(str::to_string)
            .unwrap_or_else(|| match p {
                Node::Iri(i) => i.clone(),
                Node::Blank(_) => "a blank node".into(),
            });
        unmapped.push(format!(
            "publisher `{label}`: the source's configured publisher is used"
        ));
    }
    // Spatial.
    let mut spatial = Spatial::default();
    for sp in g.nodes(s, &format!("{DCT}spatial")) {
        if let Node::Iri(i) = &sp {
            if !g.by_subject.contains_key(&sp) {
                push_unique(&mut spatial.places, i.clone());
                continue;
            }
        }
        for p in [format!("{DCAT}bbox"), format!("{LOCN}geometry")] {
            for v in g.values(&sp, &p) {
                if let Obj::Lit { value, .. } = v {
                    if let Some(b) = bbox_of(value) {
                        spatial.bbox = Some(b);
                    }
                }
            }
        }
        if spatial.bbox.is_none() {
            if let Node::Iri(i) = &sp {
                push_unique(&mut spatial.places, i.clone());
            }
        }
    }
    if spatial.bbox.is_some() || !spatial.places.is_empty() {
        ds.spatial = Some(spatial);
    }
    // Temporal.
    if let Some(t) = g.nodes(s, &format!("{DCT}temporal")).first() {
        let get = |a: &str, b: &str| {
            g.first_lit(t, &format!("{DCAT}{a}"))
                .or_else(|| g.first_lit(t, &format!("{SCHEMA}{b}")))
                .and_then(|v| date(&v))
        };
        let tt = Temporal {
            start: get("startDate", "startDate"),
            end: get("endDate", "endDate"),
        };
        if tt.start.is_some() || tt.end.is_some() {
            ds.temporal = Some(tt);
        }
    }
    if let Some(f) = g.first_iri(s, &format!("{DCT}accrualPeriodicity")) {
        match frequency(&f) {
            Some(u) => ds.frequency = Some(u),
            None => unmapped.push(format!("frequency {f}")),
        }
    }
    for l in g.values(s, &format!("{DCT}language")) {
        let v = match l {
            Obj::Node(Node::Iri(i)) => i.clone(),
            Obj::Lit { value, .. } => value.clone(),
            _ => continue,
        };
        if v.starts_with(vocab::LANGUAGE) {
            push_unique(&mut ds.languages, v);
        } else if let Some(l) = Lang::parse(vocab::code(&v)) {
            push_unique(&mut ds.languages, l.eu_uri());
        } else {
            unmapped.push(format!("language {v}"));
        }
    }
    ds.licence = licence_of(g, s, lang, &mut skipped);
    if let Some(r) = g.first_iri(s, &format!("{DCT}accessRights")) {
        if r.starts_with(vocab::ACCESS_RIGHT) {
            ds.access_rights = Some(r);
        } else {
            unmapped.push(format!("access rights {r}"));
        }
    }
    for r in g.nodes(s, &format!("{DCT}rights")) {
        let t = g.multi(&r, RDFS_LABEL, lang, &mut skipped);
        if !t.is_empty() {
            ds.rights = Some(t);
        }
    }
    for c in g.values(s, &format!("{DCT}conformsTo")) {
        if let Obj::Node(Node::Iri(i)) = c {
            push_unique(&mut ds.conforms_to, i.clone());
        }
    }
    for c in g.values(s, "http://data.europa.eu/r5r/hvdCategory") {
        if let Obj::Node(Node::Iri(i)) = c {
            push_unique(&mut ds.hvd_categories, i.clone());
        }
    }
    for c in g.values(s, "http://data.europa.eu/r5r/applicableLegislation") {
        if let Obj::Node(Node::Iri(i)) = c {
            push_unique(&mut ds.applicable_legislation, i.clone());
        }
    }
    ds.issued = g
        .first_lit(s, &format!("{DCT}issued"))
        .and_then(|d| date(&d));
    ds.modified = g
        .first_lit(s, &format!("{DCT}modified"))
        .and_then(|d| date(&d));
    ds.landing_page = g
        .first_iri(s, &format!("{DCAT}landingPage"))
        .filter(|u| datastore_api::model::is_uri(u));
    if let Some(p) = g.nodes(s, &format!("{DCT}provenance")).first() {
        let l = g.multi(p, RDFS_LABEL, lang, &mut skipped);
        if !l.is_empty() {
            ds.lineage = Some(l);
        }
    }
    if g.values(s, &format!("{DCAT}inSeries")).next().is_some() {
        unmapped.push("dcat:inSeries (series of another catalogue)".into());
    }
    // Distributions.
    for (i, d) in g
        .nodes(s, &format!("{DCAT}distribution"))
        .iter()
        .enumerate()
    {
        let access = g
            .first_iri(d, &format!("{DCAT}accessURL"))
            .or_else(|| g.first_iri(d, &format!("{DCAT}downloadURL")));
        let Some(access) = access.filter(|u| datastore_api::model::is_uri(u)) else {
            unmapped.push(format!(
                "distribution {} without an http(s) access URL",
                i + 1
            ));
            continue;
        };
        let format = g
            .first_iri(d, &format!("{DCT}format"))
            .or_else(|| g.first_lit(d, &format!("{DCT}format")));
        let media = g
            .first_iri(d, &format!("{DCAT}mediaType"))
            .or_else(|| g.first_lit(d, &format!("{DCAT}mediaType")))
            .map(|m| m.trim_start_matches(vocab::MEDIA_TYPE).to_string())
            .filter(|m| m.contains('/') && !m.contains(':'));
        let mut dist = Distribution {
            id: format!("d{}", i + 1),
            title: g.multi(d, &format!("{DCT}title"), lang, &mut skipped),
            description: g.multi(d, &format!("{DCT}description"), lang, &mut skipped),
            access_url: access,
            download_url: g
                .first_iri(d, &format!("{DCAT}downloadURL"))
                .filter(|u| datastore_api::model::is_uri(u)),
            format: format
                .as_deref()
                .and_then(file_type)
                .or_else(|| media.as_deref().and_then(file_type)),
            media_type: media,
            licence: licence_of(g, d, lang, &mut skipped),
            byte_size: g
                .first_lit(d, &format!("{DCAT}byteSize"))
                .and_then(|b| b.trim().parse::<f64>().ok())
                .filter(|b| *b >= 0.0)
                .map(|b| b as u64),
            issued: g
                .first_lit(d, &format!("{DCT}issued"))
                .and_then(|x| date(&x)),
            modified: g
                .first_lit(d, &format!("{DCT}modified"))
                .and_then(|x| date(&x)),
            ..Default::default()
        };
        if let (Some(f), None) = (&format, &dist.format) {
            unmapped.push(format!("format `{f}` has no EU file type"));
        }
        if ds.licence.is_none() {
            ds.licence = dist.licence.clone();
        }
        for c in g.values(d, &format!("{DCT}conformsTo")) {
            if let Obj::Node(Node::Iri(i)) = c {
                push_unique(&mut dist.conforms_to, i.clone());
            }
        }
        ds.distributions.push(dist);
    }
    if kind == Kind::Service {
        let endpoint = g.first_iri(s, &format!("{DCAT}endpointURL"));
        match endpoint.filter(|u| datastore_api::model::is_uri(u)) {
            Some(e) => {
                ds.service = Some(ServiceInfo {
                    endpoint_url: e,
                    endpoint_description: g
                        .first_iri(s, &format!("{DCAT}endpointDescription"))
                        .filter(|u| datastore_api::model::is_uri(u)),
                    serves_dataset: vec![],
                })
            }
            None => unmapped.push("data service without an http(s) dcat:endpointURL".into()),
        }
    }
    if !skipped.is_empty() {
        unmapped.push(format!(
            "texts in languages the catalogue does not hold: {}",
            skipped.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    Ok(Mapped {
        original_id,
        dataset_uri,
        dataset: ds,
        unmapped,
    })
}

fn theme(ds: &mut Dataset, uri: &str, unmapped: &mut Vec<String>) {
    if uri.starts_with(vocab::DATA_THEME) {
        push_unique(&mut ds.themes, uri.to_string());
    } else if let Some(ts) =
        inspire_theme(uri).filter(|_| uri.contains("inspire.ec.europa.eu/theme/"))
    {
        for t in ts {
            push_unique(&mut ds.themes, vocab::uri(vocab::DATA_THEME, t));
        }
    } else {
        unmapped.push(format!("theme {uri} (not an EU data theme)"));
    }
}

fn licence_of(g: &Graph, s: &Node, lang: Lang, skipped: &mut BTreeSet<String>) -> Option<Licence> {
    for o in g.values(s, &format!("{DCT}license")) {
        match o {
            Obj::Node(n) => {
                let label = g.multi(n, RDFS_LABEL, lang, skipped);
                let label = if label.is_empty() {
                    g.multi(n, &format!("{DCT}title"), lang, skipped)
                } else {
                    label
                };
                if let Node::Iri(i) = n {
                    if let Some(mut l) = licence_from_text(i) {
                        if !label.is_empty() {
                            l.label = label;
                        }
                        return Some(l);
                    }
                    if datastore_api::model::is_uri(i) {
                        return Some(Licence {
                            uri: i.clone(),
                            label,
                        });
                    }
                }
                let text: String = label.iter().map(|(_, t)| t).collect::<Vec<_>>().join(" ");
                if let Some(l) = licence_from_text(&text) {
                    return Some(l);
                }
            }
            Obj::Lit { value, .. } => {
                if let Some(l) = licence_from_text(value) {
                    return Some(l);
                }
            }
        }
    }
    None
}

/// The bounding box of a WKT or GML literal (the envelope of its coordinates).
fn bbox_of(lit: &str) -> Option<Bbox> {
    let nums: Vec<f64> = lit
        .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == 'e' || c == 'E'))
        .filter(|t| !t.is_empty() && t.chars().any(|c| c.is_ascii_digit()))
        .filter_map(|t| t.parse().ok())
        .collect();
    // Skip a leading SRID (`<http://www.opengis.net/def/crs/OGC/1.3/CRS84> POLYGON(...)`).
    let upper = lit.to_ascii_uppercase();
    let start = upper
        .find("POLYGON")
        .or_else(|| upper.find("POINT"))
        .or_else(|| upper.find("<GML"));
    let nums: Vec<f64> = match start {
        Some(i) => lit[i..]
            .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
            .filter(|t| !t.is_empty() && t.chars().any(|c| c.is_ascii_digit()))
            .filter_map(|t| t.parse().ok())
            .collect(),
        None => nums,
    };
    if nums.len() < 2 || !nums.len().is_multiple_of(2) {
        return None;
    }
    let (mut w, mut s, mut e, mut n) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for c in nums.chunks(2) {
        w = w.min(c[0]);
        e = e.max(c[0]);
        s = s.min(c[1]);
        n = n.max(c[1]);
    }
    let ok = (-180.0..=180.0).contains(&w)
        && (-180.0..=180.0).contains(&e)
        && (-90.0..=90.0).contains(&s)
        && (-90.0..=90.0).contains(&n);
    ok.then_some(Bbox {
        west: w,
        south: s,
        east: e,
        north: n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::testdata::{shared, shared_dir, walk};

    #[test]
    fn semic_example_turtle_and_jsonld_agree() {
        let base = "dcat/DCAT-AP/releases/3.0.1/html/examples/";
        let Some(ttl) = shared(&format!("{base}example-bee-population-dataset-series.ttl")) else {
            return;
        };
        let Some(json) = shared(&format!(
            "{base}example-bee-population-dataset-series.jsonld"
        )) else {
            return;
        };
        let a = parse_document(
            ttl.as_bytes(),
            Syntax::Turtle,
            "http://example.org/",
            Lang::En,
        )
        .unwrap();
        let b = parse_document(
            json.as_bytes(),
            Syntax::JsonLd,
            "http://example.org/",
            Lang::En,
        )
        .unwrap();
        assert!(!a.parsed.records.is_empty());
        let mut ta: Vec<_> = a
            .parsed
            .records
            .iter()
            .map(|m| {
                (
                    m.original_id.clone(),
                    m.dataset.kind,
                    m.dataset.title.clone(),
                )
            })
            .collect();
        let mut tb: Vec<_> = b
            .parsed
            .records
            .iter()
            .map(|m| {
                (
                    m.original_id.clone(),
                    m.dataset.kind,
                    m.dataset.title.clone(),
                )
            })
            .collect();
        ta.sort_by(|x, y| x.0.cmp(&y.0));
        tb.sort_by(|x, y| x.0.cmp(&y.0));
        assert_eq!(ta, tb);
        assert!(a
            .parsed
            .records
            .iter()
            .any(|m| m.dataset.kind == Kind::Series));
        // The SEMIC `-api` example's Turtle is malformed (`example-dist:X/csv`): an error, no panic.
        if let Some(bad) = shared(&format!(
            "{base}example-bee-population-dataset-series-api.ttl"
        )) {
            assert!(parse_document(
                bad.as_bytes(),
                Syntax::Turtle,
                "http://example.org/",
                Lang::En
            )
            .is_err());
        }
    }

    #[test]
    fn semic_bee_population_field_by_field() {
        let Some(ttl) =
            shared("dcat/DCAT-AP/releases/3.0.1/html/examples/example-bee-population.ttl")
        else {
            return;
        };
        let p = parse_document(
            ttl.as_bytes(),
            Syntax::Turtle,
            "http://example.org/",
            Lang::En,
        )
        .unwrap();
        let m = p
            .parsed
            .records
            .iter()
            .find(|m| m.original_id == "https://data.gov.gr/id/dataset/BeePopulation")
            .unwrap();
        assert_eq!(m.dataset.kind, Kind::Dataset);
        assert_eq!(m.dataset.title.get(Lang::En), Some("Bee population"));
        assert_eq!(
            m.dataset.description.get(Lang::En),
            Some("A dataset about bee population in Greece")
        );
        assert_eq!(
            m.dataset_uri.as_deref(),
            Some("https://data.gov.gr/id/dataset/BeePopulation")
        );
    }

    #[test]
    fn rdf_description_with_rdf_type_and_untagged_literals() {
        let doc = br#"<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dcat="http://www.w3.org/ns/dcat#" xmlns:dct="http://purl.org/dc/terms/">
  <rdf:Description rdf:about="http://example.org/ds/1">
    <rdf:type rdf:resource="http://www.w3.org/ns/dcat#Dataset"/>
    <dct:title>Adressen</dct:title>
    <dct:title xml:lang="fr">Adresses</dct:title>
    <dct:description>Alle adressen</dct:description>
    <dcat:keyword rdf:resource="http://publications.europa.eu/resource/authority/data-theme/REGI"/>
    <dct:license rdf:resource="https://creativecommons.org/licenses/by/4.0/"/>
    <dcat:distribution><dcat:Distribution>
      <dcat:accessURL rdf:resource="http://example.org/a.csv"/>
      <dct:format>CSV</dct:format>
    </dcat:Distribution></dcat:distribution>
  </rdf:Description>
</rdf:RDF>"#;
        let p = parse_document(doc, Syntax::RdfXml, "http://example.org/", Lang::Nl).unwrap();
        let d = &p.parsed.records[0].dataset;
        assert_eq!(d.title.get(Lang::Nl), Some("Adressen"));
        assert_eq!(d.title.get(Lang::Fr), Some("Adresses"));
        assert_eq!(
            d.themes,
            vec!["http://publications.europa.eu/resource/authority/data-theme/REGI"]
        );
        assert!(d.licence.as_ref().unwrap().uri.ends_with("/CC_BY_4_0"));
        assert!(d.distributions[0]
            .format
            .as_ref()
            .unwrap()
            .ends_with("/CSV"));
        let bomb = br#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>"#;
        assert!(parse_document(bomb, Syntax::RdfXml, "http://example.org/", Lang::Nl).is_err());
    }

    #[test]
    fn jsonld_remote_context_is_never_fetched() {
        let doc = br#"{"@context": "https://example.org/remote-context.jsonld", "@id": "http://x/1", "@type": "Dataset"}"#;
        let e = parse_document(doc, Syntax::JsonLd, "http://example.org/", Lang::En).unwrap_err();
        assert!(e.contains("not fetched"), "{e}");
    }

    #[test]
    fn every_real_dcat_file_parses_or_fails_cleanly() {
        let Some(dir) = shared_dir("dcat/DCAT-AP/releases/3.0.1/html/examples") else {
            return;
        };
        let mut files = Vec::new();
        walk(&dir, &mut files);
        let mut records = 0;
        for f in files {
            let Ok(body) = std::fs::read(&f) else {
                continue;
            };
            let name = f.to_string_lossy().to_string();
            if name.ends_with("context.jsonld") {
                continue;
            }
            let Some(syntax) = Syntax::detect(None, &body, &name) else {
                continue;
            };
            if let Ok(p) = parse_document(&body, syntax, "http://example.org/", Lang::En) {
                records += p.parsed.records.len();
            }
        }
        assert!(records >= 30, "{records}");
    }
}
