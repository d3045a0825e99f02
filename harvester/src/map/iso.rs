//! ISO 19139 (`gmd:MD_Metadata`, also `gmi:MI_Metadata`) → the catalogue model, after the
//! GeoDCAT-AP core mapping.
//!
//! The sections that ISO 19139 and ISO 19115-3 ([`super::iso3`]) share — citation, keywords,
//! extents, constraints, reference systems, conformity, online resources — are mapped by the
//! [`Mapper`] here; each dialect only finds the elements where its schema puts them.

use std::collections::HashMap;

use datastore_api::model::{
    vocab, Bbox, ContactPoint, Dataset, Distribution, Kind, Lang, Licence, Multilingual,
    ServiceInfo, Spatial, Temporal,
};

use super::{
    date, file_type, frequency, inspire_theme, iso3, licence_from_text, media_type, push_unique,
    topic_theme, Failed, Mapped, Parsed,
};
use crate::xml::{self, Element};

/// Map every ISO record of a document: a lone `MD_Metadata`, or the records of a CSW
/// `GetRecordsResponse` / `GetRecordByIdResponse`, in ISO 19139 or ISO 19115-3.
/// `default_lang` is used when a record does not declare its language.
pub fn parse_document(doc: &str, default_lang: Lang) -> Result<Parsed, xml::XmlError> {
    let root = xml::parse(doc)?;
    let mut out = Parsed::default();
    for md in metadata_elements(&root) {
        match map_metadata(md, default_lang) {
            Ok(m) => out.records.push(m),
            Err(f) => out.failed.push(f),
        }
    }
    Ok(out)
}

/// The ISO records in a document (ISO 19139 or ISO 19115-3).
pub fn metadata_elements(root: &Element) -> Vec<&Element> {
    if is_md(root) {
        return vec![root];
    }
    let mut found = Vec::new();
    root.find_all("MD_Metadata", &mut found);
    root.find_all("MI_Metadata", &mut found);
    found
}

fn is_md(e: &Element) -> bool {
    e.local == "MD_Metadata" || e.local == "MI_Metadata"
}

/// Map one ISO record by its namespace: ISO 19115-3 (`mdb:MD_Metadata`) or ISO 19139.
pub fn map_metadata(md: &Element, default_lang: Lang) -> Result<Mapped, Failed> {
    if iso3::is_iso3(md) {
        iso3::map_record(md, default_lang)
    } else {
        map_record(md, default_lang)
    }
}

/// Reads multilingual ISO properties with the record's locales.
pub(super) struct Texts {
    pub main: Lang,
    locales: HashMap<String, Lang>,
}

/// The language of a `LanguageCode` holder (`gmd:language`, `lan:language`, `languageCode`):
/// the code list value, else the text.
pub(super) fn language_of(holder: Option<&Element>) -> Option<Lang> {
    let l = holder?;
    l.child("LanguageCode")
        .and_then(|c| {
            c.attr("codeListValue")
                .filter(|v| !v.trim().is_empty())
                .or(Some(c.trimmed()))
        })
        .or_else(|| l.value())
        .and_then(Lang::parse)
}

impl Texts {
    /// ISO 19139: `gmd:language` and `gmd:locale/gmd:PT_Locale` (`languageCode`).
    fn new(md: &Element, default_lang: Lang) -> Texts {
        let main = language_of(md.child("language")).unwrap_or(default_lang);
        let locales = md
            .all(&["locale", "PT_Locale"])
            .into_iter()
            .filter_map(|loc| Some((loc, language_of(loc.child("languageCode"))?)));
        Texts::with_locales(main, locales)
    }

    /// The main language and the `PT_Locale` elements with their language.
    pub(super) fn with_locales<'a>(
        main: Lang,
        locales: impl IntoIterator<Item = (&'a Element, Lang)>,
    ) -> Texts {
        let locales = locales
            .into_iter()
            .filter_map(|(loc, lang)| Some((loc.attr("id")?.to_string(), lang)))
            .collect();
        Texts { main, locales }
    }

    fn locale(&self, reference: &str) -> Option<Lang> {
        let id = reference.trim_start_matches('#');
        self.locales.get(id).copied().or_else(|| {
            let id = id
                .trim_start_matches("locale-")
                .trim_start_matches("locale_");
            Lang::parse(id)
        })
    }

    /// Every language of a `CharacterString` + `PT_FreeText` property.
    pub(super) fn multi(&self, prop: Option<&Element>) -> Multilingual {
        let mut m = Multilingual::new();
        let Some(p) = prop else { return m };
        if let Some(t) = p
            .children
            .iter()
            .find(|c| c.local == "CharacterString" || c.local == "Anchor")
            .map(|c| c.trimmed())
        {
            m.set(self.main, t);
        }
        for g in p.all(&["PT_FreeText", "textGroup", "LocalisedCharacterString"]) {
            if let Some(lang) = g.attr("locale").and_then(|l| self.locale(l)) {
                m.set(lang, g.trimmed());
            }
        }
        m
    }
}

/// The value of a code list property (`codeListValue`, else the text).
pub(super) fn code_value(e: Option<&Element>) -> Option<&str> {
    let e = e?;
    for c in &e.children {
        if let Some(v) = c.attr("codeListValue").filter(|v| !v.trim().is_empty()) {
            return Some(v.trim());
        }
        let t = c.trimmed();
        if !t.is_empty() {
            return Some(t);
        }
    }
    None
}

/// A responsible party as both dialects describe it.
pub(super) struct Party {
    pub role: Option<String>,
    pub name: Multilingual,
    pub email: Option<String>,
    pub url: Option<String>,
}

/// The dataset being built from one ISO record, with what could not be mapped.
pub(super) struct Mapper {
    pub texts: Texts,
    pub ds: Dataset,
    pub unmapped: Vec<String>,
    /// EU file types of the declared distribution formats.
    declared_formats: Vec<String>,
}

impl Mapper {
    pub(super) fn new(texts: Texts) -> Mapper {
        let mut ds = Dataset::default();
        ds.record.languages = vec![texts.main.eu_uri()];
        Mapper {
            texts,
            ds,
            unmapped: Vec::new(),
            declared_formats: Vec::new(),
        }
    }

    /// `hierarchyLevel` / `resourceScope` code → dataset, series or service.
    pub(super) fn scope(&mut self, element: &str, level: Option<&str>) {
        self.ds.kind = match level.unwrap_or("dataset") {
            "dataset" => Kind::Dataset,
            "series" => Kind::Series,
            "service" => Kind::Service,
            other => {
                self.unmapped.push(format!(
                    "{element} `{other}` has no DCAT class: mapped as a dataset"
                ));
                Kind::Dataset
            }
        };
    }

    /// Title, abstract, identifiers and dates of the resource; returns the dataset URI (the
    /// first identifier).
    pub(super) fn citation(&mut self, ident: &Element) -> Option<String> {
        let citation = ident.path(&["citation", "CI_Citation"]);
        self.ds.title = self.texts.multi(citation.and_then(|c| c.child("title")));
        self.ds.description = self.texts.multi(ident.child("abstract"));
        if self.ds.description.is_empty() {
            self.ds.description = self.ds.title.clone();
            if !self.ds.title.is_empty() {
                self.unmapped
                    .push("no abstract: the title is used as the description".into());
            }
        }
        let c = citation?;
        let mut dataset_uri = None;
        for id in c.children_named("identifier") {
            let Some(inner) = id.children.first() else {
                continue;
            };
            let code = inner
                .child("code")
                .and_then(|c| {
                    c.child("Anchor")
                        .and_then(|a| a.attr("href"))
                        .or_else(|| c.value())
                })
                .map(str::to_string);
            let space = inner.child("codeSpace").and_then(|c| c.value());
            if let Some(code) = code {
                let full = match space {
                    // A URI namespace (`http://geodata.wallonie.be/id/`) is a prefix.
                    Some(s)
                        if !code.contains("://")
                            && s.contains("://")
                            && s.ends_with(['/', '#']) =>
                    {
                        format!("{s}{code}")
                    }
                    Some(s) if !code.contains("://") => format!("{s}:{code}"),
                    _ => code.clone(),
                };
                if self.ds.identifier.is_none() {
                    self.ds.identifier = Some(full.clone());
                }
                if dataset_uri.is_none() {
                    dataset_uri = Some(full);
                }
            }
        }
        for d in c.all(&["date", "CI_Date"]) {
            let when = d.child("date").and_then(|x| x.value()).and_then(date);
            let kind = code_value(d.child("dateType"));
            match (kind, when) {
                (Some("publication"), Some(w)) => self.ds.issued = Some(w),
                (Some("revision"), Some(w)) => self.ds.modified = Some(w),
                (Some("creation"), Some(w)) => {
                    if self.ds.issued.is_none() {
                        self.ds.issued = Some(w.clone());
                    }
                    self.unmapped
                        .push(format!("creation date {w} (no dct:created in the model)"));
                }
                _ => {}
            }
        }
        dataset_uri
    }

    /// Contact point: the first party with role pointOfContact, else the first party; a
    /// publisher party is noted (the source's configured publisher is used).
    pub(super) fn parties(&mut self, parties: &[Party]) {
        let chosen = parties
            .iter()
            .find(|p| p.role.as_deref() == Some("pointOfContact"))
            .or_else(|| parties.first());
        if let Some(p) = chosen {
            self.ds.contact_point = Some(ContactPoint {
                name: p.name.clone(),
                email: p
                    .email
                    .clone()
                    .filter(|e| datastore_api::model::is_email(e)),
                url: p.url.clone().filter(|u| datastore_api::model::is_uri(u)),
            });
        }
        for p in parties {
            if p.role.as_deref() == Some("publisher") {
                if let Some(n) = p.name.best(self.texts.main) {
                    let note =
                        format!("publisher `{n}`: the source's configured publisher is used");
                    push_unique(&mut self.unmapped, note);
                }
            }
        }
    }

    /// The sections both dialects hold under the same names: keywords and topics, extents,
    /// maintenance frequency, constraints, reference systems and conformity reports.
    pub(super) fn shared_sections(&mut self, md: &Element, ident: &Element) {
        self.keywords(ident);
        self.extents(ident);
        self.frequency(ident);
        self.constraints(ident);
        self.reference_systems(md);
        self.conformity(md);
    }

    /// Keywords (EU data themes, INSPIRE themes, other thesauri) and topic categories.
    fn keywords(&mut self, ident: &Element) {
        let ds = &mut self.ds;
        for kw in ident.all(&["descriptiveKeywords", "MD_Keywords"]) {
            let thesaurus = kw
                .path(&["thesaurusName", "CI_Citation", "title"])
                .and_then(|t| t.value())
                .unwrap_or("")
                .to_string();
            let inspire = thesaurus.to_ascii_lowercase().contains("inspire");
            for k in kw.children_named("keyword") {
                let href = k.child("Anchor").and_then(|a| a.attr("href"));
                let words = self.texts.multi(Some(k));
                if let Some(h) = href {
                    if h.starts_with(vocab::DATA_THEME) {
                        push_unique(&mut ds.themes, h.to_string());
                        continue;
                    }
                    if let Some(themes) = inspire_theme(h) {
                        for t in themes {
                            push_unique(&mut ds.themes, vocab::uri(vocab::DATA_THEME, t));
                        }
                    } else if h.starts_with("http") {
                        self.unmapped.push(format!(
                            "keyword URI {h} ({}) kept as its label",
                            if thesaurus.is_empty() {
                                "no thesaurus"
                            } else {
                                &thesaurus
                            }
                        ));
                    }
                } else if inspire {
                    if let Some(themes) = words.iter().find_map(|(_, w)| inspire_theme(w)) {
                        for t in themes {
                            push_unique(&mut ds.themes, vocab::uri(vocab::DATA_THEME, t));
                        }
                    }
                }
                for (l, w) in words.iter() {
                    ds.keywords.add(l, w);
                }
            }
        }
        for t in ident.children_named("topicCategory") {
            if let Some(v) = t.value() {
                match topic_theme(v) {
                    Some(theme) => {
                        push_unique(&mut ds.themes, vocab::uri(vocab::DATA_THEME, theme))
                    }
                    None => self.unmapped.push(format!("topic category `{v}`")),
                }
            }
        }
    }

    /// Bounding boxes (unioned) and the temporal extent.
    fn extents(&mut self, ident: &Element) {
        let mut bbox: Option<Bbox> = None;
        let extents = ident
            .children_named("extent")
            .chain(ident.children_named("serviceExtent"))
            .filter_map(|e| e.child("EX_Extent"));
        let mut temporal = Temporal::default();
        for ex in extents {
            for b in ex.all(&["geographicElement", "EX_GeographicBoundingBox"]) {
                let n = |name: &str| -> Option<f64> {
                    b.child(name)
                        .and_then(|x| x.value())
                        .and_then(|v| v.parse().ok())
                };
                if let (Some(w), Some(e), Some(s), Some(nn)) = (
                    n("westBoundLongitude"),
                    n("eastBoundLongitude"),
                    n("southBoundLatitude"),
                    n("northBoundLatitude"),
                ) {
                    if !(-180.0..=180.0).contains(&w)
                        || !(-180.0..=180.0).contains(&e)
                        || !(-90.0..=90.0).contains(&s)
                        || !(-90.0..=90.0).contains(&nn)
                        || s > nn
                    {
                        self.unmapped
                            .push(format!("bounding box {w} {s} {e} {nn} is not in degrees"));
                        continue;
                    }
                    bbox = Some(match bbox {
                        None => Bbox {
                            west: w,
                            south: s,
                            east: e,
                            north: nn,
                        },
                        Some(o) => Bbox {
                            west: o.west.min(w),
                            south: o.south.min(s),
                            east: o.east.max(e),
                            north: o.north.max(nn),
                        },
                    });
                }
            }
            for t in ex.all(&["temporalElement", "EX_TemporalExtent", "extent"]) {
                let Some(p) = t.children.first() else {
                    continue;
                };
                let pos = |names: &[&str]| -> Option<String> {
                    names.iter().find_map(|n| {
                        p.child(n).and_then(|x| {
                            let v = x.trimmed();
                            if !v.is_empty() {
                                date(v)
                            } else {
                                x.find("timePosition").and_then(|tp| date(tp.trimmed()))
                            }
                        })
                    })
                };
                if temporal.start.is_none() {
                    temporal.start = pos(&["beginPosition", "begin"]);
                }
                if temporal.end.is_none() {
                    temporal.end = pos(&["endPosition", "end"]);
                }
                if p.local == "TimeInstant" && temporal.start.is_none() {
                    temporal.start = p.child("timePosition").and_then(|x| date(x.trimmed()));
                }
            }
        }
        if bbox.is_some() {
            self.ds.spatial = Some(Spatial {
                bbox,
                places: vec![],
            });
        }
        if temporal.start.is_some() || temporal.end.is_some() {
            self.ds.temporal = Some(temporal);
        }
    }

    /// `maintenanceAndUpdateFrequency` → EU frequency.
    fn frequency(&mut self, ident: &Element) {
        if let Some(f) = code_value(
            ident
                .path(&["resourceMaintenance", "MD_MaintenanceInformation"])
                .and_then(|m| m.child("maintenanceAndUpdateFrequency")),
        ) {
            match frequency(f) {
                Some(u) => self.ds.frequency = Some(u),
                None => self.unmapped.push(format!("maintenance frequency `{f}`")),
            }
        }
    }

    /// A resource language (EU language URI).
    pub(super) fn language(&mut self, lang: Option<Lang>) {
        if let Some(lang) = lang {
            push_unique(&mut self.ds.languages, lang.eu_uri());
        }
    }

    /// `resourceConstraints`: licence, rights, access rights.
    ///
    /// A text or URI naming a known licence → `licence`; an INSPIRE `LimitationsOnPublicAccess`
    /// Anchor → `access_rights`; otherwise, as in GeoDCAT-AP, a statement with a URI in a legal
    /// constraint on use only (`useConstraints`, no `accessConstraints`) is the licence
    /// document when no known licence was found. Other texts → `rights`, with their URIs.
    fn constraints(&mut self, ident: &Element) {
        let ds = &mut self.ds;
        let mut rights = Multilingual::new();
        let mut licence_documents: Vec<(Multilingual, String)> = Vec::new();
        let mut add_rights = |text: &Multilingual, href: Option<&str>| {
            for (l, t) in text.iter() {
                let t = match href {
                    Some(h) if !t.contains(h) => format!("{t} <{h}>"),
                    _ => t.to_string(),
                };
                let merged = match rights.get(l) {
                    Some(prev) if !prev.contains(&t) => format!("{prev}\n{t}"),
                    Some(prev) => prev.to_string(),
                    None => t,
                };
                rights.set(l, merged);
            }
        };
        for c in ident.children_named("resourceConstraints") {
            let Some(inner) = c.children.first() else {
                continue;
            };
            let use_only = inner.child("useConstraints").is_some()
                && inner.child("accessConstraints").is_none();
            let mut statements: Vec<(Multilingual, Option<&str>)> = Vec::new();
            for name in ["useLimitation", "otherConstraints"] {
                for e in inner.children_named(name) {
                    let href = e.child("Anchor").and_then(|a| a.attr("href"));
                    statements.push((self.texts.multi(Some(e)), href));
                }
            }
            for (text, href) in statements {
                if let Some(h) = href {
                    if h.contains("LimitationsOnPublicAccess/") {
                        ds.access_rights = Some(vocab::uri(
                            vocab::ACCESS_RIGHT,
                            if h.ends_with("noLimitations") {
                                "PUBLIC"
                            } else {
                                "RESTRICTED"
                            },
                        ));
                        continue;
                    }
                    if ds.licence.is_none() {
                        if let Some(l) = licence_from_text(h) {
                            ds.licence = Some(l);
                            continue;
                        }
                    }
                }
                let joined: String = text.iter().map(|(_, t)| t).collect::<Vec<_>>().join(" ");
                if ds.licence.is_none() {
                    if let Some(mut l) = licence_from_text(&joined) {
                        l.label = text.clone();
                        ds.licence = Some(l);
                        continue;
                    }
                }
                match href {
                    Some(h) if use_only && datastore_api::model::is_uri(h) => {
                        licence_documents.push((text, h.to_string()))
                    }
                    _ => add_rights(&text, href),
                }
            }
            let access = inner
                .children_named("accessConstraints")
                .filter_map(|a| code_value(Some(a)))
                .collect::<Vec<_>>();
            if ds.access_rights.is_none()
                && access
                    .iter()
                    .any(|a| matches!(*a, "restricted" | "confidential" | "secret" | "topSecret"))
            {
                ds.access_rights = Some(vocab::uri(vocab::ACCESS_RIGHT, "RESTRICTED"));
            }
        }
        for (text, href) in licence_documents {
            if ds.licence.is_none() {
                ds.licence = Some(Licence {
                    uri: href,
                    label: text,
                });
            } else {
                add_rights(&text, Some(&href));
            }
        }
        if !rights.is_empty() {
            ds.rights = Some(rights);
        }
    }

    /// `referenceSystemInfo` → `dct:conformsTo` (GeoDCAT-AP); the identifier is
    /// `RS_Identifier` (19139) or `MD_Identifier` (19115-3).
    fn reference_systems(&mut self, md: &Element) {
        for rsi in md.all(&[
            "referenceSystemInfo",
            "MD_ReferenceSystem",
            "referenceSystemIdentifier",
        ]) {
            let Some(rs) = rsi.children.first() else {
                continue;
            };
            let code = rs.child("code").and_then(|c| {
                c.child("Anchor")
                    .and_then(|a| a.attr("href"))
                    .or_else(|| c.value())
            });
            if let Some(uri) = code.and_then(crs_uri) {
                push_unique(&mut self.ds.conforms_to, uri);
            } else if let Some(c) = code {
                self.unmapped.push(format!("reference system `{c}`"));
            }
        }
    }

    /// `LI_Lineage/statement` → lineage.
    pub(super) fn lineage(&mut self, lineage: Option<&Element>) {
        if let Some(st) = lineage.and_then(|l| l.child("statement")) {
            let l = self.texts.multi(Some(st));
            if !l.is_empty() {
                self.ds.lineage = Some(l);
            }
        }
    }

    /// Conformity reports with a specification URI that passed → `conformsTo`.
    fn conformity(&mut self, md: &Element) {
        for spec in md.all(&["dataQualityInfo", "DQ_DataQuality", "report"]) {
            let mut results = Vec::new();
            spec.find_all("DQ_ConformanceResult", &mut results);
            for r in results {
                let title = r.path(&["specification", "CI_Citation", "title"]);
                let href = title
                    .and_then(|t| t.child("Anchor"))
                    .and_then(|a| a.attr("href"));
                let pass = r.path(&["pass", "Boolean"]).map(|b| b.trimmed() == "true");
                match (href, pass) {
                    (Some(h), Some(true)) if h.starts_with("http") => {
                        push_unique(&mut self.ds.conforms_to, h.to_string())
                    }
                    _ => {
                        if let Some(t) = title.and_then(|t| t.value()) {
                            let short: String = t.chars().take(80).collect();
                            self.unmapped.push(format!(
                                "conformity to `{short}` (pass: {}) without a specification URI",
                                pass.map(|p| p.to_string())
                                    .unwrap_or_else(|| "unknown".into())
                            ));
                        }
                    }
                }
            }
        }
    }

    /// Declared distribution format names (each given as its candidates: text, then URI) →
    /// the first EU file type found; formats without one are noted.
    pub(super) fn formats(&mut self, formats: &[Vec<String>]) -> Option<String> {
        let mut declared = None;
        for candidates in formats {
            match candidates.iter().find_map(|f| file_type(f)) {
                Some(ft) => {
                    if declared.is_none() {
                        declared = Some(ft.clone());
                    }
                    push_unique(&mut self.declared_formats, ft);
                }
                None => {
                    if let Some(f) = candidates.first() {
                        self.unmapped
                            .push(format!("format `{f}` has no EU file type"));
                    }
                }
            }
        }
        declared
    }

    /// Online resources → landing page, service distributions (and a service's endpoint) or
    /// download distributions.
    pub(super) fn online_resources(&mut self, links: &[&Element], declared_format: Option<&str>) {
        let mut n = self.ds.distributions.len();
        for link in links {
            let Some(url) = link
                .child("linkage")
                .and_then(|l| l.value())
                .map(str::to_string)
            else {
                continue;
            };
            if !datastore_api::model::is_uri(&url) {
                self.unmapped
                    .push(format!("online resource `{url}` is not an http(s) URL"));
                continue;
            }
            // The same link given twice (distribution and distributor) is one distribution.
            if self.ds.distributions.iter().any(|d| d.access_url == url) {
                continue;
            }
            let protocol = link
                .child("protocol")
                .and_then(|p| p.value())
                .unwrap_or("")
                .to_string();
            let function = code_value(link.child("function")).unwrap_or("").to_string();
            let name = self.texts.multi(link.child("name"));
            let desc = self.texts.multi(link.child("description"));
            let service = service_kind(&protocol, &url);
            if function == "information"
                || (protocol.starts_with("WWW:LINK") && service.is_none() && !looks_like_file(&url))
            {
                if self.ds.landing_page.is_none() {
                    self.ds.landing_page = Some(url);
                } else if self.ds.landing_page.as_deref() != Some(url.as_str()) {
                    let note = match name.best(self.texts.main) {
                        Some(n) => format!("web page {url} ({n}): the landing page is another one"),
                        None => format!("web page {url}: the landing page is another one"),
                    };
                    push_unique(&mut self.unmapped, note);
                }
                continue;
            }
            n += 1;
            let mut d = Distribution {
                id: format!("d{n}"),
                title: name,
                access_url: url.clone(),
                ..Default::default()
            };
            // A description holding only a CRS URI is not a description.
            if !desc
                .iter()
                .all(|(_, t)| t.starts_with("http://www.opengis.net/def/crs/"))
            {
                d.description = desc;
            }
            match service {
                Some((code, standard)) => {
                    d.format = Some(match (code, declared_format) {
                        ("WFS_SRVC", Some(f)) => f.to_string(),
                        _ => vocab::uri(vocab::FILE_TYPE, code),
                    });
                    if let Some(s) = standard {
                        d.conforms_to.push(s.to_string());
                    }
                    if self.ds.kind == Kind::Service && self.ds.service.is_none() {
                        self.ds.service = Some(ServiceInfo {
                            endpoint_url: url.clone(),
                            endpoint_description: None,
                            serves_dataset: vec![],
                        });
                    }
                }
                None => {
                    d.download_url = Some(url.clone());
                    let ext = url
                        .split(['?', '#'])
                        .next()
                        .and_then(|p| p.rsplit('/').next())
                        .and_then(|f| f.rsplit_once('.').map(|(_, e)| e.to_string()));
                    d.format = ext
                        .as_deref()
                        .and_then(file_type)
                        .or_else(|| declared_format.map(str::to_string));
                    d.media_type = d
                        .format
                        .as_deref()
                        .and_then(|f| media_type(vocab::code(f)).map(str::to_string));
                }
            }
            self.ds.distributions.push(d);
        }
        let unused: Vec<&str> = self
            .declared_formats
            .iter()
            .filter(|f| {
                !self
                    .ds
                    .distributions
                    .iter()
                    .any(|d| d.format.as_ref() == Some(*f))
            })
            .map(|f| vocab::code(f))
            .collect();
        if !unused.is_empty() {
            self.unmapped.push(format!(
                "declared format(s) {} not given to any distribution (no download link in that format)",
                unused.join(", ")
            ));
        }
        if self.ds.kind == Kind::Service && self.ds.service.is_none() {
            if let Some(d) = self.ds.distributions.first() {
                self.ds.service = Some(ServiceInfo {
                    endpoint_url: d.access_url.clone(),
                    endpoint_description: None,
                    serves_dataset: vec![],
                });
            }
        }
    }

    /// What the model has no place for: thumbnails, resolution, the datasets a service
    /// operates on (the catalogue links services to its own datasets only).
    pub(super) fn notes(&mut self, ident: &Element) {
        if ident.child("graphicOverview").is_some() {
            self.unmapped.push("graphic overview (thumbnail)".into());
        }
        if ident.child("spatialResolution").is_some() {
            self.unmapped.push("spatial resolution".into());
        }
        let operates: Vec<&str> = ident
            .children_named("operatesOn")
            .filter_map(|o| o.attr("uuidref").or_else(|| o.attr("href")))
            .collect();
        if !operates.is_empty() {
            self.unmapped.push(format!(
                "operatesOn {} dataset(s) ({}): not linked",
                operates.len(),
                operates.join(", ")
            ));
        }
    }

    pub(super) fn finish(self, original_id: String, dataset_uri: Option<String>) -> Mapped {
        Mapped {
            original_id,
            dataset_uri,
            dataset: self.ds,
            unmapped: self.unmapped,
        }
    }
}

/// The resource's identification (`MD_DataIdentification`, `SV_ServiceIdentification`…);
/// a record without one fails.
pub(super) fn identification<'a>(
    md: &'a Element,
    original_id: &str,
    prefix: &str,
) -> Result<&'a Element, Failed> {
    md.child("identificationInfo")
        .and_then(|i| i.children.first())
        .ok_or_else(|| Failed {
            original_id: Some(original_id.to_string()),
            reason: format!("no {prefix}:identificationInfo"),
        })
}

/// Map one ISO 19139 `MD_Metadata` element.
pub fn map_record(md: &Element, default_lang: Lang) -> Result<Mapped, Failed> {
    let original_id = md
        .child("fileIdentifier")
        .and_then(|f| f.value())
        .map(str::to_string);
    let Some(original_id) = original_id else {
        return Err(Failed {
            original_id: None,
            reason: "no gmd:fileIdentifier: the record cannot be tracked between runs".into(),
        });
    };
    let mut m = Mapper::new(Texts::new(md, default_lang));
    m.scope("hierarchyLevel", code_value(md.child("hierarchyLevel")));
    let ident = identification(md, &original_id, "gmd")?;
    let dataset_uri = m.citation(ident);
    let parties: Vec<Party> = ident
        .children_named("pointOfContact")
        .filter_map(|p| p.child("CI_ResponsibleParty"))
        .map(|p| {
            let mut name = m.texts.multi(p.child("organisationName"));
            if name.is_empty() {
                name = m.texts.multi(p.child("individualName"));
            }
            Party {
                role: code_value(p.child("role")).map(str::to_string),
                name,
                email: p
                    .find("electronicMailAddress")
                    .and_then(|e| e.value())
                    .map(str::to_string),
                url: p
                    .path(&[
                        "contactInfo",
                        "CI_Contact",
                        "onlineResource",
                        "CI_OnlineResource",
                        "linkage",
                    ])
                    .and_then(|l| l.value())
                    .map(str::to_string),
            }
        })
        .collect();
    m.parties(&parties);
    m.shared_sections(md, ident);
    for l in ident.children_named("language") {
        m.language(language_of(Some(l)));
    }
    m.lineage(
        md.all(&["dataQualityInfo", "DQ_DataQuality", "lineage", "LI_Lineage"])
            .first()
            .copied(),
    );
    let formats: Vec<Vec<String>> = md
        .all(&[
            "distributionInfo",
            "MD_Distribution",
            "distributionFormat",
            "MD_Format",
            "name",
        ])
        .into_iter()
        .filter_map(|n| n.value())
        .map(|v| vec![v.to_string()])
        .collect();
    let declared = m.formats(&formats);
    let mut links = Vec::new();
    md.find_all("CI_OnlineResource", &mut links);
    m.online_resources(&links, declared.as_deref());
    m.notes(ident);
    Ok(m.finish(original_id, dataset_uri))
}

fn looks_like_file(url: &str) -> bool {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    path.rsplit('/')
        .next()
        .and_then(|f| f.rsplit_once('.'))
        .is_some_and(|(_, e)| file_type(e).is_some() && !matches!(e, "html" | "htm"))
}

/// `(EU file type code, standard URI)` of a service link, from its protocol or URL.
fn service_kind(protocol: &str, url: &str) -> Option<(&'static str, Option<&'static str>)> {
    let p = protocol.to_ascii_uppercase();
    let u = url.to_ascii_uppercase();
    if p.contains("WMTS") || u.contains("SERVICE=WMTS") {
        return Some((
            "WMS_SRVC",
            Some("http://www.opengis.net/def/serviceType/ogc/wmts"),
        ));
    }
    if p.contains("WMS") || u.contains("SERVICE=WMS") {
        return Some((
            "WMS_SRVC",
            Some("http://www.opengis.net/def/serviceType/ogc/wms"),
        ));
    }
    if p.contains("WFS") || u.contains("SERVICE=WFS") {
        return Some((
            "WFS_SRVC",
            Some("http://www.opengis.net/def/serviceType/ogc/wfs"),
        ));
    }
    if p.contains("WCS") || u.contains("SERVICE=WCS") {
        return Some((
            "MAP_SRVC",
            Some("http://www.opengis.net/def/serviceType/ogc/wcs"),
        ));
    }
    if p.contains("OGC API") || p.contains("OGCAPI") || p.contains("OGC:API") {
        return Some((
            "REST",
            Some("http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"),
        ));
    }
    if p.contains("CSW") {
        return Some((
            "REST",
            Some("http://www.opengis.net/def/serviceType/ogc/csw"),
        ));
    }
    // An ArcGIS REST map or feature service: no OGC standard, not a file to download.
    if p.starts_with("ESRI:REST") || p.starts_with("ESRI:ARCGIS") {
        return Some(("REST", None));
    }
    None
}

/// The OGC URI of a CRS code (`EPSG:31370`, `31370`, a URN or an OGC URI).
pub fn crs_uri(code: &str) -> Option<String> {
    let c = code.trim();
    if c.starts_with("http://www.opengis.net/def/crs/") {
        return Some(c.to_string());
    }
    let digits: String = c
        .rsplit([':', '/'])
        .next()
        .unwrap_or("")
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let digits_only = c
        .rsplit([':', '/'])
        .next()
        .unwrap_or("")
        .chars()
        .all(|ch| ch.is_ascii_digit());
    if !digits.is_empty()
        && digits_only
        && (c.to_ascii_uppercase().contains("EPSG") || c.chars().all(|ch| ch.is_ascii_digit()))
    {
        return Some(format!("http://www.opengis.net/def/crs/EPSG/0/{digits}"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::testdata::shared;

    #[test]
    fn datastore_brussels_record_field_by_field() {
        let Some(doc) = shared(
            "iso/dcattools/scrapers/src/test/resources/be/fedict/dcat/scrapers/brussels/dataset-example.xml",
        ) else {
            return;
        };
        let parsed = parse_document(&doc, Lang::Fr).unwrap();
        assert!(parsed.failed.is_empty());
        assert_eq!(parsed.records.len(), 1);
        let m = &parsed.records[0];
        let d = &m.dataset;
        assert_eq!(m.original_id, "96a8626e-0910-421b-8404-0b83d1740f24");
        assert_eq!(d.kind, Kind::Dataset);
        assert_eq!(d.title.get(Lang::Fr), Some("Promenade verte"));
        assert_eq!(d.title.get(Lang::Nl), Some("Groene wandeling"));
        assert_eq!(d.title.get(Lang::En), Some("Greenway"));
        assert!(d
            .description
            .get(Lang::Nl)
            .unwrap()
            .starts_with("Brussels Hoofdstedelijk Gewest"));
        assert_eq!(
            d.identifier.as_deref(),
            Some("BE.IBGE:BRU_ENVI_96a8626e-0910-421b-8404-0b83d1740f24")
        );
        let b = d.spatial.as_ref().unwrap().bbox.unwrap();
        assert!((b.west - 4.241242610760647).abs() < 1e-12);
        assert!((b.east - 4.479757833015491).abs() < 1e-12);
        assert!((b.south - 50.76316244493342).abs() < 1e-12);
        assert!((b.north - 50.913320904907515).abs() < 1e-12);
        let t = d.temporal.as_ref().unwrap();
        assert_eq!(
            (t.start.as_deref(), t.end.as_deref()),
            (Some("2013-06-03"), Some("2021-01-01"))
        );
        assert_eq!(d.issued.as_deref(), Some("2013-08-12"));
        assert_eq!(d.modified.as_deref(), Some("2013-08-12"));
        assert_eq!(
            d.frequency.as_deref(),
            Some("http://publications.europa.eu/resource/authority/frequency/IRREG")
        );
        // Topic category `structure` → REGI.
        assert_eq!(
            d.themes,
            vec!["http://publications.europa.eu/resource/authority/data-theme/REGI"]
        );
        assert!(d.keywords.0[&Lang::Nl].contains(&"fietspad".to_string()));
        assert!(d.keywords.0[&Lang::En].contains(&"hiking trail".to_string()));
        assert_eq!(
            d.licence.as_ref().unwrap().uri,
            "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0"
        );
        assert_eq!(
            d.access_rights.as_deref(),
            Some("http://publications.europa.eu/resource/authority/access-right/PUBLIC")
        );
        let cp = d.contact_point.as_ref().unwrap();
        assert_eq!(
            cp.mailto().as_deref(),
            Some("mailto:jfsac@environnement.brussels")
        );
        assert_eq!(
            cp.name.get(Lang::Fr),
            Some("Bruxelles Environnement / Leefmilieu Brussel")
        );
        assert_eq!(
            d.conforms_to[0],
            "http://www.opengis.net/def/crs/EPSG/0/31370"
        );
        assert_eq!(d.languages.len(), 2);
        assert_eq!(
            d.lineage.as_ref().unwrap().get(Lang::Fr),
            Some("Bruxelles Environnement / Leefmilieu Brussel")
        );
        assert_eq!(d.distributions.len(), 2);
        let wfs = &d.distributions[0];
        assert!(wfs
            .access_url
            .starts_with("https://wfs.environnement.brussels/belb?SERVICE=WFS&VERSION=1.0.0"));
        assert_eq!(
            wfs.format.as_deref(),
            Some("http://publications.europa.eu/resource/authority/file-type/GML")
        );
        assert_eq!(
            wfs.conforms_to,
            vec!["http://www.opengis.net/def/serviceType/ogc/wfs"]
        );
        let wms = &d.distributions[1];
        assert_eq!(wms.access_url, "https://wms.environnement.brussels/be_wms?");
        assert_eq!(
            wms.format.as_deref(),
            Some("http://publications.europa.eu/resource/authority/file-type/WMS_SRVC")
        );
        assert!(m.unmapped.iter().any(|u| u.contains("graphic overview")));
    }

    #[test]
    fn every_real_iso_record_maps_or_fails_cleanly() {
        let Some(dir) = crate::map::testdata::shared_dir("iso") else {
            return;
        };
        let mut files = Vec::new();
        crate::map::testdata::walk(&dir, &mut files);
        let (mut ok, mut failed, mut unreadable) = (0, 0, 0);
        for f in files
            .iter()
            .filter(|f| f.extension().is_some_and(|e| e == "xml"))
        {
            let Ok(bytes) = std::fs::read(f) else {
                continue;
            };
            let Ok(text) = crate::xml::decode(&bytes) else {
                unreadable += 1;
                continue;
            };
            match parse_document(text, Lang::En) {
                Ok(p) => {
                    for m in &p.records {
                        assert!(!m.original_id.is_empty());
                    }
                    ok += p.records.len();
                    failed += p.failed.len();
                }
                Err(_) => unreadable += 1,
            }
        }
        eprintln!("iso: {ok} mapped, {failed} failed records, {unreadable} unreadable files");
        assert!(ok >= 20, "{ok}");
    }
}
