//! Geocoder tests on a small hand-made dataset.

use std::sync::Arc;

use geo::{Geometry, LineString, Point};
use serde_json::{json, Value};

use super::*;
use crate::model::{Attributes, Feature, Layer};

fn attrs(v: Value) -> Attributes {
    match v {
        Value::Object(m) => m,
        _ => Attributes::new(),
    }
}

#[allow(clippy::too_many_arguments)]
fn addr(
    id: i64,
    street_id: u32,
    fr: &str,
    nl: &str,
    num: &str,
    pc: &str,
    nis: &str,
    mfr: &str,
    mnl: &str,
    x: f64,
    y: f64,
) -> Feature {
    Feature {
        id,
        geometry: Geometry::Point(Point::new(x, y)),
        attributes: attrs(json!({
            "INSPIRE_ID": format!("https://databrussels.be/id/address/{id}"),
            "STREET_ID": format!("https://databrussels.be/id/streetname/{street_id}"),
            "STRNAMEFRE": fr, "STRNAMEDUT": nl, "POLICENUM": num, "ZIPCODE": pc,
            "MUNNISCODE": format!("https://databrussels.be/id/municipality/{nis}"),
            "MUNNAMEFRE": mfr, "MUNNAMEDUT": mnl,
        })),
    }
}

pub(crate) fn dataset() -> Dataset {
    let mut a = Vec::new();
    let mut id = 1;
    // Rue de la Loi / Wetstraat, 1040 Bruxelles: numbers 1..=99 along x.
    for n in 1..=99u32 {
        if n == 17 || n == 19 {
            continue; // a gap for interpolation
        }
        a.push(addr(
            id,
            1,
            "Rue de la Loi",
            "Wetstraat",
            &n.to_string(),
            "1040",
            "21004",
            "Bruxelles",
            "Brussel",
            150000.0 + n as f64 * 10.0,
            170000.0,
        ));
        id += 1;
    }
    a.push(addr(
        id,
        1,
        "Rue de la Loi",
        "Wetstraat",
        "16A",
        "1040",
        "21004",
        "Bruxelles",
        "Brussel",
        150165.0,
        170005.0,
    ));
    id += 1;
    a.push(addr(
        id,
        1,
        "Rue de la Loi",
        "Wetstraat",
        "12-14",
        "1040",
        "21004",
        "Bruxelles",
        "Brussel",
        150130.0,
        170005.0,
    ));
    id += 1;
    // Avenue de la Toison d'Or / Gulden-Vlieslaan, 1050 Ixelles.
    for n in 1..=40u32 {
        a.push(addr(
            id,
            2,
            "Avenue de la Toison d'Or",
            "Gulden-Vlieslaan",
            &n.to_string(),
            "1050",
            "21009",
            "Ixelles",
            "Elsene",
            149000.0 + n as f64 * 10.0,
            169000.0,
        ));
        id += 1;
    }
    // Chaussée de Wavre / Waversesteenweg in two municipalities.
    for n in 1..=30u32 {
        a.push(addr(
            id,
            3,
            "Chaussée de Wavre",
            "Waverse Steenweg",
            &n.to_string(),
            "1050",
            "21009",
            "Ixelles",
            "Elsene",
            149500.0 + n as f64 * 10.0,
            169500.0,
        ));
        id += 1;
    }
    for n in 1..=30u32 {
        a.push(addr(
            id,
            4,
            "Chaussée de Wavre",
            "Waverse Steenweg",
            &n.to_string(),
            "1040",
            "21005",
            "Etterbeek",
            "Etterbeek",
            151500.0 + n as f64 * 10.0,
            169500.0,
        ));
        id += 1;
    }
    // A street whose name is the same in both languages, and a near-namesake.
    for n in 1..=10u32 {
        a.push(addr(
            id,
            5,
            "Plattesteen",
            "Plattesteen",
            &n.to_string(),
            "1000",
            "21004",
            "Bruxelles",
            "Brussel",
            148500.0 + n as f64 * 10.0,
            170500.0,
        ));
        id += 1;
    }
    for n in 1..=10u32 {
        a.push(addr(
            id,
            6,
            "Rue de la Paix",
            "Vredestraat",
            &n.to_string(),
            "1050",
            "21009",
            "Ixelles",
            "Elsene",
            149700.0 + n as f64 * 10.0,
            169400.0,
        ));
        id += 1;
    }
    for n in 1..=10u32 {
        a.push(addr(
            id,
            7,
            "Rue de la Loire",
            "Loirestraat",
            &n.to_string(),
            "1000",
            "21004",
            "Bruxelles",
            "Brussel",
            148000.0 + n as f64 * 10.0,
            171000.0,
        ));
        id += 1;
    }
    let munis = vec![
        Feature {
            id: 1,
            geometry: Geometry::Polygon(
                geo::Rect::new((140000.0, 169800.0), (160000.0, 180000.0)).to_polygon(),
            ),
            attributes: attrs(
                json!({"NISCODE": "21004", "NAMEFRE": "Bruxelles", "NAMEDUT": "Brussel"}),
            ),
        },
        Feature {
            id: 2,
            geometry: Geometry::Polygon(
                geo::Rect::new((140000.0, 160000.0), (151000.0, 169800.0)).to_polygon(),
            ),
            attributes: attrs(
                json!({"NISCODE": "21009", "NAMEFRE": "Ixelles", "NAMEDUT": "Elsene"}),
            ),
        },
        Feature {
            id: 3,
            geometry: Geometry::Polygon(
                geo::Rect::new((151000.0, 160000.0), (160000.0, 169800.0)).to_polygon(),
            ),
            attributes: attrs(
                json!({"NISCODE": "21005", "NAMEFRE": "Etterbeek", "NAMEDUT": "Etterbeek"}),
            ),
        },
    ];
    let streets = vec![Feature {
        id: 1,
        geometry: Geometry::LineString(LineString::from(vec![
            (152000.0, 168000.0),
            (152500.0, 168000.0),
        ])),
        attributes: attrs(
            json!({"STRNAMEFRE": "Avenue des Casernes", "STRNAMEDUT": "Kazernenlaan"}),
        ),
    }];
    Dataset::from_layers(
        None,
        vec![
            (Layer::Addresses, a),
            (Layer::Municipalities, munis),
            (Layer::Streets, streets),
        ],
    )
}

fn index() -> GeocodeIndex {
    GeocodeIndex::build(Arc::new(dataset()))
}

fn opts() -> SearchOptions {
    SearchOptions {
        limit: 5,
        ..Default::default()
    }
}

/// (street FR, number, postcode, match type) of the first hit.
fn top(ix: &GeocodeIndex, q: &str) -> (String, Option<String>, Option<String>, MatchType) {
    let hits = ix.search(q, &opts());
    let h = hits
        .first()
        .unwrap_or_else(|| panic!("no result for {q:?}"));
    let st = h
        .street
        .map(|s| ix.streets()[s as usize].name_fr.clone().unwrap_or_default())
        .unwrap_or_default();
    let pc = h
        .address
        .and_then(|a| ix.addresses()[a as usize].postcode.clone());
    (st, h.number.clone(), pc, h.match_type)
}

#[test]
fn french_and_dutch_find_the_same_address() {
    let ix = index();
    let fr = ix.search("Rue de la Loi 75 1040", &opts());
    let nl = ix.search("Wetstraat 75 Brussel", &opts());
    assert_eq!(fr[0].address, nl[0].address);
    assert_eq!(fr[0].match_type, MatchType::Exact);
    assert!(fr[0].confidence > 0.9, "{}", fr[0].confidence);
    assert_eq!(fr[0].matched_lang, Some(Lang::Fr));
    assert_eq!(nl[0].matched_lang, Some(Lang::Nl));
    assert_eq!(
        top(&ix, "75 rue de la loi, bruxelles").1.as_deref(),
        Some("75")
    );
}

#[test]
fn accents_case_typos_abbreviations() {
    let ix = index();
    for q in [
        "RUE DE LA LOI 10",
        "rue de la loi 10",
        "Wetstraaat 10",
        "Wetsraat 10",
        "Wet str. 10",
        "Wetstr 10",
        "wetstraat 10",
        "Wettstraat 10",
    ] {
        let (st, n, _, mt) = top(&ix, q);
        assert_eq!(
            (st.as_str(), n.as_deref(), mt),
            ("Rue de la Loi", Some("10"), MatchType::Exact),
            "{q}"
        );
    }
    for q in [
        "Av. de la Toison d'Or 8",
        "Ave Toison d Or 8",
        "avenue toison dor 8",
        "Gulden Vlieslaan 8",
        "Guldenvlieslaan 8",
        "Gulden-Vlieslaan 8",
    ] {
        let (st, n, _, _) = top(&ix, q);
        assert_eq!(
            (st.as_str(), n.as_deref()),
            ("Avenue de la Toison d'Or", Some("8")),
            "{q}"
        );
    }
    let (st, _, pc, _) = top(&ix, "Chée de Wavre 12 Etterbeek");
    assert_eq!(
        (st.as_str(), pc.as_deref()),
        ("Chaussée de Wavre", Some("1040"))
    );
    let (_, _, pc, _) = top(&ix, "Waversestwg 12 Elsene");
    assert_eq!(pc.as_deref(), Some("1050"));
    let (_, _, pc, _) = top(&ix, "Waverse Steenweg 12, 1050");
    assert_eq!(pc.as_deref(), Some("1050"));
    // Loi vs Loire: no typo allowed to turn one into the other silently.
    assert_eq!(top(&ix, "Rue de la Loire 3").0, "Rue de la Loire");
    assert_eq!(top(&ix, "Plattesteen 3").0, "Plattesteen");
}

#[test]
fn house_number_forms_and_fallbacks() {
    let ix = index();
    assert_eq!(top(&ix, "Rue de la Loi 16A").1.as_deref(), Some("16A"));
    assert_eq!(top(&ix, "Rue de la Loi 16 A").1.as_deref(), Some("16A"));
    assert_eq!(top(&ix, "Rue de la Loi 12-14").1.as_deref(), Some("12-14"));
    assert_eq!(top(&ix, "Rue de la Loi 16 bus 8").1.as_deref(), Some("16"));
    assert_eq!(top(&ix, "Rue de la Loi 16 bte 3").1.as_deref(), Some("16"));
    assert_eq!(
        top(&ix, "Rue de la Loi 16B bus 207").1.as_deref(),
        Some("16")
    );
    assert_eq!(top(&ix, "Rue de la Loi 61/2").1.as_deref(), Some("61"));
    let h = &ix.search("Rue de la Loi 16 bus 8", &opts())[0];
    assert_eq!(h.box_number.as_deref(), Some("8"));
    // A missing number is interpolated between its neighbours on the same side.
    let h = &ix.search("Rue de la Loi 17", &opts())[0];
    assert_eq!(h.match_type, MatchType::Interpolated);
    assert_eq!(h.number.as_deref(), Some("17"));
    assert!((h.x - 150170.0).abs() < 1e-6, "{}", h.x);
    // No number (sn/zn) or none given: the street.
    let (st, n, _, mt) = top(&ix, "Galerie Wetstraat zn");
    assert_eq!(
        (st.as_str(), n, mt),
        ("Rue de la Loi", None, MatchType::Street)
    );
    assert_eq!(top(&ix, "Rue de la Loi").3, MatchType::Street);
    // A street without addresses (from the street axes).
    let (st, _, _, mt) = top(&ix, "Kazernenlaan 4");
    assert_eq!(
        (st.as_str(), mt),
        ("Avenue des Casernes", MatchType::Street)
    );
    // A number beyond the street's range never jumps to another street.
    assert_eq!(top(&ix, "Rue de la Paix 500").0, "Rue de la Paix");
}

#[test]
fn municipalities_postcodes_and_structured() {
    let ix = index();
    let h = &ix.search("Elsene", &opts())[0];
    assert_eq!(h.match_type, MatchType::Municipality);
    assert_eq!(
        ix.municipalities()[h.muni.unwrap_or(0) as usize]
            .name_fr
            .as_deref(),
        Some("Ixelles")
    );
    let h = &ix.search("1050", &opts())[0];
    assert_eq!(h.match_type, MatchType::Municipality);
    let s = Structured {
        street: Some("Wetstraat".into()),
        number: Some("75".into()),
        postcode: Some("1040".into()),
        ..Default::default()
    };
    let h = &ix.search_structured(&s, &opts())[0];
    assert_eq!(h.number.as_deref(), Some("75"));
    assert_eq!(h.qualification.number, Qual::Found);
    assert_eq!(h.qualification.postcode, Qual::Found);
    assert_eq!(h.qualification.street, Qual::Found);
}

#[test]
fn autocomplete_and_focus() {
    let ix = index();
    let o = SearchOptions {
        limit: 5,
        autocomplete: true,
        ..Default::default()
    };
    let hits = ix.search("Rue de la Lo", &o);
    let names: Vec<String> = hits
        .iter()
        .filter_map(|h| {
            h.street
                .map(|s| ix.streets()[s as usize].name_fr.clone().unwrap_or_default())
        })
        .collect();
    assert!(
        names.contains(&"Rue de la Loi".to_string())
            && names.contains(&"Rue de la Loire".to_string()),
        "{names:?}"
    );
    let hits = ix.search("wetstr", &o);
    assert_eq!(
        hits[0]
            .street
            .map(|s| ix.streets()[s as usize].name_fr.clone()),
        Some(Some("Rue de la Loi".into()))
    );
    // Focus picks the Chaussée de Wavre near the point.
    let near_etterbeek = SearchOptions {
        focus: Some((151600.0, 169500.0)),
        ..o.clone()
    };
    let h = &ix.search("Chaussée de Wavre 5", &near_etterbeek)[0];
    assert_eq!(
        ix.addresses()[h.address.unwrap_or(0) as usize]
            .postcode
            .as_deref(),
        Some("1040")
    );
    let bbox = SearchOptions {
        bbox: Some([149000.0, 169000.0, 150000.0, 170000.0]),
        ..o
    };
    for h in ix.search("Chaussée de Wavre 5", &bbox) {
        assert!(h.x <= 150000.0);
    }
}

#[test]
fn reverse_finds_the_nearest_address() {
    let ix = index();
    let h = &ix.reverse(150751.0, 170002.0, 1, 100.0)[0];
    assert_eq!(h.number.as_deref(), Some("75"));
    assert!((h.distance.unwrap_or(99.0) - 2.236).abs() < 0.01);
    // Far from addresses: the street axis, then the municipality.
    let h = &ix.reverse(152250.0, 168010.0, 1, 100.0)[0];
    assert_eq!(h.match_type, MatchType::Street);
    let h = &ix.reverse(158000.0, 165000.0, 1, 100.0)[0];
    assert_eq!(h.match_type, MatchType::Municipality);
}

#[test]
fn hostile_input_does_not_panic() {
    let ix = index();
    for q in [
        "",
        " ",
        "----",
        "////",
        "1/",
        "-1",
        "99999999999999999999",
        "bus",
        "s/",
        "🙂🙂",
        "a/b/c-d--e",
        "0",
    ] {
        let _ = ix.search(q, &opts());
        let _ = ix.search(
            q,
            &SearchOptions {
                autocomplete: true,
                ..opts()
            },
        );
    }
    let long = "rue ".repeat(2000);
    let _ = ix.search(&long, &opts());
}

#[tokio::test]
async fn follows_the_live_dataset() {
    let (tx, _rx) = tokio::sync::watch::channel(Arc::new(dataset()));
    let shared = Arc::new(tx);
    let g = Geocoder::new(shared.clone());
    let cur = g.current().await.expect("index");
    assert!(!cur.stale);
    assert!(cur.index.address_count() > 100);
    // A new dataset: the old index is served flagged stale until the new one is ready.
    shared.send_replace(Arc::new(Dataset::default()));
    let cur = g.current().await.expect("index");
    if cur.stale {
        assert!(cur.index.address_count() > 100);
    }
    for _ in 0..200 {
        let cur = g.current().await.expect("index");
        if !cur.stale {
            assert_eq!(cur.index.address_count(), 0);
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the index never caught up");
}

/// Streets whose names two typos in a short word, or a typo across a compound, take out of the
/// normal (one-typo) reach; with near-namesakes that must not win instead.
fn fallback_index() -> GeocodeIndex {
    let mut a = Vec::new();
    let mut id = 1;
    let streets: [(u32, &str, &str, &str, &str, &str, &str); 6] = [
        (
            1,
            "Rue des Coteaux",
            "Wijnheuvelenstraat",
            "1210",
            "21014",
            "Saint-Josse-ten-Noode",
            "Sint-Joost-ten-Node",
        ),
        (
            2,
            "Rue Saint-Josse",
            "Sint-Joostsstraat",
            "1210",
            "21014",
            "Saint-Josse-ten-Noode",
            "Sint-Joost-ten-Node",
        ),
        (
            3,
            "Rue Goffart",
            "Goffartstraat",
            "1050",
            "21009",
            "Ixelles",
            "Elsene",
        ),
        (
            4,
            "Chaussée d'Ixelles",
            "Elsensesteenweg",
            "1050",
            "21009",
            "Ixelles",
            "Elsene",
        ),
        (
            5,
            "Rue d'Arenberg",
            "Arenbergstraat",
            "1000",
            "21004",
            "Bruxelles",
            "Brussel",
        ),
        (
            6,
            "Rue des Côtes",
            "Hellingstraat",
            "1000",
            "21004",
            "Bruxelles",
            "Brussel",
        ),
    ];
    for (sid, fr, nl, pc, nis, mfr, mnl) in streets {
        for n in 1..=30u32 {
            a.push(addr(
                id,
                sid,
                fr,
                nl,
                &n.to_string(),
                pc,
                nis,
                mfr,
                mnl,
                150000.0 + sid as f64 * 1000.0 + n as f64 * 10.0,
                170000.0,
            ));
            id += 1;
        }
    }
    GeocodeIndex::build(Arc::new(Dataset::from_layers(
        None,
        vec![(Layer::Addresses, a)],
    )))
}

#[test]
fn two_typos_in_a_short_word_still_find_the_street() {
    let ix = fallback_index();
    for (q, want) in [
        (
            "Rue des Coteeaaux 2 1210 Saint-Josse-ten-Noode",
            "Rue des Coteaux",
        ),
        ("Rue des Coaaux, 5, Schaerbeek", "Rue des Coteaux"),
        ("22 Rue Gofrt, Ixelles", "Rue Goffart"),
        // Dutch, short name with two typos, joined or split.
        ("Gofrtstraat 22", "Rue Goffart"),
        ("Gofrt straat 22 Elsene", "Rue Goffart"),
        // A typo across a compound whose stem the dictionary only knows split ("aren berg").
        ("arenberggstraat 1, 1000 brussel", "Rue d'Arenberg"),
        ("Arenbergstrat 3 Brussel", "Rue d'Arenberg"),
    ] {
        let hits = ix.search(q, &opts());
        let found = hits.iter().find(|h| {
            h.street
                .is_some_and(|s| ix.streets()[s as usize].name_fr.as_deref() == Some(want))
        });
        let h = found.unwrap_or_else(|| panic!("{want} not in the top 5 of {q:?}: {hits:?}"));
        assert!(h.number.is_some(), "{q}");
        assert_eq!(h.match_type, MatchType::Exact, "{q}");
    }
    // Without a street whose name the other words also fit, it is the first result.
    for (q, want) in [
        ("22 Rue Gofrt, Ixelles", "Rue Goffart"),
        ("Gofrtstraat 22", "Rue Goffart"),
        ("Rue des Coaaux 5", "Rue des Coteaux"),
        ("arenberggstraat 1, 1000 brussel", "Rue d'Arenberg"),
    ] {
        assert_eq!(top(&ix, q).0, want, "{q}");
    }
    // The fallback scores below a normal match: the exact name wins over a near one.
    assert_eq!(top(&ix, "Rue des Côtes 4").0, "Rue des Côtes");
    assert_eq!(top(&ix, "Rue des Coteaux 4").0, "Rue des Coteaux");
    // Nothing close enough: no street is made up.
    let hits = ix.search("Xqzvwk 12", &opts());
    assert!(hits.iter().all(|h| h.street.is_none()), "{hits:?}");
}

#[test]
fn fallback_scan_is_bounded_by_length() {
    let ix = fallback_index();
    let m = ix.compact_matches("coteeaaux", 8);
    let names: Vec<_> = m
        .iter()
        .map(|(s, _, d)| (ix.streets()[*s as usize].name_fr.clone(), *d))
        .collect();
    assert_eq!(
        names.first(),
        Some(&(Some("Rue des Coteaux".to_string()), 2))
    );
    assert!(ix.compact_matches("ab", 8).is_empty());
    assert!(ix.compact_matches("zzzzzzzzzzzz", 8).is_empty());
    assert_eq!(super::index::fallback_typos(5), 2);
    assert_eq!(super::index::fallback_typos(2), 0);
}
