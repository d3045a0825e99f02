use super::*;
use crate::geom::repair::repair;
use crate::io::gpkg::test_support::shared;
use dbase::{FieldValue, TableWriterBuilder};
use geo::{Area, Validation};
use serde_json::{json, Value};
use shapefile::{PolygonRing, Polyline};

fn read_all(r: &mut ShapefileReader) -> (Vec<RawFeature>, Vec<RecordIssue>) {
    let mut out = Vec::new();
    let mut issues = Vec::new();
    let n = r
        .read(
            &mut |f| {
                out.push(f);
                Ok(())
            },
            &mut issues,
        )
        .expect("read");
    assert_eq!(n as usize, out.len());
    (out, issues)
}

fn attr<'a>(f: &'a RawFeature, name: &str) -> Option<&'a Value> {
    f.attributes.iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

fn name(s: &str) -> dbase::FieldName {
    dbase::FieldName::try_from(s).expect("field name")
}

fn table(encoding: &'static encoding_rs::Encoding) -> TableWriterBuilder {
    TableWriterBuilder::with_encoding(dbase::encoding::EncodingRs::from(encoding))
        .add_character_field(name("NAME_FRE"), 60)
        .add_numeric_field(name("ID"), 10, 0)
        .add_numeric_field(name("AREA"), 12, 2)
        .add_date_field(name("BEGIN_LIFE"))
        .add_logical_field(name("ACTIVE"))
}

fn record(
    name: Option<&str>,
    id: f64,
    area: Option<f64>,
    date: Option<(u32, u32, u32)>,
) -> dbase::Record {
    let mut r = dbase::Record::default();
    r.insert(
        "NAME_FRE".into(),
        FieldValue::Character(name.map(str::to_string)),
    );
    r.insert("ID".into(), FieldValue::Numeric(Some(id)));
    r.insert("AREA".into(), FieldValue::Numeric(area));
    r.insert(
        "BEGIN_LIFE".into(),
        FieldValue::Date(date.map(|(y, m, d)| dbase::Date::new(d, m, y).expect("date"))),
    );
    r.insert(
        "ACTIVE".into(),
        FieldValue::Logical(Some(id as i64 % 2 == 0)),
    );
    r
}

fn square(x: f64, y: f64, s: f64) -> Vec<shapefile::Point> {
    vec![
        shapefile::Point::new(x, y),
        shapefile::Point::new(x, y + s),
        shapefile::Point::new(x + s, y + s),
        shapefile::Point::new(x + s, y),
        shapefile::Point::new(x, y),
    ]
}

const NAMES: [&str; 3] = ["Ixelles l'Étang", "Forêt de Soignes — Sonian", "Koekelberg"];

/// Three polygons: a square; two squares, the second with a hole listed after both outer rings;
/// a square with a hole.
fn write_polygons(path: &Path, encoding: &'static encoding_rs::Encoding) {
    let mut w = shapefile::Writer::from_path(path, table(encoding)).expect("writer");
    let shapes = [
        shapefile::Polygon::new(PolygonRing::Outer(square(0.0, 0.0, 10.0))),
        shapefile::Polygon::with_rings(vec![
            PolygonRing::Outer(square(100.0, 0.0, 10.0)),
            PolygonRing::Outer(square(200.0, 0.0, 10.0)),
            PolygonRing::Inner(square(202.0, 2.0, 2.0)),
        ]),
        shapefile::Polygon::with_rings(vec![
            PolygonRing::Outer(square(300.0, 0.0, 10.0)),
            PolygonRing::Inner(square(301.0, 1.0, 1.0)),
        ]),
    ];
    let records = [
        record(
            Some(NAMES[0]),
            21009.0,
            Some(6406685.25),
            Some((2016, 10, 12)),
        ),
        record(Some(NAMES[1]), 2.0, Some(12.5), None),
        record(None, 3.0, None, Some((2018, 1, 2))),
    ];
    for (s, r) in shapes.iter().zip(&records) {
        w.write_shape_and_record(s, r).expect("write");
    }
}

fn check_polygons(features: &[RawFeature]) {
    assert_eq!(features.len(), 3);
    let areas: Vec<f64> = features
        .iter()
        .map(|f| f.geometry.as_ref().expect("geometry").unsigned_area())
        .collect();
    assert_eq!(areas, [100.0, 196.0, 99.0]);
    match &features[1].geometry {
        Some(Geometry::MultiPolygon(mp)) => {
            assert_eq!(mp.0.len(), 2);
            assert_eq!(mp.0[0].interiors().len(), 0);
            assert_eq!(
                mp.0[1].interiors().len(),
                1,
                "hole given to the outer ring holding it"
            );
            assert!(mp.is_valid());
        }
        g => panic!("{g:?}"),
    }
    let f = &features[0];
    assert_eq!(f.record, 1);
    assert_eq!(f.fid, None);
    assert_eq!(attr(f, "NAME_FRE"), Some(&json!(NAMES[0])));
    assert_eq!(attr(f, "ID"), Some(&json!(21009)));
    assert!(attr(f, "ID").is_some_and(|v| v.is_i64()));
    assert_eq!(attr(f, "AREA"), Some(&json!(6406685.25)));
    assert_eq!(attr(f, "BEGIN_LIFE"), Some(&json!("2016-10-12")));
    assert_eq!(attr(f, "ACTIVE"), Some(&json!(false)));
    assert_eq!(attr(&features[1], "NAME_FRE"), Some(&json!(NAMES[1])));
    assert_eq!(attr(&features[1], "BEGIN_LIFE"), Some(&Value::Null));
    assert_eq!(attr(&features[1], "ACTIVE"), Some(&json!(true)));
    assert_eq!(attr(&features[2], "NAME_FRE"), Some(&Value::Null));
    assert_eq!(attr(&features[2], "AREA"), Some(&Value::Null));
    let names: Vec<&str> = f.attributes.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["NAME_FRE", "ID", "AREA", "BEGIN_LIFE", "ACTIVE"]);
}

#[test]
fn polygons_with_and_without_shx_and_prj() {
    let dir = tempfile::tempdir().expect("tempdir");
    let shp = dir.path().join("UrbAdm_MUNICIPALITY.shp");
    write_polygons(&shp, encoding_rs::WINDOWS_1252);
    let mut r = ShapefileReader::open(&shp).expect("open");
    assert_eq!(r.layer().name, "UrbAdm_MUNICIPALITY");
    assert_eq!(r.layer().layer, Some(Layer::Municipalities));
    assert_eq!(r.layer().crs, None, "no .prj");
    assert_eq!(r.layer().count, Some(3));
    let (with_shx, issues) = read_all(&mut r);
    assert!(issues.is_empty(), "{issues:?}");
    check_polygons(&with_shx);

    std::fs::remove_file(shp.with_extension("shx")).expect("rm shx");
    std::fs::write(shp.with_extension("prj"), Crs::Lambert72.wkt()).expect("prj");
    let mut r = ShapefileReader::open(&shp).expect("open without shx");
    assert_eq!(r.layer().crs, Some(Crs::Lambert72));
    let (without, issues) = read_all(&mut r);
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(with_shx, without);
}

#[test]
fn encodings_from_cpg_and_language_driver() {
    let dir = tempfile::tempdir().expect("tempdir");
    // UTF-8 text with a .cpg saying so.
    let shp = dir.path().join("utf8.shp");
    write_polygons(&shp, encoding_rs::UTF_8);
    std::fs::write(shp.with_extension("cpg"), "UTF-8\n").expect("cpg");
    let (f, _) = read_all(&mut ShapefileReader::open(&shp).expect("open"));
    check_polygons(&f);
    // Without the .cpg the same bytes are read as Windows-1252 (what GDAL does too).
    std::fs::remove_file(shp.with_extension("cpg")).expect("rm");
    let (f, _) = read_all(&mut ShapefileReader::open(&shp).expect("open"));
    assert_eq!(attr(&f[0], "NAME_FRE"), Some(&json!("Ixelles l'Ã‰tang")));

    // ISO-8859-1 named by the .cpg, upper-case extensions.
    let shp = dir.path().join("latin1.shp");
    write_polygons(&shp, encoding_rs::WINDOWS_1252);
    std::fs::rename(shp.with_extension("dbf"), shp.with_extension("DBF")).expect("mv");
    std::fs::write(shp.with_extension("CPG"), "ISO-8859-1").expect("cpg");
    let (f, _) = read_all(&mut ShapefileReader::open(&shp).expect("open"));
    assert_eq!(attr(&f[0], "NAME_FRE"), Some(&json!(NAMES[0])));

    // A DOS code page 850 file named by its language driver byte (0x02).
    let dbf = shp.with_extension("DBF");
    std::fs::remove_file(shp.with_extension("CPG")).expect("rm");
    let mut bytes = std::fs::read(&dbf).expect("read dbf");
    bytes[29] = 0x02;
    let at = bytes
        .windows(3)
        .position(|w| w == [b'l', b'\'', 0xC9])
        .expect("É in 1252");
    bytes[at + 2] = 0x90; // É in code page 850
    std::fs::write(&dbf, bytes).expect("write dbf");
    let (f, _) = read_all(&mut ShapefileReader::open(&shp).expect("open"));
    assert_eq!(attr(&f[0], "NAME_FRE"), Some(&json!(NAMES[0])));
}

#[test]
fn lines_points_and_deleted_records() {
    let dir = tempfile::tempdir().expect("tempdir");
    let shp = dir.path().join("StreetAxes.shp");
    let t = TableWriterBuilder::new().add_character_field(name("STRNAMEFRE"), 40);
    let mut w = shapefile::Writer::from_path(&shp, t).expect("writer");
    let one = Polyline::new(vec![
        shapefile::Point::new(0., 0.),
        shapefile::Point::new(1., 1.),
    ]);
    let two = Polyline::with_parts(vec![
        vec![shapefile::Point::new(0., 0.), shapefile::Point::new(1., 1.)],
        vec![shapefile::Point::new(5., 5.), shapefile::Point::new(6., 6.)],
    ]);
    for (i, l) in [&one, &two, &one].into_iter().enumerate() {
        let mut r = dbase::Record::default();
        r.insert(
            "STRNAMEFRE".into(),
            FieldValue::Character(Some(format!("Rue {i}"))),
        );
        w.write_shape_and_record(l, &r).expect("write");
    }
    drop(w);
    // Mark record 2 deleted: it and its shape are skipped, record 3 stays paired.
    let dbf = shp.with_extension("dbf");
    let mut bytes = std::fs::read(&dbf).expect("dbf");
    let header_len = usize::from(u16::from_le_bytes([bytes[8], bytes[9]]));
    let record_len = usize::from(u16::from_le_bytes([bytes[10], bytes[11]]));
    bytes[header_len + record_len] = b'*';
    std::fs::write(&dbf, bytes).expect("write");
    let mut r = ShapefileReader::open(&shp).expect("open");
    assert_eq!(r.layer().layer, Some(Layer::Streets));
    assert_eq!(r.layer().count, Some(2));
    let (f, issues) = read_all(&mut r);
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(f.len(), 2);
    assert!(matches!(f[0].geometry, Some(Geometry::LineString(_))));
    assert_eq!(f[1].record, 3);
    assert_eq!(attr(&f[1], "STRNAMEFRE"), Some(&json!("Rue 2")));

    let shp = dir.path().join("points.shp");
    let t = TableWriterBuilder::new().add_numeric_field(name("N"), 5, 0);
    let mut w = shapefile::Writer::from_path(&shp, t).expect("writer");
    let mut r = dbase::Record::default();
    r.insert("N".into(), FieldValue::Numeric(Some(7.0)));
    w.write_shape_and_record(&shapefile::PointZ::new(150000.0, 170000.0, 12.0, 0.0), &r)
        .expect("write");
    drop(w);
    let (f, _) = read_all(&mut ShapefileReader::open(&shp).expect("open"));
    assert_eq!(
        f[0].geometry,
        Some(Geometry::Point(Point::new(150000.0, 170000.0)))
    );
    assert_eq!(attr(&f[0], "N"), Some(&json!(7)));
}

#[test]
fn malformed_files_are_errors_or_issues_never_panics() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Garbage named .shp.
    let garbage = dir.path().join("garbage.shp");
    std::fs::write(&garbage, b"definitely not a shapefile".repeat(10)).expect("write");
    let err = ShapefileReader::open(&garbage).expect_err("garbage");
    assert!(err.to_string().contains("garbage.shp"), "{err}");
    std::fs::write(&garbage, b"tiny").expect("write");
    assert!(ShapefileReader::open(&garbage).is_err());

    // A valid .shp without its .dbf.
    let shp = dir.path().join("lonely.shp");
    write_polygons(&shp, encoding_rs::WINDOWS_1252);
    std::fs::remove_file(shp.with_extension("dbf")).expect("rm");
    let err = ShapefileReader::open(&shp).expect_err("no dbf");
    assert!(err.to_string().contains("lonely.dbf"), "{err}");
    assert!(err.to_string().contains("lonely.shp"), "{err}");

    // A corrupt second record (absurd point count) is an issue; records 1 and 3 are read.
    let shp = dir.path().join("corrupt.shp");
    write_polygons(&shp, encoding_rs::WINDOWS_1252);
    let mut bytes = std::fs::read(&shp).expect("shp");
    let first_len =
        2 * u32::from_be_bytes([bytes[104], bytes[105], bytes[106], bytes[107]]) as usize;
    let second = 100 + 8 + first_len;
    let num_points_at = second + 8 + 40;
    bytes[num_points_at..num_points_at + 4].copy_from_slice(&i32::MAX.to_le_bytes());
    std::fs::write(&shp, &bytes).expect("write");
    std::fs::remove_file(shp.with_extension("shx")).expect("rm shx");
    let (f, issues) = read_all(&mut ShapefileReader::open(&shp).expect("open"));
    assert_eq!(f.iter().map(|f| f.record).collect::<Vec<_>>(), [1, 3]);
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0].record, 2);
    assert_eq!(issues[0].layer, "corrupt");
    assert!(issues[0].detail.contains("invalid shape"), "{issues:?}");

    // A truncated file: the last record's header claims more than is left.
    bytes.truncate(bytes.len() - 20);
    std::fs::write(&shp, &bytes).expect("write");
    let (f, issues) = read_all(&mut ShapefileReader::open(&shp).expect("open"));
    assert_eq!(f.len(), 1);
    assert!(
        issues
            .iter()
            .any(|i| i.record == 3 && i.detail.contains("corrupt record header")),
        "{issues:?}"
    );

    // Random bytes after a valid header: issues, no panic.
    let mut state = 0x1234_5678_9abc_def0u64;
    for round in 0..200 {
        let mut b = bytes[..100].to_vec();
        for _ in 0..(round * 7 % 300) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            b.push(state as u8);
        }
        if b.len() > 112 {
            // A plausible record header now and then, so that content decoding is exercised.
            let words = ((b.len() - 108) / 2) as i32;
            b[104..108].copy_from_slice(&words.to_be_bytes());
            b[108..112].copy_from_slice(&[5, 0, 0, 0]);
        }
        std::fs::write(&shp, &b).expect("write");
        if let Ok(mut r) = ShapefileReader::open(&shp) {
            let mut issues = Vec::new();
            let _ = r.read(&mut |_| Ok(()), &mut issues);
        }
    }
}

#[test]
fn real_legacy_municipalities_without_shx() {
    let Some(shp) = shared("data/urbis/UrbAdm_MUNICIPALITY.shp") else {
        return;
    };
    assert!(
        !shp.with_extension("shx").exists(),
        "the test is about a missing .shx"
    );
    let mut r = ShapefileReader::open(&shp).expect("open");
    assert_eq!(r.layer().name, "UrbAdm_MUNICIPALITY");
    assert_eq!(r.layer().layer, Some(Layer::Municipalities));
    assert_eq!(r.layer().crs, Some(Crs::Lambert72));
    assert_eq!(r.layer().count, Some(19));
    let (f, issues) = read_all(&mut r);
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(f.len(), 19);
    let by_nis = |nis: &str| {
        f.iter()
            .find(|f| attr(f, "NAT_CODE") == Some(&json!(nis)))
            .unwrap_or_else(|| panic!("NAT_CODE {nis}"))
    };
    let names = |nis: &str| {
        let m = by_nis(nis);
        (attr(m, "NAME_FRE").cloned(), attr(m, "NAME_DUT").cloned())
    };
    assert_eq!(
        names("21004"),
        (Some(json!("Bruxelles")), Some(json!("Brussel")))
    );
    assert_eq!(
        names("21014"),
        (
            Some(json!("Saint-Josse-ten-Noode")),
            Some(json!("Sint-Joost-ten-Node"))
        )
    );
    assert_eq!(
        names("21003"),
        (
            Some(json!("Berchem-Sainte-Agathe")),
            Some(json!("Sint-Agatha-Berchem"))
        )
    );
    assert_eq!(
        names("21017"),
        (
            Some(json!("Watermael-Boitsfort")),
            Some(json!("Watermaal-Bosvoorde"))
        )
    );
    let bxl = by_nis("21004");
    assert_eq!(attr(bxl, "BEGIN_LIFE"), Some(&json!("2018-01-02")));
    assert_eq!(attr(bxl, "END_LIFE"), Some(&Value::Null));
    assert_eq!(attr(bxl, "AREA"), Some(&json!(33069627.1)));
    assert!(
        attr(bxl, "ID").is_some_and(Value::is_i64),
        "{:?}",
        attr(bxl, "ID")
    );
    // Every geometry is a usable multipolygon whose area matches the AREA field (so holes went to
    // the right outer rings); the 19 add up to the Region's ~162 km².
    let mut total = 0.0;
    for m in &f {
        let g = m.geometry.clone().expect("geometry");
        assert!(matches!(g, Geometry::MultiPolygon(_)));
        let (g, _) = repair(g).unwrap_or_else(|e| panic!("record {}: {e}", m.record));
        let area = g.unsigned_area();
        let declared = attr(m, "AREA").and_then(Value::as_f64).expect("AREA");
        assert!(
            (area - declared).abs() / declared < 0.001,
            "record {}: {area} vs {declared}",
            m.record
        );
        total += area;
    }
    assert!((160.0e6..165.0e6).contains(&total), "{total}");
}
