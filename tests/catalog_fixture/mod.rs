//! A catalogue for the publication tests: varied records written straight into
//! `<data_dir>/catalog.sqlite` before the server starts (datasets, series, data services, HVD,
//! several publishers, unpublished records that must never be published).
#![allow(dead_code)]

use std::path::Path;

use datastore_api::model::{
    vocab, Agent, Bbox, ContactPoint, Dataset, Distribution, Keywords, Kind, Lang, Licence,
    Multilingual, ServiceInfo, Spatial, Temporal,
};
use datastore_api::store::{CatalogStore, SqliteCatalog};

pub const THEMES: [&str; 6] = ["REGI", "TRAN", "ENVI", "GOVE", "ECON", "SOCI"];
const FORMATS: [(&str, &str); 5] = [
    ("CSV", "text/csv"),
    ("GEOJSON", "application/geo+json"),
    ("GPKG", "application/geopackage+sqlite3"),
    ("JSON", "application/json"),
    ("ZIP", "application/zip"),
];
const FREQUENCIES: [&str; 5] = ["DAILY", "WEEKLY", "MONTHLY", "QUARTERLY", "ANNUAL"];

fn ml(fr: &str, nl: &str, en: &str) -> Multilingual {
    Multilingual::new()
        .with(Lang::Fr, fr)
        .with(Lang::Nl, nl)
        .with(Lang::En, en)
}

pub fn publishers() -> Vec<Agent> {
    vec![
        Agent {
            id: "cirb".into(),
            name: ml("Paradigm", "Paradigm", "Paradigm"),
            agent_type: Some(format!("{}RegionalAuthority", vocab::PUBLISHER_TYPE)),
            email: Some("opendata@paradigm.brussels".into()),
            homepage: Some("https://paradigm.brussels".into()),
            ..Default::default()
        },
        Agent {
            id: "brussels-mobility".into(),
            name: ml(
                "Bruxelles Mobilité",
                "Brussel Mobiliteit",
                "Brussels Mobility",
            ),
            agent_type: Some(format!("{}RegionalAuthority", vocab::PUBLISHER_TYPE)),
            email: Some("mobility@sprb.brussels".into()),
            ..Default::default()
        },
        Agent {
            id: "bruxelles-environnement".into(),
            name: ml(
                "Bruxelles Environnement",
                "Leefmilieu Brussel",
                "Brussels Environment",
            ),
            ..Default::default()
        },
    ]
}

/// Record number `i` of the fixture (`fixture-0001`…). Every 10th is a data service serving the
/// previous dataset, every 25th a series, every 7th is a high-value dataset, every 13th is
/// unpublished.
pub fn record(i: usize) -> Dataset {
    let pubs = publishers();
    let publisher = &pubs[i % pubs.len()];
    let theme = THEMES[i % THEMES.len()];
    let id = format!("fixture-{i:04}");
    let title = ml(
        &format!("Jeu de données {i} sur les thèmes {theme} à Bruxelles"),
        &format!("Dataset {i} over {theme} in Brussel"),
        &format!("Dataset {i} about {theme} in Brussels"),
    );
    let description = ml(
        &format!("Description détaillée du jeu {i} : qualité de l'air, mobilité & « données »."),
        &format!("Gedetailleerde beschrijving van dataset {i}: luchtkwaliteit en mobiliteit."),
        &format!("Detailed description of dataset {i} <with> markup-like & special characters."),
    );
    let mut keywords = Keywords::default();
    keywords.add(Lang::Fr, format!("mot-clé-{}", i % 17));
    keywords.add(Lang::Nl, format!("trefwoord-{}", i % 11));
    keywords.add(Lang::En, "open data");
    let kind = if i.is_multiple_of(10) {
        Kind::Service
    } else if i % 25 == 3 {
        Kind::Series
    } else {
        Kind::Dataset
    };
    let dx = (i % 20) as f64 * 0.005;
    let mut ds = Dataset {
        id: id.clone(),
        kind,
        title,
        description,
        publisher: Some(publisher.id.clone()),
        contact_point: Some(ContactPoint {
            name: ml("Service open data", "Open data dienst", "Open data desk"),
            email: publisher
                .email
                .clone()
                .or(Some("opendata@example.brussels".into())),
            url: Some("https://datastore.brussels/contact".into()),
        }),
        keywords,
        themes: vec![vocab::uri(vocab::DATA_THEME, theme)],
        spatial: Some(Spatial {
            bbox: Some(Bbox {
                west: 4.24 + dx,
                south: 50.76 + dx / 2.0,
                east: 4.40 + dx,
                north: 50.85 + dx / 2.0,
            }),
            places: vec![vocab::uri(vocab::ATU, "BEL_REG_BRU")],
        }),
        temporal: Some(Temporal {
            start: Some(format!("{}-01-01", 2000 + i % 20)),
            end: i
                .is_multiple_of(3)
                .then(|| format!("{}-12-31", 2020 + i % 5)),
        }),
        frequency: Some(vocab::uri(
            vocab::FREQUENCY,
            FREQUENCIES[i % FREQUENCIES.len()],
        )),
        languages: vec![Lang::Fr.eu_uri(), Lang::Nl.eu_uri()],
        licence: Some(Licence {
            uri: vocab::uri(
                vocab::LICENCE,
                if i.is_multiple_of(2) {
                    "CC0"
                } else {
                    "CC_BY_4_0"
                },
            ),
            label: Multilingual::new().with(
                Lang::En,
                if i.is_multiple_of(2) {
                    "CC0 1.0"
                } else {
                    "CC BY 4.0"
                },
            ),
        }),
        rights: i
            .is_multiple_of(4)
            .then(|| ml("Libre réutilisation", "Vrij hergebruik", "Free reuse")),
        access_rights: Some(vocab::uri(vocab::ACCESS_RIGHT, "PUBLIC")),
        conforms_to: vec!["http://www.opengis.net/def/crs/EPSG/0/31370".into()],
        issued: Some(format!("{}-0{}-15", 2010 + i % 10, 1 + i % 9)),
        modified: Some(format!(
            "2025-{:02}-{:02}T10:00:00Z",
            1 + i % 12,
            1 + i % 28
        )),
        lineage: i
            .is_multiple_of(5)
            .then(|| ml("Levé topographique", "Topografische opmeting", "Survey")),
        ..Default::default()
    };
    if i.is_multiple_of(7) && kind != Kind::Service {
        ds.hvd_categories = vec![vocab::HVD_GEOSPATIAL.into()];
        ds.applicable_legislation = vec![vocab::HVD_LEGISLATION.into()];
    }
    if kind == Kind::Service {
        ds.frequency = None;
        ds.service = Some(ServiceInfo {
            endpoint_url: format!("https://geoservices.example.brussels/wms/{i}"),
            endpoint_description: Some(format!(
                "https://geoservices.example.brussels/wms/{i}?service=WMS&request=GetCapabilities"
            )),
            serves_dataset: vec![format!("fixture-{:04}", i - 1)],
        });
    } else {
        for (k, (code, media)) in FORMATS.iter().enumerate().take(1 + i % 3) {
            let ext = code.to_ascii_lowercase();
            ds.distributions.push(Distribution {
                id: ext.clone(),
                title: ml(
                    &format!("Fichier {code}"),
                    &format!("{code}-bestand"),
                    &format!("{code} file"),
                ),
                description: Multilingual::new().with(Lang::En, format!("The data as {code}")),
                access_url: format!("https://data.example.brussels/{id}.{ext}"),
                download_url: Some(format!("https://data.example.brussels/{id}.{ext}")),
                format: Some(vocab::uri(vocab::FILE_TYPE, code)),
                media_type: Some((*media).into()),
                byte_size: Some(1000 + (i * 37 + k) as u64),
                ..Default::default()
            });
        }
    }
    ds.record.published = i % 13 != 5;
    ds
}

/// Ids of the fixture's public records (those the publication endpoints must list).
pub fn public_ids(n: usize) -> Vec<String> {
    (1..=n)
        .map(record)
        .filter(|d| d.record.published)
        .map(|d| d.id)
        .collect()
}

/// Write publishers and `n` records into `<data_dir>/catalog.sqlite`.
pub async fn fill(data_dir: &Path, n: usize) {
    std::fs::create_dir_all(data_dir).unwrap();
    let store = SqliteCatalog::open(&data_dir.join("catalog.sqlite"))
        .await
        .expect("open the catalogue");
    for a in publishers() {
        assert!(a.validate().is_empty(), "{:?}", a.validate());
        store.put_publisher(&a, "test").await.unwrap();
    }
    for i in 1..=n {
        let ds = record(i);
        let errors = ds.validate();
        assert!(errors.is_empty(), "{}: {errors:?}", ds.id);
        store.put_dataset(&ds, "test").await.unwrap();
    }
}

/// Run `python3 tests/python/<script> args…`; `None` (skip, with a message) when Python or one
/// of the script's modules is missing, except under `CI=true` where that fails the test.
/// Returns (exit code, stdout, stderr).
pub fn python(script: &str, args: &[&str]) -> Option<(i32, String, String)> {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/python")
        .join(script);
    let out = match std::process::Command::new("python3")
        .arg(&path)
        .args(args)
        .output()
    {
        Ok(o) => o,
        Err(e) => {
            assert!(!ci, "CI=true but python3 cannot run: {e}");
            eprintln!("skipped: python3 cannot run: {e}");
            return None;
        }
    };
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let code = out.status.code().unwrap_or(-1);
    if code == 3 && stdout.starts_with("MISSING-MODULE") {
        assert!(
            !ci,
            "CI=true but {script} needs a Python module (.ci/setup.d/catalog-publication.sh installs it): {stdout}"
        );
        eprintln!("skipped: {script}: {stdout}");
        return None;
    }
    Some((code, stdout, stderr))
}

/// GET a URL; (status, content type, body).
pub async fn get(url: &str, accept: Option<&str>) -> (u16, String, Vec<u8>) {
    let client = reqwest::Client::new();
    let mut req = client.get(url);
    if let Some(a) = accept {
        req = req.header("accept", a);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, ct, resp.bytes().await.expect("body").to_vec())
}
