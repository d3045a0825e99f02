//! ISO 19139 `gmd:MD_Metadata` for a catalogue record, as the Belgian federal harvester reads
//! it (data.gov.be: fileIdentifier, dateStamp, keywords with thesaurus, otherConstraints as
//! licence, bounding box, temporal extent, FR/NL/EN `PT_FreeText`).
//!
//! Multilingual texts are a `gco:CharacterString` in the record's main language (fr, else the
//! first one present) plus one `gmd:LocalisedCharacterString` per language, referencing the
//! `gmd:PT_Locale` declared for it. The locale ids are the upper-case two-letter codes (`#FR`,
//! `#NL`, `#EN`, `#DE`) as datastore.brussels' own ISO records use them: the federal GeoDCAT-AP
//! transformation derives the language tag from the id (lower-cased, no prefix), so these ids
//! give `@fr`, `@nl`, `@en` tags with no fix-up.
//!
//! Element sets: `brief` keeps what identifies the record (identification with title, date,
//! abstract, language, extent), `summary` adds keywords, constraints and distribution,
//! `full` adds reference system and data quality (lineage).

use crate::model::{vocab, Agent, Dataset, Kind, Lang, Multilingual};
use crate::publish::csw::request::ElementSet;
use crate::publish::xml::XmlOut;
use crate::{dataset_uri, distribution_uri};

pub const GMD: &str = "http://www.isotc211.org/2005/gmd";
pub const GCO: &str = "http://www.isotc211.org/2005/gco";
pub const GMX: &str = "http://www.isotc211.org/2005/gmx";
pub const SRV: &str = "http://www.isotc211.org/2005/srv";
pub const GML: &str = "http://www.opengis.net/gml";
pub const XLINK: &str = "http://www.w3.org/1999/xlink";
pub const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

const CODELISTS: &str = "http://standards.iso.org/iso/19139/resources/gmxCodelists.xml";
const LANG_CODELIST: &str = "http://www.loc.gov/standards/iso639-2/";

/// The namespace declarations of a standalone `gmd:MD_Metadata` (or of the element holding
/// records).
pub const NAMESPACES: &[(&str, &str)] = &[
    ("xmlns:gmd", GMD),
    ("xmlns:gco", GCO),
    ("xmlns:gmx", GMX),
    ("xmlns:srv", SRV),
    ("xmlns:gml", GML),
    ("xmlns:xlink", XLINK),
    ("xmlns:xsi", XSI),
];

/// ISO 639-2/B code of a language (as INSPIRE metadata use them).
pub fn iso639_2(l: Lang) -> &'static str {
    match l {
        Lang::Fr => "fre",
        Lang::Nl => "dut",
        Lang::En => "eng",
        Lang::De => "ger",
    }
}

fn locale_id(l: Lang) -> &'static str {
    match l {
        Lang::Fr => "FR",
        Lang::Nl => "NL",
        Lang::En => "EN",
        Lang::De => "DE",
    }
}

/// The main language of a text: fr when present, else the first present.
fn main_lang(m: &Multilingual) -> Option<Lang> {
    m.get(Lang::Fr)
        .map(|_| Lang::Fr)
        .or_else(|| m.iter().next().map(|(l, _)| l))
}

fn code(o: &mut XmlOut, tag: &'static str, value: &str) {
    let cl = format!(
        "{CODELISTS}#{}",
        tag.trim_start_matches("gmd:").trim_start_matches("srv:")
    );
    o.leaf(tag, &[("codeList", &cl), ("codeListValue", value)], value);
}

fn cs(o: &mut XmlOut, wrapper: &'static str, text: &str) {
    o.open(wrapper, &[]);
    o.leaf("gco:CharacterString", &[], text);
    o.close();
}

/// A multilingual element: `wrapper` with a CharacterString in the main language and a
/// PT_FreeText with every language. Nothing is written for an empty text.
fn free_text(o: &mut XmlOut, wrapper: &'static str, m: &Multilingual) {
    let Some(main) = main_lang(m) else {
        return;
    };
    o.open(wrapper, &[("xsi:type", "gmd:PT_FreeText_PropertyType")]);
    o.leaf("gco:CharacterString", &[], m.get(main).unwrap_or_default());
    o.open("gmd:PT_FreeText", &[]);
    for (l, t) in m.iter() {
        o.open("gmd:textGroup", &[]);
        let loc = format!("#{}", locale_id(l));
        o.leaf("gmd:LocalisedCharacterString", &[("locale", &loc)], t);
        o.close();
    }
    o.close();
    o.close();
}

fn language_code(o: &mut XmlOut, wrapper: &'static str, l: Lang) {
    o.open(wrapper, &[]);
    o.leaf(
        "gmd:LanguageCode",
        &[("codeList", LANG_CODELIST), ("codeListValue", iso639_2(l))],
        iso639_2(l),
    );
    o.close();
}

fn utf8(o: &mut XmlOut, wrapper: &'static str) {
    o.open(wrapper, &[]);
    code(o, "gmd:MD_CharacterSetCode", "utf8");
    o.close();
}

/// `gco:Date` for a date, `gco:DateTime` for a date-time.
fn date_el(o: &mut XmlOut, wrapper: &'static str, d: &str) {
    o.open(wrapper, &[]);
    if d.len() <= 10 {
        o.leaf("gco:Date", &[], d);
    } else {
        o.leaf("gco:DateTime", &[], d.trim_end_matches('Z'));
    }
    o.close();
}

fn ci_date(o: &mut XmlOut, d: &str, kind: &str) {
    o.open("gmd:date", &[]).open("gmd:CI_Date", &[]);
    date_el(o, "gmd:date", d);
    o.open("gmd:dateType", &[]);
    code(o, "gmd:CI_DateTypeCode", kind);
    o.close().close().close();
}

/// A responsible party (organisation, email, URL) with its role.
fn party(
    o: &mut XmlOut,
    wrapper: &'static str,
    name: &Multilingual,
    email: Option<&str>,
    url: Option<&str>,
    role: &str,
) {
    o.open(wrapper, &[]).open("gmd:CI_ResponsibleParty", &[]);
    if !name.is_empty() {
        free_text(o, "gmd:organisationName", name);
    }
    if email.is_some() || url.is_some() {
        o.open("gmd:contactInfo", &[]).open("gmd:CI_Contact", &[]);
        if let Some(e) = email {
            o.open("gmd:address", &[]).open("gmd:CI_Address", &[]);
            cs(
                o,
                "gmd:electronicMailAddress",
                e.trim_start_matches("mailto:"),
            );
            o.close().close();
        }
        if let Some(u) = url {
            o.open("gmd:onlineResource", &[])
                .open("gmd:CI_OnlineResource", &[]);
            o.open("gmd:linkage", &[]).leaf("gmd:URL", &[], u).close();
            o.close().close();
        }
        o.close().close();
    }
    o.open("gmd:role", &[]);
    code(o, "gmd:CI_RoleCode", role);
    o.close();
    o.close().close();
}

/// ISO topic category for an EU data theme.
fn topic_category(theme: &str) -> Option<&'static str> {
    Some(match vocab::code(theme) {
        "AGRI" => "farming",
        "ECON" => "economy",
        "EDUC" | "SOCI" | "JUST" | "GOVE" => "society",
        "ENER" => "utilitiesCommunication",
        "ENVI" => "environment",
        "HEAL" => "health",
        "REGI" => "planningCadastre",
        "TRAN" => "transportation",
        "TECH" => "structure",
        _ => return None,
    })
}

/// Keywords of one thesaurus: `gmx:Anchor`s to the concept URIs, with the thesaurus citation.
fn anchored_keywords(
    o: &mut XmlOut,
    uris: &[String],
    thesaurus: &str,
    thesaurus_uri: &str,
    date: &str,
) {
    if uris.is_empty() {
        return;
    }
    o.open("gmd:descriptiveKeywords", &[])
        .open("gmd:MD_Keywords", &[]);
    for u in uris {
        o.open("gmd:keyword", &[]);
        o.leaf("gmx:Anchor", &[("xlink:href", u)], vocab::code(u));
        o.close();
    }
    o.open("gmd:type", &[]);
    code(o, "gmd:MD_KeywordTypeCode", "theme");
    o.close();
    o.open("gmd:thesaurusName", &[])
        .open("gmd:CI_Citation", &[]);
    o.open("gmd:title", &[]);
    o.leaf("gmx:Anchor", &[("xlink:href", thesaurus_uri)], thesaurus);
    o.close();
    ci_date(o, date, "publication");
    o.close().close();
    o.close().close();
}

/// Write the `gmd:MD_Metadata` of a record. `with_ns` declares the namespaces on the element
/// (for a standalone document or GetRecordById); inside a CSW response the envelope declares
/// them.
pub fn write(
    o: &mut XmlOut,
    base: &str,
    ds: &Dataset,
    publisher: Option<&Agent>,
    esn: ElementSet,
    with_ns: bool,
) {
    let uri = dataset_uri(base, &ds.id);
    let mut attrs: Vec<(&str, &str)> = Vec::new();
    if with_ns {
        attrs.extend_from_slice(NAMESPACES);
        attrs.push((
            "xsi:schemaLocation",
            "http://www.isotc211.org/2005/gmd http://schemas.opengis.net/iso/19139/20060504/gmd/gmd.xsd",
        ));
    }
    o.open("gmd:MD_Metadata", &attrs);
    cs(o, "gmd:fileIdentifier", &ds.id);
    let main = main_lang(&ds.title).unwrap_or(Lang::Fr);
    language_code(o, "gmd:language", main);
    utf8(o, "gmd:characterSet");
    let scope = match ds.kind {
        Kind::Dataset => "dataset",
        Kind::Series => "series",
        Kind::Service => "service",
    };
    o.open("gmd:hierarchyLevel", &[]);
    code(o, "gmd:MD_ScopeCode", scope);
    o.close();

    // Metadata contact: the publisher, else the record's contact point.
    let cp = ds.contact_point.as_ref();
    match (publisher, cp) {
        (Some(a), _) => party(
            o,
            "gmd:contact",
            &a.name,
            a.email.as_deref().or(cp.and_then(|c| c.email.as_deref())),
            a.homepage.as_deref(),
            "pointOfContact",
        ),
        (None, Some(c)) => party(
            o,
            "gmd:contact",
            &c.name,
            c.email.as_deref(),
            c.url.as_deref(),
            "pointOfContact",
        ),
        (None, None) => {
            o.empty("gmd:contact", &[("gco:nilReason", "unknown")]);
        }
    }
    let stamp = if ds.record.modified.is_empty() {
        &ds.record.issued
    } else {
        &ds.record.modified
    };
    let stamp = if stamp.is_empty() {
        "1970-01-01"
    } else {
        stamp.as_str()
    };
    date_el(o, "gmd:dateStamp", stamp);
    cs(o, "gmd:metadataStandardName", "ISO 19115:2003/19139");
    cs(o, "gmd:metadataStandardVersion", "1.0");
    cs(o, "gmd:dataSetURI", &uri);

    // Locales of every language used in the record's texts.
    let mut langs: Vec<Lang> = Vec::new();
    for m in [&ds.title, &ds.description] {
        for (l, _) in m.iter() {
            if !langs.contains(&l) {
                langs.push(l);
            }
        }
    }
    for (l, _) in ds.keywords.iter() {
        if !langs.contains(&l) {
            langs.push(l);
        }
    }
    langs.sort();
    for l in &langs {
        o.open("gmd:locale", &[]);
        o.open("gmd:PT_Locale", &[("id", locale_id(*l))]);
        language_code(o, "gmd:languageCode", *l);
        utf8(o, "gmd:characterEncoding");
        o.close().close();
    }

    if esn == ElementSet::Full {
        let crs: Vec<&String> = ds
            .conforms_to
            .iter()
            .filter(|c| c.contains("/def/crs/") || c.starts_with("urn:ogc:def:crs:"))
            .collect();
        for c in crs {
            o.open("gmd:referenceSystemInfo", &[])
                .open("gmd:MD_ReferenceSystem", &[]);
            o.open("gmd:referenceSystemIdentifier", &[])
                .open("gmd:RS_Identifier", &[]);
            o.open("gmd:code", &[]);
            let label = c
                .rsplit('/')
                .next()
                .map(|n| format!("EPSG:{n}"))
                .unwrap_or_default();
            o.leaf("gmx:Anchor", &[("xlink:href", c)], &label);
            o.close();
            o.close().close().close().close();
        }
    }

    // Identification.
    let service = ds.kind == Kind::Service;
    let ident: &'static str = if service {
        "srv:SV_ServiceIdentification"
    } else {
        "gmd:MD_DataIdentification"
    };
    o.open("gmd:identificationInfo", &[]).open(ident, &[]);
    o.open("gmd:citation", &[]).open("gmd:CI_Citation", &[]);
    free_text(o, "gmd:title", &ds.title);
    let mut dated = false;
    if let Some(d) = ds.issued.as_deref() {
        ci_date(o, d, "publication");
        dated = true;
    }
    if let Some(d) = ds.modified.as_deref() {
        ci_date(o, d, "revision");
        dated = true;
    }
    if !dated {
        ci_date(
            o,
            if ds.record.issued.is_empty() {
                stamp
            } else {
                &ds.record.issued
            },
            "publication",
        );
    }
    o.open("gmd:identifier", &[]).open("gmd:MD_Identifier", &[]);
    cs(o, "gmd:code", ds.identifier.as_deref().unwrap_or(&uri));
    o.close().close();
    o.close().close();
    if ds.description.is_empty() {
        o.empty("gmd:abstract", &[("gco:nilReason", "missing")]);
    } else {
        free_text(o, "gmd:abstract", &ds.description);
    }
    if esn != ElementSet::Brief {
        if let Some(c) = cp {
            party(
                o,
                "gmd:pointOfContact",
                &c.name,
                c.email.as_deref(),
                c.url.as_deref(),
                "pointOfContact",
            );
        }
        if let Some(a) = publisher {
            party(
                o,
                "gmd:pointOfContact",
                &a.name,
                a.email.as_deref(),
                a.homepage.as_deref(),
                "publisher",
            );
        }
        if let Some(f) = ds.frequency.as_deref() {
            let iso = match vocab::code(f) {
                "CONT" | "UPDATE_CONT" => "continual",
                "DAILY" => "daily",
                "WEEKLY" => "weekly",
                "BIWEEKLY" => "fortnightly",
                "MONTHLY" => "monthly",
                "QUARTERLY" => "quarterly",
                "BIANNUAL" => "biannually",
                "ANNUAL" => "annually",
                "IRREG" => "irregular",
                "NEVER" => "notPlanned",
                _ => "unknown",
            };
            o.open("gmd:resourceMaintenance", &[])
                .open("gmd:MD_MaintenanceInformation", &[]);
            o.open("gmd:maintenanceAndUpdateFrequency", &[]);
            code(o, "gmd:MD_MaintenanceFrequencyCode", iso);
            o.close().close().close();
        }
        // Free keywords, grouped per language so that every group is one multilingual set.
        let kws: Vec<(Lang, &str)> = ds.keywords.iter().collect();
        if !kws.is_empty() {
            o.open("gmd:descriptiveKeywords", &[])
                .open("gmd:MD_Keywords", &[]);
            for (l, k) in &kws {
                let m = Multilingual::new().with(*l, *k);
                free_text(o, "gmd:keyword", &m);
            }
            o.close().close();
        }
        let themes_date = "2015-10-01";
        anchored_keywords(
            o,
            &ds.themes,
            "Data theme (EU)",
            "http://publications.europa.eu/resource/authority/data-theme",
            themes_date,
        );
        anchored_keywords(
            o,
            &ds.hvd_categories,
            "High-value dataset categories",
            "http://data.europa.eu/bna/asd487ae75",
            "2023-01-20",
        );
        // Constraints: licence (Anchor to its URI), access rights, rights statement.
        if ds.licence.is_some() || ds.access_rights.is_some() || ds.rights.is_some() {
            o.open("gmd:resourceConstraints", &[])
                .open("gmd:MD_LegalConstraints", &[]);
            if let Some(l) = &ds.licence {
                o.open("gmd:useLimitation", &[]);
                o.leaf(
                    "gmx:Anchor",
                    &[("xlink:href", &l.uri)],
                    l.label.best(Lang::En).unwrap_or(vocab::code(&l.uri)),
                );
                o.close();
            }
            if let Some(r) = &ds.rights {
                free_text(o, "gmd:useLimitation", r);
            }
            o.open("gmd:accessConstraints", &[]);
            code(o, "gmd:MD_RestrictionCode", "otherRestrictions");
            o.close();
            if let Some(l) = &ds.licence {
                o.open("gmd:otherConstraints", &[]);
                o.leaf(
                    "gmx:Anchor",
                    &[("xlink:href", &l.uri)],
                    l.label.best(Lang::En).unwrap_or(vocab::code(&l.uri)),
                );
                o.close();
            }
            if let Some(a) = &ds.access_rights {
                o.open("gmd:otherConstraints", &[]);
                o.leaf("gmx:Anchor", &[("xlink:href", a)], vocab::code(a));
                o.close();
            }
            o.close().close();
        }
    }
    if service {
        // SV_ServiceIdentification: service type, extent, coupling, operation, served data.
        let svc = ds.service.as_ref();
        o.open("srv:serviceType", &[]);
        o.leaf("gco:LocalName", &[], "other");
        o.close();
        extent(o, ds, "srv:extent");
        let coupled = svc.is_some_and(|s| !s.serves_dataset.is_empty());
        o.open("srv:couplingType", &[]);
        o.leaf(
            "srv:SV_CouplingType",
            &[
                ("codeList", &format!("{CODELISTS}#SV_CouplingType")),
                ("codeListValue", if coupled { "tight" } else { "loose" }),
            ],
            if coupled { "tight" } else { "loose" },
        );
        o.close();
        o.open("srv:containsOperations", &[])
            .open("srv:SV_OperationMetadata", &[]);
        o.open("srv:operationName", &[])
            .leaf("gco:CharacterString", &[], "endpoint")
            .close();
        o.open("srv:DCP", &[]);
        o.leaf(
            "srv:DCPList",
            &[
                ("codeList", &format!("{CODELISTS}#DCPList")),
                ("codeListValue", "WebServices"),
            ],
            "WebServices",
        );
        o.close();
        if let Some(s) = svc {
            o.open("srv:connectPoint", &[])
                .open("gmd:CI_OnlineResource", &[]);
            o.open("gmd:linkage", &[])
                .leaf("gmd:URL", &[], &s.endpoint_url)
                .close();
            o.close().close();
        }
        o.close().close();
        if let Some(s) = svc {
            for d in &s.serves_dataset {
                let href = dataset_uri(base, d);
                o.empty("srv:operatesOn", &[("uuidref", d), ("xlink:href", &href)]);
            }
        }
    } else {
        language_code(o, "gmd:language", main);
        for l in &langs {
            if *l != main {
                language_code(o, "gmd:language", *l);
            }
        }
        utf8(o, "gmd:characterSet");
        let mut topics: Vec<&str> = ds.themes.iter().filter_map(|t| topic_category(t)).collect();
        topics.sort_unstable();
        topics.dedup();
        for t in topics {
            o.open("gmd:topicCategory", &[])
                .leaf("gmd:MD_TopicCategoryCode", &[], t)
                .close();
        }
        extent(o, ds, "gmd:extent");
    }
    o.close().close();

    if esn != ElementSet::Brief && !service && !ds.distributions.is_empty() {
        o.open("gmd:distributionInfo", &[])
            .open("gmd:MD_Distribution", &[]);
        let mut formats: Vec<&str> = ds
            .distributions
            .iter()
            .filter_map(|d| d.format.as_deref())
            .collect();
        formats.sort_unstable();
        formats.dedup();
        for f in formats {
            o.open("gmd:distributionFormat", &[])
                .open("gmd:MD_Format", &[]);
            o.open("gmd:name", &[]);
            o.leaf("gmx:Anchor", &[("xlink:href", f)], vocab::code(f));
            o.close();
            o.empty("gmd:version", &[("gco:nilReason", "inapplicable")]);
            o.close().close();
        }
        o.open("gmd:transferOptions", &[])
            .open("gmd:MD_DigitalTransferOptions", &[]);
        for d in &ds.distributions {
            let url = d.download_url.as_deref().unwrap_or(&d.access_url);
            o.open("gmd:onLine", &[]).open("gmd:CI_OnlineResource", &[]);
            o.open("gmd:linkage", &[]).leaf("gmd:URL", &[], url).close();
            let protocol = if d.download_url.is_some() {
                "WWW:DOWNLOAD-1.0-http--download"
            } else {
                "WWW:LINK-1.0-http--link"
            };
            cs(o, "gmd:protocol", protocol);
            if !d.title.is_empty() {
                free_text(o, "gmd:name", &d.title);
            } else {
                cs(o, "gmd:name", &distribution_uri(base, &ds.id, &d.id));
            }
            if !d.description.is_empty() {
                free_text(o, "gmd:description", &d.description);
            }
            o.open("gmd:function", &[]);
            code(
                o,
                "gmd:CI_OnLineFunctionCode",
                if d.download_url.is_some() {
                    "download"
                } else {
                    "information"
                },
            );
            o.close();
            o.close().close();
        }
        o.close().close();
        o.close().close();
    }
    if esn == ElementSet::Full {
        if let Some(l) = &ds.lineage {
            o.open("gmd:dataQualityInfo", &[])
                .open("gmd:DQ_DataQuality", &[]);
            o.open("gmd:scope", &[]).open("gmd:DQ_Scope", &[]);
            o.open("gmd:level", &[]);
            code(o, "gmd:MD_ScopeCode", scope);
            o.close().close().close();
            o.open("gmd:lineage", &[]).open("gmd:LI_Lineage", &[]);
            free_text(o, "gmd:statement", l);
            o.close().close();
            o.close().close();
        }
    }
    o.close();
}

/// `EX_Extent` with the bounding box and the temporal extent, if any.
fn extent(o: &mut XmlOut, ds: &Dataset, wrapper: &'static str) {
    let bbox = ds.spatial.as_ref().and_then(|s| s.bbox);
    let temporal = ds
        .temporal
        .as_ref()
        .filter(|t| t.start.is_some() || t.end.is_some());
    if bbox.is_none() && temporal.is_none() {
        return;
    }
    o.open(wrapper, &[]).open("gmd:EX_Extent", &[]);
    if let Some(b) = bbox {
        o.open("gmd:geographicElement", &[])
            .open("gmd:EX_GeographicBoundingBox", &[]);
        for (tag, v) in [
            ("gmd:westBoundLongitude", b.west),
            ("gmd:eastBoundLongitude", b.east),
            ("gmd:southBoundLatitude", b.south),
            ("gmd:northBoundLatitude", b.north),
        ] {
            o.open(tag, &[])
                .leaf("gco:Decimal", &[], &v.to_string())
                .close();
        }
        o.close().close();
    }
    if let Some(t) = temporal {
        o.open("gmd:temporalElement", &[])
            .open("gmd:EX_TemporalExtent", &[]);
        o.open("gmd:extent", &[]);
        let id = format!(
            "temporal-{}",
            ds.id.replace(
                |c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '_' && c != '.',
                "_"
            )
        );
        o.open("gml:TimePeriod", &[("gml:id", &id)]);
        match t.start.as_deref() {
            Some(s) => o.leaf("gml:beginPosition", &[], s),
            None => o.empty("gml:beginPosition", &[("indeterminatePosition", "unknown")]),
        };
        match t.end.as_deref() {
            Some(e) => o.leaf("gml:endPosition", &[], e),
            None => o.empty("gml:endPosition", &[("indeterminatePosition", "now")]),
        };
        o.close().close().close().close();
    }
    o.close().close();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Bbox, ContactPoint, Spatial, Temporal};
    use crate::publish::xml::parse;

    #[test]
    fn multilingual_free_text_with_locales() {
        let mut ds = Dataset {
            id: "urbis-addresses".into(),
            title: Multilingual::new()
                .with(Lang::Fr, "Adresses")
                .with(Lang::Nl, "Adressen")
                .with(Lang::En, "Addresses & more"),
            description: Multilingual::new().with(Lang::Nl, "Adrespunten"),
            themes: vec![format!("{}REGI", vocab::DATA_THEME)],
            spatial: Some(Spatial {
                bbox: Some(Bbox {
                    west: 4.2,
                    south: 50.7,
                    east: 4.5,
                    north: 50.9,
                }),
                places: vec![],
            }),
            temporal: Some(Temporal {
                start: Some("2014-01-01".into()),
                end: None,
            }),
            contact_point: Some(ContactPoint {
                email: Some("a@b.be".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        ds.record.modified = "2026-01-02T03:04:05Z".into();
        let mut o = XmlOut::new();
        write(&mut o, "https://x.test", &ds, None, ElementSet::Full, true);
        let x = o.finish();
        let el = parse(&x).unwrap();
        assert_eq!(el.local, "MD_Metadata");
        assert_eq!(
            el.child("fileIdentifier")
                .unwrap()
                .child("CharacterString")
                .unwrap()
                .text,
            "urbis-addresses"
        );
        let locales: Vec<&str> = el
            .children_named("locale")
            .filter_map(|l| l.child("PT_Locale")?.attr("id"))
            .collect();
        assert_eq!(locales, ["FR", "NL", "EN"]);
        assert!(x.contains(r##"<gmd:LocalisedCharacterString locale="#NL">Adressen</gmd:LocalisedCharacterString>"##), "{x}");
        assert!(x.contains("Addresses &amp; more"));
        assert!(x.contains("<gco:DateTime>2026-01-02T03:04:05</gco:DateTime>"));
        assert!(x.contains("indeterminatePosition=\"now\""));
        assert!(x.contains("planningCadastre"));
    }
}
