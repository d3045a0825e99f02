//! The server's own UrbIS layers as catalogue datasets, kept in step with each import.
//!
//! Each layer is the dataset `urbis-{layer}` (addresses, buildings, parcels, streets,
//! municipalities) published by Paradigm / CIRB, high-value (HVD category *Geospatial*), with
//! the live generation's feature count in its description, its extent (EPSG:31370 → WGS 84) as
//! `spatial.bbox` and the generation's end of import as `modified`. Distributions: one download
//! per format of [`crate::downloads::formats`] (`<base>/downloads/{layer}.{format}`) and the OGC
//! API Features collection (`<base>/ogc/collections/{layer}`). Two data services serve them:
//! `urbis-ogc-features` (`<base>/ogc`) and `urbis-vector-tiles` (`<base>/tiles/urbis.json`).
//!
//! [`sync`] writes only what changed (compared without the catalogue record), so restarting the
//! server leaves the audit log alone; a new generation updates the five datasets.

use urbis_core::{Crs, CrsEngine, Layer};

use crate::model::{
    vocab, Agent, Bbox, ContactPoint, Dataset, Distribution, Keywords, Kind, Lang, Licence,
    Multilingual, Origin, ServiceInfo, Spatial,
};
use crate::store::CatalogError;
use crate::CatalogState;

/// Id of the publisher of the UrbIS datasets and of the catalogue.
pub const PUBLISHER_ID: &str = "cirb";

/// Who writes the UrbIS datasets in the audit log.
pub const ACTOR: &str = "system:urbis";

/// Id of the OGC API Features data service.
pub const FEATURES_SERVICE: &str = "urbis-ogc-features";
/// Id of the vector tiles data service.
pub const TILES_SERVICE: &str = "urbis-vector-tiles";

const OGC_FEATURES_CORE: &str = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core";
const OGC_TILES_CORE: &str = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core";
const CC_BY: &str = "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0";

/// The dataset id of a layer: `urbis-addresses`…
pub fn dataset_id(layer: Layer) -> String {
    format!("urbis-{}", layer.id())
}

/// Paradigm / CIRB, the publisher of UrbIS and of this catalogue.
pub fn publisher() -> Agent {
    Agent {
        id: PUBLISHER_ID.into(),
        name: Multilingual::from_pairs([
            (
                Lang::Fr,
                "Paradigm / CIRB — Centre d'Informatique pour la Région Bruxelloise",
            ),
            (
                Lang::Nl,
                "Paradigm / CIBG — Centrum voor Informatica voor het Brussels Gewest",
            ),
            (
                Lang::En,
                "Paradigm / CIRB — Brussels Regional Informatics Centre",
            ),
        ]),
        uri: None,
        agent_type: Some(vocab::uri(vocab::PUBLISHER_TYPE, "RegionalAuthority")),
        email: Some("urbis@paradigm.brussels".into()),
        homepage: Some("https://paradigm.brussels".into()),
        provenance: None,
    }
}

fn contact() -> ContactPoint {
    ContactPoint {
        name: Multilingual::from_pairs([
            (Lang::Fr, "Paradigm — Service UrbIS"),
            (Lang::Nl, "Paradigm — Dienst UrbIS"),
            (Lang::En, "Paradigm — UrbIS service"),
        ]),
        email: Some("urbis@paradigm.brussels".into()),
        url: Some("https://datastore.brussels".into()),
    }
}

fn licence() -> Licence {
    Licence {
        uri: CC_BY.into(),
        label: Multilingual::from_pairs([(Lang::En, "Creative Commons Attribution 4.0")]),
    }
}

fn rights() -> Multilingual {
    Multilingual::from_pairs([
        (
            Lang::Fr,
            "Réalisé au moyen de Brussels UrbIS®© — Distribution & Copyright Paradigm",
        ),
        (
            Lang::Nl,
            "Verwezenlijkt door middel van Brussels UrbIS®© — Verdeling & Copyright Paradigm",
        ),
        (
            Lang::En,
            "Realised by means of Brussels UrbIS®© — Distribution & Copyright Paradigm",
        ),
    ])
}

/// (fr, nl, en) names of a layer and (fr, nl, en) keywords.
fn names(layer: Layer) -> ([&'static str; 3], [&'static [&'static str]; 3]) {
    match layer {
        Layer::Addresses => (
            ["Adresses", "Adressen", "Addresses"],
            [
                &["adresse", "numéro de police", "rue"],
                &["adres", "huisnummer", "straat"],
                &["address", "house number", "street"],
            ],
        ),
        Layer::Buildings => (
            ["Bâtiments", "Gebouwen", "Buildings"],
            [
                &["bâtiment", "bâti", "construction"],
                &["gebouw", "bebouwing"],
                &["building", "built-up area"],
            ],
        ),
        Layer::Parcels => (
            [
                "Parcelles cadastrales",
                "Kadastrale percelen",
                "Cadastral parcels",
            ],
            [
                &["parcelle", "cadastre", "capakey"],
                &["perceel", "kadaster", "capakey"],
                &["parcel", "cadastre", "capakey"],
            ],
        ),
        Layer::Streets => (
            ["Axes de voirie", "Wegassen", "Street axes"],
            [
                &["rue", "voirie", "réseau routier"],
                &["straat", "weg", "wegennet"],
                &["street", "road", "road network"],
            ],
        ),
        Layer::Municipalities => (
            ["Communes", "Gemeenten", "Municipalities"],
            [
                &["commune", "limite administrative"],
                &["gemeente", "administratieve grens"],
                &["municipality", "administrative boundary"],
            ],
        ),
    }
}

fn format_count(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

/// The date part of an RFC 3339 instant.
fn date_of(s: &str) -> Option<String> {
    crate::model::parse_date(s).map(|d| d.to_string())
}

/// The catalogue records of the live UrbIS data: five datasets and two data services.
pub fn records(ds: &urbis_core::Dataset, engine: &CrsEngine, base: &str) -> Vec<Dataset> {
    let generation = ds.generation();
    let modified = generation
        .and_then(|g| g.finished_at.as_deref())
        .and_then(date_of);
    let to_wgs84 = engine.transformer(Crs::Lambert72, Crs::Wgs84).ok();
    let mut out = Vec::new();
    for layer in Layer::ALL {
        let (count, extent) = match ds.layer(layer) {
            Some(l) => (l.len(), l.extent()),
            None => (0, None),
        };
        let bbox = extent
            .zip(to_wgs84.as_ref())
            .and_then(|(r, t)| t.transform_rect(r).ok())
            .map(|r| Bbox {
                west: r.min().x,
                south: r.min().y,
                east: r.max().x,
                north: r.max().y,
            })
            .filter(|b| {
                [b.west, b.south, b.east, b.north]
                    .iter()
                    .all(|v| v.is_finite())
            });
        let ([fr, nl, en], [kfr, knl, ken]) = names(layer);
        let n = format_count(count);
        let gen_fr = generation
            .map(|g| format!(" Génération {} de l'import.", g.id))
            .unwrap_or_default();
        let gen_nl = generation
            .map(|g| format!(" Importgeneratie {}.", g.id))
            .unwrap_or_default();
        let gen_en = generation
            .map(|g| format!(" Import generation {}.", g.id))
            .unwrap_or_default();
        let mut keywords = Keywords::default();
        for (lang, list) in [(Lang::Fr, kfr), (Lang::Nl, knl), (Lang::En, ken)] {
            keywords.add(lang, "UrbIS");
            for k in list.iter() {
                keywords.add(lang, *k);
            }
        }
        let id = dataset_id(layer);
        let mut distributions = Vec::new();
        for f in crate::downloads::formats() {
            let url = format!("{base}/downloads/{}.{}", layer.id(), f.id);
            distributions.push(Distribution {
                id: f.id.into(),
                title: Multilingual::from_pairs([
                    (Lang::Fr, format!("{fr} — {}", f.title).as_str()),
                    (Lang::Nl, format!("{nl} — {}", f.title).as_str()),
                    (Lang::En, format!("{en} — {}", f.title).as_str()),
                ]),
                description: Multilingual::new(),
                access_url: url.clone(),
                download_url: Some(url),
                format: f.file_type.map(str::to_string),
                media_type: Some(f.media_type.into()),
                licence: Some(licence()),
                rights: None,
                byte_size: None,
                conforms_to: Vec::new(),
                access_service: None,
                issued: None,
                modified: modified.clone(),
            });
        }
        distributions.push(Distribution {
            id: "ogc-api-features".into(),
            title: Multilingual::from_pairs([
                (Lang::Fr, format!("{fr} — OGC API Features").as_str()),
                (Lang::Nl, format!("{nl} — OGC API Features").as_str()),
                (Lang::En, format!("{en} — OGC API Features").as_str()),
            ]),
            description: Multilingual::new(),
            access_url: format!("{base}/ogc/collections/{}", layer.id()),
            download_url: None,
            format: Some(vocab::uri(vocab::FILE_TYPE, "GEOJSON")),
            media_type: Some("application/geo+json".into()),
            licence: Some(licence()),
            rights: None,
            byte_size: None,
            conforms_to: vec![OGC_FEATURES_CORE.into()],
            access_service: Some(FEATURES_SERVICE.into()),
            issued: None,
            modified: modified.clone(),
        });
        let mut d = Dataset {
            id,
            kind: Kind::Dataset,
            title: Multilingual::from_pairs([
                (Lang::Fr, format!("UrbIS — {fr}").as_str()),
                (Lang::Nl, format!("UrbIS — {nl}").as_str()),
                (Lang::En, format!("UrbIS — {en}").as_str()),
            ]),
            description: Multilingual::from_pairs([
                (
                    Lang::Fr,
                    format!(
                        "{fr} de la Région de Bruxelles-Capitale, données de référence UrbIS (Lambert 72, EPSG:31370) : {n} entités.{gen_fr}"
                    )
                    .as_str(),
                ),
                (
                    Lang::Nl,
                    format!(
                        "{nl} van het Brussels Hoofdstedelijk Gewest, UrbIS-referentiegegevens (Lambert 72, EPSG:31370): {n} objecten.{gen_nl}"
                    )
                    .as_str(),
                ),
                (
                    Lang::En,
                    format!(
                        "{en} of the Brussels-Capital Region, UrbIS reference data (Lambert 72, EPSG:31370): {n} features.{gen_en}"
                    )
                    .as_str(),
                ),
            ]),
            identifier: None,
            publisher: Some(PUBLISHER_ID.into()),
            contact_point: Some(contact()),
            keywords,
            themes: vec![vocab::uri(vocab::DATA_THEME, "REGI")],
            spatial: Some(Spatial {
                bbox,
                places: vec![vocab::uri(vocab::ATU, "BEL_REG_BRU")],
            }),
            temporal: None,
            frequency: Some(vocab::uri(vocab::FREQUENCY, "QUARTERLY")),
            languages: vec![Lang::Fr.eu_uri(), Lang::Nl.eu_uri()],
            licence: Some(licence()),
            rights: Some(rights()),
            access_rights: Some(vocab::uri(vocab::ACCESS_RIGHT, "PUBLIC")),
            conforms_to: vec!["http://www.opengis.net/def/crs/EPSG/0/31370".into()],
            hvd_categories: vec![vocab::HVD_GEOSPATIAL.into()],
            applicable_legislation: vec![vocab::HVD_LEGISLATION.into()],
            issued: None,
            modified: modified.clone(),
            landing_page: None,
            lineage: None,
            in_series: Vec::new(),
            distributions,
            service: None,
            record: Default::default(),
        };
        d.record.origin = Origin::System;
        d.record.published = true;
        out.push(d);
    }
    let served: Vec<String> = Layer::ALL.iter().map(|l| dataset_id(*l)).collect();
    let service =
        |id: &str, titles: [&str; 3], descs: [&str; 3], endpoint: String, conforms: &str| {
            let mut d = Dataset {
                id: id.into(),
                kind: Kind::Service,
                title: Multilingual::from_pairs([
                    (Lang::Fr, titles[0]),
                    (Lang::Nl, titles[1]),
                    (Lang::En, titles[2]),
                ]),
                description: Multilingual::from_pairs([
                    (Lang::Fr, descs[0]),
                    (Lang::Nl, descs[1]),
                    (Lang::En, descs[2]),
                ]),
                publisher: Some(PUBLISHER_ID.into()),
                contact_point: Some(contact()),
                themes: vec![vocab::uri(vocab::DATA_THEME, "REGI")],
                licence: Some(licence()),
                access_rights: Some(vocab::uri(vocab::ACCESS_RIGHT, "PUBLIC")),
                conforms_to: vec![conforms.into()],
                hvd_categories: vec![vocab::HVD_GEOSPATIAL.into()],
                applicable_legislation: vec![vocab::HVD_LEGISLATION.into()],
                languages: vec![Lang::Fr.eu_uri(), Lang::Nl.eu_uri()],
                spatial: Some(Spatial {
                    bbox: None,
                    places: vec![vocab::uri(vocab::ATU, "BEL_REG_BRU")],
                }),
                modified: modified.clone(),
                service: Some(ServiceInfo {
                    endpoint_url: endpoint,
                    endpoint_description: None,
                    serves_dataset: served.clone(),
                }),
                ..Default::default()
            };
            d.record.origin = Origin::System;
            d.record.published = true;
            d
        };
    out.push(service(
        FEATURES_SERVICE,
        [
            "UrbIS — OGC API Features",
            "UrbIS — OGC API Features",
            "UrbIS — OGC API Features",
        ],
        [
            "Service OGC API Features des couches UrbIS : adresses, bâtiments, parcelles, axes de voirie, communes.",
            "OGC API Features-dienst van de UrbIS-lagen: adressen, gebouwen, percelen, wegassen, gemeenten.",
            "OGC API Features service of the UrbIS layers: addresses, buildings, parcels, street axes, municipalities.",
        ],
        format!("{base}/ogc"),
        OGC_FEATURES_CORE,
    ));
    out.push(service(
        TILES_SERVICE,
        [
            "UrbIS — Tuiles vectorielles",
            "UrbIS — Vectortegels",
            "UrbIS — Vector tiles",
        ],
        [
            "Tuiles vectorielles (Mapbox Vector Tiles) des couches UrbIS, conformes à OGC API Tiles.",
            "Vectortegels (Mapbox Vector Tiles) van de UrbIS-lagen, volgens OGC API Tiles.",
            "Vector tiles (Mapbox Vector Tiles) of the UrbIS layers, following OGC API Tiles.",
        ],
        format!("{base}/tiles/urbis.json"),
        OGC_TILES_CORE,
    ));
    out
}

/// Two records are the same content, their catalogue records aside.
fn same_content(a: &Dataset, b: &Dataset) -> bool {
    let mut a = a.clone();
    a.record = b.record.clone();
    a == *b
}

/// Bring the UrbIS records (and their publisher) in line with the live data; returns how many
/// records were written.
pub async fn sync(
    state: &CatalogState,
    ds: &urbis_core::Dataset,
    engine: &CrsEngine,
    base: &str,
) -> Result<usize, CatalogError> {
    let agent = publisher();
    if state.store.get_publisher(&agent.id).await?.as_ref() != Some(&agent) {
        state.store.put_publisher(&agent, ACTOR).await?;
    }
    let mut written = 0;
    for rec in records(ds, engine, base) {
        match state.store.get_dataset(&rec.id).await? {
            Some(old) if same_content(&old, &rec) => {}
            Some(old) => {
                // Keep an administrator's unpublish.
                let mut rec = rec;
                rec.record.published = old.record.published;
                state.put_dataset(&rec, ACTOR).await?;
                written += 1;
            }
            None => {
                state.put_dataset(&rec, ACTOR).await?;
                written += 1;
            }
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_valid() {
        let ds = urbis_core::Dataset::default();
        let recs = records(&ds, &CrsEngine::helmert(), "http://127.0.0.1:8080");
        assert_eq!(recs.len(), 7);
        for r in &recs {
            assert!(r.validate().is_empty(), "{}: {:?}", r.id, r.validate());
        }
        assert_eq!(recs[0].id, "urbis-addresses");
        assert!(recs[0]
            .distributions
            .iter()
            .any(|d| d.access_url == "http://127.0.0.1:8080/downloads/addresses.gpkg"));
        assert!(publisher().validate().is_empty());
        assert_eq!(format_count(31856), "31\u{202f}856");
    }
}
