//! CKAN action API packages (`package_show` results, `package_search` pages) → the catalogue
//! model.

use datastore_api::model::{
    vocab, Bbox, ContactPoint, Dataset, Distribution, Lang, Multilingual, Spatial, Temporal,
};
use serde_json::Value;

use super::{date, file_type, frequency, licence_from_text, media_type, Failed, Mapped, Parsed};

/// A `package_search` page: the mapped packages and the declared count.
#[derive(Debug, Default)]
pub struct SearchPage {
    pub parsed: Parsed,
    pub count: Option<u64>,
    /// Packages on this page (mapped or failed).
    pub returned: usize,
}

/// Parse a CKAN API response: `package_search` (`result.results`) or `package_show`
/// (`result` is one package), or a bare package.
pub fn parse_response(body: &[u8], default_lang: Lang) -> Result<SearchPage, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    if v.get("success").and_then(Value::as_bool) == Some(false) {
        let msg = v
            .pointer("/error/message")
            .and_then(Value::as_str)
            .unwrap_or("no message");
        return Err(format!("the CKAN API answered success=false: {msg}"));
    }
    let result = v.get("result").unwrap_or(&v);
    let mut page = SearchPage::default();
    let packages: Vec<&Value> = match result.get("results").and_then(Value::as_array) {
        Some(list) => {
            page.count = result.get("count").and_then(Value::as_u64);
            list.iter().collect()
        }
        None if result.get("id").is_some() || result.get("name").is_some() => vec![result],
        None => return Err("neither a package_search nor a package_show result".into()),
    };
    page.returned = packages.len();
    for p in packages {
        match map_package(p, default_lang) {
            Ok(m) => page.parsed.records.push(m),
            Err(f) => page.parsed.failed.push(f),
        }
    }
    Ok(page)
}

fn s<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

fn translated(v: &Value, k: &str, plain: Option<&str>, lang: Lang) -> Multilingual {
    let mut m = Multilingual::new();
    if let Some(t) = plain {
        m.set(lang, t);
    }
    if let Some(obj) = v.get(format!("{k}_translated")).and_then(Value::as_object) {
        for (l, t) in obj {
            if let (Some(l), Some(t)) = (Lang::parse(l), t.as_str()) {
                m.set(l, t);
            }
        }
    }
    m
}

/// Map one CKAN package.
pub fn map_package(p: &Value, lang: Lang) -> Result<Mapped, Failed> {
    let Some(id) = s(p, "id").or_else(|| s(p, "name")) else {
        return Err(Failed {
            original_id: None,
            reason: "a package without an id".into(),
        });
    };
    let mut unmapped = Vec::new();
    let extras: Vec<(String, String)> = p
        .get("extras")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|e| {
                    let k = s(e, "key")?;
                    let v = match e.get("value")? {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    Some((k.to_string(), v))
                })
                .collect()
        })
        .unwrap_or_default();
    let extra = |k: &str| {
        extras
            .iter()
            .find(|(kk, _)| kk == k)
            .map(|(_, v)| v.as_str())
    };
    let dataset_uri = extra("uri")
        .or(extra("dcat_uri"))
        .filter(|u| u.starts_with("http"))
        .map(str::to_string);
    let mut ds = Dataset {
        title: translated(p, "title", s(p, "title").or(s(p, "name")), lang),
        description: translated(p, "notes", s(p, "notes"), lang),
        identifier: extra("identifier")
            .or(extra("guid"))
            .map(str::to_string)
            .or_else(|| Some(id.to_string())),
        ..Default::default()
    };
    if ds.description.is_empty() {
        ds.description = ds.title.clone();
        unmapped.push("no notes: the title is used as the description".into());
    }
    if let Some(tags) = p.get("tags").and_then(Value::as_array) {
        for t in tags {
            if let Some(n) = s(t, "display_name").or_else(|| s(t, "name")) {
                ds.keywords.add(lang, n);
            }
        }
    }
    if let Some(groups) = p.get("groups").and_then(Value::as_array) {
        for g in groups {
            if let Some(n) = s(g, "title").or_else(|| s(g, "name")) {
                unmapped.push(format!("group `{n}`"));
            }
        }
    }
    let lic_text = [
        s(p, "license_url"),
        s(p, "license_id"),
        s(p, "license_title"),
    ];
    ds.licence = lic_text.iter().flatten().find_map(|t| licence_from_text(t));
    if ds.licence.is_none() {
        if let Some(l) = lic_text.iter().flatten().next() {
            unmapped.push(format!("licence `{l}` not recognised"));
        }
    }
    ds.issued = s(p, "metadata_created").and_then(date);
    ds.modified = s(p, "metadata_modified").and_then(date);
    ds.landing_page = s(p, "url")
        .filter(|u| datastore_api::model::is_uri(u))
        .map(str::to_string);
    let email = s(p, "maintainer_email").or_else(|| s(p, "author_email"));
    let name = s(p, "maintainer").or_else(|| s(p, "author"));
    if email.is_some() || name.is_some() {
        ds.contact_point = Some(ContactPoint {
            name: name
                .map(|n| Multilingual::new().with(lang, n))
                .unwrap_or_default(),
            email: email
                .filter(|e| datastore_api::model::is_email(e))
                .map(str::to_string),
            url: None,
        });
    }
    if let Some(org) = p.get("organization").and_then(|o| s(o, "title")) {
        unmapped.push(format!(
            "organization `{org}`: the source's configured publisher is used"
        ));
    }
    if let Some(sp) = extra("spatial") {
        match serde_json::from_str::<Value>(sp)
            .ok()
            .as_ref()
            .and_then(geojson_bbox)
        {
            Some(b) => {
                ds.spatial = Some(Spatial {
                    bbox: Some(b),
                    places: vec![],
                })
            }
            None => unmapped.push("spatial extra is not a GeoJSON geometry in degrees".into()),
        }
    }
    let start = extra("temporal_start")
        .or(extra("temporal_coverage-from"))
        .and_then(date);
    let end = extra("temporal_end")
        .or(extra("temporal_coverage-to"))
        .and_then(date);
    if start.is_some() || end.is_some() {
        ds.temporal = Some(Temporal { start, end });
    }
    if let Some(f) = extra("frequency").or(extra("accrual_periodicity")) {
        ds.frequency = frequency(f);
    }
    if let Some(l) = s(p, "language").and_then(Lang::parse) {
        ds.languages.push(l.eu_uri());
    }
    if let Some(res) = p.get("resources").and_then(Value::as_array) {
        for (i, r) in res.iter().enumerate() {
            let Some(url) = s(r, "url").filter(|u| datastore_api::model::is_uri(u)) else {
                unmapped.push(format!("resource {} without an http(s) URL", i + 1));
                continue;
            };
            let fmt = s(r, "format");
            let format = fmt
                .and_then(file_type)
                .or_else(|| s(r, "mimetype").and_then(file_type));
            if let (Some(f), None) = (fmt, &format) {
                unmapped.push(format!("format `{f}` has no EU file type"));
            }
            ds.distributions.push(Distribution {
                id: format!("d{}", i + 1),
                title: s(r, "name")
                    .map(|n| Multilingual::new().with(lang, n))
                    .unwrap_or_default(),
                description: s(r, "description")
                    .map(|n| Multilingual::new().with(lang, n))
                    .unwrap_or_default(),
                access_url: url.to_string(),
                download_url: Some(url.to_string()),
                media_type: s(r, "mimetype")
                    .filter(|m| m.contains('/'))
                    .map(str::to_string)
                    .or_else(|| {
                        format
                            .as_deref()
                            .and_then(|f| media_type(vocab::code(f)))
                            .map(str::to_string)
                    }),
                format,
                byte_size: r.get("size").and_then(Value::as_u64),
                issued: s(r, "created").and_then(date),
                modified: s(r, "last_modified").and_then(date),
                ..Default::default()
            });
        }
    }
    Ok(Mapped {
        original_id: id.to_string(),
        dataset_uri,
        dataset: ds,
        unmapped,
    })
}

/// The envelope of a GeoJSON geometry's coordinates, when in degrees.
pub fn geojson_bbox(g: &Value) -> Option<Bbox> {
    fn walk(v: &Value, acc: &mut Vec<(f64, f64)>) {
        if let Some(a) = v.as_array() {
            if a.len() >= 2 && a[0].is_number() && a[1].is_number() {
                if let (Some(x), Some(y)) = (a[0].as_f64(), a[1].as_f64()) {
                    acc.push((x, y));
                }
            } else {
                for c in a {
                    walk(c, acc);
                }
            }
        }
    }
    let mut pts = Vec::new();
    walk(g.get("coordinates")?, &mut pts);
    if pts.is_empty() {
        return None;
    }
    let (mut w, mut s, mut e, mut n) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for (x, y) in pts {
        w = w.min(x);
        e = e.max(x);
        s = s.min(y);
        n = n.max(y);
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
    use crate::map::testdata::shared;

    #[test]
    fn package_show_field_by_field() {
        let Some(doc) = shared("ckan/ckan-functional-tests/ckanfunctionaltests/api/example_responses/package_show.json") else { return };
        let page = parse_response(doc.as_bytes(), Lang::En).unwrap();
        assert_eq!(page.parsed.records.len(), 1, "{:?}", page.parsed.failed);
        let m = &page.parsed.records[0];
        let v: Value = serde_json::from_str(&doc).unwrap();
        let r = &v["result"];
        assert_eq!(m.original_id, r["id"].as_str().unwrap());
        assert_eq!(m.dataset.title.get(Lang::En), r["title"].as_str());
        assert_eq!(
            m.dataset.distributions.len(),
            r["resources"].as_array().unwrap().len()
        );
        for (d, res) in m
            .dataset
            .distributions
            .iter()
            .zip(r["resources"].as_array().unwrap())
        {
            assert_eq!(d.access_url, res["url"].as_str().unwrap());
        }
        assert_eq!(
            m.dataset.keywords.len(),
            r["tags"].as_array().unwrap().len()
        );
    }

    #[test]
    fn package_search_pages() {
        let Some(doc) = shared("ckan/ckan-functional-tests/ckanfunctionaltests/api/example_responses/package_search.json") else { return };
        let page = parse_response(doc.as_bytes(), Lang::En).unwrap();
        assert!(page.count.is_some());
        assert_eq!(
            page.returned,
            page.parsed.records.len() + page.parsed.failed.len()
        );
        assert!(page.returned > 0);
        assert!(parse_response(
            br#"{"success": false, "error": {"message": "boom"}}"#,
            Lang::En
        )
        .is_err());
    }
}
