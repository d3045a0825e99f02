//! Metadata quality after data.europa.eu's MQA (405 points in five dimensions).
//!
//! | dimension | indicator | points |
//! |---|---|---|
//! | findability (100) | keyword 30, theme 30, spatial 20, temporal 20 | dataset |
//! | accessibility (100) | accessURL answers 200 → 50, downloadURL present 20, downloadURL answers 200 → 30 | share of distributions |
//! | interoperability (110) | format 20, mediaType 10, format or media type from a vocabulary 10, non-proprietary format 20, machine-readable format 20 | share of distributions |
//! | | DCAT-AP compliance 30 | dataset passes [`Dataset::validate`] |
//! | reusability (75) | licence 20, licence from the EU vocabulary 10 | share of distributions (a dataset licence counts for its distributions) |
//! | | accessRights 10, accessRights from the EU vocabulary 5, contactPoint 20, publisher 10 | dataset |
//! | contextuality (20) | rights 5, byteSize 5 | share of distributions (dataset rights count) |
//! | | issued 5, modified 5 | dataset |
//!
//! Distribution indicators score as *share × weight* (a dataset without distributions scores 0
//! on them). Bands: Excellent 351–405, Good 221–350, Sufficient 121–220, Bad 0–120.
//!
//! **Reachability.** The two "answers 200" indicators need URL checks, a background task that is
//! off by default (`[catalog] check_urls`). A URL that was not checked scores 0 and its
//! indicator says `"status": "not-checked"`; `unchecked_points` tells how many points are
//! pending, so a reader can see the score with reachable URLs (`points + unchecked_points`).
//! A checked URL scores when its last answer was 2xx (after redirects).
//!
//! The catalogue's score is the mean of its public datasets' scores, per dimension and total.

use std::collections::HashMap;
use std::sync::RwLock;

use serde::Serialize;
use utoipa::ToSchema;

use crate::model::{vocab, Dataset, Distribution};

/// Result of the last check of a URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UrlStatus {
    /// HTTP status, or `None` when the request failed (DNS, timeout…).
    pub status: Option<u16>,
    /// RFC 3339.
    pub checked_at: String,
}

/// URL check results shared between the checker and the scoring.
#[derive(Debug, Default)]
pub struct UrlChecks {
    inner: RwLock<HashMap<String, UrlStatus>>,
}

impl UrlChecks {
    pub fn get(&self, url: &str) -> Option<UrlStatus> {
        self.inner.read().ok()?.get(url).cloned()
    }

    pub fn set(&self, url: &str, status: UrlStatus) {
        if let Ok(mut m) = self.inner.write() {
            m.insert(url.to_string(), status);
        }
    }

    pub fn len(&self) -> usize {
        self.inner.read().map(|m| m.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One indicator's result.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Indicator {
    pub name: &'static str,
    pub points: f64,
    pub max: f64,
    /// `not-checked` for reachability indicators without URL checks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
}

/// One dimension's result.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Dimension {
    pub name: &'static str,
    pub points: f64,
    pub max: f64,
    pub indicators: Vec<Indicator>,
}

/// A dataset's MQA score.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Score {
    /// Rounded to one decimal.
    pub points: f64,
    pub max: f64,
    /// Excellent, Good, Sufficient or Bad.
    pub band: &'static str,
    /// Points of reachability indicators whose URLs were not checked.
    pub unchecked_points: f64,
    pub dimensions: Vec<Dimension>,
}

/// Total of the MQA.
pub const MAX_POINTS: f64 = 405.0;

/// The band of a score.
pub fn band(points: f64) -> &'static str {
    if points >= 351.0 {
        "Excellent"
    } else if points >= 221.0 {
        "Good"
    } else if points >= 121.0 {
        "Sufficient"
    } else {
        "Bad"
    }
}

/// EU file types that are machine-readable.
const MACHINE_READABLE: &[&str] = &[
    "CSV",
    "TSV",
    "JSON",
    "GEOJSON",
    "JSON_LD",
    "XML",
    "RDF_XML",
    "RDF_TURTLE",
    "RDF_N_TRIPLES",
    "RDF",
    "GPKG",
    "SHP",
    "KML",
    "KMZ",
    "GML",
    "XLS",
    "XLSX",
    "ODS",
    "DBF",
    "NETCDF",
    "PARQUET",
    "GRID_ASCII",
    "GTFS",
    "WMS_SRVC",
    "WFS_SRVC",
    "WCS_SRVC",
    "WMTS_SRVC",
    "MVT",
    "GEOTIFF",
    "TIFF",
    "DXF",
    "SQL",
    "GDB",
];

/// EU file types that are not proprietary.
const NON_PROPRIETARY: &[&str] = &[
    "CSV",
    "TSV",
    "JSON",
    "GEOJSON",
    "JSON_LD",
    "XML",
    "RDF_XML",
    "RDF_TURTLE",
    "RDF_N_TRIPLES",
    "RDF",
    "GPKG",
    "KML",
    "KMZ",
    "GML",
    "ODS",
    "ODT",
    "NETCDF",
    "PARQUET",
    "GRID_ASCII",
    "GTFS",
    "TXT",
    "HTML",
    "PDF",
    "ZIP",
    "WMS_SRVC",
    "WFS_SRVC",
    "WCS_SRVC",
    "WMTS_SRVC",
    "MVT",
    "GEOTIFF",
    "TIFF",
    "PNG",
    "JPEG",
    "SQL",
];

/// Media types mapped to EU file-type codes where a distribution has no `format`.
fn code_from_media_type(m: &str) -> Option<&'static str> {
    Some(match m.split(';').next().unwrap_or("").trim() {
        "text/csv" => "CSV",
        "application/json" => "JSON",
        "application/geo+json" => "GEOJSON",
        "application/ld+json" => "JSON_LD",
        "application/xml" | "text/xml" => "XML",
        "application/rdf+xml" => "RDF_XML",
        "text/turtle" => "RDF_TURTLE",
        "application/geopackage+sqlite3" => "GPKG",
        "application/vnd.google-earth.kml+xml" => "KML",
        "application/gml+xml" => "GML",
        "application/pdf" => "PDF",
        "text/html" => "HTML",
        "application/zip" => "ZIP",
        "application/vnd.ms-excel" => "XLS",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => "XLSX",
        "application/vnd.oasis.opendocument.spreadsheet" => "ODS",
        "application/vnd.mapbox-vector-tile" => "MVT",
        _ => return None,
    })
}

fn format_code(d: &Distribution) -> Option<&str> {
    match &d.format {
        Some(f) => Some(vocab::code(f)),
        None => d.media_type.as_deref().and_then(code_from_media_type),
    }
}

/// A media type of the IANA registry's shape, or an IANA URI.
fn media_type_known(m: &str) -> bool {
    m.starts_with(vocab::MEDIA_TYPE) || code_from_media_type(m).is_some()
}

fn reachable(checks: Option<&UrlChecks>, url: &str) -> Option<bool> {
    checks
        .and_then(|c| c.get(url))
        .map(|s| s.status.is_some_and(|code| (200..300).contains(&code)))
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

struct Builder {
    indicators: Vec<Indicator>,
}

impl Builder {
    fn new() -> Self {
        Builder {
            indicators: Vec::new(),
        }
    }

    fn yes(&mut self, name: &'static str, max: f64, ok: bool) {
        self.share(name, max, if ok { 1.0 } else { 0.0 });
    }

    fn share(&mut self, name: &'static str, max: f64, share: f64) {
        self.indicators.push(Indicator {
            name,
            points: round1(max * share.clamp(0.0, 1.0)),
            max,
            status: None,
        });
    }

    fn dimension(self, name: &'static str) -> Dimension {
        let points = round1(self.indicators.iter().map(|i| i.points).sum());
        let max = self.indicators.iter().map(|i| i.max).sum();
        Dimension {
            name,
            points,
            max,
            indicators: self.indicators,
        }
    }
}

/// Share of distributions for which `f` holds (0 without distributions).
fn share(ds: &Dataset, f: impl Fn(&Distribution) -> bool) -> f64 {
    if ds.distributions.is_empty() {
        return 0.0;
    }
    ds.distributions.iter().filter(|d| f(d)).count() as f64 / ds.distributions.len() as f64
}

/// Score one dataset; `checks` holds URL check results when the checker runs.
pub fn score(ds: &Dataset, checks: Option<&UrlChecks>) -> Score {
    let mut unchecked = 0.0;
    let mut f = Builder::new();
    f.yes("keyword", 30.0, !ds.keywords.is_empty());
    f.yes("theme", 30.0, !ds.themes.is_empty());
    f.yes(
        "spatial",
        20.0,
        ds.spatial
            .as_ref()
            .is_some_and(|s| s.bbox.is_some() || !s.places.is_empty()),
    );
    f.yes("temporal", 20.0, ds.temporal.is_some());

    let mut a = Builder::new();
    let n = ds.distributions.len().max(1) as f64;
    // Reachability: checked URLs score, unchecked ones are pending.
    let mut reach = |name: &'static str, max: f64, urls: Vec<&str>, b: &mut Builder| {
        let (mut ok, mut pending) = (0usize, 0usize);
        for u in &urls {
            match reachable(checks, u) {
                Some(true) => ok += 1,
                Some(false) => {}
                None => pending += 1,
            }
        }
        let points = round1(max * ok as f64 / n);
        let pend = round1(max * pending as f64 / n);
        unchecked += pend;
        b.indicators.push(Indicator {
            name,
            points,
            max,
            status: (pending > 0).then_some("not-checked"),
        });
    };
    let access: Vec<&str> = ds
        .distributions
        .iter()
        .map(|d| d.access_url.as_str())
        .collect();
    reach("accessURL status", 50.0, access, &mut a);
    a.share("downloadURL", 20.0, share(ds, |d| d.download_url.is_some()));
    let downloads: Vec<&str> = ds
        .distributions
        .iter()
        .filter_map(|d| d.download_url.as_deref())
        .collect();
    reach("downloadURL status", 30.0, downloads, &mut a);

    let mut i = Builder::new();
    i.share("format", 20.0, share(ds, |d| d.format.is_some()));
    i.share("mediaType", 10.0, share(ds, |d| d.media_type.is_some()));
    i.share(
        "format/mediaType from vocabulary",
        10.0,
        share(ds, |d| {
            d.format
                .as_deref()
                .is_some_and(|f| f.starts_with(vocab::FILE_TYPE))
                || d.media_type.as_deref().is_some_and(media_type_known)
        }),
    );
    i.share(
        "non-proprietary",
        20.0,
        share(ds, |d| {
            format_code(d).is_some_and(|c| NON_PROPRIETARY.contains(&c))
        }),
    );
    i.share(
        "machine-readable",
        20.0,
        share(ds, |d| {
            format_code(d).is_some_and(|c| MACHINE_READABLE.contains(&c))
        }),
    );
    i.yes("DCAT-AP compliance", 30.0, ds.validate().is_empty());

    let mut r = Builder::new();
    let licence_of = |d: &Distribution| {
        d.licence
            .as_ref()
            .or(ds.licence.as_ref())
            .map(|l| l.uri.clone())
    };
    r.share("licence", 20.0, share(ds, |d| licence_of(d).is_some()));
    r.share(
        "licence from vocabulary",
        10.0,
        share(ds, |d| {
            licence_of(d).is_some_and(|u| u.starts_with(vocab::LICENCE))
        }),
    );
    r.yes("accessRights", 10.0, ds.access_rights.is_some());
    r.yes(
        "accessRights from vocabulary",
        5.0,
        ds.access_rights
            .as_deref()
            .is_some_and(|a| a.starts_with(vocab::ACCESS_RIGHT)),
    );
    r.yes("contactPoint", 20.0, ds.contact_point.is_some());
    r.yes("publisher", 10.0, ds.publisher.is_some());

    let mut c = Builder::new();
    c.share(
        "rights",
        5.0,
        share(ds, |d| d.rights.is_some() || ds.rights.is_some()),
    );
    c.share("byteSize", 5.0, share(ds, |d| d.byte_size.is_some()));
    c.yes("issued", 5.0, ds.issued.is_some());
    c.yes("modified", 5.0, ds.modified.is_some());

    let dimensions = vec![
        f.dimension("findability"),
        a.dimension("accessibility"),
        i.dimension("interoperability"),
        r.dimension("reusability"),
        c.dimension("contextuality"),
    ];
    let points = round1(dimensions.iter().map(|d| d.points).sum());
    Score {
        points,
        max: MAX_POINTS,
        band: band(points),
        unchecked_points: round1(unchecked),
        dimensions,
    }
}

/// The catalogue's score: means over its datasets.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CatalogueScore {
    pub datasets: u64,
    pub points: f64,
    pub max: f64,
    pub band: &'static str,
    pub unchecked_points: f64,
    /// Mean points per dimension.
    pub dimensions: Vec<DimensionMean>,
    /// Datasets per band.
    pub bands: Vec<BandCount>,
    /// Whether URL checks are running.
    pub url_checks: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DimensionMean {
    pub name: &'static str,
    pub points: f64,
    pub max: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct BandCount {
    pub band: &'static str,
    pub datasets: u64,
}

/// Accumulates dataset scores into the catalogue's.
#[derive(Default)]
pub struct CatalogueAccumulator {
    n: u64,
    total: f64,
    unchecked: f64,
    dims: Vec<(&'static str, f64, f64)>,
    bands: [u64; 4],
}

impl CatalogueAccumulator {
    pub fn add(&mut self, s: &Score) {
        self.n += 1;
        self.total += s.points;
        self.unchecked += s.unchecked_points;
        if self.dims.is_empty() {
            self.dims = s.dimensions.iter().map(|d| (d.name, 0.0, d.max)).collect();
        }
        for (acc, d) in self.dims.iter_mut().zip(&s.dimensions) {
            acc.1 += d.points;
        }
        let b = match s.band {
            "Excellent" => 0,
            "Good" => 1,
            "Sufficient" => 2,
            _ => 3,
        };
        self.bands[b] += 1;
    }

    pub fn finish(self, url_checks: bool) -> CatalogueScore {
        let n = self.n.max(1) as f64;
        let points = round1(self.total / n);
        CatalogueScore {
            datasets: self.n,
            points,
            max: MAX_POINTS,
            band: band(points),
            unchecked_points: round1(self.unchecked / n),
            dimensions: self
                .dims
                .into_iter()
                .map(|(name, p, max)| DimensionMean {
                    name,
                    points: round1(p / n),
                    max,
                })
                .collect(),
            bands: ["Excellent", "Good", "Sufficient", "Bad"]
                .into_iter()
                .zip(self.bands)
                .map(|(band, datasets)| BandCount { band, datasets })
                .collect(),
            url_checks,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ContactPoint, Lang, Licence, Multilingual, Spatial, Temporal};

    fn full() -> Dataset {
        let mut d = Dataset {
            id: "full".into(),
            title: Multilingual::new().with(Lang::Fr, "Titre"),
            description: Multilingual::new().with(Lang::Fr, "Description"),
            publisher: Some("cirb".into()),
            contact_point: Some(ContactPoint {
                email: Some("a@b.be".into()),
                ..Default::default()
            }),
            themes: vec![vocab::uri(vocab::DATA_THEME, "REGI")],
            spatial: Some(Spatial {
                bbox: None,
                places: vec![vocab::uri(vocab::ATU, "BEL_REG_BRU")],
            }),
            temporal: Some(Temporal {
                start: Some("2020-01-01".into()),
                end: None,
            }),
            licence: Some(Licence {
                uri: vocab::uri(vocab::LICENCE, "CC0"),
                label: Multilingual::new(),
            }),
            rights: Some(Multilingual::new().with(Lang::En, "Open")),
            access_rights: Some(vocab::uri(vocab::ACCESS_RIGHT, "PUBLIC")),
            issued: Some("2020-01-01".into()),
            modified: Some("2024-01-01".into()),
            ..Default::default()
        };
        d.keywords.add(Lang::Fr, "x");
        d.distributions.push(Distribution {
            id: "csv".into(),
            access_url: "https://x.org/a".into(),
            download_url: Some("https://x.org/a.csv".into()),
            format: Some(vocab::uri(vocab::FILE_TYPE, "CSV")),
            media_type: Some("text/csv".into()),
            byte_size: Some(10),
            ..Default::default()
        });
        d
    }

    #[test]
    fn weights_add_up_to_405() {
        let s = score(&full(), None);
        let max: f64 = s.dimensions.iter().map(|d| d.max).sum();
        assert_eq!(max, 405.0);
        // Everything but the two reachability indicators (80 points pending).
        assert_eq!(s.points, 325.0);
        assert_eq!(s.unchecked_points, 80.0);
        assert_eq!(s.band, "Good");
    }

    #[test]
    fn checked_urls_score() {
        let checks = UrlChecks::default();
        for u in ["https://x.org/a", "https://x.org/a.csv"] {
            checks.set(
                u,
                UrlStatus {
                    status: Some(200),
                    checked_at: "2026-01-01T00:00:00Z".into(),
                },
            );
        }
        let s = score(&full(), Some(&checks));
        assert_eq!(
            (s.points, s.band, s.unchecked_points),
            (405.0, "Excellent", 0.0)
        );
        checks.set(
            "https://x.org/a.csv",
            UrlStatus {
                status: Some(404),
                checked_at: "2026-01-01T00:00:00Z".into(),
            },
        );
        assert_eq!(score(&full(), Some(&checks)).points, 375.0);
    }

    #[test]
    fn empty_dataset_is_bad_and_catalogue_means() {
        let bare = Dataset {
            id: "bare".into(),
            title: Multilingual::new().with(Lang::Fr, "Titre"),
            description: Multilingual::new().with(Lang::Fr, "Description"),
            ..Default::default()
        };
        let s = score(&bare, None);
        assert_eq!(s.band, "Bad", "{}", s.points);
        let mut acc = CatalogueAccumulator::default();
        acc.add(&score(&full(), None));
        acc.add(&s);
        let c = acc.finish(false);
        assert_eq!(c.datasets, 2);
        assert_eq!(c.points, round1((325.0 + s.points) / 2.0));
        assert_eq!(c.bands[1].datasets, 1);
    }
}
