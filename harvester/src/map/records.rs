//! OGC API Records (GeoJSON record features, `items` pages) → the catalogue model.

use datastore_api::model::{
    vocab, ContactPoint, Dataset, Distribution, Kind, Lang, Multilingual, ServiceInfo, Spatial,
    Temporal,
};
use serde_json::Value;

use super::ckan::geojson_bbox;
use super::{date, file_type, licence_from_text, Failed, Mapped, Parsed};

/// An `items` page.
#[derive(Debug, Default)]
pub struct ItemsPage {
    pub parsed: Parsed,
    /// The `rel=next` link.
    pub next: Option<String>,
    pub matched: Option<u64>,
    pub returned: usize,
}

fn s<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// Parse a record collection page or a single record.
pub fn parse_response(body: &[u8], default_lang: Lang) -> Result<ItemsPage, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let mut page = ItemsPage::default();
    let feats: Vec<&Value> = match (s(&v, "type"), v.get("features").and_then(Value::as_array)) {
        (Some("FeatureCollection"), Some(f)) => f.iter().collect(),
        (Some("Feature"), _) => vec![&v],
        _ => return Err("neither a record (Feature) nor a FeatureCollection of records".into()),
    };
    page.returned = feats.len();
    page.matched = v.get("numberMatched").and_then(Value::as_u64);
    if let Some(links) = v.get("links").and_then(Value::as_array) {
        page.next = links
            .iter()
            .filter(|l| s(l, "rel") == Some("next"))
            .find(|l| s(l, "type").is_none_or(|t| t.contains("json")))
            .and_then(|l| s(l, "href"))
            .map(str::to_string);
    }
    for f in feats {
        match map_record(f, default_lang) {
            Ok(m) => page.parsed.records.push(m),
            Err(e) => page.parsed.failed.push(e),
        }
    }
    Ok(page)
}

/// Map one record.
pub fn map_record(f: &Value, lang: Lang) -> Result<Mapped, Failed> {
    let Some(id) = s(f, "id")
        .map(str::to_string)
        .or_else(|| f.get("id").filter(|i| i.is_number()).map(|i| i.to_string()))
    else {
        return Err(Failed {
            original_id: None,
            reason: "a record without an id".into(),
        });
    };
    let p = f.get("properties").cloned().unwrap_or(Value::Null);
    let rec_lang = p
        .pointer("/language/code")
        .and_then(Value::as_str)
        .and_then(Lang::parse)
        .unwrap_or(lang);
    let mut unmapped = Vec::new();
    let text = |k: &str| {
        s(&p, k)
            .map(|t| Multilingual::new().with(rec_lang, t))
            .unwrap_or_default()
    };
    let mut ds = Dataset {
        kind: match s(&p, "type") {
            Some("service") => Kind::Service,
            Some("series") => Kind::Series,
            _ => Kind::Dataset,
        },
        title: text("title"),
        description: text("description"),
        identifier: Some(id.clone()),
        ..Default::default()
    };
    if ds.description.is_empty() {
        ds.description = ds.title.clone();
    }
    if let Some(k) = p.get("keywords").and_then(Value::as_array) {
        for w in k.iter().filter_map(Value::as_str) {
            ds.keywords.add(rec_lang, w);
        }
    }
    if let Some(th) = p.get("themes").and_then(Value::as_array) {
        for t in th {
            let scheme = s(t, "scheme").unwrap_or("");
            for c in t
                .get("concepts")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let uri = s(c, "url").map(str::to_string).or_else(|| {
                    s(c, "id")
                        .filter(|_| scheme.starts_with(vocab::DATA_THEME))
                        .map(|i| vocab::uri(vocab::DATA_THEME, i))
                });
                match uri {
                    Some(u) if u.starts_with(vocab::DATA_THEME) => {
                        super::push_unique(&mut ds.themes, u)
                    }
                    _ => {
                        if let Some(i) = s(c, "id") {
                            ds.keywords.add(rec_lang, i);
                        }
                    }
                }
            }
            if !scheme.is_empty() && !scheme.starts_with(vocab::DATA_THEME) {
                unmapped.push(format!("theme scheme {scheme}: concepts kept as keywords"));
            }
        }
    }
    for l in p
        .get("languages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(l) = l.get("code").and_then(Value::as_str).and_then(Lang::parse) {
            super::push_unique(&mut ds.languages, l.eu_uri());
        }
    }
    ds.issued = s(&p, "created").and_then(date);
    ds.modified = s(&p, "updated").and_then(date);
    if let Some(b) = f.get("geometry").and_then(geojson_bbox) {
        ds.spatial = Some(Spatial {
            bbox: Some(b),
            places: vec![],
        });
    }
    let time = f.get("time").or_else(|| p.get("time"));
    if let Some(t) = time {
        let iv = t.get("interval").and_then(Value::as_array);
        let start = iv
            .and_then(|a| a.first())
            .and_then(Value::as_str)
            .filter(|x| *x != "..")
            .and_then(date)
            .or_else(|| s(t, "date").and_then(date));
        let end = iv
            .and_then(|a| a.get(1))
            .and_then(Value::as_str)
            .filter(|x| *x != "..")
            .and_then(date);
        if start.is_some() || end.is_some() {
            ds.temporal = Some(Temporal { start, end });
        }
    }
    if let Some(c) = p
        .get("contacts")
        .and_then(Value::as_array)
        .and_then(|c| c.first())
    {
        let name = s(c, "organization").or_else(|| s(c, "name"));
        let email = c.pointer("/emails/0/value").and_then(Value::as_str);
        let url = c.pointer("/links/0/href").and_then(Value::as_str);
        ds.contact_point = Some(ContactPoint {
            name: name
                .map(|n| Multilingual::new().with(rec_lang, n))
                .unwrap_or_default(),
            email: email
                .filter(|e| datastore_api::model::is_email(e))
                .map(str::to_string),
            url: url
                .filter(|u| datastore_api::model::is_uri(u))
                .map(str::to_string),
        });
    }
    let links: Vec<&Value> = f
        .get("links")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let licence_link = links
        .iter()
        .find(|l| s(l, "rel") == Some("license"))
        .and_then(|l| s(l, "href"));
    ds.licence = s(&p, "license")
        .and_then(licence_from_text)
        .or_else(|| licence_link.and_then(licence_from_text));
    if ds.licence.is_none() {
        if let Some(h) = licence_link.filter(|h| datastore_api::model::is_uri(h)) {
            ds.licence = Some(datastore_api::model::Licence {
                uri: h.to_string(),
                label: Multilingual::new(),
            });
        } else if let Some(l) = s(&p, "license") {
            unmapped.push(format!("licence `{l}` not recognised"));
        }
    }
    if let Some(r) = s(&p, "rights") {
        ds.rights = Some(Multilingual::new().with(rec_lang, r));
    }
    let mut n = 0;
    for l in &links {
        let Some(href) = s(l, "href").filter(|h| datastore_api::model::is_uri(h)) else {
            continue;
        };
        let rel = s(l, "rel").unwrap_or("");
        let ty = s(l, "type");
        let title = s(l, "title")
            .map(|t| Multilingual::new().with(rec_lang, t))
            .unwrap_or_default();
        match rel {
            "enclosure" | "data" | "item" | "describes" | "service" => {
                n += 1;
                let upper = href.to_ascii_uppercase();
                let (format, conforms) = if upper.contains("SERVICE=WMS") {
                    (
                        Some(vocab::uri(vocab::FILE_TYPE, "WMS_SRVC")),
                        Some("http://www.opengis.net/def/serviceType/ogc/wms"),
                    )
                } else if upper.contains("SERVICE=WFS") {
                    (
                        Some(vocab::uri(vocab::FILE_TYPE, "WFS_SRVC")),
                        Some("http://www.opengis.net/def/serviceType/ogc/wfs"),
                    )
                } else {
                    (ty.and_then(file_type), None)
                };
                let download = (rel == "enclosure" && conforms.is_none()).then(|| href.to_string());
                if ds.kind == Kind::Service && ds.service.is_none() && conforms.is_some() {
                    ds.service = Some(ServiceInfo {
                        endpoint_url: href.to_string(),
                        endpoint_description: None,
                        serves_dataset: vec![],
                    });
                }
                ds.distributions.push(Distribution {
                    id: format!("d{n}"),
                    title,
                    access_url: href.to_string(),
                    download_url: download,
                    format,
                    media_type: ty
                        .filter(|t| t.contains('/') && !t.contains(';'))
                        .map(str::to_string),
                    conforms_to: conforms.map(|c| vec![c.to_string()]).unwrap_or_default(),
                    ..Default::default()
                });
            }
            "alternate" | "about" | "collection" | "search" => {
                if ds.landing_page.is_none() && ty.is_none_or(|t| t.contains("html")) {
                    ds.landing_page = Some(href.to_string());
                }
            }
            "license" | "self" | "preview" => {}
            other => unmapped.push(format!("link rel `{other}`")),
        }
    }
    if ds.kind == Kind::Service && ds.service.is_none() {
        unmapped.push("a service record without a service endpoint link".into());
    }
    Ok(Mapped {
        original_id: id.clone(),
        dataset_uri: Some(id).filter(|i| i.starts_with("http") || i.starts_with("urn:")),
        dataset: ds,
        unmapped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::testdata::shared;

    #[test]
    fn ogc_api_record_example_field_by_field() {
        let Some(doc) = shared("ogcapi-records/ogcapi-records/core/examples/json/record.json")
        else {
            return;
        };
        let p = parse_response(doc.as_bytes(), Lang::Fr).unwrap();
        let m = &p.parsed.records[0];
        let d = &m.dataset;
        assert_eq!(m.original_id, "urn:x-wmo:md:int.wmo.wis::https://geo.woudc.org/def/data/ozone/total-column-ozone/totalozone");
        assert_eq!(
            d.title.get(Lang::En),
            Some("Total Ozone - daily observations")
        );
        let b = d.spatial.as_ref().unwrap().bbox.unwrap();
        assert_eq!(
            (b.west, b.south, b.east, b.north),
            (-180.0, -90.0, 180.0, 90.0)
        );
        assert_eq!(
            d.temporal.as_ref().unwrap().start.as_deref(),
            Some("1924-08-17T00:00:00Z")
        );
        assert!(d.temporal.as_ref().unwrap().end.is_none());
        assert!(d.keywords.0[&Lang::En].contains(&"ozone".to_string()));
        let zip = d
            .distributions
            .iter()
            .find(|x| x.access_url.ends_with("totalozone.zip"))
            .unwrap();
        assert!(zip.format.as_deref().unwrap().ends_with("/ZIP"));
        assert_eq!(
            zip.download_url.as_deref(),
            Some("https://woudc.org/archive/Summaries/dataset-snapshots/totalozone.zip")
        );
        let wms = d
            .distributions
            .iter()
            .find(|x| x.access_url.contains("service=WMS"))
            .unwrap();
        assert!(wms.format.as_deref().unwrap().ends_with("/WMS_SRVC"));
        assert_eq!(
            d.licence.as_ref().unwrap().uri,
            "https://woudc.org/about/data-policy.php"
        );
    }
}
