//! Tests of the CRS module.
//!
//! Reference values marked "PROJ" were computed with PROJ 9.1.1 (`cct` /
//! `cs2cs`) and the official grid `be_ign_bd72lb72_etrs89lb08.tif`, e.g.
//! `cct +proj=pipeline +step +inv +proj=lcc <31370> +step +proj=hgridshift
//! +grids=be_ign_bd72lb72_etrs89lb08.tif +step +proj=lcc <3812>` and
//! `cs2cs <31370> +towgs84=-106.8686,52.2978,-103.7239,0.3366,-0.457,1.8422,-1.2747
//! +to +proj=longlat +datum=WGS84`.

use super::*;
use geo::{polygon, Contains, LineString, MultiPolygon, Point, Polygon};

const GSB: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/data/proj/bd72_from_tif.gsb"
);
const TIF: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/data/proj/be_ign_bd72lb72_etrs89lb08.tif"
);

/// The shared data file, or `None` (test skipped) when `../shared` is not
/// there, except on CI (`CI=true`) where it must be.
fn shared_file(path: &str) -> Option<&Path> {
    let p = Path::new(path);
    if p.exists() {
        return Some(p);
    }
    if std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true")) {
        panic!("{path} not found (required when CI=true)");
    }
    eprintln!("skipped: ../shared not found ({path})");
    None
}

fn grid_engine() -> Option<CrsEngine> {
    shared_file(GSB).map(|p| CrsEngine::with_grid(p).expect("the official grid loads"))
}

fn t(engine: &CrsEngine, from: Crs, to: Crs) -> Transformer {
    engine.transformer(from, to).expect("transformer")
}

/// Metres between two lon/lat positions in Belgium (good to 0.5 %).
fn geo_dist_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let dy = (a.1 - b.1) * 111_250.0;
    let dx = (a.0 - b.0) * 111_320.0 * a.1.to_radians().cos();
    dx.hypot(dy)
}

fn dist(a: (f64, f64), b: (f64, f64)) -> f64 {
    (a.0 - b.0).hypot(a.1 - b.1)
}

/// NGI control points in Lambert 72 (x, y).
const CONTROL_L72: [(f64, f64); 3] = [
    (66333.0, 222966.0),
    (226696.0, 203425.0),
    (127514.0, 132032.0),
];
/// PROJ + grid: control points in ETRS89 (lon, lat).
const CONTROL_GRID_LONLAT: [(f64, f64); 3] = [
    (3.16885085500, 51.31044347638),
    (5.46456818981, 51.13578064447),
    (4.05180710702, 50.49865357862),
];
/// PROJ + grid: control points in Lambert 2008.
const CONTROL_GRID_L08: [(f64, f64); 3] = [
    (566326.85735, 722955.89192),
    (726691.14567, 703434.48308),
    (627518.43702, 632030.07190),
];
/// PROJ + Helmert (towgs84): control points in WGS 84 (lon, lat).
const CONTROL_HELMERT_LONLAT: [(f64, f64); 3] = [
    (3.1688535052, 51.3104446634),
    (5.4645672714, 51.1357787880),
    (4.0518064853, 50.4986532672),
];
/// PROJ + Helmert: control points in Lambert 2008.
const CONTROL_HELMERT_L08: [(f64, f64); 3] = [
    (566327.04425, 722956.02111),
    (726691.08447, 703434.27571),
    (627518.39277, 632030.03755),
];

#[test]
fn transformer_is_send_sync_and_cheap() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<Transformer>();
    assert_send_sync::<CrsEngine>();
}

#[test]
fn epsg_guidance_note_7_2_lambert_72() {
    // EPSG Guidance Note 7-2, Lambert Conic Conformal (2SP Belgium) example:
    // BD72 50°40'46.461"N 5°48'26.533"E → E 251763.20 m, N 153034.13 m.
    let lat = 50.0 + 40.0 / 60.0 + 46.461 / 3600.0;
    let lon = 5.0 + 48.0 / 60.0 + 26.533 / 3600.0;
    let (e, n) = lambert72_from_bd72(lon, lat).expect("project");
    assert!((e - 251763.20).abs() < 0.05, "E {e}");
    assert!((n - 153034.13).abs() < 0.05, "N {n}");
    // PROJ (cs2cs +proj=longlat +ellps=intl +to <31370>): 251763.2050 153034.1757.
    assert!((e - 251763.2050).abs() < 1e-4 && (n - 153034.1757).abs() < 1e-4);
    let (lon2, lat2) = bd72_from_lambert72(e, n).expect("inverse");
    assert!((lon2 - lon).abs() < 1e-10 && (lat2 - lat).abs() < 1e-10);
}

#[test]
fn reference_vectors_helmert() {
    let tr = t(&CrsEngine::helmert(), Crs::Lambert72, Crs::Wgs84);
    for ((x, y), (lat, lon)) in [
        ((150000.0, 170000.0), (50.84041128, 4.36875214)),
        ((140000.0, 160000.0), (50.75042998, 4.22704759)),
    ] {
        let (lo, la) = tr.transform(x, y).expect("transform");
        assert!(
            (la - lat).abs() < 1e-7 && (lo - lon).abs() < 1e-7,
            "{x},{y} → {la},{lo}"
        );
    }
    // PROJ: 150000,170000 → 4.3687521409 50.8404112831.
    let (lo, la) = tr.transform(150000.0, 170000.0).expect("transform");
    assert!((lo - 4.3687521409).abs() < 2e-9 && (la - 50.8404112831).abs() < 2e-9);
}

#[test]
fn reference_vectors_grid() {
    let Some(engine) = grid_engine() else { return };
    assert!(engine.uses_grid());
    let tr = t(&engine, Crs::Lambert72, Crs::Wgs84);
    for ((x, y), (lat, lon)) in [
        ((150000.0, 170000.0), (50.84041241, 4.36875261)),
        ((140000.0, 160000.0), (50.75043144, 4.22704798)),
    ] {
        let (lo, la) = tr.transform(x, y).expect("transform");
        assert!(
            (la - lat).abs() < 1e-7 && (lo - lon).abs() < 1e-7,
            "{x},{y} → {la},{lo}"
        );
    }
    let (e, n) = t(&engine, Crs::Lambert72, Crs::Lambert2008)
        .transform(150000.0, 170000.0)
        .expect("transform");
    assert!(
        (e - 649999.7200).abs() < 0.01 && (n - 670000.5368).abs() < 0.01,
        "{e} {n}"
    );
}

#[test]
fn ngi_control_points_with_grid_match_proj() {
    let Some(engine) = grid_engine() else { return };
    let to_geo = t(&engine, Crs::Lambert72, Crs::Wgs84);
    let to_l08 = t(&engine, Crs::Lambert72, Crs::Lambert2008);
    for i in 0..3 {
        let (x, y) = CONTROL_L72[i];
        let ll = to_geo.transform(x, y).expect("geo");
        let d = geo_dist_m(ll, CONTROL_GRID_LONLAT[i]);
        assert!(d < 0.01, "point {i}: {d} m from PROJ");
        // In fact identical to PROJ's hgridshift to well below a millimetre.
        assert!(d < 1e-4, "point {i}: {d} m from PROJ");
        let l08 = to_l08.transform(x, y).expect("l08");
        let d = dist(l08, CONTROL_GRID_L08[i]);
        assert!(d < 0.01, "point {i}: L08 {d} m from PROJ");
    }
}

#[test]
fn ngi_control_points_with_helmert() {
    let engine = CrsEngine::helmert();
    assert!(!engine.uses_grid());
    let to_geo = t(&engine, Crs::Lambert72, Crs::Wgs84);
    let to_l08 = t(&engine, Crs::Lambert72, Crs::Lambert2008);
    for i in 0..3 {
        let (x, y) = CONTROL_L72[i];
        let ll = to_geo.transform(x, y).expect("geo");
        // Within ~1.5 m of the (1 cm) grid solution…
        let d = geo_dist_m(ll, CONTROL_GRID_LONLAT[i]);
        assert!(d < 1.5, "point {i}: Helmert {d} m from grid");
        // …and the same as PROJ's Helmert.
        let d = geo_dist_m(ll, CONTROL_HELMERT_LONLAT[i]);
        assert!(d < 1e-3, "point {i}: {d} m from PROJ Helmert");
        let l08 = to_l08.transform(x, y).expect("l08");
        assert!(dist(l08, CONTROL_GRID_L08[i]) < 1.5);
        assert!(dist(l08, CONTROL_HELMERT_L08[i]) < 2e-3, "{l08:?}");
    }
}

#[test]
fn inverse_directions_match_proj() {
    let helmert = CrsEngine::helmert();
    // PROJ Helmert WGS 84 → L72.
    let tr = t(&helmert, Crs::Wgs84, Crs::Lambert72);
    for ((lon, lat), expected) in [
        ((4.35, 50.85), (148679.44738, 171066.81033)),
        ((5.5, 50.3), (230592.99513, 110502.61785)),
    ] {
        let got = tr.transform(lon, lat).expect("transform");
        assert!(dist(got, expected) < 2e-3, "{got:?}");
    }
    // Pure projections: WGS 84 → 3857 and ETRS89 → L08 (PROJ).
    let got = t(&helmert, Crs::Wgs84, Crs::WebMercator)
        .transform(4.35, 50.85)
        .expect("3857");
    assert!(dist(got, (484239.78495, 6594803.22746)) < 1e-4, "{got:?}");
    let got = t(&helmert, Crs::Wgs84, Crs::Lambert2008)
        .transform(4.35, 50.85)
        .expect("3812");
    assert!(dist(got, (648679.01804, 671067.05564)) < 1e-4, "{got:?}");

    let Some(grid) = grid_engine() else { return };
    let tr = t(&grid, Crs::Lambert2008, Crs::Lambert72);
    for (l08, l72) in [
        ((650000.0, 670000.0), (150000.27995, 169999.46313)),
        ((600000.0, 700000.0), (100003.46826, 200005.73804)),
        ((700000.0, 650000.0), (199998.30360, 149993.55405)),
    ] {
        let got = tr.transform(l08.0, l08.1).expect("transform");
        assert!(dist(got, l72) < 0.01, "{l08:?} → {got:?}");
    }
    let tr = t(&grid, Crs::Wgs84, Crs::Lambert72);
    for ((lon, lat), expected) in [
        ((4.35, 50.85), (148679.41877, 171066.69052)),
        ((5.5, 50.3), (230593.05336, 110502.69301)),
    ] {
        let got = tr.transform(lon, lat).expect("transform");
        assert!(dist(got, expected) < 0.01, "{got:?}");
    }
    let got = t(&grid, Crs::WebMercator, Crs::Lambert72)
        .transform(484000.0, 6590000.0)
        .expect("3857");
    assert!(dist(got, (148526.89889, 168035.45505)) < 0.01, "{got:?}");
}

/// Points spread over Belgium, in Lambert 72.
fn belgian_points() -> Vec<(f64, f64)> {
    let mut v = CONTROL_L72.to_vec();
    v.extend([
        (150000.0, 170000.0),
        (22000.0, 200000.0),  // De Panne
        (295000.0, 160000.0), // Eupen
        (250000.0, 30000.0),  // Arlon
        (170000.0, 240000.0), // Antwerp
        (147000.0, 169000.0), // Brussels
    ]);
    v
}

fn round_trips(engine: &CrsEngine) {
    let from_l72: Vec<Transformer> = Crs::ALL
        .iter()
        .map(|&c| t(engine, Crs::Lambert72, c))
        .collect();
    for (ia, &a) in Crs::ALL.iter().enumerate() {
        for &b in &Crs::ALL {
            let ab = t(engine, a, b);
            let ba = t(engine, b, a);
            assert_eq!(ab.is_identity(), a == b);
            for &(x, y) in &belgian_points() {
                let p = from_l72[ia].transform(x, y).expect("to a");
                let q = ab.transform(p.0, p.1).expect("a → b");
                let r = ba.transform(q.0, q.1).expect("b → a");
                let tol = if a.is_geographic() { 1e-8 } else { 1e-3 };
                assert!(
                    (r.0 - p.0).abs() < tol && (r.1 - p.1).abs() < tol,
                    "{a:?} → {b:?} → {a:?}: {p:?} → {q:?} → {r:?}"
                );
                if a == b {
                    assert_eq!(p, q);
                }
            }
        }
    }
}

#[test]
fn round_trips_helmert() {
    round_trips(&CrsEngine::helmert());
}

#[test]
fn round_trips_grid() {
    let Some(engine) = grid_engine() else { return };
    round_trips(&engine);
}

#[test]
fn chained_transforms_agree() {
    // L72 → L08 directly equals L72 → WGS 84 → L08 (ETRS89 = WGS 84).
    for engine in [Some(CrsEngine::helmert()), grid_engine()]
        .into_iter()
        .flatten()
    {
        let direct = t(&engine, Crs::Lambert72, Crs::Lambert2008);
        let a = t(&engine, Crs::Lambert72, Crs::Wgs84);
        let b = t(&engine, Crs::Wgs84, Crs::Lambert2008);
        for &(x, y) in &belgian_points() {
            let d = direct.transform(x, y).expect("direct");
            let g = a.transform(x, y).expect("a");
            let c = b.transform(g.0, g.1).expect("b");
            assert!(dist(d, c) < 1e-6);
        }
    }
}

#[test]
fn outside_the_grid() {
    let Some(engine) = grid_engine() else { return };
    // Paris: outside the Belgian grid → error with the grid, fine with Helmert.
    let wgs_to_l72 = t(&engine, Crs::Wgs84, Crs::Lambert72);
    let err = wgs_to_l72.transform(2.35, 48.85).expect_err("outside grid");
    assert!(matches!(err, CrsError::Transform(..)), "{err:?}");
    assert!(err.to_string().contains("grid"), "{err}");
    assert!(t(&CrsEngine::helmert(), Crs::Wgs84, Crs::Lambert72)
        .transform(2.35, 48.85)
        .is_ok());
    // Lambert 72 far south (France) too.
    assert!(t(&engine, Crs::Lambert72, Crs::Wgs84)
        .transform(150000.0, -200000.0)
        .is_err());
    // Just outside Brussels, still inside the grid.
    assert!(wgs_to_l72.transform(4.2, 50.75).is_ok());
    // Envelopes reaching beyond Belgium fall back to Helmert at the samples
    // outside the grid.
    let r = wgs_to_l72
        .transform_rect(Rect::new((-5.0, 45.0), (15.0, 56.0)))
        .expect("rect");
    assert!(r.min().x < 0.0 && r.max().x > 300_000.0);
    assert!(r.min().y < 0.0 && r.max().y > 250_000.0);
    // The whole world too.
    let r = wgs_to_l72
        .transform_rect(Rect::new((-180.0, -90.0), (180.0, 90.0)))
        .expect("world");
    assert!(r.contains(&Point::new(150000.0, 170000.0)));
    // …but not a geometry.
    let line = Geometry::LineString(LineString::from(vec![(4.35, 50.85), (2.35, 48.85)]));
    assert!(wgs_to_l72.transform_geometry(&line).is_err());
}

#[test]
fn invalid_coordinates_are_errors() {
    let e = CrsEngine::helmert();
    let tr = t(&e, Crs::Wgs84, Crs::Lambert72);
    assert!(tr.transform(f64::NAN, 50.0).is_err());
    assert!(tr.transform(4.0, f64::INFINITY).is_err());
    assert!(tr.transform(4.0, 91.0).is_err());
    assert!(t(&e, Crs::Wgs84, Crs::WebMercator)
        .transform(0.0, 90.0)
        .is_err());
    assert!(t(&e, Crs::Lambert72, Crs::Wgs84)
        .transform(f64::NAN, 0.0)
        .is_err());
    // Identity keeps the value but still rejects non-finite input.
    let id = t(&e, Crs::Lambert72, Crs::Lambert72);
    assert_eq!(id.transform(1.5, 2.5), Ok((1.5, 2.5)));
    assert!(id.transform(f64::NAN, 2.5).is_err());
    // Web Mercator world box: latitudes are clamped.
    let r = t(&e, Crs::Wgs84, Crs::WebMercator)
        .transform_rect(Rect::new((-180.0, -90.0), (180.0, 90.0)))
        .expect("world");
    assert!((r.max().y - 20037508.34).abs() < 1.0, "{r:?}");
    assert!((r.max().x - 20037508.34).abs() < 1.0, "{r:?}");
}

#[test]
fn geometries() {
    let e = CrsEngine::helmert();
    let tr = t(&e, Crs::Lambert72, Crs::Wgs84);
    let back = t(&e, Crs::Wgs84, Crs::Lambert72);
    let poly: Polygon<f64> = polygon![
        exterior: [(x: 149000.0, y: 169000.0), (x: 151000.0, y: 169000.0), (x: 151000.0, y: 171000.0), (x: 149000.0, y: 169000.0)],
        interiors: [[(x: 149900.0, y: 169500.0), (x: 150500.0, y: 169500.0), (x: 150500.0, y: 170000.0), (x: 149900.0, y: 169500.0)]],
    ];
    let g = Geometry::Polygon(poly.clone());
    let out = tr.transform_geometry(&g).expect("polygon");
    let Geometry::Polygon(p) = &out else {
        panic!("not a polygon: {out:?}")
    };
    assert_eq!(p.exterior().0.len(), 4);
    assert_eq!(p.interiors().len(), 1);
    let first = p.exterior().0[0];
    let expected = tr.transform(149000.0, 169000.0).expect("point");
    assert_eq!((first.x, first.y), expected);
    assert!(first.x > 4.0 && first.x < 5.0 && first.y > 50.0 && first.y < 51.0);
    let again = back.transform_geometry(&out).expect("back");
    let Geometry::Polygon(p2) = again else {
        panic!("not a polygon")
    };
    for (a, b) in p2.exterior().0.iter().zip(poly.exterior().0.iter()) {
        assert!((a.x - b.x).abs() < 1e-3 && (a.y - b.y).abs() < 1e-3);
    }

    let shifted = poly.map_coords(|c| Coord {
        x: c.x + 10_000.0,
        y: c.y,
    });
    let mp = Geometry::MultiPolygon(MultiPolygon(vec![poly.clone(), shifted]));
    let out = tr.transform_geometry(&mp).expect("multipolygon");
    let Geometry::MultiPolygon(m) = &out else {
        panic!("not a multipolygon: {out:?}")
    };
    assert_eq!(m.0.len(), 2);
    assert_eq!(m.0[1].interiors().len(), 1);
    assert!(m.0[1].exterior().0[0].x > m.0[0].exterior().0[0].x);

    // Collections, points and rects.
    let gc = Geometry::GeometryCollection(GeometryCollection(vec![
        Geometry::Point(Point::new(150000.0, 170000.0)),
        mp.clone(),
    ]));
    let Geometry::GeometryCollection(out) = tr.transform_geometry(&gc).expect("gc") else {
        panic!("not a collection")
    };
    assert_eq!(out.0.len(), 2);
    let r = Geometry::Rect(Rect::new((149000.0, 169000.0), (151000.0, 171000.0)));
    let Geometry::Rect(rr) = tr.transform_geometry(&r).expect("rect") else {
        panic!("not a rect")
    };
    assert!(rr.min().x < 4.3688 && rr.max().x > 4.3688);
    // Identity clones.
    assert_eq!(
        t(&e, Crs::Wgs84, Crs::Wgs84).transform_geometry(&mp),
        Ok(mp)
    );
}

#[test]
fn transform_rect_envelope_contains_transformed_points() {
    let e = CrsEngine::helmert();
    let tr = t(&e, Crs::Lambert72, Crs::WebMercator);
    let r = Rect::new((140000.0, 160000.0), (160000.0, 180000.0));
    let out = tr.transform_rect(r).expect("rect");
    for (x, y) in [
        (140000.0, 160000.0),
        (160000.0, 180000.0),
        (150000.0, 170000.0),
        (140000.0, 180000.0),
    ] {
        let p = tr.transform(x, y).expect("point");
        assert!(
            p.0 >= out.min().x - 1e-6
                && p.0 <= out.max().x + 1e-6
                && p.1 >= out.min().y - 1e-6
                && p.1 <= out.max().y + 1e-6
        );
    }
}

#[test]
fn parse_identifiers() {
    let ok = [
        ("31370", Crs::Lambert72),
        ("EPSG:31370", Crs::Lambert72),
        ("epsg:31370", Crs::Lambert72),
        (" EPSG::31370 ", Crs::Lambert72),
        ("urn:ogc:def:crs:EPSG::31370", Crs::Lambert72),
        ("urn:ogc:def:crs:EPSG:6.6:31370", Crs::Lambert72),
        ("URN:OGC:DEF:CRS:EPSG::3812", Crs::Lambert2008),
        (
            "http://www.opengis.net/def/crs/EPSG/0/31370",
            Crs::Lambert72,
        ),
        (
            "https://www.opengis.net/def/crs/EPSG/0/3812",
            Crs::Lambert2008,
        ),
        ("http://opengis.net/def/crs/EPSG/0/3857/", Crs::WebMercator),
        ("http://www.opengis.net/def/crs/OGC/1.3/CRS84", Crs::Wgs84),
        ("https://www.opengis.net/def/crs/OGC/0/CRS84", Crs::Wgs84),
        ("urn:ogc:def:crs:OGC:1.3:CRS84", Crs::Wgs84),
        ("urn:ogc:def:crs:OGC::CRS84", Crs::Wgs84),
        ("OGC:CRS84", Crs::Wgs84),
        ("CRS84", Crs::Wgs84),
        ("crs84", Crs::Wgs84),
        ("3812", Crs::Lambert2008),
        ("4326", Crs::Wgs84),
        ("EPSG:4326", Crs::Wgs84),
        ("3857", Crs::WebMercator),
    ];
    for (s, c) in ok {
        assert_eq!(Crs::parse(s), Ok(c), "{s}");
    }
    for s in [
        "",
        "900913",
        "EPSG:3785",
        "EPSG:4258",
        "EPSG:",
        "EPSG:abc",
        "urn:ogc:def:crs:EPSG::",
        "http://www.opengis.net/def/crs/EPSG/0/2154",
        "http://example.com/def/crs/EPSG/0/31370",
        "CRS83",
        "99999999999999999999",
        "Lambert72",
    ] {
        assert_eq!(
            Crs::parse(s),
            Err(CrsError::Unsupported(s.to_string())),
            "{s}"
        );
    }
}

#[test]
fn uris_and_codes() {
    for c in Crs::ALL {
        assert_eq!(Crs::from_epsg(c.epsg()), Some(c));
        assert_eq!(Crs::parse(c.uri()), Ok(c));
        assert_eq!(
            c.uri(),
            format!("http://www.opengis.net/def/crs/EPSG/0/{}", c.epsg())
        );
        assert_eq!(Crs::from_wkt(c.wkt()), Some(c), "{c:?}");
        assert!(c
            .wkt()
            .ends_with(&format!("AUTHORITY[\"EPSG\",\"{}\"]]", c.epsg())));
    }
    assert_eq!(Crs::parse(CRS84_URI), Ok(Crs::Wgs84));
    assert!(Crs::Lambert72
        .wkt()
        .contains("TOWGS84[-106.8686,52.2978,-103.7239,0.3366,-0.457,1.8422,-1.2747]"));
    assert!(Crs::Wgs84.is_geographic());
    assert!(!Crs::Lambert72.is_geographic());
    assert_eq!(Crs::Lambert2008.to_string(), "EPSG:3812");
    assert_eq!(Crs::from_epsg(2154), None);
}

#[test]
fn recognise_wkt() {
    let cases: &[(&str, Option<Crs>)] = &[
        // ESRI .prj files (projinfo -o WKT1_ESRI).
        (
            r#"PROJCS["Belge_Lambert_1972",GEOGCS["GCS_Belge_1972",DATUM["D_Belge_1972",SPHEROID["International_1924",6378388.0,297.0]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Lambert_Conformal_Conic"],PARAMETER["False_Easting",150000.013],PARAMETER["False_Northing",5400088.438],PARAMETER["Central_Meridian",4.36748666666667],PARAMETER["Standard_Parallel_1",51.1666672333333],PARAMETER["Standard_Parallel_2",49.8333339],PARAMETER["Latitude_Of_Origin",90.0],UNIT["Meter",1.0]]"#,
            Some(Crs::Lambert72),
        ),
        (
            r#"PROJCS["Belge_Lambert_2008",GEOGCS["GCS_ETRS_1989",DATUM["D_ETRS_1989",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Lambert_Conformal_Conic"],PARAMETER["False_Easting",649328.0],PARAMETER["False_Northing",665262.0],PARAMETER["Central_Meridian",4.35921583333333],PARAMETER["Standard_Parallel_1",49.8333333333333],PARAMETER["Standard_Parallel_2",51.1666666666667],PARAMETER["Latitude_Of_Origin",50.797815],UNIT["Meter",1.0]]"#,
            Some(Crs::Lambert2008),
        ),
        (
            r#"PROJCS["ETRS89_Belgian_Lambert_2008",GEOGCS["GCS_ETRS_1989",DATUM["D_ETRS_1989",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Lambert_Conformal_Conic"],UNIT["Meter",1.0]]"#,
            Some(Crs::Lambert2008),
        ),
        (
            r#"PROJCS["WGS_1984_Web_Mercator_Auxiliary_Sphere",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Mercator_Auxiliary_Sphere"],PARAMETER["False_Easting",0.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",0.0],PARAMETER["Standard_Parallel_1",0.0],PARAMETER["Auxiliary_Sphere_Type",0.0],UNIT["Meter",1.0]]"#,
            Some(Crs::WebMercator),
        ),
        (
            r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#,
            Some(Crs::Wgs84),
        ),
        // OGC WKT1 without authority.
        (
            r#"PROJCS["Belge 1972 / Belgian Lambert 72",GEOGCS["Belge 1972",DATUM["Reseau_National_Belge_1972",SPHEROID["International 1924",6378388,297]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Lambert_Conformal_Conic_2SP"],UNIT["metre",1]]"#,
            Some(Crs::Lambert72),
        ),
        (
            r#"PROJCS["unnamed",GEOGCS["BD72",DATUM["x",SPHEROID["International 1924",6378388,297]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Lambert_Conformal_Conic_2SP"],PARAMETER["false_easting",150000.01256],PARAMETER["false_northing",5400088.4378],UNIT["metre",1]]"#,
            Some(Crs::Lambert72),
        ),
        (
            r#"PROJCS["WGS 84 / Pseudo-Mercator",GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Mercator_1SP"]]"#,
            Some(Crs::WebMercator),
        ),
        (
            r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]]"#,
            Some(Crs::Wgs84),
        ),
        // Authority codes decide.
        (
            r#"PROJCS["whatever",GEOGCS["x",DATUM["y",SPHEROID["z",1,1]]],AUTHORITY["EPSG","31370"]]"#,
            Some(Crs::Lambert72),
        ),
        (
            r#"PROJCS["WGS_1984_Web_Mercator",GEOGCS["x",DATUM["y",SPHEROID["z",1,1]]],AUTHORITY["ESRI","102100"]]"#,
            Some(Crs::WebMercator),
        ),
        // ETRS89 geographic and other CRSs are not recognised.
        (
            r#"GEOGCS["ETRS89",DATUM["European_Terrestrial_Reference_System_1989",SPHEROID["GRS 1980",6378137,298.257222101,AUTHORITY["EPSG","7019"]],AUTHORITY["EPSG","6258"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4258"]]"#,
            None,
        ),
        (
            r#"PROJCS["RGF93 / Lambert-93",GEOGCS["RGF93",DATUM["Reseau_Geodesique_Francais_1993",SPHEROID["GRS 1980",6378137,298.257222101]]],PROJECTION["Lambert_Conformal_Conic_2SP"],PARAMETER["false_easting",700000],PARAMETER["false_northing",6600000],AUTHORITY["EPSG","2154"]]"#,
            None,
        ),
        (
            r#"PROJCS["WGS 84 / UTM zone 31N",GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]]],PROJECTION["Transverse_Mercator"]]"#,
            None,
        ),
        ("", None),
        ("not wkt at all", None),
        ("PROJCS[\"Belge_Lambert_1972\"", None),
    ];
    for (wkt, expected) in cases {
        assert_eq!(Crs::from_wkt(wkt), *expected, "{wkt}");
    }
    // WKT2 (projinfo EPSG:31370 -o WKT2_2019).
    let wkt2 = r#"PROJCRS["BD72 / Belgian Lambert 72",BASEGEOGCRS["BD72",DATUM["Reseau National Belge 1972",ELLIPSOID["International 1924",6378388,297,LENGTHUNIT["metre",1]]],PRIMEM["Greenwich",0,ANGLEUNIT["degree",0.0174532925199433]],ID["EPSG",4313]],CONVERSION["Belgian Lambert 72",METHOD["Lambert Conic Conformal (2SP)",ID["EPSG",9802]],PARAMETER["Latitude of false origin",90,ANGLEUNIT["degree",0.0174532925199433],ID["EPSG",8821]],PARAMETER["Easting at false origin",150000.013,LENGTHUNIT["metre",1],ID["EPSG",8826]],PARAMETER["Northing at false origin",5400088.438,LENGTHUNIT["metre",1],ID["EPSG",8827]]],CS[Cartesian,2],AXIS["easting (X)",east,ORDER[1],LENGTHUNIT["metre",1]],AXIS["northing (Y)",north,ORDER[2],LENGTHUNIT["metre",1]],USAGE[SCOPE["Engineering survey, topographic mapping."],AREA["Belgium - onshore."],BBOX[49.5,2.5,51.51,6.4]],ID["EPSG",31370]]"#;
    assert_eq!(Crs::from_wkt(wkt2), Some(Crs::Lambert72));
    let without_id = wkt2
        .replace(",ID[\"EPSG\",31370]]", "]")
        .replace("BD72 / Belgian Lambert 72", "x");
    assert_eq!(Crs::from_wkt(&without_id), Some(Crs::Lambert72));
    let wkt2_4326 = r#"GEOGCRS["WGS 84",ENSEMBLE["World Geodetic System 1984 ensemble",MEMBER["World Geodetic System 1984 (Transit)"],ELLIPSOID["WGS 84",6378137,298.257223563,LENGTHUNIT["metre",1]],ENSEMBLEACCURACY[2.0]],PRIMEM["Greenwich",0,ANGLEUNIT["degree",0.0174532925199433]],CS[ellipsoidal,2],AXIS["geodetic latitude (Lat)",north,ORDER[1],ANGLEUNIT["degree",0.0174532925199433]],AXIS["geodetic longitude (Lon)",east,ORDER[2],ANGLEUNIT["degree",0.0174532925199433]]]"#;
    assert_eq!(Crs::from_wkt(wkt2_4326), Some(Crs::Wgs84));
}

#[test]
fn bad_grid_files_are_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Missing.
    let missing = dir.path().join("missing.gsb");
    assert!(matches!(
        CrsEngine::with_grid(&missing),
        Err(CrsError::Grid { .. })
    ));
    // Garbage.
    let garbage = dir.path().join("garbage.gsb");
    let bytes: Vec<u8> = (0..100_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&garbage, &bytes).expect("write");
    let err = CrsEngine::with_grid(&garbage)
        .map(|_| ())
        .expect_err("garbage");
    assert!(matches!(err, CrsError::Grid { .. }), "{err:?}");
    // Empty.
    let empty = dir.path().join("empty.gsb");
    std::fs::write(&empty, b"").expect("write");
    assert!(CrsEngine::with_grid(&empty).is_err());
    // A directory.
    assert!(CrsEngine::with_grid(dir.path()).is_err());

    if let Some(real) = shared_file(GSB) {
        let data = std::fs::read(real).expect("read grid");
        // Truncated copies.
        for len in [10, 176, 352, 360, 100_000, data.len() - 100] {
            let p = dir.path().join(format!("trunc{len}.gsb"));
            std::fs::write(&p, &data[..len]).expect("write");
            let err = CrsEngine::with_grid(&p).map(|_| ()).expect_err("truncated");
            assert!(matches!(err, CrsError::Grid { .. }), "{len}: {err:?}");
        }
        // Corrupt counts.
        let mut bad = data.clone();
        bad[176 + 10 * 16 + 8] ^= 0x40; // GS_COUNT
        let p = dir.path().join("count.gsb");
        std::fs::write(&p, &bad).expect("write");
        assert!(CrsEngine::with_grid(&p).is_err());
        // NaN shifts.
        let mut bad = data.clone();
        bad[352 + 16 * 1000..352 + 16 * 1000 + 4].copy_from_slice(&f32::NAN.to_le_bytes());
        let p = dir.path().join("nan.gsb");
        std::fs::write(&p, &bad).expect("write");
        assert!(CrsEngine::with_grid(&p).is_err());
        // A valid NTv2 grid with shifts of the wrong sign (an inverse grid).
        let mut bad = data.clone();
        for node in 0..(bad.len() - 352 - 16) / 16 {
            let at = 352 + node * 16;
            for k in [0, 4] {
                let mut b = [0u8; 4];
                b.copy_from_slice(&bad[at + k..at + k + 4]);
                let v = -f32::from_le_bytes(b);
                bad[at + k..at + k + 4].copy_from_slice(&v.to_le_bytes());
            }
        }
        let p = dir.path().join("inverse.gsb");
        std::fs::write(&p, &bad).expect("write");
        let err = CrsEngine::with_grid(&p)
            .map(|_| ())
            .expect_err("inverse grid");
        assert!(err.to_string().contains("not a BD72"), "{err}");
    }
    // The GeoTIFF version is refused with a clear message.
    if let Some(tif) = shared_file(TIF) {
        let err = CrsEngine::with_grid(tif).map(|_| ()).expect_err("tif");
        assert!(
            matches!(&err, CrsError::Grid { detail, .. } if detail.contains("GeoTIFF")),
            "{err:?}"
        );
    }
}

#[test]
fn engine_debug_and_grid_path() {
    let h = CrsEngine::default();
    assert!(!h.uses_grid());
    assert!(h.grid_path().is_none());
    assert!(format!("{h:?}").contains("Helmert"));
    let tr = t(&h, Crs::Lambert72, Crs::Wgs84);
    assert_eq!(tr.source(), Crs::Lambert72);
    assert_eq!(tr.target(), Crs::Wgs84);
    assert!(format!("{tr:?}").contains("Helmert"));
    assert!(format!("{:?}", t(&h, Crs::Wgs84, Crs::Lambert2008)).contains("no datum shift"));
    let Some(g) = grid_engine() else { return };
    assert_eq!(g.grid_path(), Some(Path::new(GSB)));
    let clone = g.clone();
    assert!(clone.uses_grid());
}

/// Not a benchmark, just a guard against pathological slowness (debug build).
#[test]
fn many_points_are_fast_enough() {
    let Some(engine) = grid_engine().or_else(|| Some(CrsEngine::helmert())) else {
        return;
    };
    let tr = t(&engine, Crs::Lambert72, Crs::Wgs84);
    let start = std::time::Instant::now();
    let mut acc = 0.0;
    for i in 0..20_000 {
        let (x, y) = tr
            .transform(100_000.0 + i as f64, 150_000.0 + i as f64 * 0.5)
            .expect("transform");
        acc += x + y;
    }
    assert!(acc.is_finite());
    let elapsed = start.elapsed();
    eprintln!("20k points L72 → WGS 84 ({engine:?}): {elapsed:?}");
    assert!(elapsed.as_secs_f64() < 10.0);
}
