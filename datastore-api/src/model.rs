//! The catalogue's model, after DCAT-AP 3.0.1.
//!
//! One [`Dataset`] type carries the three DCAT resources the catalogue lists — `dcat:Dataset`,
//! `dcat:DatasetSeries` and `dcat:DataService` — told apart by [`Dataset::kind`]; the data
//! service's own properties (endpoint URL and description, served datasets) sit in
//! [`Dataset::service`]. Publishers are [`Agent`]s stored on their own and referenced by id.
//! Every human-readable text is [`Multilingual`]: a map from one of the catalogue's languages
//! (fr, nl, en, de) to the text, so that no literal is ever published untagged.
//!
//! Controlled values are kept as the EU vocabulary URIs (data themes, file types, frequencies,
//! languages, access rights); [`Dataset::validate`] checks them and returns every field error at
//! once (the admin API answers 422 with that list).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// EU authority tables (publications office) used by the model.
pub mod vocab {
    pub const DATA_THEME: &str = "http://publications.europa.eu/resource/authority/data-theme/";
    pub const FILE_TYPE: &str = "http://publications.europa.eu/resource/authority/file-type/";
    pub const FREQUENCY: &str = "http://publications.europa.eu/resource/authority/frequency/";
    pub const LANGUAGE: &str = "http://publications.europa.eu/resource/authority/language/";
    pub const ACCESS_RIGHT: &str = "http://publications.europa.eu/resource/authority/access-right/";
    pub const LICENCE: &str = "http://publications.europa.eu/resource/authority/licence/";
    pub const COUNTRY: &str = "http://publications.europa.eu/resource/authority/country/";
    pub const PLACE: &str = "http://publications.europa.eu/resource/authority/place/";
    pub const ATU: &str = "http://publications.europa.eu/resource/authority/atu/";
    pub const PUBLISHER_TYPE: &str = "http://purl.org/adms/publishertype/";
    /// High-value datasets: the categories' vocabulary.
    pub const HVD_CATEGORY: &str = "http://data.europa.eu/bna/";
    /// High-value datasets: the implementing regulation, the `applicableLegislation` value.
    pub const HVD_LEGISLATION: &str = "http://data.europa.eu/eli/reg_impl/2023/138/oj";
    /// The HVD category "Geospatial".
    pub const HVD_GEOSPATIAL: &str = "http://data.europa.eu/bna/c_ac64a52d";
    /// IANA media types.
    pub const MEDIA_TYPE: &str = "http://www.iana.org/assignments/media-types/";

    /// `<prefix><code>` for a vocabulary.
    pub fn uri(prefix: &str, code: &str) -> String {
        format!("{prefix}{code}")
    }

    /// The code of a vocabulary URI (`.../data-theme/REGI` → `REGI`).
    pub fn code(uri: &str) -> &str {
        uri.rsplit(['/', '#']).next().unwrap_or(uri)
    }
}

/// A language of the catalogue's texts.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Fr,
    Nl,
    En,
    De,
}

impl Lang {
    pub const ALL: [Lang; 4] = [Lang::Fr, Lang::Nl, Lang::En, Lang::De];

    /// The BCP 47 tag (`fr`).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::Nl => "nl",
            Lang::En => "en",
            Lang::De => "de",
        }
    }

    /// The EU language vocabulary URI (`.../language/FRA`).
    pub fn eu_uri(self) -> String {
        vocab::uri(
            vocab::LANGUAGE,
            match self {
                Lang::Fr => "FRA",
                Lang::Nl => "NLD",
                Lang::En => "ENG",
                Lang::De => "DEU",
            },
        )
    }

    /// A tag as found in metadata: `fr`, `FR`, `fre`, `fra`, `fr-BE`, `nl-BE`, `dut`, `nld`…
    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        let primary = s.split(['-', '_']).next().unwrap_or("");
        match primary {
            "fr" | "fre" | "fra" => Some(Lang::Fr),
            "nl" | "dut" | "nld" => Some(Lang::Nl),
            "en" | "eng" => Some(Lang::En),
            "de" | "ger" | "deu" => Some(Lang::De),
            _ => None,
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

/// A text in one or more of the catalogue's languages: `{"fr": "…", "nl": "…"}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = BTreeMap<String, String>, example = json!({"fr": "Adresses", "nl": "Adressen"}))]
pub struct Multilingual(pub BTreeMap<Lang, String>);

/// The same map for a language-tagged string; the two names are one type.
pub type LangString = Multilingual;

impl Multilingual {
    pub fn new() -> Self {
        Multilingual(BTreeMap::new())
    }

    /// Build from `(lang, text)` pairs; empty texts are dropped.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (Lang, &'a str)>) -> Self {
        let mut m = Multilingual::new();
        for (l, t) in pairs {
            m.set(l, t);
        }
        m
    }

    pub fn with(mut self, lang: Lang, text: impl Into<String>) -> Self {
        self.set(lang, text);
        self
    }

    /// Set the text of a language (trimmed; an empty text removes it).
    pub fn set(&mut self, lang: Lang, text: impl Into<String>) {
        let t: String = text.into();
        let t = t.trim();
        if t.is_empty() {
            self.0.remove(&lang);
        } else {
            self.0.insert(lang, t.to_string());
        }
    }

    pub fn get(&self, lang: Lang) -> Option<&str> {
        self.0.get(&lang).map(String::as_str)
    }

    /// The text in `lang`, else in fr, nl, en, de order.
    pub fn best(&self, lang: Lang) -> Option<&str> {
        self.get(lang)
            .or_else(|| Lang::ALL.iter().find_map(|l| self.get(*l)))
    }

    pub fn is_empty(&self) -> bool {
        self.0.values().all(|v| v.trim().is_empty())
    }

    pub fn iter(&self) -> impl Iterator<Item = (Lang, &str)> {
        self.0.iter().map(|(l, t)| (*l, t.as_str()))
    }
}

/// Keywords per language: `{"fr": ["adresse"], "nl": ["adres"]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = BTreeMap<String, Vec<String>>, example = json!({"fr": ["adresse"], "nl": ["adres"]}))]
pub struct Keywords(pub BTreeMap<Lang, Vec<String>>);

impl Keywords {
    pub fn add(&mut self, lang: Lang, kw: impl Into<String>) {
        let kw: String = kw.into();
        let kw = kw.trim();
        if kw.is_empty() {
            return;
        }
        let list = self.0.entry(lang).or_default();
        if !list.iter().any(|k| k == kw) {
            list.push(kw.to_string());
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (Lang, &str)> {
        self.0
            .iter()
            .flat_map(|(l, ks)| ks.iter().map(move |k| (*l, k.as_str())))
    }

    pub fn is_empty(&self) -> bool {
        self.0.values().all(Vec::is_empty)
    }

    pub fn len(&self) -> usize {
        self.0.values().map(Vec::len).sum()
    }
}

/// The three kinds of catalogue resources.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    Serialize,
    Deserialize,
    ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// `dcat:Dataset`
    #[default]
    Dataset,
    /// `dcat:DatasetSeries`
    Series,
    /// `dcat:DataService`
    Service,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Dataset => "dataset",
            Kind::Series => "series",
            Kind::Service => "service",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "dataset" => Some(Kind::Dataset),
            "series" => Some(Kind::Series),
            "service" => Some(Kind::Service),
            _ => None,
        }
    }

    /// The DCAT class URI.
    pub fn dcat_class(self) -> &'static str {
        match self {
            Kind::Dataset => "http://www.w3.org/ns/dcat#Dataset",
            Kind::Series => "http://www.w3.org/ns/dcat#DatasetSeries",
            Kind::Service => "http://www.w3.org/ns/dcat#DataService",
        }
    }
}

/// A `foaf:Agent` (publisher, creator).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Agent {
    /// Stable id used in URLs (`<base>/publishers/{id}`).
    pub id: String,
    /// `foaf:name`, mandatory.
    pub name: Multilingual,
    /// An external identifier URI of the organisation (e.g. its EU corporate-body URI), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// `dct:type` from the ADMS publisher-type vocabulary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub homepage: Option<String>,
    /// Where the record came from when harvested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
}

/// A `vcard:Kind` contact point.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactPoint {
    /// `vcard:fn`
    #[serde(rename = "fn", default)]
    pub name: Multilingual,
    /// `vcard:hasEmail` as a plain address; [`ContactPoint::mailto`] gives the `mailto:` URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `vcard:hasURL`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl ContactPoint {
    /// The `mailto:` URI of the email address.
    pub fn mailto(&self) -> Option<String> {
        self.email.as_deref().map(|e| {
            let e = e.trim();
            let e = e.strip_prefix("mailto:").unwrap_or(e);
            format!("mailto:{e}")
        })
    }
}

/// A licence document: URI (preferably from the EU licence vocabulary) and label.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Licence {
    pub uri: String,
    #[serde(default)]
    pub label: Multilingual,
}

/// A bounding box in WGS84 degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Bbox {
    pub west: f64,
    pub south: f64,
    pub east: f64,
    pub north: f64,
}

impl Bbox {
    pub fn intersects(&self, o: &Bbox) -> bool {
        self.west <= o.east && o.west <= self.east && self.south <= o.north && o.south <= self.north
    }

    /// WKT polygon (lon lat), as `locn:geometry`/`dcat:bbox` literals use.
    pub fn wkt(&self) -> String {
        let (w, s, e, n) = (self.west, self.south, self.east, self.north);
        format!("POLYGON(({w} {s},{e} {s},{e} {n},{w} {n},{w} {s}))")
    }
}

/// `dct:spatial`: a bounding box and/or named places (URIs of a gazetteer).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Spatial {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bbox: Option<Bbox>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub places: Vec<String>,
}

/// `dct:temporal`: start and/or end (ISO 8601 dates `YYYY-MM-DD` or date-times).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Temporal {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
}

/// A `dcat:Distribution`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Distribution {
    /// Stable within the dataset (URI `<base>/datasets/{id}/distributions/{distribution}`).
    pub id: String,
    #[serde(default)]
    pub title: Multilingual,
    #[serde(default)]
    pub description: Multilingual,
    /// `dcat:accessURL`, mandatory.
    pub access_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub download_url: Option<String>,
    /// `dct:format`: EU file-type URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// `dcat:mediaType`: IANA media type (`application/geo+json`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licence: Option<Licence>,
    /// `dct:rights`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rights: Option<Multilingual>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byte_size: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conforms_to: Vec<String>,
    /// `dcat:accessService`: id of a data service of this catalogue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
}

/// The data-service-only properties of a `dcat:DataService`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceInfo {
    /// `dcat:endpointURL`, mandatory.
    pub endpoint_url: String,
    /// `dcat:endpointDescription` (capabilities document, OpenAPI…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_description: Option<String>,
    /// `dcat:servesDataset`: ids of datasets of this catalogue.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub serves_dataset: Vec<String>,
}

/// Where a harvested record came from: the harvester updates and deletes by it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// Id of the harvest source.
    pub source_id: String,
    /// The record's identifier at the source (fileIdentifier, dataset URI, CKAN id…).
    pub original_id: String,
    /// SHA-256 of the original document, to skip unchanged records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
    /// The dataset's URI at the source, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset_uri: Option<String>,
    /// When it was last harvested (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub harvested_at: Option<String>,
}

/// Who owns a record.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    Serialize,
    Deserialize,
    ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// Created through the admin API.
    #[default]
    Local,
    /// Written by the harvester; carries a [`Provenance`].
    Harvested,
    /// The server's own UrbIS layers, kept in step with imports.
    System,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Local => "local",
            Origin::Harvested => "harvested",
            Origin::System => "system",
        }
    }

    pub fn parse(s: &str) -> Option<Origin> {
        match s {
            "local" => Some(Origin::Local),
            "harvested" => Some(Origin::Harvested),
            "system" => Some(Origin::System),
            _ => None,
        }
    }
}

/// The `dcat:CatalogRecord` of a resource: dates and state in this catalogue.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogRecord {
    /// When the record entered the catalogue (RFC 3339); set by the store.
    #[serde(default)]
    pub issued: String,
    /// Last change of the record (RFC 3339); set by the store.
    #[serde(default)]
    pub modified: String,
    #[serde(default)]
    pub origin: Origin,
    /// Only published, non-archived records are visible in the public APIs.
    #[serde(default)]
    pub published: bool,
    /// Set when the harvester no longer found the record at its source (grace period before
    /// deletion); archived records are hidden from the public APIs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
    /// Language(s) of the metadata (EU language URIs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<String>,
}

/// A catalogue resource: `dcat:Dataset`, `dcat:DatasetSeries` or `dcat:DataService`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Dataset {
    /// Stable id used in URLs: `[a-z0-9][a-z0-9._-]*`, at most 128 characters. The dataset URI
    /// and landing page are `<base>/datasets/{id}`.
    pub id: String,
    #[serde(default, rename = "type")]
    pub kind: Kind,
    pub title: Multilingual,
    pub description: Multilingual,
    /// `dct:identifier` (defaults to the URI when publishing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// Id of an [`Agent`] of this catalogue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_point: Option<ContactPoint>,
    #[serde(default, skip_serializing_if = "Keywords::is_empty")]
    pub keywords: Keywords,
    /// EU data-theme URIs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub themes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spatial: Option<Spatial>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temporal: Option<Temporal>,
    /// `dct:accrualPeriodicity`: EU frequency URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency: Option<String>,
    /// `dct:language`: EU language URIs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licence: Option<Licence>,
    /// `dct:rights`: a rights statement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rights: Option<Multilingual>,
    /// `dct:accessRights`: EU access-right URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_rights: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conforms_to: Vec<String>,
    /// `dcatap:hvdCategory` URIs (`http://data.europa.eu/bna/c_…`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hvd_categories: Vec<String>,
    /// `dcatap:applicableLegislation` (ELI URIs); the HVD regulation for HVD datasets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub applicable_legislation: Vec<String>,
    /// `dct:issued` of the resource itself (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued: Option<String>,
    /// `dct:modified` of the resource itself (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    /// `dcat:landingPage`, when it is not this catalogue's page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub landing_page: Option<String>,
    /// `dct:provenance`: lineage statement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lineage: Option<Multilingual>,
    /// `dcat:inSeries`: ids of dataset series of this catalogue.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub in_series: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub distributions: Vec<Distribution>,
    /// Present for data services.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<ServiceInfo>,
    #[serde(default)]
    pub record: CatalogRecord,
}

/// The `dcat:Catalog` itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Catalogue {
    pub title: Multilingual,
    pub description: Multilingual,
    /// Id of the publishing [`Agent`].
    pub publisher: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub homepage: Option<String>,
    pub languages: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licence: Option<Licence>,
    /// EU data-theme scheme.
    pub themes_taxonomy: String,
    /// `dct:spatial`: the Brussels-Capital Region.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spatial: Vec<String>,
    pub issued: String,
}

impl Catalogue {
    /// The datastore.brussels catalogue, as this server publishes it.
    pub fn brussels() -> Catalogue {
        Catalogue {
            title: Multilingual::from_pairs([
                (Lang::Fr, "Catalogue de données ouvertes de la Région de Bruxelles-Capitale"),
                (Lang::Nl, "Open datacatalogus van het Brussels Hoofdstedelijk Gewest"),
                (Lang::En, "Open data catalogue of the Brussels-Capital Region"),
            ]),
            description: Multilingual::from_pairs([
                (
                    Lang::Fr,
                    "Point d'entrée unique pour consulter, visualiser et télécharger les données ouvertes de la Région de Bruxelles-Capitale, dont les données de référence UrbIS.",
                ),
                (
                    Lang::Nl,
                    "Centraal toegangspunt om de open data van het Brussels Hoofdstedelijk Gewest te raadplegen, te visualiseren en te downloaden, waaronder de UrbIS-referentiegegevens.",
                ),
                (
                    Lang::En,
                    "Single entry point to consult, visualise and download the open data of the Brussels-Capital Region, including the UrbIS reference data.",
                ),
            ]),
            publisher: crate::urbis_datasets::PUBLISHER_ID.to_string(),
            homepage: Some("https://datastore.brussels".into()),
            languages: vec![Lang::Fr.eu_uri(), Lang::Nl.eu_uri(), Lang::En.eu_uri()],
            licence: Some(Licence {
                uri: "http://publications.europa.eu/resource/authority/licence/CC0".into(),
                label: Multilingual::from_pairs([(Lang::En, "Creative Commons CC0")]),
            }),
            themes_taxonomy: "http://publications.europa.eu/resource/authority/data-theme".into(),
            spatial: vec![vocab::uri(vocab::ATU, "BEL_REG_BRU")],
            issued: "2014-01-01".into(),
        }
    }
}

/// One invalid field: the JSON path and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Collects field errors.
#[derive(Default)]
struct Checker {
    errors: Vec<FieldError>,
}

const MAX_TITLE: usize = 1_000;
const MAX_TEXT: usize = 20_000;
const MAX_URI: usize = 2_000;
const MAX_LIST: usize = 500;

impl Checker {
    fn err(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    fn text(&mut self, field: &str, t: &Multilingual, required: bool, max: usize) {
        if required && t.is_empty() {
            self.err(field, "required: a text in at least one of fr, nl, en, de");
        }
        for (l, s) in t.iter() {
            if s.chars().count() > max {
                self.err(
                    format!("{field}.{l}"),
                    format!("longer than {max} characters"),
                );
            }
        }
    }

    fn uri(&mut self, field: &str, u: &str) {
        if !is_uri(u) {
            self.err(
                field,
                format!("`{}` is not an absolute http(s) URI", clip(u)),
            );
        }
    }

    fn vocab(&mut self, field: &str, u: &str, prefix: &str) {
        if !u.starts_with(prefix) || u.len() == prefix.len() || !is_uri(u) {
            self.err(
                field,
                format!("`{}` is not a URI of the vocabulary {prefix}", clip(u)),
            );
        }
    }

    fn date(&mut self, field: &str, d: &str) {
        if parse_date(d).is_none() {
            self.err(
                field,
                format!(
                    "`{}` is not an ISO 8601 date (YYYY-MM-DD) or date-time",
                    clip(d)
                ),
            );
        }
    }

    fn list_len<T>(&mut self, field: &str, v: &[T]) {
        if v.len() > MAX_LIST {
            self.err(field, format!("more than {MAX_LIST} values"));
        }
    }

    fn licence(&mut self, field: &str, l: &Licence) {
        self.uri(&format!("{field}.uri"), &l.uri);
        self.text(&format!("{field}.label"), &l.label, false, MAX_TITLE);
    }
}

fn clip(s: &str) -> String {
    s.chars().take(60).collect()
}

/// An absolute `http`/`https` URI without spaces.
pub fn is_uri(u: &str) -> bool {
    let rest = u
        .strip_prefix("https://")
        .or_else(|| u.strip_prefix("http://"));
    match rest {
        Some(r) => {
            !r.is_empty()
                && u.len() <= MAX_URI
                && !u.chars().any(|c| {
                    c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>'
                })
        }
        None => false,
    }
}

/// A plausible email address (`local@domain.tld`), with or without `mailto:`.
pub fn is_email(e: &str) -> bool {
    let e = e.strip_prefix("mailto:").unwrap_or(e);
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && e.len() <= 254
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !e
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>\"(),;:[]\\".contains(c))
}

/// A valid record id: `[a-z0-9][a-z0-9._-]*`, at most 128 characters.
pub fn is_id(id: &str) -> bool {
    let b = id.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || b"._-".contains(c))
}

/// Parse an ISO 8601 date or date-time to its date (`2024-05-01`, `2024-05-01T10:00:00Z`).
pub fn parse_date(s: &str) -> Option<time::Date> {
    let s = s.trim();
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    if s.len() == 10 {
        return time::Date::parse(s, &fmt).ok();
    }
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.date())
        .or_else(|| {
            time::Date::parse(s.get(..10)?, &fmt)
                .ok()
                .filter(|_| s.as_bytes().get(10) == Some(&b'T'))
        })
}

impl Agent {
    /// Every field error; empty when the agent is valid.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut c = Checker::default();
        if !is_id(&self.id) {
            c.err(
                "id",
                "must match [a-z0-9][a-z0-9._-]* (at most 128 characters)",
            );
        }
        c.text("name", &self.name, true, MAX_TITLE);
        if let Some(u) = &self.uri {
            c.uri("uri", u);
        }
        if let Some(t) = &self.agent_type {
            c.vocab("agent_type", t, vocab::PUBLISHER_TYPE);
        }
        if let Some(e) = &self.email {
            if !is_email(e) {
                c.err("email", format!("`{}` is not an email address", clip(e)));
            }
        }
        if let Some(h) = &self.homepage {
            c.uri("homepage", h);
        }
        c.errors
    }
}

impl Dataset {
    /// Every field error; empty when the record is valid. The record's catalogue dates and
    /// state are set by the store and not checked here.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut c = Checker::default();
        if !is_id(&self.id) {
            c.err(
                "id",
                "must match [a-z0-9][a-z0-9._-]* (at most 128 characters)",
            );
        }
        c.text("title", &self.title, true, MAX_TITLE);
        c.text("description", &self.description, true, MAX_TEXT);
        if let Some(p) = &self.publisher {
            if !is_id(p) {
                c.err("publisher", "not a publisher id");
            }
        }
        if let Some(cp) = &self.contact_point {
            c.text("contact_point.fn", &cp.name, false, MAX_TITLE);
            if cp.email.is_none() && cp.url.is_none() {
                c.err("contact_point", "needs an email or a url");
            }
            if let Some(e) = &cp.email {
                if !is_email(e) {
                    c.err(
                        "contact_point.email",
                        format!("`{}` is not an email address", clip(e)),
                    );
                }
            }
            if let Some(u) = &cp.url {
                c.uri("contact_point.url", u);
            }
        }
        if self.keywords.len() > MAX_LIST {
            c.err("keywords", format!("more than {MAX_LIST} keywords"));
        }
        for (l, k) in self.keywords.iter() {
            if k.chars().count() > 200 {
                c.err(
                    format!("keywords.{l}"),
                    "a keyword is longer than 200 characters",
                );
            }
        }
        c.list_len("themes", &self.themes);
        for (i, t) in self.themes.iter().enumerate() {
            c.vocab(&format!("themes[{i}]"), t, vocab::DATA_THEME);
        }
        if let Some(s) = &self.spatial {
            if let Some(b) = &s.bbox {
                let ok = [b.west, b.south, b.east, b.north]
                    .iter()
                    .all(|v| v.is_finite())
                    && (-180.0..=180.0).contains(&b.west)
                    && (-180.0..=180.0).contains(&b.east)
                    && (-90.0..=90.0).contains(&b.south)
                    && (-90.0..=90.0).contains(&b.north)
                    && b.west <= b.east
                    && b.south <= b.north;
                if !ok {
                    c.err(
                        "spatial.bbox",
                        "must be WGS84 degrees with west ≤ east within -180..180 and south ≤ north within -90..90",
                    );
                }
            }
            c.list_len("spatial.places", &s.places);
            for (i, p) in s.places.iter().enumerate() {
                c.uri(&format!("spatial.places[{i}]"), p);
            }
        }
        if let Some(t) = &self.temporal {
            if t.start.is_none() && t.end.is_none() {
                c.err("temporal", "needs a start or an end");
            }
            if let Some(s) = &t.start {
                c.date("temporal.start", s);
            }
            if let Some(e) = &t.end {
                c.date("temporal.end", e);
            }
            if let (Some(s), Some(e)) = (
                t.start.as_deref().and_then(parse_date),
                t.end.as_deref().and_then(parse_date),
            ) {
                if s > e {
                    c.err("temporal", "start is after end");
                }
            }
        }
        if let Some(f) = &self.frequency {
            c.vocab("frequency", f, vocab::FREQUENCY);
        }
        c.list_len("languages", &self.languages);
        for (i, l) in self.languages.iter().enumerate() {
            c.vocab(&format!("languages[{i}]"), l, vocab::LANGUAGE);
        }
        if let Some(l) = &self.licence {
            c.licence("licence", l);
        }
        if let Some(r) = &self.rights {
            c.text("rights", r, false, MAX_TEXT);
        }
        if let Some(a) = &self.access_rights {
            c.vocab("access_rights", a, vocab::ACCESS_RIGHT);
        }
        c.list_len("conforms_to", &self.conforms_to);
        for (i, u) in self.conforms_to.iter().enumerate() {
            c.uri(&format!("conforms_to[{i}]"), u);
        }
        for (i, h) in self.hvd_categories.iter().enumerate() {
            c.vocab(&format!("hvd_categories[{i}]"), h, vocab::HVD_CATEGORY);
        }
        for (i, u) in self.applicable_legislation.iter().enumerate() {
            c.uri(&format!("applicable_legislation[{i}]"), u);
        }
        if !self.hvd_categories.is_empty()
            && !self
                .applicable_legislation
                .iter()
                .any(|l| l == vocab::HVD_LEGISLATION)
        {
            c.err(
                "applicable_legislation",
                format!("a high-value dataset must name {}", vocab::HVD_LEGISLATION),
            );
        }
        if let Some(d) = &self.issued {
            c.date("issued", d);
        }
        if let Some(d) = &self.modified {
            c.date("modified", d);
        }
        if let Some(u) = &self.landing_page {
            c.uri("landing_page", u);
        }
        if let Some(l) = &self.lineage {
            c.text("lineage", l, false, MAX_TEXT);
        }
        for (i, s) in self.in_series.iter().enumerate() {
            if !is_id(s) {
                c.err(format!("in_series[{i}]"), "not a record id");
            }
        }
        c.list_len("distributions", &self.distributions);
        let mut seen = std::collections::BTreeSet::new();
        for (i, d) in self.distributions.iter().enumerate() {
            let f = format!("distributions[{i}]");
            if !is_id(&d.id) {
                c.err(format!("{f}.id"), "must match [a-z0-9][a-z0-9._-]*");
            } else if !seen.insert(d.id.as_str()) {
                c.err(format!("{f}.id"), format!("`{}` is repeated", d.id));
            }
            c.text(&format!("{f}.title"), &d.title, false, MAX_TITLE);
            c.text(&format!("{f}.description"), &d.description, false, MAX_TEXT);
            c.uri(&format!("{f}.access_url"), &d.access_url);
            if let Some(u) = &d.download_url {
                c.uri(&format!("{f}.download_url"), u);
            }
            if let Some(u) = &d.format {
                c.vocab(&format!("{f}.format"), u, vocab::FILE_TYPE);
            }
            if let Some(m) = &d.media_type {
                let ok = m.split_once('/').is_some_and(|(a, b)| {
                    !a.is_empty()
                        && !b.is_empty()
                        && m.len() <= 255
                        && m.chars().all(|c| c.is_ascii_graphic())
                });
                if !ok {
                    c.err(
                        format!("{f}.media_type"),
                        format!("`{}` is not a media type", clip(m)),
                    );
                }
            }
            if let Some(l) = &d.licence {
                c.licence(&format!("{f}.licence"), l);
            }
            if let Some(r) = &d.rights {
                c.text(&format!("{f}.rights"), r, false, MAX_TEXT);
            }
            for (j, u) in d.conforms_to.iter().enumerate() {
                c.uri(&format!("{f}.conforms_to[{j}]"), u);
            }
            if let Some(s) = &d.access_service {
                if !is_id(s) {
                    c.err(format!("{f}.access_service"), "not a record id");
                }
            }
            if let Some(x) = &d.issued {
                c.date(&format!("{f}.issued"), x);
            }
            if let Some(x) = &d.modified {
                c.date(&format!("{f}.modified"), x);
            }
        }
        match (self.kind, &self.service) {
            (Kind::Service, None) => c.err("service", "a data service needs service.endpoint_url"),
            (Kind::Service, Some(s)) => {
                c.uri("service.endpoint_url", &s.endpoint_url);
                if let Some(u) = &s.endpoint_description {
                    c.uri("service.endpoint_description", u);
                }
                for (i, d) in s.serves_dataset.iter().enumerate() {
                    if !is_id(d) {
                        c.err(format!("service.serves_dataset[{i}]"), "not a record id");
                    }
                }
            }
            (_, Some(_)) => c.err("service", "only data services (type service) have one"),
            _ => {}
        }
        c.errors
    }

    /// The keywords of every language, flattened.
    pub fn all_keywords(&self) -> impl Iterator<Item = &str> {
        self.keywords.iter().map(|(_, k)| k)
    }

    /// Visible in the public APIs: published and not archived.
    pub fn is_public(&self) -> bool {
        self.record.published && self.record.archived_at.is_none()
    }

    /// EU file-type URIs of the distributions, without repeats.
    pub fn formats(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .distributions
            .iter()
            .filter_map(|d| d.format.as_deref())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minimal() -> Dataset {
        Dataset {
            id: "test-1".into(),
            title: Multilingual::new().with(Lang::Fr, "Adresses"),
            description: Multilingual::new().with(Lang::Nl, "Adressen"),
            ..Default::default()
        }
    }

    #[test]
    fn multilingual_json_is_language_tagged() {
        let m =
            Multilingual::from_pairs([(Lang::Fr, "Rues"), (Lang::Nl, "Straten"), (Lang::En, " ")]);
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"fr":"Rues","nl":"Straten"}"#
        );
        let back: Multilingual =
            serde_json::from_str(r#"{"de":"Straßen","en":"Streets"}"#).unwrap();
        assert_eq!(back.best(Lang::Fr), Some("Streets"));
        assert!(serde_json::from_str::<Multilingual>(r#"{"xx":"?"}"#).is_err());
        assert!(serde_json::from_str::<Multilingual>(r#""untagged""#).is_err());
    }

    #[test]
    fn lang_tags_from_metadata() {
        assert_eq!(Lang::parse("fre"), Some(Lang::Fr));
        assert_eq!(Lang::parse("nl-BE"), Some(Lang::Nl));
        assert_eq!(Lang::parse("ENG"), Some(Lang::En));
        assert_eq!(Lang::parse("it"), None);
        assert_eq!(
            Lang::Nl.eu_uri(),
            "http://publications.europa.eu/resource/authority/language/NLD"
        );
    }

    #[test]
    fn minimal_dataset_is_valid_and_round_trips() {
        let d = minimal();
        assert!(d.validate().is_empty(), "{:?}", d.validate());
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(json["type"], "dataset");
        let back: Dataset = serde_json::from_value(json).unwrap();
        assert_eq!(back, d);
    }

    #[test]
    fn validation_lists_every_field() {
        let mut d = minimal();
        d.id = "Bad Id".into();
        d.title = Multilingual::new();
        d.themes = vec!["http://example.org/theme".into()];
        d.contact_point = Some(ContactPoint {
            email: Some("not-an-email".into()),
            ..Default::default()
        });
        d.temporal = Some(Temporal {
            start: Some("2024-02-30".into()),
            end: Some("2020-01-01".into()),
        });
        d.spatial = Some(Spatial {
            bbox: Some(Bbox {
                west: 5.0,
                south: 50.0,
                east: 4.0,
                north: 51.0,
            }),
            places: vec![],
        });
        d.hvd_categories = vec![vocab::HVD_GEOSPATIAL.into()];
        d.distributions = vec![Distribution {
            id: "d".into(),
            access_url: "ftp://x".into(),
            format: Some("CSV".into()),
            ..Default::default()
        }];
        let fields: Vec<String> = d.validate().into_iter().map(|e| e.field).collect();
        for f in [
            "id",
            "title",
            "themes[0]",
            "contact_point.email",
            "temporal.start",
            "spatial.bbox",
            "applicable_legislation",
            "distributions[0].access_url",
            "distributions[0].format",
        ] {
            assert!(fields.iter().any(|x| x == f), "{f} missing in {fields:?}");
        }
    }

    #[test]
    fn services_need_an_endpoint() {
        let mut d = minimal();
        d.kind = Kind::Service;
        assert!(d.validate().iter().any(|e| e.field == "service"));
        d.service = Some(ServiceInfo {
            endpoint_url: "https://example.org/ogc".into(),
            ..Default::default()
        });
        assert!(d.validate().is_empty());
    }

    #[test]
    fn dates_emails_and_uris() {
        assert!(parse_date("2024-05-01").is_some());
        assert!(parse_date("2024-05-01T10:00:00Z").is_some());
        assert!(parse_date("2024-13-01").is_none());
        assert!(parse_date("01/05/2024").is_none());
        assert!(is_email("info@cirb.brussels"));
        assert!(is_email("mailto:info@cirb.brussels"));
        assert!(!is_email("info at cirb"));
        assert!(is_uri("https://datastore.brussels/x"));
        assert!(!is_uri("https://"));
        assert!(!is_uri("javascript:alert(1)"));
        let cp = ContactPoint {
            email: Some("info@cirb.brussels".into()),
            ..Default::default()
        };
        assert_eq!(cp.mailto().as_deref(), Some("mailto:info@cirb.brussels"));
    }
}
