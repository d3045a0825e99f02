//! The geocoder over HTTP on the real centre data: GeocodeJSON endpoints, the official-compatible
//! `/localization/Rest/Localize/...` endpoints (response shape asserted field by field), the CLI,
//! and bad input (400 problem+json, never a panic).

mod common;

use common::{import, shared, urbis, Server};
use serde_json::Value;

/// Import the centre GeoPackage into a fresh store and start the server on it.
fn centre_server() -> Option<(tempfile::TempDir, Server)> {
    let gpkg = shared("data/urbis/UrbISVector_centre_31370.gpkg")?;
    let dir = tempfile::tempdir().expect("tempdir");
    import(dir.path(), &gpkg);
    let server = Server::start(dir.path());
    Some((dir, server))
}

fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn first(fc: &Value) -> &Value {
    &fc["features"][0]["properties"]["geocoding"]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn geocoder_over_http_on_real_data() {
    let Some((dir, server)) = centre_server() else {
        return;
    };

    // French and Dutch free text find the same address (fid 236).
    for q in [
        "Rue de la Loi 75 1040",
        "Wetstraat 75 Brussel",
        "wetstr. 75, 1040 Bruxelles",
        "RUE DE LA LOI 75",
        "Rue de la Lio 75 Bruxelles",
        "75 rue de la loi",
        "Rue de la Loi 75 bte 3",
    ] {
        let (status, ct, fc) = server.get_json(&format!("/geocode?q={}", enc(q))).await;
        assert_eq!(status, 200, "{q}: {fc}");
        assert!(ct.starts_with("application/geo+json"), "{ct}");
        assert_eq!(fc["type"], "FeatureCollection");
        assert_eq!(fc["geocoding"]["version"], "0.1.0");
        assert_eq!(fc["geocoding"]["stale"], false);
        let g = first(&fc);
        assert_eq!(g["address_fid"], 236, "{q}: {fc}");
        assert_eq!(g["type"], "house");
        assert_eq!(g["match_type"], "exact");
        assert_eq!(g["housenumber"], "75");
        assert_eq!(g["postcode"], "1040");
        assert_eq!(g["address"]["fr"]["street"], "Rue de la Loi");
        assert_eq!(g["address"]["nl"]["street"], "Wetstraat");
        let label = g["address"]["fr"]["label"].as_str().unwrap_or("");
        assert!(
            label == "Rue de la Loi 75, 1040 Bruxelles"
                || label == "Rue de la Loi 75 bte 3, 1040 Bruxelles",
            "{label}"
        );
        assert_eq!(g["municipality_nis"], "21004");
        assert!(g["confidence"].as_f64().unwrap_or(0.0) > 0.5, "{q}: {g}");
        let c = &fc["features"][0]["geometry"]["coordinates"];
        let (lon, lat) = (c[0].as_f64().unwrap_or(0.0), c[1].as_f64().unwrap_or(0.0));
        assert!(
            (lon - 4.3755).abs() < 0.001 && (lat - 50.8439).abs() < 0.001,
            "{c}"
        );
    }
    // Labels follow lang=; the CRS of the point follows crs=.
    let (_, _, fc) = server
        .get_json("/geocode?q=Rue%20de%20la%20Loi%2075&lang=nl&crs=31370")
        .await;
    assert_eq!(first(&fc)["label"], "Wetstraat 75, 1040 Brussel");
    let c = &fc["features"][0]["geometry"]["coordinates"];
    assert!(
        (c[0].as_f64().unwrap_or(0.0) - 150478.27).abs() < 0.01,
        "{c}"
    );
    let (_, _, fc) = server.get_json("/geocode?q=Wetstraat%2075&crs=3812").await;
    assert!(
        fc["features"][0]["geometry"]["coordinates"][0]
            .as_f64()
            .unwrap_or(0.0)
            > 600000.0
    );

    // A number the street does not have: interpolated or the street, never another street.
    let (_, _, fc) = server
        .get_json("/geocode?q=Rue%20de%20la%20Loi%209999")
        .await;
    let g = first(&fc);
    assert!(
        g["match_type"] == "interpolated" || g["match_type"] == "street",
        "{g}"
    );
    assert_eq!(g["address"]["fr"]["street"], "Rue de la Loi");

    // Autocomplete, structured.
    let (status, _, fc) = server
        .get_json("/geocode/autocomplete?q=Rue%20de%20la%20Lo&limit=10")
        .await;
    assert_eq!(status, 200);
    let streets: Vec<&str> = fc["features"]
        .as_array()
        .map(|f| {
            f.iter()
                .filter_map(|f| f["properties"]["geocoding"]["address"]["fr"]["street"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert!(streets.contains(&"Rue de la Loi"), "{streets:?}");
    let (_, _, fc) = server
        .get_json("/geocode/structured?street=Wetstraat&number=75&postcode=1040")
        .await;
    assert_eq!(first(&fc)["address_fid"], 236);

    // Reverse at the Grand-Place.
    let (status, _, fc) = server
        .get_json("/geocode/reverse?lon=4.3525&lat=50.8467")
        .await;
    assert_eq!(status, 200);
    let g = first(&fc);
    assert_eq!(g["type"], "house");
    assert_eq!(g["municipality_nis"], "21004");
    assert!(g["distance"].as_f64().unwrap_or(1e9) < 100.0, "{g}");
    assert!(g["address"]["fr"]["street"].is_string() && g["address"]["nl"]["street"].is_string());

    // The CLI.
    let out = urbis(
        dir.path(),
        &["geocode", "Wetstraat 75 Brussel", "--limit", "1"],
    );
    let fc: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(first(&fc)["address_fid"], 236);
    let out = urbis(dir.path(), &["reverse", "4.3755429", "50.8439322"]);
    let fc: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(first(&fc)["address"]["nl"]["street"], "Wetstraat");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_compatible_endpoints() {
    let Some((_dir, server)) = centre_server() else {
        return;
    };
    let (status, ct, body) = server
        .get_json("/localization/Rest/Localize/getaddresses?address=Rue%20de%20la%20Loi%2075%2C%201040%20Bruxelles&language=fr&spatialReference=4326")
        .await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("application/json"));
    assert_eq!(body["error"], false);
    assert_eq!(body["status"], "success");
    assert_eq!(body["version"], "2.0.2");
    let r = &body["result"][0];
    assert_eq!(r["language"], "fr");
    assert_eq!(r["address"]["street"]["name"], "Rue de la Loi");
    assert_eq!(r["address"]["street"]["postCode"], "1040");
    assert_eq!(r["address"]["street"]["municipality"], "Bruxelles");
    assert_eq!(r["address"]["street"]["id"], "131");
    assert_eq!(r["address"]["number"], "75");
    assert!(
        r["adNc"]
            .as_str()
            .is_some_and(|s| s.starts_with("1040") && s.ends_with("75")),
        "{r}"
    );
    let score = r["score"].as_f64().unwrap_or(0.0);
    assert!((50.0..=100.0).contains(&score), "{score}");
    let (x, y) = (
        r["point"]["x"].as_f64().unwrap_or(0.0),
        r["point"]["y"].as_f64().unwrap_or(0.0),
    );
    assert!(
        (x - 4.3755).abs() < 0.001 && (y - 50.8439).abs() < 0.001,
        "{r}"
    );
    assert_eq!(r["extent"]["xmin"].as_f64(), Some(x));
    assert_eq!(r["extent"]["ymax"].as_f64(), Some(y));
    for k in ["policeNumber", "postCode", "municipality", "streetName"] {
        assert_eq!(r["qualificationText"][k], "Found", "{k}: {r}");
        assert_eq!(r["qualificationCode"][k], 1, "{k}: {r}");
    }

    // Dutch, Lambert 72 (the default).
    let (_, _, body) = server
        .get_json("/localization/Rest/Localize/getaddresses?address=Wetstraat%2075&language=nl")
        .await;
    let r = &body["result"][0];
    assert_eq!(r["address"]["street"]["name"], "Wetstraat");
    assert_eq!(r["address"]["street"]["municipality"], "Brussel");
    assert!((r["point"]["x"].as_f64().unwrap_or(0.0) - 150478.27).abs() < 0.01);
    assert_eq!(r["qualificationText"]["postCode"], "NotProvided");

    // Structured.
    let json = r#"{"language":"fr","address":{"street":{"name":"Rue de la Loi","postcode":"1040"},"number":"75"},"spatialReference":"31370"}"#;
    let (status, _, body) = server
        .get_json(&format!(
            "/localization/Rest/Localize/getaddressesfields?json={}",
            enc(json)
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "success");
    assert_eq!(body["result"][0]["address"]["number"], "75");
    assert_eq!(
        body["result"][0]["qualificationText"]["policeNumber"],
        "Found"
    );

    // Reverse with the official quirk: SRS_In 4326 takes x = latitude, y = longitude.
    let json = r#"{"language":"nl","point":{"x":50.84393,"y":4.37554},"SRS_In":4326}"#;
    let (status, _, body) = server
        .get_json(&format!(
            "/localization/Rest/Localize/getaddressfromxy?json={}",
            enc(json)
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    let r = &body["result"][0];
    assert_eq!(r["address"]["street"]["name"], "Wetstraat");
    assert_eq!(r["address"]["number"], "75");
    assert_eq!(r["addresspointid"], 236);
    assert_eq!(r["geocodematchcode"], 1);
    assert!(r.get("streetaxisid").is_some() && r.get("streetsectionid").is_some());
    // Output points are normal: x = longitude.
    assert!(
        (r["point"]["x"].as_f64().unwrap_or(0.0) - 4.3755).abs() < 0.001,
        "{r}"
    );

    // No match.
    let (_, _, body) = server
        .get_json("/localization/Rest/Localize/getaddresses?address=Xqzwvk%20Plmnbv&language=fr")
        .await;
    assert_eq!(body["status"], "noresult");
    assert_eq!(body["result"], serde_json::json!([]));

    // JSONP.
    let resp = reqwest::get(server.url(
        "/localization/Rest/Localize/getaddresses?address=Wetstraat%2075&language=nl&callback=jQuery123_456&_=1700000000",
    ))
    .await
    .expect("request");
    assert_eq!(resp.status(), 200);
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(ct.starts_with("application/javascript"), "{ct}");
    let text = resp.text().await.expect("body");
    let inner = text
        .strip_prefix("/**/jQuery123_456(")
        .and_then(|t| t.strip_suffix(");"))
        .unwrap_or_else(|| panic!("not JSONP: {text}"));
    let v: Value = serde_json::from_str(inner).expect("JSON inside JSONP");
    assert_eq!(v["status"], "success");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_a_400_problem() {
    let Some((_dir, server)) = centre_server() else {
        return;
    };
    let long = "a".repeat(10_000);
    let cases: Vec<(String, &str)> = vec![
        ("/geocode".into(), "q"),
        ("/geocode?q=".into(), "q"),
        ("/geocode?q=%20%20".into(), "q"),
        (format!("/geocode?q={long}"), "q"),
        ("/geocode?q=Wetstraat&lang=de".into(), "lang"),
        ("/geocode?q=Wetstraat&limit=0".into(), "limit"),
        ("/geocode?q=Wetstraat&limit=100000".into(), "limit"),
        ("/geocode?q=Wetstraat&focus=abc".into(), "focus"),
        ("/geocode?q=Wetstraat&bbox=1,2,3".into(), "bbox"),
        ("/geocode?q=Wetstraat&crs=EPSG:9999".into(), "crs"),
        ("/geocode?q=Wetstraat&foo=1".into(), "foo"),
        ("/geocode/autocomplete?q=".into(), "q"),
        ("/geocode/structured?number=5".into(), "street"),
        ("/geocode/structured?street=Wetstraat&postcode=abc".into(), "postcode"),
        ("/geocode/reverse?lon=4.35".into(), "lat"),
        ("/geocode/reverse?lon=500&lat=50".into(), "lon"),
        ("/geocode/reverse?lon=NaN&lat=50".into(), "lon"),
        ("/geocode/reverse?lon=4.35&lat=abc".into(), "lat"),
        ("/geocode/reverse?lon=4.35&lat=50.8&radius=-1".into(), "radius"),
        ("/localization/Rest/Localize/getaddresses?language=fr".into(), "address"),
        ("/localization/Rest/Localize/getaddresses?address=Wetstraat&language=de".into(), "language"),
        ("/localization/Rest/Localize/getaddresses?address=Wetstraat&callback=alert(1)".into(), "callback"),
        (format!("/localization/Rest/Localize/getaddresses?address={long}"), "address"),
        ("/localization/Rest/Localize/getaddressesfields?json=%7Bnot%20json".into(), "json"),
        ("/localization/Rest/Localize/getaddressesfields?json=%7B%7D".into(), "json"),
        ("/localization/Rest/Localize/getaddressfromxy?json=%7B%22point%22%3A%7B%22x%22%3A%22a%22%7D%7D".into(), "json"),
        ("/localization/Rest/Localize/getaddressfromxy?json=%7B%22point%22%3A%7B%22x%22%3A999%2C%22y%22%3A999%7D%2C%22SRS_In%22%3A4326%7D".into(), "json"),
    ];
    for (path, param) in cases {
        let (status, ct, body) = server.get_json(&path).await;
        let shown: String = path.chars().take(80).collect();
        assert_eq!(status, 400, "{shown}: {body}");
        assert!(ct.starts_with("application/problem+json"), "{shown}: {ct}");
        assert_eq!(body["status"], 400);
        assert_eq!(body["parameter"], param, "{shown}: {body}");
    }
    // Odd but valid input is answered, not rejected or crashed on.
    for q in [
        "----",
        "12-14",
        "bus 8",
        "%F0%9F%99%82",
        "1000",
        "s%2Fn",
        "zn",
    ] {
        let (status, _, _) = server.get_json(&format!("/geocode?q={q}")).await;
        assert_eq!(status, 200, "{q}");
        let (status, _, _) = server
            .get_json(&format!("/geocode/autocomplete?q={q}"))
            .await;
        assert_eq!(status, 200, "{q}");
    }
    // Still alive.
    let (status, _, _) = server.get_json("/geocode?q=Wetstraat%2075").await;
    assert_eq!(status, 200);
}
