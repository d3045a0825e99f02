//! DCAT-AP 3.0.1 RDF: the catalogue (paged with Hydra, or as one streamed dump) and each record,
//! in Turtle, RDF/XML, JSON-LD and N-Triples.
//!
//! Every node is an IRI (no blank nodes): the record's URI `<base>/datasets/{id}`, its parts as
//! fragments of it (`#contact`, `#spatial`, `#temporal`, `#record`…), distributions at
//! `<base>/datasets/{id}/distributions/{d}`, publishers at their own URI or
//! `<base>/publishers/{id}`. Controlled values are the EU vocabulary URIs and are typed in the
//! output (`dct:LicenseDocument`, `dct:LinguisticSystem`, `skos:Concept` in its scheme…), so that
//! the DCAT-AP shapes' range checks hold without fetching the authority tables. Every literal
//! is language-tagged or typed.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{self, Write};
use std::sync::{Arc, Mutex};

use oxrdf::{GraphNameRef, Literal, NamedNode, Triple};
use oxrdfio::{RdfFormat, RdfSerializer, WriterQuadSerializer};

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use urbis_core::http::{check_known, clip, Problem};

use crate::model::{vocab, Agent, Catalogue, Dataset, Kind, Multilingual};
use crate::store::{normalize_instant, ListQuery};
use crate::{catalogue_uri, dataset_uri, distribution_uri, publisher_uri, CatalogState};

pub mod ns {
    pub const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
    pub const RDFS: &str = "http://www.w3.org/2000/01/rdf-schema#";
    pub const XSD: &str = "http://www.w3.org/2001/XMLSchema#";
    pub const DCAT: &str = "http://www.w3.org/ns/dcat#";
    pub const DCT: &str = "http://purl.org/dc/terms/";
    pub const DCATAP: &str = "http://data.europa.eu/r5r/";
    pub const FOAF: &str = "http://xmlns.com/foaf/0.1/";
    pub const VCARD: &str = "http://www.w3.org/2006/vcard/ns#";
    pub const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";
    pub const LOCN: &str = "http://www.w3.org/ns/locn#";
    pub const GSP: &str = "http://www.opengis.net/ont/geosparql#";
    pub const HYDRA: &str = "http://www.w3.org/ns/hydra/core#";
    pub const ELI: &str = "http://data.europa.eu/eli/ontology#";
    pub const ADMS: &str = "http://www.w3.org/ns/adms#";
}

const PREFIXES: &[(&str, &str)] = &[
    ("rdf", ns::RDF),
    ("rdfs", ns::RDFS),
    ("xsd", ns::XSD),
    ("dcat", ns::DCAT),
    ("dct", ns::DCT),
    ("dcatap", ns::DCATAP),
    ("foaf", ns::FOAF),
    ("vcard", ns::VCARD),
    ("skos", ns::SKOS),
    ("locn", ns::LOCN),
    ("gsp", ns::GSP),
    ("hydra", ns::HYDRA),
    ("eli", ns::ELI),
    ("adms", ns::ADMS),
];

/// The DCAT-AP release our output conforms to (`dct:conformsTo` of the catalogue records).
pub const DCAT_AP_301: &str = "https://semiceu.github.io/DCAT-AP/releases/3.0.1";

/// An RDF serialisation we publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Turtle,
    RdfXml,
    JsonLd,
    NTriples,
}

impl Format {
    pub const ALL: [Format; 4] = [
        Format::Turtle,
        Format::RdfXml,
        Format::JsonLd,
        Format::NTriples,
    ];

    pub fn media_type(self) -> &'static str {
        match self {
            Format::Turtle => "text/turtle",
            Format::RdfXml => "application/rdf+xml",
            Format::JsonLd => "application/ld+json",
            Format::NTriples => "application/n-triples",
        }
    }

    /// The `Content-Type` header value.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Turtle => "text/turtle; charset=utf-8",
            Format::RdfXml => "application/rdf+xml; charset=utf-8",
            Format::JsonLd => "application/ld+json",
            Format::NTriples => "application/n-triples",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Turtle => "ttl",
            Format::RdfXml => "rdf",
            Format::JsonLd => "jsonld",
            Format::NTriples => "nt",
        }
    }

    pub fn from_extension(ext: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.extension() == ext)
    }

    /// Content negotiation on an `Accept` header: the acceptable format with the highest
    /// quality (ties: our order), Turtle when there is no header or it accepts anything;
    /// `None` when nothing we serve is acceptable.
    pub fn negotiate(accept: Option<&str>) -> Option<Format> {
        let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
            return Some(Format::Turtle);
        };
        let mut best: Option<(f32, usize, Format)> = None;
        for item in accept.split(',').take(64) {
            let mut parts = item.split(';');
            let mt = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let mut q = 1.0f32;
            for p in parts {
                if let Some(v) = p.trim().strip_prefix("q=") {
                    q = v.trim().parse().unwrap_or(0.0);
                }
            }
            if q.is_nan() || q <= 0.0 {
                continue;
            }
            let candidates: Vec<Format> = match mt.as_str() {
                "*/*" | "text/*" => vec![Format::Turtle],
                "application/*" => vec![Format::RdfXml],
                "application/x-turtle" => vec![Format::Turtle],
                "application/json" => vec![Format::JsonLd],
                "text/plain" => vec![Format::NTriples],
                m => Format::ALL
                    .into_iter()
                    .filter(|f| f.media_type() == m)
                    .collect(),
            };
            // Exact types beat wildcards of the same quality.
            let specificity = usize::from(!mt.contains('*'));
            for f in candidates {
                let better = match best {
                    None => true,
                    Some((bq, bs, _)) => q > bq || (q == bq && specificity > bs),
                };
                if better {
                    best = Some((q, specificity, f));
                }
            }
        }
        best.map(|(_, _, f)| f)
    }

    fn rdf_format(self) -> RdfFormat {
        match self {
            Format::Turtle => RdfFormat::Turtle,
            Format::RdfXml => RdfFormat::RdfXml,
            Format::NTriples => RdfFormat::NTriples,
            Format::JsonLd => RdfFormat::JsonLd {
                profile: oxrdfio::JsonLdProfileSet::empty(),
            },
        }
    }
}

/// A serialiser for one document, fed triple by triple.
pub enum Serializer<W: Write> {
    Rdf(WriterQuadSerializer<W>),
    JsonLd(oxjsonld::WriterJsonLdSerializer<W>),
}

impl<W: Write> Serializer<W> {
    pub fn new(format: Format, w: W) -> Self {
        match format {
            Format::JsonLd => {
                let mut s = oxjsonld::JsonLdSerializer::new();
                for (p, iri) in PREFIXES {
                    s = match s.clone().with_prefix(*p, *iri) {
                        Ok(x) => x,
                        Err(_) => s,
                    };
                }
                Serializer::JsonLd(s.for_writer(w))
            }
            f => {
                let mut s = RdfSerializer::from_format(f.rdf_format());
                if f != Format::NTriples {
                    for (p, iri) in PREFIXES {
                        s = match s.clone().with_prefix(*p, *iri) {
                            Ok(x) => x,
                            Err(_) => s,
                        };
                    }
                }
                Serializer::Rdf(s.for_writer(w))
            }
        }
    }

    pub fn triple(&mut self, t: &Triple) -> io::Result<()> {
        match self {
            Serializer::Rdf(s) => s.serialize_triple(t),
            Serializer::JsonLd(s) => {
                s.serialize_quad(t.as_ref().in_graph(GraphNameRef::DefaultGraph))
            }
        }
    }

    pub fn finish(self) -> io::Result<W> {
        match self {
            Serializer::Rdf(s) => s.finish(),
            Serializer::JsonLd(s) => s.finish(),
        }
    }
}

/// Serialise triples to a complete document.
pub fn serialize(format: Format, triples: &[Triple]) -> io::Result<Vec<u8>> {
    let mut s = Serializer::new(format, Vec::new());
    for t in triples {
        s.triple(t)?;
    }
    s.finish()
}

/// A `Write` whose bytes can be taken out while a serialiser owns it (for streaming).
#[derive(Clone, Default)]
pub struct SharedBuf(pub Arc<Mutex<Vec<u8>>>);

impl SharedBuf {
    pub fn take(&self) -> Vec<u8> {
        match self.0.lock() {
            Ok(mut b) => std::mem::take(&mut *b),
            Err(p) => std::mem::take(&mut *p.into_inner()),
        }
    }
}

impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.0.lock() {
            Ok(mut b) => b.extend_from_slice(buf),
            Err(p) => p.into_inner().extend_from_slice(buf),
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn nn(iri: &str) -> NamedNode {
    NamedNode::new_unchecked(iri)
}

fn p(prefix: &str, local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{prefix}{local}"))
}

/// A checked IRI from stored data; `None` (and the triple left out) when it is not one.
fn iri(s: &str) -> Option<NamedNode> {
    let s = s.trim();
    if s.is_empty() || s.contains(char::is_whitespace) {
        return None;
    }
    NamedNode::new(s).ok()
}

/// A typed date or date-time literal, `None` when the text is neither.
fn date_literal(s: &str) -> Option<Literal> {
    let s = s.trim();
    if s.len() == 10 && crate::model::parse_date(s).is_some() {
        Some(Literal::new_typed_literal(s, p(ns::XSD, "date")))
    } else if s.len() > 10 && crate::model::parse_date(s).is_some() {
        Some(Literal::new_typed_literal(s, p(ns::XSD, "dateTime")))
    } else {
        None
    }
}

/// Triples of a document under construction, grouped by subject in writing order; shared
/// nodes (publishers, typed vocabulary values) are described once per document.
#[derive(Default)]
pub struct Graph {
    pub triples: Vec<Triple>,
    described: HashSet<String>,
    /// Descriptions of referenced nodes (vocabulary values, licences…), written after the
    /// current node so that each subject's triples stay together.
    deferred: Vec<Triple>,
    defer: bool,
}

impl Graph {
    pub fn new() -> Self {
        Graph::default()
    }

    fn add(&mut self, s: &NamedNode, pred: NamedNode, o: impl Into<oxrdf::Term>) {
        let t = Triple::new(s.clone(), pred, o.into());
        if self.defer {
            self.deferred.push(t);
        } else {
            self.triples.push(t);
        }
    }

    /// Write the deferred descriptions.
    fn flush(&mut self) {
        self.triples.append(&mut self.deferred);
    }

    fn a(&mut self, s: &NamedNode, class: NamedNode) {
        self.add(s, p(ns::RDF, "type"), class);
    }

    fn texts(&mut self, s: &NamedNode, pred: &NamedNode, m: &Multilingual) {
        for (lang, text) in m.iter() {
            if let Ok(l) = Literal::new_language_tagged_literal(text, lang.tag()) {
                self.add(s, pred.clone(), l);
            }
        }
    }

    fn date(&mut self, s: &NamedNode, pred: NamedNode, d: Option<&str>) {
        if let Some(l) = d.and_then(date_literal) {
            self.add(s, pred, l);
        }
    }

    /// Whether `key` still has to be described in this document (true once).
    fn first_time(&mut self, key: &str) -> bool {
        self.described.insert(key.to_string())
    }

    /// `s pred <value>` and, once per document, `<value> a class` (with its labels for a
    /// `skos:Concept`, its title for a `skos:ConceptScheme`, and its scheme).
    fn typed_ref(
        &mut self,
        s: &NamedNode,
        pred: NamedNode,
        value: &str,
        class: NamedNode,
        scheme: Option<&str>,
    ) -> Option<NamedNode> {
        let o = iri(value)?;
        self.add(s, pred, o.clone());
        if self.first_time(o.as_str()) {
            let outer = std::mem::replace(&mut self.defer, true);
            let concept = class.as_str() == format!("{}Concept", ns::SKOS);
            let is_scheme = class.as_str() == format!("{}ConceptScheme", ns::SKOS);
            self.a(&o, class);
            if concept {
                for (lang, label) in labels::concept(o.as_str()) {
                    if let Ok(l) = Literal::new_language_tagged_literal(label, lang) {
                        self.add(&o, p(ns::SKOS, "prefLabel"), l);
                    }
                }
            }
            if is_scheme {
                self.scheme_title(&o);
            }
            if let Some(sc) = scheme.and_then(iri) {
                self.add(&o, p(ns::SKOS, "inScheme"), sc.clone());
                if self.first_time(sc.as_str()) {
                    self.a(&sc, p(ns::SKOS, "ConceptScheme"));
                    self.scheme_title(&sc);
                }
            }
            self.defer = outer;
        }
        Some(o)
    }

    fn scheme_title(&mut self, sc: &NamedNode) {
        let title = labels::scheme(sc.as_str());
        self.add(
            sc,
            p(ns::DCT, "title"),
            Literal::new_language_tagged_literal_unchecked(title, "en"),
        );
    }

    /// Take the triples written so far (the "described" memory is kept).
    pub fn drain(&mut self) -> Vec<Triple> {
        self.flush();
        std::mem::take(&mut self.triples)
    }
}

/// The scheme URI of a controlled value (`.../data-theme/REGI` → `.../data-theme`).
fn scheme_of(uri: &str) -> Option<&str> {
    if uri.starts_with(vocab::HVD_CATEGORY) {
        return Some(labels::HVD_SCHEME);
    }
    if uri.starts_with(vocab::PUBLISHER_TYPE) {
        return Some(labels::PUBLISHER_TYPE_SCHEME);
    }
    let (scheme, code) = uri.rsplit_once('/')?;
    (!code.is_empty() && uri.starts_with("http://publications.europa.eu/resource/authority/"))
        .then_some(scheme)
}

/// Labels of the controlled values and schemes the output types, so that every
/// `skos:Concept` has its `skos:prefLabel` and every scheme its `dct:title` in the document
/// itself.
mod labels {
    use crate::model::vocab;

    pub const HVD_SCHEME: &str = "http://data.europa.eu/bna/asd487ae75";
    pub const PUBLISHER_TYPE_SCHEME: &str = "http://purl.org/adms/publishertype/1.0";

    /// EU data themes: code, fr, nl, en.
    const THEMES: &[(&str, &str, &str, &str)] = &[
        (
            "AGRI",
            "Agriculture, pêche, sylviculture et alimentation",
            "Landbouw, visserij, bosbouw en voeding",
            "Agriculture, fisheries, forestry and food",
        ),
        (
            "ECON",
            "Économie et finances",
            "Economie en financiën",
            "Economy and finance",
        ),
        (
            "EDUC",
            "Éducation, culture et sport",
            "Onderwijs, cultuur en sport",
            "Education, culture and sport",
        ),
        ("ENER", "Énergie", "Energie", "Energy"),
        ("ENVI", "Environnement", "Milieu", "Environment"),
        (
            "GOVE",
            "Gouvernement et secteur public",
            "Overheid en publieke sector",
            "Government and public sector",
        ),
        ("HEAL", "Santé", "Gezondheid", "Health"),
        (
            "INTR",
            "Questions internationales",
            "Internationale vraagstukken",
            "International issues",
        ),
        (
            "JUST",
            "Justice, système juridique et sécurité publique",
            "Justitie, rechtsstelsel en openbare veiligheid",
            "Justice, legal system and public safety",
        ),
        (
            "REGI",
            "Régions et villes",
            "Regio's en steden",
            "Regions and cities",
        ),
        (
            "SOCI",
            "Population et société",
            "Bevolking en samenleving",
            "Population and society",
        ),
        (
            "TECH",
            "Science et technologie",
            "Wetenschap en technologie",
            "Science and technology",
        ),
        ("TRAN", "Transports", "Vervoer", "Transport"),
    ];

    /// High-value dataset categories (Regulation (EU) 2023/138).
    const HVD: &[(&str, &str)] = &[
        ("c_ac64a52d", "Geospatial"),
        ("c_dd313021", "Earth observation and environment"),
        ("c_164e0bf5", "Meteorological"),
        ("c_e1da4e07", "Statistics"),
        ("c_a9135398", "Companies and company ownership"),
        ("c_b79e35eb", "Mobility"),
    ];

    /// `(language, label)` pairs of a concept; its code when it is not in our tables.
    pub fn concept(uri: &str) -> Vec<(&'static str, String)> {
        let code = vocab::code(uri);
        if uri.starts_with(vocab::DATA_THEME) {
            if let Some((_, fr, nl, en)) = THEMES.iter().find(|t| t.0 == code) {
                return vec![
                    ("fr", (*fr).into()),
                    ("nl", (*nl).into()),
                    ("en", (*en).into()),
                ];
            }
        }
        if uri.starts_with(vocab::HVD_CATEGORY) {
            if let Some((_, en)) = HVD.iter().find(|t| t.0 == code) {
                return vec![("en", (*en).into())];
            }
        }
        if uri.starts_with(vocab::PUBLISHER_TYPE) {
            // `RegionalAuthority` → `Regional authority`.
            let mut label = String::new();
            for (i, c) in code.chars().enumerate() {
                if c.is_uppercase() && i > 0 {
                    label.push(' ');
                    label.extend(c.to_lowercase());
                } else {
                    label.push(c);
                }
            }
            return vec![("en", label)];
        }
        vec![("en", code.to_string())]
    }

    /// The English title of a concept scheme.
    pub fn scheme(uri: &str) -> String {
        match uri {
            HVD_SCHEME => "High-value dataset categories".into(),
            PUBLISHER_TYPE_SCHEME => "Publisher type".into(),
            _ => {
                let code = uri.trim_end_matches('/').rsplit('/').next().unwrap_or(uri);
                let mut t = code.replace('-', " ");
                if let Some(first) = t.get(0..1) {
                    t = first.to_uppercase() + &t[1..];
                }
                t
            }
        }
    }
}

/// Everything a description needs besides the record.
pub struct Ctx<'a> {
    pub base: &'a str,
    /// The base URL the server's own records were stored with, rewritten to `base`
    /// (see [`CatalogState::localize`]).
    pub system_base: &'a str,
    pub agents: &'a HashMap<String, Agent>,
    /// The public records referenced by the described ones (served datasets, series, access
    /// services), by id; links to anything else are left out.
    pub refs: &'a HashMap<String, Dataset>,
}

/// The classes of a record: DCAT-AP's shapes check classes without inference, so the
/// superclasses are stated too.
fn classes(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Dataset => &["Dataset", "Resource"],
        Kind::Series => &["DatasetSeries", "Dataset", "Resource"],
        Kind::Service => &["DataService", "Resource"],
    }
}

/// A link to another public record of this catalogue, with the referenced record's class and
/// mandatory properties (once per document) so that the document stands on its own.
fn record_link(g: &mut Graph, ctx: &Ctx<'_>, s: &NamedNode, pred: NamedNode, id: &str) {
    let Some(r) = ctx.refs.get(id) else {
        return;
    };
    let Some(o) = iri(&dataset_uri(ctx.base, id)) else {
        return;
    };
    g.add(s, pred, o.clone());
    if g.first_time(&format!("ref:{}", o.as_str())) {
        let outer = std::mem::replace(&mut g.defer, true);
        for c in classes(r.kind) {
            g.a(&o, p(ns::DCAT, c));
        }
        g.texts(&o, &p(ns::DCT, "title"), &r.title);
        g.texts(&o, &p(ns::DCT, "description"), &r.description);
        let endpoint =
            r.service
                .as_ref()
                .map(|svc| match svc.endpoint_url.strip_prefix(ctx.system_base) {
                    Some(rest)
                        if r.record.origin == crate::model::Origin::System
                            && rest.starts_with('/') =>
                    {
                        format!("{}{rest}", ctx.base)
                    }
                    _ => svc.endpoint_url.clone(),
                });
        if let Some(e) = endpoint.as_deref().and_then(iri) {
            g.add(&o, p(ns::DCAT, "endpointURL"), e.clone());
            g.a(&e, p(ns::RDFS, "Resource"));
        }
        g.defer = outer;
    }
}

/// Ids of the records the given ones link to.
pub fn referenced_ids<'a>(records: impl IntoIterator<Item = &'a Dataset>) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for ds in records {
        if let Some(svc) = &ds.service {
            ids.extend(svc.serves_dataset.iter().cloned());
        }
        ids.extend(ds.in_series.iter().cloned());
        ids.extend(
            ds.distributions
                .iter()
                .filter_map(|d| d.access_service.clone()),
        );
    }
    ids.sort();
    ids.dedup();
    ids
}

/// Describe a publisher (once per document).
pub fn describe_agent(g: &mut Graph, base: &str, a: &Agent) -> NamedNode {
    let uri =
        iri(&publisher_uri(base, a)).unwrap_or_else(|| nn(&format!("{base}/publishers/{}", a.id)));
    if !g.first_time(uri.as_str()) {
        return uri;
    }
    g.a(&uri, p(ns::FOAF, "Agent"));
    g.a(&uri, p(ns::FOAF, "Organization"));
    g.texts(&uri, &p(ns::FOAF, "name"), &a.name);
    if let Some(t) = &a.agent_type {
        g.typed_ref(
            &uri,
            p(ns::DCT, "type"),
            t,
            p(ns::SKOS, "Concept"),
            Some(labels::PUBLISHER_TYPE_SCHEME),
        );
    }
    if let Some(mbox) = a.email.as_deref().and_then(|e| iri(&mailto(e))) {
        g.add(&uri, p(ns::FOAF, "mbox"), mbox);
    }
    if let Some(h) = &a.homepage {
        g.typed_ref(
            &uri,
            p(ns::FOAF, "homepage"),
            h,
            p(ns::FOAF, "Document"),
            None,
        );
    }
    g.flush();
    uri
}

fn mailto(e: &str) -> String {
    let e = e.trim();
    format!("mailto:{}", e.strip_prefix("mailto:").unwrap_or(e))
}

/// The catalogue node (without its `dcat:dataset` links).
pub fn describe_catalogue(
    g: &mut Graph,
    ctx: &Ctx<'_>,
    cat: &Catalogue,
    modified: Option<&str>,
) -> NamedNode {
    let c = nn(&catalogue_uri(ctx.base));
    g.a(&c, p(ns::DCAT, "Catalog"));
    g.texts(&c, &p(ns::DCT, "title"), &cat.title);
    g.texts(&c, &p(ns::DCT, "description"), &cat.description);
    let publisher = ctx
        .agents
        .get(&cat.publisher)
        .map(|a| describe_agent(g, ctx.base, a));
    // Publisher triples were written first for a new agent; keep the catalogue's own grouped.
    if let Some(pu) = publisher {
        g.add(&c, p(ns::DCT, "publisher"), pu);
    }
    if let Some(h) = &cat.homepage {
        g.typed_ref(
            &c,
            p(ns::FOAF, "homepage"),
            h,
            p(ns::FOAF, "Document"),
            None,
        );
    }
    for l in &cat.languages {
        g.typed_ref(
            &c,
            p(ns::DCT, "language"),
            l,
            p(ns::DCT, "LinguisticSystem"),
            None,
        );
    }
    if let Some(l) = &cat.licence {
        licence(g, &c, l);
    }
    g.typed_ref(
        &c,
        p(ns::DCAT, "themeTaxonomy"),
        &cat.themes_taxonomy,
        p(ns::SKOS, "ConceptScheme"),
        None,
    );
    for s in &cat.spatial {
        g.typed_ref(&c, p(ns::DCT, "spatial"), s, p(ns::DCT, "Location"), None);
    }
    g.date(&c, p(ns::DCT, "issued"), Some(&cat.issued));
    g.date(&c, p(ns::DCT, "modified"), modified);
    g.flush();
    c
}

fn licence(g: &mut Graph, s: &NamedNode, l: &crate::model::Licence) {
    if let Some(o) = iri(&l.uri) {
        g.add(s, p(ns::DCT, "license"), o.clone());
        if g.first_time(o.as_str()) {
            let outer = std::mem::replace(&mut g.defer, true);
            g.a(&o, p(ns::DCT, "LicenseDocument"));
            g.texts(&o, &p(ns::RDFS, "label"), &l.label);
            g.defer = outer;
        }
    }
}

fn rights(g: &mut Graph, s: &NamedNode, node: &str, text: &Multilingual) {
    // One statement node per distribution: not remembered, so that a streamed dump keeps flat
    // memory.
    let r = nn(node);
    g.add(s, p(ns::DCT, "rights"), r.clone());
    let outer = std::mem::replace(&mut g.defer, true);
    g.a(&r, p(ns::DCT, "RightsStatement"));
    g.texts(&r, &p(ns::RDFS, "label"), text);
    g.defer = outer;
}

/// Link from the catalogue to a record: `dcat:service` for data services, `dcat:dataset`
/// otherwise, and `dcat:record` to its catalogue record.
pub fn catalogue_links(g: &mut Graph, base: &str, ds: &Dataset) {
    let c = nn(&catalogue_uri(base));
    let Some(d) = iri(&dataset_uri(base, &ds.id)) else {
        return;
    };
    let pred = if ds.kind == Kind::Service {
        "service"
    } else {
        "dataset"
    };
    g.add(&c, p(ns::DCAT, pred), d.clone());
    g.add(
        &c,
        p(ns::DCAT, "record"),
        nn(&format!("{}#record", d.as_str())),
    );
}

/// Describe a record (dataset, series or data service), its distributions, contact point,
/// extents, catalogue record and the shared nodes it references.
pub fn describe_dataset(g: &mut Graph, ctx: &Ctx<'_>, ds: &Dataset) {
    let base = ctx.base;
    let localized;
    let ds = if ds.record.origin == crate::model::Origin::System && ctx.system_base != base {
        localized = crate::localize_record(ds.clone(), ctx.system_base, base);
        &localized
    } else {
        ds
    };
    let Some(d) = iri(&dataset_uri(base, &ds.id)) else {
        tracing::warn!(id = %ds.id, "record id does not make an IRI; left out of the RDF");
        return;
    };
    let frag = |f: &str| nn(&format!("{}#{f}", d.as_str()));
    // Publisher first so that the record's own triples stay grouped.
    let publisher = ds
        .publisher
        .as_ref()
        .and_then(|id| ctx.agents.get(id))
        .map(|a| describe_agent(g, base, a));

    for c in classes(ds.kind) {
        g.a(&d, p(ns::DCAT, c));
    }
    g.texts(&d, &p(ns::DCT, "title"), &ds.title);
    g.texts(&d, &p(ns::DCT, "description"), &ds.description);
    g.add(
        &d,
        p(ns::DCT, "identifier"),
        Literal::new_simple_literal(
            ds.identifier
                .clone()
                .unwrap_or_else(|| d.as_str().to_string()),
        ),
    );
    if let Some(pu) = publisher {
        g.add(&d, p(ns::DCT, "publisher"), pu);
    }
    for (lang, kw) in ds.keywords.iter() {
        if let Ok(l) = Literal::new_language_tagged_literal(kw, lang.tag()) {
            g.add(&d, p(ns::DCAT, "keyword"), l);
        }
    }
    for t in &ds.themes {
        g.typed_ref(
            &d,
            p(ns::DCAT, "theme"),
            t,
            p(ns::SKOS, "Concept"),
            scheme_of(t),
        );
    }
    if let Some(f) = &ds.frequency {
        if ds.kind != Kind::Service {
            g.typed_ref(
                &d,
                p(ns::DCT, "accrualPeriodicity"),
                f,
                p(ns::DCT, "Frequency"),
                None,
            );
        }
    }
    for l in &ds.languages {
        g.typed_ref(
            &d,
            p(ns::DCT, "language"),
            l,
            p(ns::DCT, "LinguisticSystem"),
            None,
        );
    }
    if let Some(a) = &ds.access_rights {
        g.typed_ref(
            &d,
            p(ns::DCT, "accessRights"),
            a,
            p(ns::DCT, "RightsStatement"),
            None,
        );
    }
    for c in &ds.conforms_to {
        g.typed_ref(
            &d,
            p(ns::DCT, "conformsTo"),
            c,
            p(ns::DCT, "Standard"),
            None,
        );
    }
    for h in &ds.hvd_categories {
        g.typed_ref(
            &d,
            p(ns::DCATAP, "hvdCategory"),
            h,
            p(ns::SKOS, "Concept"),
            scheme_of(h),
        );
    }
    for l in &ds.applicable_legislation {
        g.typed_ref(
            &d,
            p(ns::DCATAP, "applicableLegislation"),
            l,
            p(ns::ELI, "LegalResource"),
            None,
        );
    }
    g.date(&d, p(ns::DCT, "issued"), ds.issued.as_deref());
    g.date(&d, p(ns::DCT, "modified"), ds.modified.as_deref());
    if let Some(lp) = &ds.landing_page {
        g.typed_ref(
            &d,
            p(ns::DCAT, "landingPage"),
            lp,
            p(ns::FOAF, "Document"),
            None,
        );
    }
    if ds.kind == Kind::Service {
        if let Some(l) = &ds.licence {
            licence(g, &d, l);
        }
        if let Some(svc) = &ds.service {
            // DCAT-AP ranges these over rdfs:Resource, checked without inference.
            if let Some(e) = iri(&svc.endpoint_url) {
                g.add(&d, p(ns::DCAT, "endpointURL"), e.clone());
                g.a(&e, p(ns::RDFS, "Resource"));
            }
            if let Some(e) = svc.endpoint_description.as_deref().and_then(iri) {
                g.add(&d, p(ns::DCAT, "endpointDescription"), e.clone());
                g.a(&e, p(ns::RDFS, "Resource"));
            }
            for s in &svc.serves_dataset {
                record_link(g, ctx, &d, p(ns::DCAT, "servesDataset"), s);
            }
        }
    }
    for s in &ds.in_series {
        record_link(g, ctx, &d, p(ns::DCAT, "inSeries"), s);
    }
    let mut dist_nodes = Vec::new();
    if ds.kind != Kind::Service {
        for dist in &ds.distributions {
            if let Some(u) = iri(&distribution_uri(base, &ds.id, &dist.id)) {
                g.add(&d, p(ns::DCAT, "distribution"), u.clone());
                dist_nodes.push((u, dist));
            }
        }
    }
    let contact = ds.contact_point.as_ref().map(|cp| (frag("contact"), cp));
    if let Some((c, _)) = &contact {
        g.add(&d, p(ns::DCAT, "contactPoint"), c.clone());
    }
    let spatial = ds.spatial.as_ref();
    if let Some(s) = spatial {
        if s.bbox.is_some() {
            g.add(&d, p(ns::DCT, "spatial"), frag("spatial"));
        }
        for place in &s.places {
            g.typed_ref(
                &d,
                p(ns::DCT, "spatial"),
                place,
                p(ns::DCT, "Location"),
                None,
            );
        }
    }
    let temporal = ds
        .temporal
        .as_ref()
        .filter(|t| t.start.is_some() || t.end.is_some());
    if temporal.is_some() {
        g.add(&d, p(ns::DCT, "temporal"), frag("temporal"));
    }
    if let Some(l) = &ds.lineage {
        let node = frag("provenance");
        g.add(&d, p(ns::DCT, "provenance"), node.clone());
        g.a(&node, p(ns::DCT, "ProvenanceStatement"));
        g.texts(&node, &p(ns::RDFS, "label"), l);
    }

    if let Some((c, cp)) = contact {
        g.a(&c, p(ns::VCARD, "Kind"));
        g.a(&c, p(ns::VCARD, "Organization"));
        g.texts(&c, &p(ns::VCARD, "fn"), &cp.name);
        if let Some(m) = cp.mailto().as_deref().and_then(iri) {
            g.add(&c, p(ns::VCARD, "hasEmail"), m);
        }
        if let Some(u) = cp.url.as_deref().and_then(iri) {
            g.add(&c, p(ns::VCARD, "hasURL"), u);
        }
    }
    if let Some(b) = spatial.and_then(|s| s.bbox) {
        let s = frag("spatial");
        g.a(&s, p(ns::DCT, "Location"));
        g.add(
            &s,
            p(ns::DCAT, "bbox"),
            Literal::new_typed_literal(b.wkt(), p(ns::GSP, "wktLiteral")),
        );
    }
    if let Some(t) = temporal {
        let n = frag("temporal");
        g.a(&n, p(ns::DCT, "PeriodOfTime"));
        g.date(&n, p(ns::DCAT, "startDate"), t.start.as_deref());
        g.date(&n, p(ns::DCAT, "endDate"), t.end.as_deref());
    }

    let hvd = !ds.hvd_categories.is_empty();
    for (u, dist) in dist_nodes {
        g.a(&u, p(ns::DCAT, "Distribution"));
        g.texts(&u, &p(ns::DCT, "title"), &dist.title);
        g.texts(&u, &p(ns::DCT, "description"), &dist.description);
        if let Some(a) = iri(&dist.access_url) {
            g.add(&u, p(ns::DCAT, "accessURL"), a);
        }
        if let Some(a) = dist.download_url.as_deref().and_then(iri) {
            g.add(&u, p(ns::DCAT, "downloadURL"), a);
        }
        if let Some(f) = &dist.format {
            g.typed_ref(
                &u,
                p(ns::DCT, "format"),
                f,
                p(ns::DCT, "MediaTypeOrExtent"),
                scheme_of(f),
            );
        }
        if let Some(m) = &dist.media_type {
            let uri = if m.starts_with("http") {
                m.clone()
            } else {
                format!("{}{m}", vocab::MEDIA_TYPE)
            };
            g.typed_ref(
                &u,
                p(ns::DCAT, "mediaType"),
                &uri,
                p(ns::DCT, "MediaType"),
                None,
            );
        }
        if let Some(l) = dist.licence.as_ref().or(ds.licence.as_ref()) {
            licence(g, &u, l);
        }
        if let Some(r) = dist.rights.as_ref().or(ds.rights.as_ref()) {
            rights(g, &u, &format!("{}#rights", u.as_str()), r);
        }
        if let Some(n) = dist.byte_size {
            g.add(
                &u,
                p(ns::DCAT, "byteSize"),
                Literal::new_typed_literal(n.to_string(), p(ns::XSD, "nonNegativeInteger")),
            );
        }
        for c in &dist.conforms_to {
            g.typed_ref(
                &u,
                p(ns::DCT, "conformsTo"),
                c,
                p(ns::DCT, "Standard"),
                None,
            );
        }
        if let Some(s) = dist.access_service.as_deref() {
            record_link(g, ctx, &u, p(ns::DCAT, "accessService"), s);
        }
        if hvd {
            for l in &ds.applicable_legislation {
                g.typed_ref(
                    &u,
                    p(ns::DCATAP, "applicableLegislation"),
                    l,
                    p(ns::ELI, "LegalResource"),
                    None,
                );
            }
        }
        g.date(&u, p(ns::DCT, "issued"), dist.issued.as_deref());
        g.date(&u, p(ns::DCT, "modified"), dist.modified.as_deref());
    }

    // The catalogue record.
    let r = frag("record");
    g.a(&r, p(ns::DCAT, "CatalogRecord"));
    g.add(&r, p(ns::FOAF, "primaryTopic"), d.clone());
    g.date(&r, p(ns::DCT, "issued"), Some(ds.record.issued.as_str()));
    let modified = if ds.record.modified.is_empty() {
        ds.record.issued.as_str()
    } else {
        ds.record.modified.as_str()
    };
    g.date(&r, p(ns::DCT, "modified"), Some(modified));
    g.typed_ref(
        &r,
        p(ns::DCT, "conformsTo"),
        DCAT_AP_301,
        p(ns::DCT, "Standard"),
        None,
    );
    for l in &ds.record.languages {
        g.typed_ref(
            &r,
            p(ns::DCT, "language"),
            l,
            p(ns::DCT, "LinguisticSystem"),
            None,
        );
    }
    g.flush();
}

/// Hydra paging of the catalogue.
pub struct PageInfo {
    /// 1-based.
    pub page: u64,
    pub page_size: u64,
    pub total: u64,
    /// Extra query parameters kept in the page links (`modified_since=…`), already encoded.
    pub extra_query: String,
}

/// `<catalog> hydra:totalItems n; hydra:view <page>` and the view with first/last/next/previous.
pub fn describe_paging(g: &mut Graph, base: &str, info: &PageInfo) {
    let c = nn(&catalogue_uri(base));
    let last = info.total.div_ceil(info.page_size).max(1);
    let link = |n: u64| {
        nn(&format!(
            "{}?page={n}&page_size={}{}",
            catalogue_uri(base),
            info.page_size,
            info.extra_query
        ))
    };
    let view = link(info.page);
    g.add(
        &c,
        p(ns::HYDRA, "totalItems"),
        Literal::new_typed_literal(info.total.to_string(), p(ns::XSD, "nonNegativeInteger")),
    );
    g.add(&c, p(ns::HYDRA, "view"), view.clone());
    g.a(&view, p(ns::HYDRA, "PartialCollectionView"));
    g.add(&view, p(ns::HYDRA, "first"), link(1));
    g.add(&view, p(ns::HYDRA, "last"), link(last));
    if info.page < last {
        g.add(&view, p(ns::HYDRA, "next"), link(info.page + 1));
    }
    if info.page > 1 {
        g.add(
            &view,
            p(ns::HYDRA, "previous"),
            link((info.page - 1).min(last)),
        );
    }
    g.add(
        &view,
        p(ns::HYDRA, "itemsPerPage"),
        Literal::new_typed_literal(info.page_size.to_string(), p(ns::XSD, "nonNegativeInteger")),
    );
}

/// Index agents by id.
pub fn agent_map(agents: Vec<Agent>) -> HashMap<String, Agent> {
    agents.into_iter().map(|a| (a.id.clone(), a)).collect()
}

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

/// Records per catalogue page when `page_size` is absent.
pub const DEFAULT_PAGE_SIZE: u64 = 100;
/// Largest `page_size`.
pub const MAX_PAGE_SIZE: u64 = 1_000;
/// Records read from the store per step of a streamed dump.
const DUMP_BATCH: u32 = 200;

fn store_error(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "catalogue store");
    Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "the catalogue is unavailable",
    )
    .into_response()
}

fn not_acceptable() -> Response {
    Problem::new(
        StatusCode::NOT_ACCEPTABLE,
        "no acceptable representation: text/turtle, application/rdf+xml, application/ld+json \
         and application/n-triples are served",
    )
    .into_response()
}

fn rdf_response(format: Format, body: Vec<u8>, vary: bool) -> Response {
    let mut r = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(format.content_type()),
        )],
        body,
    )
        .into_response();
    if vary {
        r.headers_mut()
            .insert(header::VARY, HeaderValue::from_static("Accept"));
    }
    r
}

fn accept(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok())
}

/// The public records among `ids`.
pub async fn public_records(
    st: &CatalogState,
    ids: Vec<String>,
) -> Result<HashMap<String, Dataset>, crate::store::CatalogError> {
    let mut out = HashMap::new();
    for id in ids {
        if let Some(ds) = st.store.get_dataset(&id).await? {
            if ds.is_public() {
                out.insert(id, ds);
            }
        }
    }
    Ok(out)
}

async fn agents(st: &CatalogState) -> Result<HashMap<String, Agent>, Response> {
    st.store
        .list_publishers()
        .await
        .map(agent_map)
        .map_err(store_error)
}

fn page_param(
    params: &BTreeMap<String, String>,
    name: &str,
    default: u64,
    max: u64,
) -> Result<u64, Problem> {
    match params.get(name) {
        None => Ok(default),
        Some(v) => match v.trim().parse::<u64>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(Problem::bad_param(
                name,
                format!("`{}` is not an integer between 1 and {max}", clip(v)),
            )),
        },
    }
}

/// `GET /catalog`, `/catalog.{ttl,rdf,jsonld,nt}`: one Hydra page of the catalogue.
async fn catalogue_page(
    st: CatalogState,
    headers: HeaderMap,
    params: BTreeMap<String, String>,
    format: Format,
    vary: bool,
) -> Response {
    if let Err(p) = check_known(&params, &["page", "page_size", "modified_since"]) {
        return p.into_response();
    }
    let page = match page_param(&params, "page", 1, u64::MAX / MAX_PAGE_SIZE) {
        Ok(v) => v,
        Err(p) => return p.into_response(),
    };
    let page_size = match page_param(&params, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE) {
        Ok(v) => v,
        Err(p) => return p.into_response(),
    };
    let modified_since = match modified_since_param(&params) {
        Ok(m) => m,
        Err(p) => return p.into_response(),
    };
    let base = st.base_url(&headers);
    let agents = match agents(&st).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let q = ListQuery {
        public_only: true,
        modified_since: modified_since.clone(),
        offset: (page - 1) * page_size,
        limit: page_size as u32,
        ..Default::default()
    };
    let list = match st.store.list_datasets(&q).await {
        Ok(l) => l,
        Err(e) => return store_error(e),
    };
    let refs = match public_records(&st, referenced_ids(&list.items)).await {
        Ok(r) => r,
        Err(e) => return store_error(e),
    };
    let ctx = Ctx {
        base: &base,
        system_base: &st.system_base,
        agents: &agents,
        refs: &refs,
    };
    let mut g = Graph::new();
    describe_catalogue(&mut g, &ctx, &st.catalogue, None);
    for ds in &list.items {
        catalogue_links(&mut g, &base, ds);
    }
    let extra_query = modified_since
        .as_deref()
        .map(|m| format!("&modified_since={}", m.replace('+', "%2B")))
        .unwrap_or_default();
    describe_paging(
        &mut g,
        &base,
        &PageInfo {
            page,
            page_size,
            total: list.total,
            extra_query,
        },
    );
    for ds in &list.items {
        describe_dataset(&mut g, &ctx, ds);
    }
    match serialize(format, &g.triples) {
        Ok(body) => rdf_response(format, body, vary),
        Err(e) => store_error(e),
    }
}

async fn catalogue_negotiated(
    State(st): State<CatalogState>,
    headers: HeaderMap,
    Query(params): Query<BTreeMap<String, String>>,
) -> Response {
    match Format::negotiate(accept(&headers)) {
        Some(f) => catalogue_page(st, headers, params, f, true).await,
        None => not_acceptable(),
    }
}

fn modified_since_param(params: &BTreeMap<String, String>) -> Result<Option<String>, Problem> {
    match params.get("modified_since") {
        None => Ok(None),
        Some(v) => normalize_instant(v).map(Some).ok_or_else(|| {
            Problem::bad_param(
                "modified_since",
                format!(
                    "`{}` is not an ISO 8601 date or RFC 3339 date-time",
                    clip(v)
                ),
            )
        }),
    }
}

/// `GET /catalog/dump.{ttl,nt,rdf,jsonld}`: the whole public catalogue in one document,
/// written to the response record by record (memory stays flat whatever the catalogue size).
async fn dump(
    st: CatalogState,
    headers: HeaderMap,
    params: BTreeMap<String, String>,
    format: Format,
) -> Response {
    let modified_since = match check_known(&params, &["modified_since"])
        .and_then(|_| modified_since_param(&params))
    {
        Ok(m) => m,
        Err(p) => return p.into_response(),
    };
    let base = st.base_url(&headers);
    let agents = match agents(&st).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, io::Error>>(4);
    tokio::spawn(async move {
        let buf = SharedBuf::default();
        let mut ser = Serializer::new(format, buf.clone());
        let no_refs = HashMap::new();
        let ctx = Ctx {
            base: &base,
            system_base: &st.system_base,
            agents: &agents,
            refs: &no_refs,
        };
        let mut g = Graph::new();
        describe_catalogue(&mut g, &ctx, &st.catalogue, None);
        let mut offset = 0u64;
        loop {
            for t in g.drain() {
                if let Err(e) = ser.triple(&t) {
                    let _ = tx.send(Err(e)).await;
                    return;
                }
            }
            let chunk = buf.take();
            if !chunk.is_empty() && tx.send(Ok(chunk)).await.is_err() {
                return; // The client went away.
            }
            let q = ListQuery {
                public_only: true,
                modified_since: modified_since.clone(),
                offset,
                limit: DUMP_BATCH,
                ..Default::default()
            };
            let page = match st.store.list_datasets(&q).await {
                Ok(p) => p,
                Err(e) => {
                    tracing::error!(error = %e, "catalogue dump aborted");
                    let _ = tx.send(Err(io::Error::other(e.to_string()))).await;
                    return;
                }
            };
            if page.items.is_empty() {
                break;
            }
            offset += page.items.len() as u64;
            let refs = match public_records(&st, referenced_ids(&page.items)).await {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!(error = %e, "catalogue dump aborted");
                    let _ = tx.send(Err(io::Error::other(e.to_string()))).await;
                    return;
                }
            };
            let ctx = Ctx {
                base: &base,
                system_base: &st.system_base,
                agents: &agents,
                refs: &refs,
            };
            for ds in &page.items {
                catalogue_links(&mut g, &base, ds);
                describe_dataset(&mut g, &ctx, ds);
            }
        }
        match ser.finish() {
            Ok(_) => {
                let _ = tx.send(Ok(buf.take())).await;
            }
            Err(e) => {
                let _ = tx.send(Err(e)).await;
            }
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(format.content_type()),
        )],
        Body::from_stream(stream),
    )
        .into_response()
}

/// `GET /datasets/{id}` (content negotiation) and `/datasets/{id}.{ttl,rdf,jsonld,nt}`.
async fn dataset_doc(
    State(st): State<CatalogState>,
    Path(raw): Path<String>,
    headers: HeaderMap,
) -> Response {
    // `/datasets/{id}.xml`: the ISO 19139 record.
    if let Some(stem) = raw.strip_suffix(".xml") {
        match st.store.get_dataset(stem).await {
            Ok(Some(ds)) if ds.is_public() => return iso_doc(&st, &headers, &ds).await,
            Ok(_) => {}
            Err(e) => return store_error(e),
        }
    }
    let by_ext = raw
        .rsplit_once('.')
        .and_then(|(stem, ext)| Format::from_extension(ext).map(|f| (stem.to_string(), f)));
    let mut found = None;
    if let Some((stem, f)) = &by_ext {
        match st.store.get_dataset(stem).await {
            Ok(Some(ds)) if ds.is_public() => found = Some((ds, *f, false)),
            Ok(_) => {}
            Err(e) => return store_error(e),
        }
    }
    if found.is_none() {
        match st.store.get_dataset(&raw).await {
            Ok(Some(ds)) if ds.is_public() => match Format::negotiate(accept(&headers)) {
                Some(f) => found = Some((ds, f, true)),
                None => return not_acceptable(),
            },
            Ok(_) => {}
            Err(e) => return store_error(e),
        }
    }
    let Some((ds, format, vary)) = found else {
        return Problem::not_found(format!("no dataset `{}`", clip(&raw))).into_response();
    };
    let base = st.base_url(&headers);
    let agents = match agents(&st).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let refs = match public_records(&st, referenced_ids([&ds])).await {
        Ok(r) => r,
        Err(e) => return store_error(e),
    };
    let mut g = Graph::new();
    describe_dataset(
        &mut g,
        &Ctx {
            base: &base,
            system_base: &st.system_base,
            agents: &agents,
            refs: &refs,
        },
        &ds,
    );
    match serialize(format, &g.triples) {
        Ok(body) => rdf_response(format, body, vary),
        Err(e) => store_error(e),
    }
}

async fn iso_doc(st: &CatalogState, headers: &HeaderMap, ds: &Dataset) -> Response {
    let publisher = match &ds.publisher {
        Some(p) => match st.store.get_publisher(p).await {
            Ok(a) => a,
            Err(e) => return store_error(e),
        },
        None => None,
    };
    let base = st.base_url(headers);
    let ds = &st.localize(ds.clone(), &base);
    let mut o = crate::publish::xml::XmlOut::new();
    crate::publish::iso19139::write(
        &mut o,
        &base,
        ds,
        publisher.as_ref(),
        crate::publish::csw::request::ElementSet::Full,
        true,
    );
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/xml; charset=utf-8"),
        )],
        o.finish(),
    )
        .into_response()
}

/// The DCAT-AP routes.
pub fn routes() -> Router<CatalogState> {
    let mut r = Router::new().route("/catalog", get(catalogue_negotiated));
    for f in Format::ALL {
        r = r
            .route(
                &format!("/catalog.{}", f.extension()),
                get(
                    move |State(st): State<CatalogState>,
                          headers: HeaderMap,
                          Query(params): Query<BTreeMap<String, String>>| async move {
                        catalogue_page(st, headers, params, f, false).await
                    },
                ),
            )
            .route(
                &format!("/catalog/dump.{}", f.extension()),
                get(
                    move |State(st): State<CatalogState>,
                          headers: HeaderMap,
                          Query(params): Query<BTreeMap<String, String>>| async move {
                        dump(st, headers, params, f).await
                    },
                ),
            );
    }
    r.route("/datasets/{id}", get(dataset_doc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ContactPoint, Distribution, Lang, Licence, Spatial, Temporal};

    fn sample() -> (Dataset, HashMap<String, Agent>) {
        let mut ds = Dataset {
            id: "urbis-addresses".into(),
            title: Multilingual::new()
                .with(Lang::Fr, "Adresses")
                .with(Lang::Nl, "Adressen"),
            description: Multilingual::new().with(Lang::En, "Address points"),
            publisher: Some("cirb".into()),
            themes: vec![format!("{}REGI", vocab::DATA_THEME)],
            languages: vec![Lang::Fr.eu_uri()],
            contact_point: Some(ContactPoint {
                name: Multilingual::new().with(Lang::En, "Helpdesk"),
                email: Some("opendata@paradigm.brussels".into()),
                url: None,
            }),
            spatial: Some(Spatial {
                bbox: Some(crate::model::Bbox {
                    west: 4.24,
                    south: 50.76,
                    east: 4.48,
                    north: 50.91,
                }),
                places: vec![],
            }),
            temporal: Some(Temporal {
                start: Some("2014-01-01".into()),
                end: None,
            }),
            licence: Some(Licence {
                uri: format!("{}CC0", vocab::LICENCE),
                label: Multilingual::new(),
            }),
            distributions: vec![Distribution {
                id: "gpkg".into(),
                access_url: "https://x.test/downloads/addresses.gpkg".into(),
                download_url: Some("https://x.test/downloads/addresses.gpkg".into()),
                format: Some(format!("{}GPKG", vocab::FILE_TYPE)),
                media_type: Some("application/geopackage+sqlite3".into()),
                ..Default::default()
            }],
            ..Default::default()
        };
        ds.record.issued = "2026-01-01T00:00:00Z".into();
        ds.record.modified = "2026-02-01T00:00:00Z".into();
        let agent = Agent {
            id: "cirb".into(),
            name: Multilingual::new().with(Lang::Fr, "Paradigm"),
            ..Default::default()
        };
        (ds, agent_map(vec![agent]))
    }

    #[test]
    fn every_literal_is_tagged_or_typed_and_serialisations_parse() {
        let (ds, agents) = sample();
        let mut g = Graph::new();
        let refs = HashMap::new();
        let ctx = Ctx {
            base: "https://x.test",
            system_base: "https://x.test",
            agents: &agents,
            refs: &refs,
        };
        describe_catalogue(&mut g, &ctx, &Catalogue::brussels(), None);
        catalogue_links(&mut g, ctx.base, &ds);
        describe_dataset(&mut g, &ctx, &ds);
        for t in &g.triples {
            if let oxrdf::Term::Literal(l) = &t.object {
                let plain = l.language().is_none()
                    && l.datatype().as_str() == "http://www.w3.org/2001/XMLSchema#string";
                assert!(
                    !plain || t.predicate.as_str().ends_with("identifier"),
                    "untagged literal in {t}"
                );
            }
        }
        // The agent is described once even though the catalogue and the dataset both use it.
        let names = g
            .triples
            .iter()
            .filter(|t| t.predicate.as_str() == "http://xmlns.com/foaf/0.1/name")
            .count();
        assert_eq!(names, 1);
        for f in Format::ALL {
            let bytes = serialize(f, &g.triples).unwrap();
            let parsed: Vec<_> = oxrdfio::RdfParser::from_format(f.rdf_format())
                .for_slice(&bytes)
                .collect::<Result<Vec<_>, _>>()
                .unwrap_or_else(|e| panic!("{f:?}: {e}"));
            assert_eq!(parsed.len(), g.triples.len(), "{f:?}");
        }
        let ttl = String::from_utf8(serialize(Format::Turtle, &g.triples).unwrap()).unwrap();
        assert!(ttl.contains("<mailto:opendata@paradigm.brussels>"), "{ttl}");
        assert!(ttl.contains("\"Adresses\"@fr"));
    }

    #[test]
    fn content_negotiation() {
        assert_eq!(Format::negotiate(None), Some(Format::Turtle));
        assert_eq!(
            Format::negotiate(Some("application/ld+json")),
            Some(Format::JsonLd)
        );
        assert_eq!(
            Format::negotiate(Some(
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
            )),
            Some(Format::Turtle)
        );
        assert_eq!(
            Format::negotiate(Some("application/rdf+xml;q=0.5, text/turtle;q=0.4")),
            Some(Format::RdfXml)
        );
        assert_eq!(
            Format::negotiate(Some("*/*;q=0.1, application/ld+json")),
            Some(Format::JsonLd)
        );
        assert_eq!(Format::negotiate(Some("image/png")), None);
        assert_eq!(Format::negotiate(Some("text/turtle;q=0")), None);
    }

    #[test]
    fn hydra_links() {
        let mut g = Graph::new();
        describe_paging(
            &mut g,
            "https://x.test",
            &PageInfo {
                page: 2,
                page_size: 10,
                total: 25,
                extra_query: String::new(),
            },
        );
        let ttl = String::from_utf8(serialize(Format::NTriples, &g.triples).unwrap()).unwrap();
        assert!(
            ttl.contains("hydra/core#next> <https://x.test/catalog?page=3&page_size=10>"),
            "{ttl}"
        );
        assert!(ttl.contains("hydra/core#previous> <https://x.test/catalog?page=1&page_size=10>"));
        assert!(ttl.contains("hydra/core#last> <https://x.test/catalog?page=3&page_size=10>"));
        assert!(ttl.contains("\"25\"^^"));
    }
}
