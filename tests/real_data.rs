//! Import the real UrbIS-shaped data of `../shared` and read it back through the HTTP API.

mod common;

use common::{import, shared, Server};

fn counts(summary: &serde_json::Value) -> Vec<(String, u64)> {
    summary["layers"]
        .as_object()
        .expect("layers")
        .iter()
        .map(|(k, v)| (k.clone(), v["imported"].as_u64().expect("imported")))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_centre_geopackage_imports_and_serves() {
    let Some(gpkg) = shared("data/urbis/UrbISVector_centre_31370.gpkg") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let summary = import(dir.path(), &gpkg);
    assert_eq!(
        counts(&summary),
        vec![
            ("addresses".to_string(), 31_856),
            ("buildings".to_string(), 18_544),
            ("streets".to_string(), 2_483),
            ("municipalities".to_string(), 19),
        ]
    );
    assert_eq!(summary["checksum"].as_str().map(|s| s.len()), Some(64));

    let server = Server::start(dir.path());

    // Grand-Place lies in the City of Brussels (21004).
    let (status, ct, at) = server.get_json("/features/at?lon=4.3525&lat=50.8467").await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("application/json"));
    assert_eq!(at["municipality"]["properties"]["NISCODE"], "21004");
    assert_eq!(at["municipality"]["properties"]["NAMEFRE"], "Bruxelles");
    assert_eq!(at["municipality"]["properties"]["NAMEDUT"], "Brussel");

    // Rue de la Loi / Wetstraat 75, 1040 round-trips through the API.
    let (status, _, fc) = server
        .get_json("/ogc/collections/addresses/items?STRNAMEFRE=Rue%20de%20la%20Loi&POLICENUM=75")
        .await;
    assert_eq!(status, 200);
    assert_eq!(fc["numberMatched"], 1);
    let f = &fc["features"][0];
    assert_eq!(f["properties"]["STRNAMEDUT"], "Wetstraat");
    assert_eq!(f["properties"]["ZIPCODE"], "1040");
    assert_eq!(
        f["properties"]["MUNNISCODE"],
        "https://databrussels.be/id/municipality/21004"
    );
    let id = f["id"].as_i64().expect("id");
    let (status, _, one) = server
        .get_json(&format!(
            "/ogc/collections/addresses/items/{id}?crs=http://www.opengis.net/def/crs/EPSG/0/31370"
        ))
        .await;
    assert_eq!(status, 200);
    assert_eq!(one["properties"], f["properties"]);
    // Stored Lambert 72 coordinates come back unchanged.
    let xy = &one["geometry"]["coordinates"];
    assert!(
        (xy[0].as_f64().expect("x") - 150478.27).abs() < 0.01,
        "{xy}"
    );
    assert!((xy[1].as_f64().expect("y") - 170391.7).abs() < 0.01, "{xy}");
    // In WGS 84 it lies in Brussels' European quarter.
    let lonlat = &f["geometry"]["coordinates"];
    let (lon, lat) = (
        lonlat[0].as_f64().expect("lon"),
        lonlat[1].as_f64().expect("lat"),
    );
    assert!(
        (4.37..4.38).contains(&lon) && (50.84..50.85).contains(&lat),
        "{lonlat}"
    );

    // A bbox around the Grand-Place holds addresses and every one intersects it.
    let (status, _, fc) = server
        .get_json("/ogc/collections/addresses/items?bbox=4.3515,50.8460,4.3535,50.8475&limit=1000")
        .await;
    assert_eq!(status, 200);
    let n = fc["numberReturned"].as_u64().expect("n");
    assert!(n > 10, "only {n} addresses around the Grand-Place");
    for f in fc["features"].as_array().expect("features") {
        let c = &f["geometry"]["coordinates"];
        let (x, y) = (c[0].as_f64().expect("x"), c[1].as_f64().expect("y"));
        // Output is rounded to 1e-7° (about 1 cm).
        assert!(
            (4.3515 - 1e-7..=4.3535 + 1e-7).contains(&x)
                && (50.8460 - 1e-7..=50.8475 + 1e-7).contains(&y),
            "{c}"
        );
    }

    // Collections list the real counts.
    let (_, _, cols) = server.get_json("/ogc/collections").await;
    let ids: Vec<&str> = cols["collections"]
        .as_array()
        .expect("collections")
        .iter()
        .map(|c| c["id"].as_str().expect("id"))
        .collect();
    // The feature collections, then the catalogue's OGC API Records collection.
    assert_eq!(
        ids,
        [
            "addresses",
            "buildings",
            "streets",
            "municipalities",
            "catalog"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_municipalities_shapefile_without_shx_imports() {
    let Some(shp) = shared("data/urbis/UrbAdm_MUNICIPALITY.shp") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let summary = import(dir.path(), &shp);
    assert_eq!(counts(&summary), vec![("municipalities".to_string(), 19)]);

    let server = Server::start(dir.path());
    // Legacy NAME_FRE/NAT_CODE were mapped to the M8 names; the point lookup works on them.
    let (status, _, at) = server.get_json("/features/at?lon=4.3525&lat=50.8467").await;
    assert_eq!(status, 200);
    let props = &at["municipality"]["properties"];
    assert_eq!(props["NAMEFRE"], "Bruxelles", "{props}");
    assert_eq!(props["NAMEDUT"], "Brussel", "{props}");
    assert!(
        props["NISCODE"] == "21004" || props["NISCODE"] == 21004,
        "{props}"
    );
    // Place Flagey lies in Ixelles (21009); the ULB Solbosch campus nearby is in Bruxelles.
    let (_, _, at) = server.get_json("/features/at?lon=4.3722&lat=50.8275").await;
    assert_eq!(at["municipality"]["properties"]["NAMEFRE"], "Ixelles");
}
