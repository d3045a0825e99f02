//! Mapping of harvested documents to the catalogue's model ([`Dataset`]).
//!
//! Each parser turns a document into [`Mapped`] records (or per-record failures) and lists what
//! it could not map in [`Mapped::unmapped`]. The helpers here normalise the controlled values
//! every format shares: licences, file types, frequencies, themes, languages and record ids.

pub mod ckan;
pub mod iso;
pub mod iso3;
pub mod rdf;
pub mod records;

#[cfg(test)]
pub(crate) mod testdata;

use datastore_api::model::{vocab, Dataset, Lang, Licence, Multilingual};
use sha2::{Digest, Sha256};

/// Bumped when a mapping changes, so that every record is rewritten once (the content hash
/// covers it).
pub const MAPPING_VERSION: &str = "harvester-mapping-2";

/// One record mapped from a source document.
#[derive(Debug, Clone)]
pub struct Mapped {
    /// The identifier at the source (fileIdentifier, dataset URI, CKAN id, record id).
    pub original_id: String,
    /// The dataset's own URI or identifier, used to recognise a dataset whose record id
    /// changed or that arrives through two sources.
    pub dataset_uri: Option<String>,
    /// The mapped dataset; `id`, `publisher` and `record` are set by the job.
    pub dataset: Dataset,
    /// What could not be mapped, in words.
    pub unmapped: Vec<String>,
}

/// A record of a document that could not be mapped.
#[derive(Debug, Clone)]
pub struct Failed {
    pub original_id: Option<String>,
    pub reason: String,
}

/// What a parser returns for one document.
#[derive(Debug, Default)]
pub struct Parsed {
    pub records: Vec<Mapped>,
    pub failed: Vec<Failed>,
}

impl Mapped {
    /// SHA-256 of the mapping version and the mapped dataset (without catalogue fields):
    /// equal hashes mean nothing to write.
    pub fn checksum(&self) -> String {
        let mut d = self.dataset.clone();
        d.id = String::new();
        d.record = Default::default();
        let json = serde_json::to_vec(&d).unwrap_or_default();
        let mut h = Sha256::new();
        h.update(MAPPING_VERSION.as_bytes());
        h.update([0]);
        h.update(self.dataset_uri.as_deref().unwrap_or("").as_bytes());
        h.update([0]);
        h.update(&json);
        hex::encode(h.finalize())
    }
}

/// A catalogue id for a harvested record: `<source>-<slug of the original id>`, with a hash
/// suffix when the slug had to be shortened or changed.
pub fn record_id(source: &str, original_id: &str) -> String {
    let slug = slug(original_id);
    let src = slug_part(source, 32);
    let base = format!("{src}-{slug}");
    if base.len() <= 100 && slug == original_id.to_ascii_lowercase() {
        return base;
    }
    let mut h = Sha256::new();
    h.update(original_id.as_bytes());
    let hash = hex::encode(h.finalize());
    let short: String = base.chars().take(100).collect();
    format!(
        "{}-{}",
        short.trim_end_matches(['-', '.', '_']),
        &hash[..10]
    )
}

fn slug(s: &str) -> String {
    slug_part(s, 200)
}

fn slug_part(s: &str, max: usize) -> String {
    let mut out = String::new();
    for c in s.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= max {
            break;
        }
    }
    let t = out.trim_matches(['-', '.', '_']).to_string();
    if t.is_empty() {
        "x".into()
    } else {
        t
    }
}

/// The EU licence URI (or the Brussels open data licence) a text names, if any.
pub fn licence_from_text(text: &str) -> Option<Licence> {
    let t = text.to_ascii_lowercase();
    let eu = |code: &str, label: &str| {
        Some(Licence {
            uri: vocab::uri(vocab::LICENCE, code),
            label: Multilingual::new().with(Lang::En, label),
        })
    };
    if t.contains(vocab::LICENCE) {
        let start = t.find(vocab::LICENCE)?;
        let code: String = text[start + vocab::LICENCE.len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        if !code.is_empty() {
            return Some(Licence {
                uri: vocab::uri(vocab::LICENCE, &code),
                label: Multilingual::new(),
            });
        }
    }
    if t.contains("licence-urbis-open-data") || t.contains("open data licentie brussel") {
        return Some(Licence {
            uri: BRUSSELS_LICENCE.into(),
            label: Multilingual::from_pairs([
                (Lang::Fr, "Licence Open Data Bruxelles"),
                (Lang::Nl, "Open Data Licentie Brussel"),
            ]),
        });
    }
    if t.contains("creativecommons.org/publicdomain/zero")
        || t.contains("cc0")
        || t.contains("cc-zero")
    {
        return eu("CC0", "Creative Commons CC0 1.0");
    }
    if t.contains("odbl") || t.contains("opendatacommons.org/licenses/odbl") {
        return eu("ODC_ODBL", "Open Data Commons Open Database License (ODbL)");
    }
    let by_sa = t.contains("licenses/by-sa/") || t.contains("cc-by-sa") || t.contains("cc by-sa");
    if by_sa {
        return eu(
            "CC_BY_SA_4_0",
            "Creative Commons Attribution-ShareAlike 4.0",
        );
    }
    if t.contains("creativecommons.org/licenses/by/")
        || t.contains("cc-by")
        || t.contains("cc by")
        || t.contains("creative commons attribution")
    {
        let ver = ["4.0", "3.0", "2.5", "2.0", "1.0"].into_iter().find(|v| {
            t.contains(&format!("by/{v}"))
                || t.contains(&format!("by {v}"))
                || t.contains(&format!("by-{v}"))
        });
        return match ver {
            Some("3.0") => eu("CC_BY_3_0", "Creative Commons Attribution 3.0"),
            Some("2.5") => eu("CC_BY_2_5", "Creative Commons Attribution 2.5"),
            Some("2.0") => eu("CC_BY_2_0", "Creative Commons Attribution 2.0"),
            Some("1.0") => eu("CC_BY_1_0", "Creative Commons Attribution 1.0"),
            _ => eu("CC_BY_4_0", "Creative Commons Attribution 4.0"),
        };
    }
    if t.contains("etalab") || t.contains("licence ouverte") {
        return eu("ETALAB_2_0", "Licence Ouverte / Open Licence 2.0");
    }
    if t.contains("open-government-licence") {
        return eu("OGL_3_0", "Open Government Licence v3.0");
    }
    None
}

/// The Brussels-Capital Region's open data licence (as data.gov.be names it).
pub const BRUSSELS_LICENCE: &str =
    "http://cirb.brussels/fr/nos-solutions/urbis-solutions/licence-urbis-open-data";

/// The EU file-type URI of a format name, media type or file-type URI.
pub fn file_type(format: &str) -> Option<String> {
    let f = format.trim();
    if f.starts_with(vocab::FILE_TYPE) {
        return Some(f.to_string());
    }
    let code_of_uri = f.rsplit(['/', '#']).next().unwrap_or(f);
    let l = f.to_ascii_lowercase();
    let code = match l.as_str() {
        "csv" | "text/csv" => "CSV",
        "json" | "application/json" => "JSON",
        "geojson" | "application/geo+json" | "application/vnd.geo+json" => "GEOJSON",
        "json-ld" | "jsonld" | "application/ld+json" => "JSON_LD",
        "xml" | "application/xml" | "text/xml" => "XML",
        "gml" | "application/gml+xml" => "GML",
        "shp" | "shapefile" | "esri shapefile" | "shape" | "application/x-shapefile" => "SHP",
        "kml" | "application/vnd.google-earth.kml+xml" => "KML",
        "kmz" | "application/vnd.google-earth.kmz" => "KMZ",
        "gpkg" | "geopackage" | "application/geopackage+sqlite3" => "GPKG",
        "pdf" | "application/pdf" => "PDF",
        "xls" | "application/vnd.ms-excel" => "XLS",
        "xlsx" | "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => "XLSX",
        "ods" | "application/vnd.oasis.opendocument.spreadsheet" => "ODS",
        "zip" | "application/zip" => "ZIP",
        "html" | "text/html" => "HTML",
        "txt" | "text/plain" => "TXT",
        "tiff" | "tif" | "image/tiff" => "TIFF",
        "geotiff" => "TIFF",
        "jpeg" | "jpg" | "image/jpeg" => "JPEG",
        "png" | "image/png" => "PNG",
        "ecw" => "ECW",
        "gdb"
        | "fgdb"
        | "filegdb"
        | "file geodatabase"
        | "esri file geodatabase"
        | "application/x-filegdb" => "GDB",
        "dxf" => "DXF",
        "rdf" | "rdf/xml" | "application/rdf+xml" => "RDF_XML",
        "turtle" | "ttl" | "text/turtle" => "RDF_TURTLE",
        "n-triples" | "application/n-triples" => "RDF_N_TRIPLES",
        "wms" | "ogc:wms" => "WMS_SRVC",
        "wfs" | "ogc:wfs" => "WFS_SRVC",
        "atom" | "application/atom+xml" => "ATOM",
        "netcdf" => "NETCDF",
        "las" => "LAS",
        "laz" => "LAZ",
        "tsv" | "text/tab-separated-values" => "TSV",
        _ => {
            // An INSPIRE media-type URI (`http://inspire.ec.europa.eu/media-types/<type>`).
            if let Some(mt) = l
                .split_once("inspire.ec.europa.eu/media-types/")
                .map(|(_, t)| t.trim_end_matches('/'))
            {
                return file_type(mt);
            }
            // `ESRI Shapefile (.shp)`: the name before the parenthesis.
            if let Some((name, _)) = l.split_once('(') {
                if let Some(ft) = Some(name.trim())
                    .filter(|n| !n.is_empty())
                    .and_then(file_type)
                {
                    return Some(ft);
                }
            }
            // `ESRI Shapefile (zip)`, `GML 3.2.1`, `.../file-type/CSV`…
            let first = l
                .split([' ', '(', ',', ';'])
                .next()
                .unwrap_or("")
                .trim_start_matches('.');
            if first != l && !first.is_empty() {
                return file_type(first);
            }
            let c = code_of_uri.to_ascii_uppercase();
            if f.contains("://")
                && !c.is_empty()
                && c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
            {
                return file_type(&c.to_ascii_lowercase());
            }
            return None;
        }
    };
    Some(vocab::uri(vocab::FILE_TYPE, code))
}

/// The IANA media type of a format name, when it is a known one.
pub fn media_type(format: &str) -> Option<&'static str> {
    let code = file_type(format)?;
    Some(match vocab::code(&code) {
        "CSV" => "text/csv",
        "JSON" => "application/json",
        "GEOJSON" => "application/geo+json",
        "GML" => "application/gml+xml",
        "KML" => "application/vnd.google-earth.kml+xml",
        "GPKG" => "application/geopackage+sqlite3",
        "PDF" => "application/pdf",
        "ZIP" | "SHP" => "application/zip",
        "XML" => "application/xml",
        "HTML" => "text/html",
        "XLSX" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => return None,
    })
}

/// The EU frequency URI of an ISO 19115 maintenance frequency code or a DCAT/Dublin Core one.
pub fn frequency(code: &str) -> Option<String> {
    let c = code.trim();
    if c.starts_with(vocab::FREQUENCY) {
        return Some(c.to_string());
    }
    let eu = match c.rsplit(['/', '#']).next().unwrap_or(c) {
        "continual" | "continuous" => "UPDATE_CONT",
        "daily" | "day" => "DAILY",
        "weekly" | "week" => "WEEKLY",
        "fortnightly" | "biweekly" => "BIWEEKLY",
        "monthly" | "month" => "MONTHLY",
        "quarterly" => "QUARTERLY",
        "biannually" | "semiannual" => "ANNUAL_2",
        "annually" | "annual" | "yearly" => "ANNUAL",
        "asNeeded" | "irregular" | "irreg" => "IRREG",
        "notPlanned" | "never" => "NEVER",
        "unknown" => "UNKNOWN",
        "R/P1D" => "DAILY",
        "R/P1W" => "WEEKLY",
        "R/P1M" => "MONTHLY",
        "R/P3M" => "QUARTERLY",
        "R/P1Y" => "ANNUAL",
        _ => return None,
    };
    Some(vocab::uri(vocab::FREQUENCY, eu))
}

/// EU data themes of an INSPIRE theme (code from `http://inspire.ec.europa.eu/theme/<code>` or
/// its English name), after the INSPIRE → DCAT-AP theme alignment.
pub fn inspire_theme(key: &str) -> Option<&'static [&'static str]> {
    let k = key.trim().trim_end_matches('/');
    let code = k.rsplit('/').next().unwrap_or(k).to_ascii_lowercase();
    let by_name = |n: &str| -> Option<&'static str> {
        Some(match n {
            "addresses" | "adresses" | "adressen" => "ad",
            "administrative units" | "unités administratives" | "administratieve eenheden" => "au",
            "cadastral parcels" | "parcelles cadastrales" | "kadastrale percelen" => "cp",
            "geographical names" | "dénominations géographiques" | "geografische namen" => "gn",
            "transport networks" | "réseaux de transport" | "vervoersnetwerken" => "tn",
            "hydrography" | "hydrographie" | "hydrografie" => "hy",
            "protected sites" | "sites protégés" | "beschermde gebieden" => "ps",
            "elevation" | "altitude" | "hoogte" => "el",
            "land cover" | "occupation des terres" | "bodemgebruik" => "lc",
            "orthoimagery" | "ortho-imagerie" | "orthobeeldvorming" => "oi",
            "geology" | "géologie" | "geologie" => "ge",
            "statistical units" | "unités statistiques" | "statistische eenheden" => "su",
            "buildings" | "bâtiments" | "gebouwen" => "bu",
            "soil" | "sols" | "bodem" => "so",
            "land use" | "usage des sols" | "landgebruik" => "lu",
            "human health and safety" | "santé et sécurité des personnes" => "hh",
            "utility and governmental services"
            | "services d'utilité publique et services publics" => "us",
            "environmental monitoring facilities" | "installations de suivi environnemental" => {
                "ef"
            }
            "production and industrial facilities" | "lieux de production et sites industriels" => {
                "pf"
            }
            "agricultural and aquaculture facilities" => "af",
            "population distribution — demography"
            | "population distribution - demography"
            | "répartition de la population — démographie" => "pd",
            "area management/restriction/regulation zones and reporting units"
            | "zones de gestion, de restriction ou de réglementation et unités de déclaration" => {
                "am"
            }
            "natural risk zones" | "zones à risque naturel" => "nz",
            "atmospheric conditions" | "conditions atmosphériques" => "ac",
            "meteorological geographical features" => "mf",
            "oceanographic geographical features" => "of",
            "sea regions" | "régions maritimes" => "sr",
            "bio-geographical regions" | "régions biogéographiques" => "br",
            "habitats and biotopes" | "habitats et biotopes" => "hb",
            "species distribution" | "répartition des espèces" => "sd",
            "energy resources" | "sources d'énergie" => "er",
            "mineral resources" | "ressources minérales" => "mr",
            "coordinate reference systems" => "rs",
            "geographical grid systems" => "gg",
            _ => return None,
        })
    };
    let code = if k.contains("inspire.ec.europa.eu/theme/") {
        code
    } else {
        by_name(&k.to_lowercase())?.to_string()
    };
    Some(match code.as_str() {
        "ad" | "au" | "cp" | "gn" | "bu" | "su" => &["REGI"],
        "tn" => &["TRAN"],
        "hy" | "ps" | "el" | "lc" | "ge" | "so" | "lu" | "ef" | "am" | "nz" | "ac" | "mf"
        | "of" | "sr" | "br" | "hb" | "sd" => &["ENVI"],
        "oi" | "rs" | "gg" => &["TECH"],
        "hh" => &["HEAL"],
        "us" => &["GOVE"],
        "pf" | "mr" => &["ECON"],
        "af" => &["AGRI"],
        "pd" => &["SOCI"],
        "er" => &["ENER"],
        _ => return None,
    })
}

/// EU data theme of an ISO 19115 topic category.
pub fn topic_theme(topic: &str) -> Option<&'static str> {
    Some(match topic.trim() {
        "farming" => "AGRI",
        "biota"
        | "climatologyMeteorologyAtmosphere"
        | "elevation"
        | "environment"
        | "inlandWaters"
        | "oceans"
        | "imageryBaseMapsEarthCover" => "ENVI",
        "boundaries" | "location" | "planningCadastre" | "structure" => "REGI",
        "economy" => "ECON",
        "geoscientificInformation" => "TECH",
        "health" => "HEAL",
        "intelligenceMilitary" => "JUST",
        "society" => "SOCI",
        "transportation" => "TRAN",
        "utilitiesCommunication" => "ENER",
        _ => return None,
    })
}

/// A URL as an IRI can hold it: trimmed, with the characters IRIs forbid (space, `{`, `}`,
/// `|`, `\\`, `^`, `` ` ``, `<`, `>`, `"`) percent-encoded.
pub fn clean_url(u: &str) -> String {
    let mut out = String::with_capacity(u.len());
    for c in u.trim().chars() {
        match c {
            ' ' | '{' | '}' | '|' | '\\' | '^' | '`' | '<' | '>' | '"' => {
                out.push_str(&format!("%{:02X}", c as u32))
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Clean every URL of a mapped dataset (see [`clean_url`]).
pub fn clean_urls(ds: &mut Dataset) {
    let fix = |u: &mut String| *u = clean_url(u);
    let fix_opt = |u: &mut Option<String>| {
        if let Some(x) = u.as_mut() {
            *x = clean_url(x);
        }
    };
    fix_opt(&mut ds.landing_page);
    if let Some(cp) = ds.contact_point.as_mut() {
        fix_opt(&mut cp.url);
    }
    if let Some(l) = ds.licence.as_mut() {
        fix(&mut l.uri);
    }
    for c in ds.conforms_to.iter_mut() {
        fix(c);
    }
    if let Some(sp) = ds.spatial.as_mut() {
        for p in sp.places.iter_mut() {
            fix(p);
        }
    }
    for d in ds.distributions.iter_mut() {
        fix(&mut d.access_url);
        fix_opt(&mut d.download_url);
        if let Some(l) = d.licence.as_mut() {
            fix(&mut l.uri);
        }
        for c in d.conforms_to.iter_mut() {
            fix(c);
        }
    }
    if let Some(s) = ds.service.as_mut() {
        fix(&mut s.endpoint_url);
        fix_opt(&mut s.endpoint_description);
    }
}

/// Push a value once.
pub fn push_unique(list: &mut Vec<String>, v: String) {
    if !list.contains(&v) {
        list.push(v);
    }
}

/// A date or date-time as the model accepts it (`YYYY-MM-DD` or RFC 3339); ISO 19139's
/// zone-less `2019-03-15T14:56:34` is read as UTC.
pub fn date(s: &str) -> Option<String> {
    let s = s.trim();
    if datastore_api::model::parse_date(s).is_some() {
        return Some(s.to_string());
    }
    if s.len() >= 10 && datastore_api::model::parse_date(&s[..10]).is_some() {
        let with_z = format!("{}Z", s.trim_end_matches('Z'));
        if s.len() == 19 && datastore_api::model::parse_date(&with_z).is_some() {
            return Some(with_z);
        }
        return Some(s[..10].to_string());
    }
    if s.len() == 4 && s.chars().all(|c| c.is_ascii_digit()) {
        return Some(format!("{s}-01-01"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn licences_are_recognised() {
        let t = "Les conditions d’accès et d’utilisation sont décrites dans la licence standardisée CC-By (Creative\nCommons-Attribution) consultable sur https://creativecommons.org/licenses/by/4.0/legalcode";
        assert_eq!(
            licence_from_text(t).unwrap().uri,
            "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0"
        );
        assert!(licence_from_text("CC0 1.0").unwrap().uri.ends_with("/CC0"));
        assert!(licence_from_text("ODbL 1.0")
            .unwrap()
            .uri
            .ends_with("/ODC_ODBL"));
        assert_eq!(
            licence_from_text(
                "https://cirb.brussels/fr/nos-solutions/urbis-solutions/licence-urbis-open-data"
            )
            .unwrap()
            .uri,
            BRUSSELS_LICENCE
        );
        assert!(licence_from_text("no conditions apply").is_none());
    }

    #[test]
    fn formats_frequencies_ids() {
        assert_eq!(
            file_type("ESRI Shapefile").unwrap(),
            "http://publications.europa.eu/resource/authority/file-type/SHP"
        );
        assert!(file_type("GML 3.2.1").unwrap().ends_with("/GML"));
        assert!(file_type("text/csv").unwrap().ends_with("/CSV"));
        assert!(file_type("Unknown thing").is_none());
        // ISO 19115-3 format citations (metawal): titles and INSPIRE media-type URIs.
        assert!(file_type("ESRI Shapefile (.shp)")
            .unwrap()
            .ends_with("/SHP"));
        assert!(
            file_type("http://inspire.ec.europa.eu/media-types/application/x-shapefile")
                .unwrap()
                .ends_with("/SHP")
        );
        assert!(file_type("ESRI File Geodatabase (.fgdb)")
            .unwrap()
            .ends_with("/GDB"));
        assert!(
            file_type("http://inspire.ec.europa.eu/media-types/application/x-unknown").is_none()
        );
        assert!(frequency("asNeeded").unwrap().ends_with("/IRREG"));
        assert_eq!(record_id("geobru", "abc-1"), "geobru-abc-1");
        let long = record_id("geobru", "http://example.org/Some Dataset/ÉÉ");
        assert!(datastore_api::model::is_id(&long), "{long}");
        assert_ne!(record_id("s", "A b"), record_id("s", "a-b"));
        assert!(datastore_api::model::parse_date(&date("2019-03-15T14:56:34").unwrap()).is_some());
        assert_eq!(
            inspire_theme("http://inspire.ec.europa.eu/theme/ad"),
            Some(&["REGI"][..])
        );
    }
}
