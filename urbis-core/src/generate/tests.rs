//! Tests of the generator (small scales: 0.005–0.02).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use geo::{Area, BooleanOps, BoundingRect, Contains, Geometry, MultiPolygon, Point, Validation};

use super::*;

fn sample() -> &'static Generated {
    static G: OnceLock<Generated> = OnceLock::new();
    G.get_or_init(|| {
        generate(&GenerateOptions {
            scale: 0.01,
            seed: 1,
        })
    })
}

fn sample2() -> &'static Generated {
    static G: OnceLock<Generated> = OnceLock::new();
    G.get_or_init(|| {
        generate(&GenerateOptions {
            scale: 0.02,
            seed: 1,
        })
    })
}

fn text<'a>(f: &'a Feature, field: &str) -> &'a str {
    f.attributes
        .get(field)
        .and_then(Value::as_str)
        .unwrap_or("")
}

fn multipolygon(f: &Feature) -> &MultiPolygon {
    match &f.geometry {
        Geometry::MultiPolygon(mp) => mp,
        other => panic!("feature {} is not a multipolygon: {other:?}", f.id),
    }
}

fn point(f: &Feature) -> Point {
    match &f.geometry {
        Geometry::Point(p) => *p,
        other => panic!("feature {} is not a point: {other:?}", f.id),
    }
}

fn count_by(features: &[Feature], field: &str) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for f in features {
        let k = f
            .attributes
            .get(field)
            .map(|v| v.to_string())
            .unwrap_or_default();
        *m.entry(k).or_insert(0) += 1;
    }
    m
}

#[test]
fn deterministic_per_seed() {
    let opts = GenerateOptions {
        scale: 0.004,
        seed: 7,
    };
    let a = generate(&opts);
    let b = generate(&opts);
    assert_eq!(a.layers.len(), b.layers.len());
    for ((la, fa), (lb, fb)) in a.layers.iter().zip(&b.layers) {
        assert_eq!(la, lb);
        assert!(fa == fb, "layer {la} differs between two runs");
    }
    let c = generate(&GenerateOptions {
        scale: 0.004,
        seed: 8,
    });
    for layer in Layer::ALL {
        assert!(
            a.features(layer) != c.features(layer),
            "layer {layer} does not depend on the seed"
        );
    }
    let d = GenerateOptions::default();
    assert_eq!((d.scale, d.seed), (DEMO_SCALE, 1));
}

#[test]
fn five_layers_with_m8_fields() {
    let g = sample();
    let layers: Vec<Layer> = g.layers.iter().map(|(l, _)| *l).collect();
    assert_eq!(layers, Layer::ALL);
    for (layer, features) in &g.layers {
        assert!(!features.is_empty(), "{layer} is empty");
        for (i, f) in features.iter().enumerate() {
            assert_eq!(f.id, i as i64 + 1, "{layer}: ids must be 1..n");
            for field in layer.m8_fields() {
                let v = f.attributes.get(*field);
                assert!(v.is_some(), "{layer} {}: no {field}", f.id);
                if is_numeric_field(field) {
                    assert!(
                        v.is_some_and(Value::is_number),
                        "{layer} {}: {field} = {v:?}",
                        f.id
                    );
                }
            }
            assert_eq!(f.attributes.len(), layer.m8_fields().len());
            let ok = matches!(
                (layer, &f.geometry),
                (Layer::Addresses, Geometry::Point(_))
                    | (Layer::Streets, Geometry::LineString(_))
                    | (
                        Layer::Buildings | Layer::Parcels | Layer::Municipalities,
                        Geometry::MultiPolygon(_)
                    )
            );
            assert!(ok, "{layer} {}: geometry {:?}", f.id, f.geometry);
            let kind = match layer {
                Layer::Addresses => "address",
                Layer::Buildings => "building",
                Layer::Parcels => "cadastralparcel",
                Layer::Streets => "streetaxis",
                Layer::Municipalities => "municipality",
            };
            assert!(
                text(f, "INSPIRE_ID").starts_with(&format!("https://databrussels.be/id/{kind}/"))
            );
        }
    }
    // Coordinates: in the Region's box, rounded to the centimetre.
    for (layer, features) in &g.layers {
        for f in features {
            let r = f.geometry.bounding_rect().expect("bbox");
            assert!(
                r.min().x > 140_500.0 && r.max().x < 158_500.0,
                "{layer} {}",
                f.id
            );
            assert!(
                r.min().y > 160_750.0 && r.max().y < 178_750.0,
                "{layer} {}",
                f.id
            );
            for c in geo::CoordsIter::coords_iter(&f.geometry) {
                assert_eq!(cm(c.x), c.x);
                assert_eq!(cm(c.y), c.y);
            }
        }
    }
}

#[test]
fn municipalities_tile_the_region() {
    let g = sample();
    let m = g.features(Layer::Municipalities);
    assert_eq!(m.len(), 19);
    let nis: Vec<&str> = m.iter().map(|f| text(f, "NISCODE")).collect();
    let want: Vec<String> = (21001..=21019).map(|n| n.to_string()).collect();
    assert_eq!(nis, want);
    let names: BTreeMap<&str, (&str, &str)> = m
        .iter()
        .map(|f| (text(f, "NISCODE"), (text(f, "NAMEFRE"), text(f, "NAMEDUT"))))
        .collect();
    assert_eq!(names["21004"], ("Bruxelles", "Brussel"));
    assert_eq!(
        names["21014"],
        ("Saint-Josse-ten-Noode", "Sint-Joost-ten-Node")
    );
    assert_eq!(
        names["21017"],
        ("Watermael-Boitsfort", "Watermaal-Bosvoorde")
    );
    let mut total = 0.0;
    for f in m {
        let mp = multipolygon(f);
        assert!(
            mp.is_valid(),
            "{}: {:?}",
            text(f, "NAMEFRE"),
            mp.check_validation()
        );
        let area = mp.unsigned_area();
        assert!((area - f.attributes["AREA"].as_f64().expect("AREA")).abs() < 1.0);
        total += area;
        assert_eq!(
            text(f, "INSPIRE_ID"),
            format!(
                "https://databrussels.be/id/municipality/{}",
                text(f, "NISCODE")
            )
        );
    }
    // ≈ the real Region (161.4 km²).
    assert!((150e6..175e6).contains(&total), "total area {total}");
    // Relative sizes as in reality.
    let area = |nis: &str| {
        m.iter()
            .find(|f| text(f, "NISCODE") == nis)
            .map_or(0.0, |f| multipolygon(f).unsigned_area())
    };
    assert!(
        area("21004") > area("21016")
            && area("21016") > area("21001")
            && area("21001") > area("21017")
    );
    assert!(area("21014") < 2e6 && area("21011") < 2e6);
    // Real relative positions: Uccle south of Bruxelles, Anderlecht west, Schaerbeek north-east.
    let ctr = |nis: &str| {
        let f = m
            .iter()
            .find(|f| text(f, "NISCODE") == nis)
            .expect("municipality");
        geo::Centroid::centroid(multipolygon(f)).expect("centroid")
    };
    assert!(ctr("21016").y() < ctr("21004").y() - 2000.0);
    assert!(ctr("21001").x() < ctr("21004").x() - 2000.0);
    assert!(ctr("21015").x() > ctr("21012").x() && ctr("21015").y() > ctr("21013").y());
    // No overlaps: pairwise intersections are (numerically) empty.
    for i in 0..m.len() {
        for j in i + 1..m.len() {
            let inter = multipolygon(&m[i])
                .intersection(multipolygon(&m[j]))
                .unsigned_area();
            assert!(
                inter < 1.0,
                "{} ∩ {} = {inter} m²",
                text(&m[i], "NAMEFRE"),
                text(&m[j], "NAMEFRE")
            );
        }
    }
    // The built-up area lies inside the municipalities.
    let union: Vec<&MultiPolygon> = m.iter().map(multipolygon).collect();
    for p in g.features(Layer::Parcels) {
        let c = geo::InteriorPoint::interior_point(multipolygon(p)).expect("interior point");
        assert!(
            union.iter().any(|mp| mp.contains(&c)),
            "parcel {} outside the Region",
            p.id
        );
    }
}

#[test]
fn addresses_lie_in_their_municipality() {
    let g = sample();
    let munis: BTreeMap<String, (&MultiPolygon, &Feature)> = g
        .features(Layer::Municipalities)
        .iter()
        .map(|f| (text(f, "INSPIRE_ID").to_string(), (multipolygon(f), f)))
        .collect();
    let zips: BTreeSet<&str> = ["1000", "1020", "1040", "1050", "1120", "1130"].into();
    for a in g.features(Layer::Addresses) {
        let p = point(a);
        let (mp, m) = munis[text(a, "MUNNISCODE")];
        assert!(
            mp.contains(&p),
            "address {} at {p:?} not in {}",
            a.id,
            text(m, "NAMEFRE")
        );
        assert_eq!(text(a, "MUNNAMEFRE"), text(m, "NAMEFRE"));
        assert_eq!(text(a, "MUNNAMEDUT"), text(m, "NAMEDUT"));
        assert_eq!(a.attributes["XL72"].as_f64(), Some(p.x()));
        assert_eq!(a.attributes["YL72"].as_f64(), Some(p.y()));
        let zip = text(a, "ZIPCODE");
        if text(m, "NISCODE") == "21004" {
            assert!(zips.contains(zip), "{zip}");
        } else {
            assert_eq!(
                zip,
                zipcode(
                    MUNICIPALITIES
                        .iter()
                        .position(|i| i.nis.to_string() == text(m, "NISCODE"))
                        .expect("nis"),
                    p.0
                )
            );
        }
    }
    // The first address is a main address in its building.
    let a = &g.features(Layer::Addresses)[0];
    assert!(a.attributes["BOXNUMBER"].is_null());
    let b = g
        .features(Layer::Buildings)
        .iter()
        .find(|b| text(b, "INSPIRE_ID") == text(a, "BU_ID"))
        .expect("building of address 1");
    assert!(multipolygon(b).contains(&point(a)));
}

#[test]
fn addresses_are_on_their_building() {
    let g = sample();
    let buildings: BTreeMap<&str, &Feature> = g
        .features(Layer::Buildings)
        .iter()
        .map(|b| (text(b, "INSPIRE_ID"), b))
        .collect();
    for a in g.features(Layer::Addresses) {
        let b = buildings[text(a, "BU_ID")];
        assert!(
            multipolygon(b).contains(&point(a)),
            "address {} not in its building",
            a.id
        );
    }
}

#[test]
fn buildings_lie_in_their_parcel() {
    let g = sample();
    let parcels: BTreeMap<&str, &Feature> = g
        .features(Layer::Parcels)
        .iter()
        .map(|p| (text(p, "CAPAKEY"), p))
        .collect();
    assert_eq!(
        parcels.len(),
        g.features(Layer::Parcels).len(),
        "CAPAKEYs are unique"
    );
    for b in g.features(Layer::Buildings) {
        let p = parcels[text(b, "CAPAKEY")];
        assert!(
            multipolygon(p).contains(multipolygon(b)),
            "building {} not inside parcel {} ({})",
            b.id,
            p.id,
            text(p, "CAPAKEY")
        );
        let area = multipolygon(b).unsigned_area();
        assert!((area - b.attributes["AREA"].as_f64().expect("AREA")).abs() < 0.01);
    }
    let holes = g
        .features(Layer::Buildings)
        .iter()
        .filter(|b| multipolygon(b).0.iter().any(|p| !p.interiors().is_empty()))
        .count();
    assert!(holes > 0, "no building with a courtyard");
}

#[test]
fn parcels_do_not_overlap() {
    let g = sample();
    let parcels = g.features(Layer::Parcels);
    let mut boxes: Vec<(geo::Rect, &MultiPolygon)> = parcels
        .iter()
        .map(|p| {
            (
                multipolygon(p).bounding_rect().expect("bbox"),
                multipolygon(p),
            )
        })
        .collect();
    boxes.sort_by(|a, b| a.0.min().x.total_cmp(&b.0.min().x));
    let mut pairs = 0;
    for i in 0..boxes.len() {
        for j in i + 1..boxes.len() {
            if boxes[j].0.min().x >= boxes[i].0.max().x {
                break;
            }
            if boxes[j].0.min().y >= boxes[i].0.max().y || boxes[i].0.min().y >= boxes[j].0.max().y
            {
                continue;
            }
            pairs += 1;
            let inter = boxes[i].1.intersection(boxes[j].1).unsigned_area();
            assert!(inter < 0.01, "parcels overlap by {inter} m²");
        }
    }
    assert!(
        pairs > parcels.len(),
        "too few neighbouring parcels tested: {pairs}"
    );
}

#[test]
fn geometries_are_valid() {
    for g in [sample(), sample2()] {
        for (layer, features) in &g.layers {
            for f in features {
                assert!(
                    f.geometry.is_valid(),
                    "{layer} {}: {:?}",
                    f.id,
                    f.geometry.check_validation()
                );
            }
        }
    }
}

#[test]
fn counts_scale_linearly() {
    let (a, b) = (sample(), sample2());
    for layer in [
        Layer::Addresses,
        Layer::Buildings,
        Layer::Parcels,
        Layer::Streets,
    ] {
        let (na, nb) = (
            a.features(layer).len() as f64,
            b.features(layer).len() as f64,
        );
        let ratio = nb / na;
        assert!(
            (1.6..2.4).contains(&ratio),
            "{layer}: {na} at 0.01, {nb} at 0.02"
        );
    }
    // The demo sample (kept under 2 MB in the repository): about two thousand addresses.
    let n = a.features(Layer::Addresses).len() as f64 * DEMO_SCALE / 0.01;
    assert!((1_500.0..3_000.0).contains(&n), "{n}");
    // A block is the same at every scale: the small sample's parcels are among the larger's.
    let keys: BTreeSet<String> = b
        .features(Layer::Parcels)
        .iter()
        .map(|p| format!("{:?}", p.geometry))
        .collect();
    assert!(a
        .features(Layer::Parcels)
        .iter()
        .all(|p| keys.contains(&format!("{:?}", p.geometry))));
}

#[test]
fn box_addresses_point_to_their_main_address() {
    let g = sample();
    let addresses = g.features(Layer::Addresses);
    let mains: BTreeMap<&str, &Feature> = addresses
        .iter()
        .filter(|a| a.attributes["BOXNUMBER"].is_null())
        .map(|a| (text(a, "INSPIRE_ID"), a))
        .collect();
    let mut boxes = 0;
    let mut styles = BTreeSet::new();
    for a in addresses {
        if a.attributes["BOXNUMBER"].is_null() {
            assert!(a.attributes["PARENTID"].is_null());
            continue;
        }
        boxes += 1;
        let b = text(a, "BOXNUMBER");
        styles.insert(if b.contains('/') {
            2
        } else if b.chars().all(|c| c.is_ascii_digit()) {
            0
        } else {
            1
        });
        let main = mains
            .get(text(a, "PARENTID"))
            .unwrap_or_else(|| panic!("address {}: no parent", a.id));
        assert!(main.id < a.id);
        assert_eq!(main.geometry, a.geometry);
        for field in [
            "POLICENUM",
            "STREET_ID",
            "STRNAMEFRE",
            "BU_ID",
            "ZIPCODE",
            "MUNNISCODE",
        ] {
            assert_eq!(main.attributes[field], a.attributes[field], "{field}");
        }
    }
    assert!(boxes > 20, "{boxes} box addresses");
    assert_eq!(styles.len(), 3, "box number styles {styles:?}");
}

#[test]
fn street_names_and_house_numbers() {
    let g = sample2();
    let streets = g.features(Layer::Streets);
    let fr: Vec<&str> = streets.iter().map(|s| text(s, "STRNAMEFRE")).collect();
    assert!(fr.iter().any(|n| !n.is_ascii()), "no accented names");
    assert!(fr.iter().any(|n| n.contains('\'')), "no apostrophes");
    assert!(streets.iter().all(|s| !text(s, "STRNAMEDUT").is_empty()));
    for s in streets {
        let l = match &s.geometry {
            Geometry::LineString(l) => geo::Length::length(&geo::Euclidean, l),
            _ => 0.0,
        };
        assert!((l - s.attributes["LENGTH"].as_f64().expect("LENGTH")).abs() < 0.02);
    }
    let addresses = g.features(Layer::Addresses);
    // Within a municipality a street name is one street (one STREET_ID), and vice versa.
    let mut by_name: BTreeMap<(&str, &str), BTreeSet<&str>> = BTreeMap::new();
    let mut by_id: BTreeMap<&str, BTreeSet<(&str, &str)>> = BTreeMap::new();
    for a in addresses {
        let (m, name, id) = (
            text(a, "MUNNISCODE"),
            text(a, "STRNAMEFRE"),
            text(a, "STREET_ID"),
        );
        by_name.entry((m, name)).or_default().insert(id);
        by_id.entry(id).or_default().insert((m, name));
        assert!(
            streets.iter().any(|s| text(s, "STRNAMEFRE") == name),
            "{name}: no street axis"
        );
    }
    assert!(
        by_name.values().all(|ids| ids.len() == 1),
        "a name is several streets in one municipality"
    );
    assert!(by_id.values().all(|v| v.len() == 1));
    let numbers: Vec<&str> = addresses.iter().map(|a| text(a, "POLICENUM")).collect();
    for n in &numbers {
        let (head, tail) = n.split_once('-').unwrap_or((n, ""));
        let digits = head.trim_end_matches(|c: char| c.is_ascii_uppercase());
        assert!(
            !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()),
            "{n}"
        );
        assert!(
            tail.is_empty() || tail.bytes().all(|b| b.is_ascii_digit()),
            "{n}"
        );
    }
    assert!(numbers.iter().any(|n| n.ends_with('A')), "no bis numbers");
    assert!(numbers.iter().any(|n| n.contains('-')), "no ranges");
    let types = count_by(streets, "TYPE");
    assert!(types.len() >= 4, "{types:?}");
}

#[test]
fn house_numbers_odd_left_even_right_increasing() {
    let slot = |left: bool, position: f64| Slot {
        building_fid: 1,
        doors: vec![(geo::coord! { x: 0.0, y: 0.0 }, 0)],
        chain: 3,
        left,
        position,
        apartments: false,
        urban: 1.0,
    };
    let slots: Vec<Slot> = (0..200)
        .map(|i| slot(i % 2 == 0, ((i * 37) % 200) as f64))
        .collect();
    let numbers = house_numbers(&slots, 1);
    let value = |s: &str| -> u32 {
        s.split('-')
            .next()
            .unwrap_or("")
            .trim_end_matches(|c: char| c.is_ascii_uppercase())
            .parse()
            .unwrap_or(0)
    };
    for left in [true, false] {
        let mut list: Vec<(f64, u32)> = slots
            .iter()
            .zip(&numbers)
            .filter(|(s, _)| s.left == left)
            .map(|(s, n)| (s.position, value(&n[0].1)))
            .collect();
        list.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert!(list.iter().all(|(_, n)| n % 2 == u32::from(left)), "parity");
        assert!(list.windows(2).all(|w| w[0].1 <= w[1].1), "not increasing");
        assert!(list[0].1 <= 4, "numbering starts at 1 or 2");
    }
}

#[test]
fn capakeys_have_the_real_format() {
    let g = sample();
    for p in g.features(Layer::Parcels) {
        let k = text(p, "CAPAKEY").as_bytes();
        assert_eq!(k.len(), 17, "{}", text(p, "CAPAKEY"));
        assert!(k[..5].iter().all(u8::is_ascii_digit) && &k[..2] == b"21");
        assert!(k[5].is_ascii_uppercase());
        assert!(k[6..10].iter().all(u8::is_ascii_digit));
        assert_eq!(k[10], b'/');
        assert!(k[11..13].iter().all(u8::is_ascii_digit));
        assert!(k[13].is_ascii_uppercase());
        assert!(k[14..].iter().all(u8::is_ascii_digit));
        assert_eq!(text(p, "CADAST_DIV").as_bytes(), &k[..5]);
        assert!(text(p, "MUNNISCODE").starts_with("https://databrussels.be/id/municipality/210"));
        assert!(
            (multipolygon(p).unsigned_area() - p.attributes["AREA"].as_f64().expect("AREA")).abs()
                < 0.01
        );
    }
    let types = count_by(g.features(Layer::Parcels), "TYPE");
    assert!(types.len() == 2, "{types:?}");
}

#[tokio::test]
async fn writes_an_m8_geopackage() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sample.gpkg");
    let g = generate(&GenerateOptions::default());
    write_gpkg(&g, &path).await.expect("write");
    let size = std::fs::metadata(&path).expect("written").len();
    assert!(
        (500_000..3_500_000).contains(&size),
        "demo sample is {size} bytes"
    );
    let opts = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .read_only(true);
    let mut conn = sqlx::ConnectOptions::connect(&opts).await.expect("open");
    for (layer, features) in &g.layers {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM \"{}\"",
            layer.m8_table()
        )))
        .fetch_one(&mut conn)
        .await
        .expect("count");
        assert_eq!(n, features.len() as i64, "{layer}");
    }
    let srs: i64 = sqlx::query_scalar(
        "SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = 'Addresses'",
    )
    .fetch_one(&mut conn)
    .await
    .expect("srs");
    assert_eq!(srs, 31370);
}

#[test]
#[ignore]
fn stats() {
    let scale: f64 = std::env::var("GEN_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.01);
    let t = std::time::Instant::now();
    let g = generate(&GenerateOptions { scale, seed: 1 });
    let counts: Vec<String> = g
        .layers
        .iter()
        .map(|(l, f)| format!("{} {l}", f.len()))
        .collect();
    eprintln!("scale {scale}: {} in {:?}", counts.join(", "), t.elapsed());
    let a = g.features(Layer::Addresses);
    let boxes = a
        .iter()
        .filter(|f| !f.attributes["BOXNUMBER"].is_null())
        .count();
    eprintln!("boxes {boxes}");
    let mut by_name: BTreeMap<(&str, &str), BTreeSet<&str>> = BTreeMap::new();
    for f in a {
        by_name
            .entry((text(f, "MUNNISCODE"), text(f, "STRNAMEFRE")))
            .or_default()
            .insert(text(f, "STREET_ID"));
    }
    let dup = by_name.values().filter(|v| v.len() > 1).count();
    let numbered = by_name
        .keys()
        .filter(|(_, n)| n.ends_with(|c: char| c.is_ascii_digit()))
        .count();
    let same = g
        .features(Layer::Streets)
        .iter()
        .filter(|s| text(s, "STRNAMEFRE") == text(s, "STRNAMEDUT"))
        .count();
    eprintln!(
        "street names per municipality {}, duplicated {dup}, numbered {numbered}, identical FR/NL axes {same}",
        by_name.len()
    );
    eprintln!(
        "buildings {:?}",
        count_by(g.features(Layer::Buildings), "TYPE")
    );
    eprintln!("parcels {:?}", count_by(g.features(Layer::Parcels), "TYPE"));
    eprintln!("streets {:?}", count_by(g.features(Layer::Streets), "TYPE"));
    for f in a.iter().take(5) {
        eprintln!("{:?}", f.attributes);
    }
    for f in g.features(Layer::Parcels).iter().take(3) {
        eprintln!("{:?}", f.attributes);
    }
    for f in g.features(Layer::Municipalities) {
        eprintln!("{} {}", f.attributes["NAMEFRE"], f.attributes["AREA"]);
    }
    if let Ok(out) = std::env::var("GEN_OUT") {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let t = std::time::Instant::now();
        rt.block_on(write_gpkg(&g, std::path::Path::new(&out)))
            .expect("write");
        let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
        eprintln!("wrote {out}: {size} bytes in {:?}", t.elapsed());
    }
}

/// Debug: `GEN_SVG=/tmp/x.svg GEN_SCALE=0.05 cargo test … dump_svg -- --ignored`
/// (optionally `GEN_VIEW=xmin,ymin,xmax,ymax`).
#[test]
#[ignore]
fn dump_svg() {
    use std::fmt::Write as _;
    let scale: f64 = std::env::var("GEN_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.01);
    let path = std::env::var("GEN_SVG").unwrap_or_else(|_| "/tmp/gen.svg".into());
    let view: Vec<f64> = std::env::var("GEN_VIEW")
        .unwrap_or_else(|_| "140500,160750,158500,178750".into())
        .split(',')
        .filter_map(|s| s.parse().ok())
        .collect();
    let (x0, y0, x1, y1) = (view[0], view[1], view[2], view[3]);
    let g = generate(&GenerateOptions { scale, seed: 1 });
    let w = 1400.0;
    let k = w / (x1 - x0);
    let h = (y1 - y0) * k;
    let tx = |x: f64| (x - x0) * k;
    let ty = |y: f64| (y1 - y) * k;
    let mut s = format!("<svg xmlns='http://www.w3.org/2000/svg' width='{w}' height='{h}'><rect width='100%' height='100%' fill='white'/>");
    let ring = |s: &mut String, r: &geo::LineString, fill: &str, stroke: &str, sw: f64| {
        let pts: Vec<String> =
            r.0.iter()
                .map(|p| format!("{:.1},{:.1}", tx(p.x), ty(p.y)))
                .collect();
        let _ = write!(
            s,
            "<polygon points='{}' fill='{fill}' stroke='{stroke}' stroke-width='{sw}'/>",
            pts.join(" ")
        );
    };
    let colours = [
        "#e6194b", "#3cb44b", "#ffe119", "#4363d8", "#f58231", "#911eb4", "#46f0f0", "#f032e6",
        "#bcf60c", "#fabebe", "#008080", "#e6beff", "#9a6324", "#fffac8", "#800000", "#aaffc3",
        "#808000", "#ffd8b1", "#a9a9a9",
    ];
    for (i, f) in g.features(Layer::Municipalities).iter().enumerate() {
        if let Geometry::MultiPolygon(mp) = &f.geometry {
            for p in mp {
                ring(
                    &mut s,
                    p.exterior(),
                    colours[i % colours.len()],
                    "#444",
                    1.5,
                );
                for hole in p.interiors() {
                    ring(&mut s, hole, "white", "#444", 1.0);
                }
            }
        }
    }
    let detail = (x1 - x0) < 3000.0;
    if detail {
        for f in g.features(Layer::Parcels) {
            if let Geometry::MultiPolygon(mp) = &f.geometry {
                for p in mp {
                    ring(&mut s, p.exterior(), "none", "#999", 0.5);
                }
            }
        }
        for f in g.features(Layer::Buildings) {
            if let Geometry::MultiPolygon(mp) = &f.geometry {
                for p in mp {
                    ring(&mut s, p.exterior(), "#c66", "#733", 0.5);
                    for hole in p.interiors() {
                        ring(&mut s, hole, "#fff", "#733", 0.5);
                    }
                }
            }
        }
    }
    for f in g.features(Layer::Streets) {
        if let Geometry::LineString(l) = &f.geometry {
            let (a, b) = (l.0[0], l.0[l.0.len() - 1]);
            let _ = write!(s, "<line x1='{:.1}' y1='{:.1}' x2='{:.1}' y2='{:.1}' stroke='#333' stroke-width='{}'/>", tx(a.x), ty(a.y), tx(b.x), ty(b.y), if detail { 1.0 } else { 0.4 });
        }
    }
    if detail {
        for f in g.features(Layer::Addresses) {
            if let Geometry::Point(p) = &f.geometry {
                let _ = write!(
                    s,
                    "<circle cx='{:.1}' cy='{:.1}' r='2' fill='blue'/>",
                    tx(p.x()),
                    ty(p.y())
                );
                if f.attributes["BOXNUMBER"].is_null() {
                    let _ = write!(
                        s,
                        "<text x='{:.1}' y='{:.1}' font-size='8'>{}</text>",
                        tx(p.x()) + 2.0,
                        ty(p.y()),
                        f.attributes["POLICENUM"].as_str().unwrap_or("")
                    );
                }
            }
        }
    }
    s.push_str("</svg>");
    std::fs::write(&path, s).expect("write svg");
}

/// The invariants on a large sample (slow in debug builds: run explicitly with
/// `GEN_SCALE=1 cargo test -p urbis-core --lib generate::tests::invariants_at_scale -- --ignored`).
#[test]
#[ignore]
fn invariants_at_scale() {
    let scale: f64 = std::env::var("GEN_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.2);
    let g = generate(&GenerateOptions { scale, seed: 3 });
    let munis: BTreeMap<&str, &MultiPolygon> = g
        .features(Layer::Municipalities)
        .iter()
        .map(|f| (text(f, "INSPIRE_ID"), multipolygon(f)))
        .collect();
    let buildings: BTreeMap<&str, &Feature> = g
        .features(Layer::Buildings)
        .iter()
        .map(|b| (text(b, "INSPIRE_ID"), b))
        .collect();
    for a in g.features(Layer::Addresses) {
        assert!(
            munis[text(a, "MUNNISCODE")].contains(&point(a)),
            "address {}",
            a.id
        );
        assert!(
            multipolygon(buildings[text(a, "BU_ID")]).contains(&point(a)),
            "address {}",
            a.id
        );
    }
    let parcels: BTreeMap<&str, &Feature> = g
        .features(Layer::Parcels)
        .iter()
        .map(|p| (text(p, "CAPAKEY"), p))
        .collect();
    assert_eq!(parcels.len(), g.features(Layer::Parcels).len());
    for b in g.features(Layer::Buildings) {
        assert!(
            multipolygon(parcels[text(b, "CAPAKEY")]).contains(multipolygon(b)),
            "building {}",
            b.id
        );
    }
    for (layer, features) in &g.layers {
        for f in features {
            assert!(
                f.geometry.is_valid(),
                "{layer} {}: {:?}",
                f.id,
                f.geometry.check_validation()
            );
        }
    }
    let mut by_name: BTreeMap<(&str, &str), BTreeSet<&str>> = BTreeMap::new();
    for a in g.features(Layer::Addresses) {
        by_name
            .entry((text(a, "MUNNISCODE"), text(a, "STRNAMEFRE")))
            .or_default()
            .insert(text(a, "STREET_ID"));
    }
    assert!(by_name.values().all(|v| v.len() == 1));
}
