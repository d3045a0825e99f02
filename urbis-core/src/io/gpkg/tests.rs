use super::test_support::{have_program, shared};
use super::*;
use crate::geom::repair::repair;
use geo::{line_string, point, polygon, LineString, Polygon};
use serde_json::json;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

async fn read_all(r: &mut GpkgReader, layer: &str) -> (Vec<RawFeature>, Vec<RecordIssue>) {
    let mut out = Vec::new();
    let mut issues = Vec::new();
    let n = r
        .read_layer(
            layer,
            &mut |f| {
                out.push(f);
                Ok(())
            },
            &mut issues,
        )
        .await
        .expect("read layer");
    assert_eq!(n as usize, out.len());
    (out, issues)
}

fn attr<'a>(f: &'a RawFeature, name: &str) -> Option<&'a Value> {
    f.attributes.iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

fn sample_features() -> (Vec<Feature>, Vec<Feature>) {
    let mut points = Vec::new();
    for i in 0..1234 {
        let mut attributes = crate::model::Attributes::new();
        attributes.insert("STRNAMEFRE".into(), json!(format!("Rue n°{i} l'Écluse")));
        attributes.insert("POLICENUM".into(), json!(i));
        attributes.insert("XL72".into(), json!(format!("{}.5", 150000 + i)));
        if i % 3 == 0 {
            attributes.insert("BOXNUMBER".into(), json!("A"));
        }
        points.push(Feature {
            id: 10 + i as i64,
            geometry: Geometry::Point(point!(x: 150000.0 + i as f64, y: 170000.0 - i as f64)),
            attributes,
        });
    }
    let mut polys = Vec::new();
    for i in 0..50 {
        let x = 148000.0 + 10.0 * i as f64;
        let mut attributes = crate::model::Attributes::new();
        attributes.insert("TYPE".into(), json!("main"));
        attributes.insert("AREA".into(), json!(100));
        let geometry = if i % 2 == 0 {
            Geometry::Polygon(polygon![
                exterior: [(x: x, y: 0.), (x: x + 5., y: 0.), (x: x + 5., y: 5.), (x: x, y: 5.), (x: x, y: 0.)],
                interiors: [[(x: x + 1., y: 1.), (x: x + 1., y: 2.), (x: x + 2., y: 2.), (x: x + 1., y: 1.)]],
            ])
        } else {
            Geometry::MultiPolygon(MultiPolygon(vec![polygon![
                (x: x, y: 0.), (x: x + 5., y: 0.), (x: x, y: 5.), (x: x, y: 0.)
            ]]))
        };
        polys.push(Feature {
            id: i + 1,
            geometry,
            attributes,
        });
    }
    (points, polys)
}

/// Write a small two-layer GeoPackage (Addresses, Buildings) at `path`.
pub(crate) async fn write_sample(path: &Path, spatial_index: bool) {
    let (points, polys) = sample_features();
    let mut w = GpkgWriter::create(path, Crs::Lambert72)
        .await
        .expect("create");
    w.add_layer(
        "Addresses",
        "POINT",
        &[
            ("STRNAMEFRE", FieldType::Text),
            ("POLICENUM", FieldType::Text),
            ("BOXNUMBER", FieldType::Text),
            ("XL72", FieldType::Real),
        ],
    )
    .await
    .expect("add");
    w.add_layer(
        "Buildings",
        "MULTIPOLYGON",
        &[
            ("TYPE", FieldType::Text),
            ("AREA", FieldType::Real),
            ("N", FieldType::Integer),
        ],
    )
    .await
    .expect("add");
    // Written in two calls, as an exporter streaming batches does.
    w.write_features("Addresses", &points[..1000])
        .await
        .expect("write");
    w.write_features("Addresses", &points[1000..])
        .await
        .expect("write");
    w.write_features("Buildings", &polys).await.expect("write");
    w.finish(spatial_index).await.expect("finish");
}

#[test]
fn geometry_blob_round_trip_and_header_variants() {
    let pt = Geometry::Point(point!(x: 1.5, y: -2.0));
    let blob = encode_gpkg_geometry(&pt, 31370);
    assert_eq!(&blob[..4], b"GP\x00\x01");
    assert_eq!(&blob[4..8], &31370i32.to_le_bytes());
    assert_eq!(decode_gpkg_geometry(&blob), Ok(Some(pt.clone())));

    let ls = Geometry::LineString(line_string![(x: 0., y: 0.), (x: 3., y: 4.)]);
    let blob = encode_gpkg_geometry(&ls, 31370);
    assert_eq!(blob[3], 0x03, "envelope indicator 1, little-endian");
    let env: Vec<f64> = blob[8..40]
        .chunks(8)
        .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect();
    assert_eq!(env, [0.0, 3.0, 0.0, 4.0]);
    assert_eq!(decode_gpkg_geometry(&blob), Ok(Some(ls.clone())));

    // Every envelope size, and a big-endian header.
    let wkb = wkb::to_wkb(&ls);
    for (e, size) in [(0u8, 0usize), (1, 32), (2, 48), (3, 48), (4, 64)] {
        for order in [0u8, 1] {
            let mut b = vec![b'G', b'P', 0, (e << 1) | order];
            b.extend_from_slice(&[0, 0, 0x7A, 0x8A]);
            b.extend(std::iter::repeat_n(0u8, size));
            b.extend_from_slice(&wkb);
            assert_eq!(
                decode_gpkg_geometry(&b),
                Ok(Some(ls.clone())),
                "envelope {e}"
            );
        }
    }
    // Empty flag, empty point, errors.
    let mut empty = vec![b'G', b'P', 0, 0x11, 0, 0, 0, 0];
    empty.extend(wkb::to_wkb(&Geometry::Point(
        point!(x: f64::NAN, y: f64::NAN),
    )));
    assert_eq!(decode_gpkg_geometry(&empty), Ok(None));
    let nan_pt = encode_gpkg_geometry(&Geometry::Point(point!(x: f64::NAN, y: f64::NAN)), 0);
    assert_eq!(nan_pt[3] & 0x10, 0x10);
    assert_eq!(decode_gpkg_geometry(&nan_pt), Ok(None));
    assert_eq!(decode_gpkg_geometry(b"GP"), Err(GeometryError::Truncated));
    assert!(matches!(
        decode_gpkg_geometry(b"XX\x00\x01\x00\x00\x00\x00\x01"),
        Err(GeometryError::BadHeader(_))
    ));
    assert!(matches!(
        decode_gpkg_geometry(b"GP\x00\x21\x00\x00\x00\x00\x01"),
        Err(GeometryError::BadHeader(_))
    ));
    assert!(matches!(
        decode_gpkg_geometry(b"GP\x00\x0B\x00\x00\x00\x00\x01"),
        Err(GeometryError::BadHeader(_))
    ));
    assert_eq!(
        decode_gpkg_geometry(b"GP\x00\x03\x00\x00\x00\x00\x01"),
        Err(GeometryError::Truncated)
    );
    let mut cut = encode_gpkg_geometry(&ls, 1);
    cut.truncate(cut.len() - 3);
    assert_eq!(decode_gpkg_geometry(&cut), Err(GeometryError::Truncated));
}

#[test]
fn writer_reader_round_trip() {
    rt().block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("out.gpkg");
        write_sample(&path, true).await;
        // Nothing but the GeoPackage is left in the directory.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["out.gpkg"]);

        let mut r = GpkgReader::open(&path).await.expect("open");
        let layers = r.layers().to_vec();
        assert_eq!(layers.len(), 2);
        assert_eq!(layers[0].name, "Addresses");
        assert_eq!(layers[0].layer, Some(Layer::Addresses));
        assert_eq!(layers[0].crs, Some(Crs::Lambert72));
        assert_eq!(layers[0].count, Some(1234));
        assert_eq!(layers[1].layer, Some(Layer::Buildings));
        assert_eq!(layers[1].count, Some(50));

        let (points, polys) = sample_features();
        let (read, issues) = read_all(&mut r, "Addresses").await;
        assert!(issues.is_empty());
        assert_eq!(read.len(), 1234);
        for (i, (f, orig)) in read.iter().zip(&points).enumerate() {
            assert_eq!(f.fid, Some(orig.id));
            assert_eq!(f.record, i as u64 + 1);
            assert_eq!(f.geometry.as_ref(), Some(&orig.geometry));
            let names: Vec<&str> = f.attributes.iter().map(|(k, _)| k.as_str()).collect();
            assert_eq!(names, ["STRNAMEFRE", "POLICENUM", "BOXNUMBER", "XL72"]);
        }
        assert_eq!(
            attr(&read[3], "STRNAMEFRE"),
            Some(&json!("Rue n°3 l'Écluse"))
        );
        assert_eq!(
            attr(&read[3], "POLICENUM"),
            Some(&json!("3")),
            "number → text"
        );
        assert_eq!(attr(&read[3], "BOXNUMBER"), Some(&json!("A")));
        assert_eq!(
            attr(&read[4], "BOXNUMBER"),
            Some(&Value::Null),
            "missing → NULL"
        );
        assert_eq!(
            attr(&read[3], "XL72"),
            Some(&json!(150003.5)),
            "text → real"
        );

        let (read, _) = read_all(&mut r, "buildings").await;
        assert_eq!(read.len(), 50);
        for (f, orig) in read.iter().zip(&polys) {
            let expected = match &orig.geometry {
                Geometry::Polygon(p) => Geometry::MultiPolygon(MultiPolygon(vec![p.clone()])),
                g => g.clone(),
            };
            assert_eq!(f.geometry.as_ref(), Some(&expected));
            assert_eq!(attr(f, "AREA"), Some(&json!(100.0)));
            assert_eq!(attr(f, "N"), Some(&Value::Null));
        }

        // Metadata as the specification wants it.
        let opts = SqliteConnectOptions::new().filename(&path).read_only(true);
        let mut c = SqliteConnection::connect_with(&opts)
            .await
            .expect("connect");
        let app: i64 = sqlx::query_scalar("PRAGMA application_id")
            .fetch_one(&mut c)
            .await
            .expect("pragma");
        assert_eq!(app, 1_196_444_487);
        let uv: i64 = sqlx::query_scalar("PRAGMA user_version")
            .fetch_one(&mut c)
            .await
            .expect("pragma");
        assert_eq!(uv, 10300);
        let srs: Vec<i64> =
            sqlx::query_scalar("SELECT srs_id FROM gpkg_spatial_ref_sys ORDER BY srs_id")
                .fetch_all(&mut c)
                .await
                .expect("srs");
        assert_eq!(srs, [-1, 0, 4326, 31370]);
        let ext: (f64, f64, f64, f64) = sqlx::query_as(
            "SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE table_name = 'Addresses'",
        )
        .fetch_one(&mut c)
        .await
        .expect("extent");
        assert_eq!(ext, (150000.0, 170000.0 - 1233.0, 151233.0, 170000.0));
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM rtree_Buildings_geom WHERE minx <= 148012 AND maxx >= 148011",
        )
        .fetch_one(&mut c)
        .await
        .expect("rtree");
        assert_eq!(n, 1);
        let cnt: i64 = sqlx::query_scalar(
            "SELECT feature_count FROM gpkg_ogr_contents WHERE table_name = 'Addresses'",
        )
        .fetch_one(&mut c)
        .await
        .expect("ogr contents");
        assert_eq!(cnt, 1234);
        let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&mut c)
            .await
            .expect("integrity");
        assert_eq!(integrity, "ok");
    });
}

#[test]
fn ogrinfo_opens_written_geopackage_cleanly() {
    if !have_program("ogrinfo") {
        return;
    }
    rt().block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("check.gpkg");
        write_sample(&path, true).await;
        let out = std::process::Command::new("ogrinfo")
            .args(["-al", "-so"])
            .arg(&path)
            .output()
            .expect("ogrinfo");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stdout}\n{stderr}");
        assert!(stderr.trim().is_empty(), "ogrinfo complained: {stderr}");
        assert!(stdout.contains("Layer name: Addresses"), "{stdout}");
        assert!(stdout.contains("Geometry: Point"), "{stdout}");
        assert!(stdout.contains("Feature Count: 1234"), "{stdout}");
        assert!(stdout.contains("Layer name: Buildings"), "{stdout}");
        assert!(stdout.contains("Geometry: Multi Polygon"), "{stdout}");
        assert!(stdout.contains("Feature Count: 50"), "{stdout}");
        assert!(
            stdout.contains("Belgian Lambert 72") || stdout.contains("Belge"),
            "{stdout}"
        );
        // GDAL finds and uses the spatial index, and reads every feature back.
        let out = std::process::Command::new("ogrinfo")
            .arg(&path)
            .args([
                "-sql",
                "SELECT HasSpatialIndex('Buildings', 'geom') AS h",
                "-q",
            ])
            .output()
            .expect("ogrinfo");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("(Integer) = 1"), "{stdout}");
        let out = std::process::Command::new("ogrinfo")
            .args(["-q", "-spat", "148000", "0", "148012", "5"])
            .arg(&path)
            .arg("Buildings")
            .output()
            .expect("ogrinfo");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.trim().is_empty(), "{stderr}");
        assert_eq!(
            stdout.matches("OGRFeature(Buildings)").count(),
            2,
            "{stdout}"
        );
        // GDAL's GeoPackage validator (python3-gdal), when installed.
        let validator = "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py";
        if Path::new(validator).exists() && Path::new("/usr/bin/python3").exists() {
            let out = std::process::Command::new("/usr/bin/python3")
                .arg(validator)
                .arg(&path)
                .output()
                .expect("validate_gpkg.py");
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "validate_gpkg.py: {stdout}\n{stderr}");
        }
    });
}

#[test]
fn existing_file_replaced_only_at_finish_and_nothing_left_on_drop() {
    rt().block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("x.gpkg");
        std::fs::write(&path, b"old content").expect("write");
        let mut w = GpkgWriter::create(&path, Crs::Lambert72)
            .await
            .expect("create");
        w.add_layer("Municipalities", "MULTIPOLYGON", &[])
            .await
            .expect("add");
        assert_eq!(std::fs::read(&path).expect("read"), b"old content");
        drop(w);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["x.gpkg"], "temporary file removed");
        assert_eq!(std::fs::read(&path).expect("read"), b"old content");

        // A failing write (duplicate fid) leaves the old file too.
        let mut w = GpkgWriter::create(&path, Crs::Lambert72)
            .await
            .expect("create");
        w.add_layer("Addresses", "POINT", &[]).await.expect("add");
        let f = Feature {
            id: 1,
            geometry: Geometry::Point(point!(x: 1., y: 1.)),
            attributes: Default::default(),
        };
        assert!(w
            .write_features("Addresses", &[f.clone(), f])
            .await
            .is_err());
        assert!(w.add_layer("Addresses", "POINT", &[]).await.is_err());
        assert!(w.add_layer("Other", "CIRCLE", &[]).await.is_err());
        assert!(w
            .add_layer("Other", "POINT", &[("fid", FieldType::Text)])
            .await
            .is_err());
        assert!(w.write_features("Nope", &[]).await.is_err());
        drop(w);
        assert_eq!(std::fs::read(&path).expect("read"), b"old content");

        write_sample(&path, false).await;
        let r = GpkgReader::open(&path).await.expect("open");
        assert_eq!(r.layers().len(), 2);
    });
}

#[test]
fn not_a_geopackage_is_malformed_naming_the_file() {
    rt().block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let garbage = dir.path().join("garbage.gpkg");
        std::fs::write(
            &garbage,
            b"this is not a database at all, just text\n".repeat(100),
        )
        .expect("write");
        let err = GpkgReader::open(&garbage).await.expect_err("garbage");
        assert!(matches!(err, ReadError::Malformed { .. }), "{err}");
        assert!(err.to_string().contains("garbage.gpkg"), "{err}");

        let empty = dir.path().join("empty.gpkg");
        std::fs::write(&empty, b"").expect("write");
        assert!(matches!(
            GpkgReader::open(&empty).await,
            Err(ReadError::Malformed { .. })
        ));

        // A valid SQLite database that is no GeoPackage.
        let plain = dir.path().join("plain.gpkg");
        let opts = SqliteConnectOptions::new()
            .filename(&plain)
            .create_if_missing(true);
        let mut c = SqliteConnection::connect_with(&opts).await.expect("create");
        sqlx::query("CREATE TABLE t (a INTEGER)")
            .execute(&mut c)
            .await
            .expect("ddl");
        c.close().await.expect("close");
        let err = GpkgReader::open(&plain).await.expect_err("plain sqlite");
        assert!(err.to_string().contains("plain.gpkg"), "{err}");
        assert!(err.to_string().contains("not a GeoPackage"), "{err}");

        // A SQLite header followed by garbage.
        let torn = dir.path().join("torn.gpkg");
        let mut bytes = b"SQLite format 3\0".to_vec();
        bytes.extend(std::iter::repeat_n(0xA5u8, 8192));
        std::fs::write(&torn, bytes).expect("write");
        let err = GpkgReader::open(&torn).await.expect_err("torn");
        assert!(err.to_string().contains("torn.gpkg"), "{err}");

        let missing = dir.path().join("missing.gpkg");
        assert!(matches!(
            GpkgReader::open(&missing).await,
            Err(ReadError::Io { .. })
        ));
    });
}

#[test]
fn corrupt_geometry_of_one_row_is_an_issue() {
    rt().block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("c.gpkg");
        write_sample(&path, false).await;
        let opts = SqliteConnectOptions::new().filename(&path);
        let mut c = SqliteConnection::connect_with(&opts)
            .await
            .expect("connect");
        sqlx::query("UPDATE Addresses SET geom = X'4750000100000000FF' WHERE fid = 12")
            .execute(&mut c)
            .await
            .expect("corrupt");
        sqlx::query("UPDATE Addresses SET geom = NULL WHERE fid = 13")
            .execute(&mut c)
            .await
            .expect("null");
        c.close().await.expect("close");
        let mut r = GpkgReader::open(&path).await.expect("open");
        let (read, issues) = read_all(&mut r, "Addresses").await;
        assert_eq!(read.len(), 1233);
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].record, 3);
        assert_eq!(issues[0].layer, "Addresses");
        assert!(issues[0].detail.contains("fid 12"), "{:?}", issues[0]);
        let null = read.iter().find(|f| f.fid == Some(13)).expect("fid 13");
        assert_eq!(null.geometry, None);
        // An unknown layer is an error.
        let mut sink = |_: RawFeature| Ok(());
        let mut issues = Vec::new();
        assert!(r.read_layer("Nope", &mut sink, &mut issues).await.is_err());
    });
}

#[test]
#[ignore = "timing: cargo test -p urbis-core --lib gpkg::tests::write_250k -- --ignored --nocapture"]
fn write_250k_polygons_timing() {
    rt().block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("big.gpkg");
        let fields = [
            ("INSPIRE_ID", FieldType::Text),
            ("TYPE", FieldType::Text),
            ("CAPAKEY", FieldType::Text),
            ("AREA", FieldType::Real),
        ];
        let features: Vec<Feature> = (0..250_000)
            .map(|i| {
                let x = 140000.0 + (i % 500) as f64 * 20.0;
                let y = 160000.0 + (i / 500) as f64 * 20.0;
                let mut a = crate::model::Attributes::new();
                a.insert(
                    "INSPIRE_ID".into(),
                    json!(format!("https://databrussels.be/id/building/{i}")),
                );
                a.insert("TYPE".into(), json!("main"));
                a.insert("AREA".into(), json!(100.0));
                let ring: LineString<f64> = vec![
                    (x, y),
                    (x + 10., y),
                    (x + 10., y + 10.),
                    (x + 5., y + 12.),
                    (x, y + 10.),
                    (x, y),
                ]
                .into();
                Feature {
                    id: i + 1,
                    geometry: Geometry::MultiPolygon(MultiPolygon(vec![Polygon::new(
                        ring,
                        vec![],
                    )])),
                    attributes: a,
                }
            })
            .collect();
        let t = std::time::Instant::now();
        let mut w = GpkgWriter::create(&path, Crs::Lambert72)
            .await
            .expect("create");
        w.add_layer("Buildings", "MULTIPOLYGON", &fields)
            .await
            .expect("add");
        for chunk in features.chunks(10_000) {
            w.write_features("Buildings", chunk).await.expect("write");
        }
        w.finish(true).await.expect("finish");
        eprintln!("250k polygons written in {:?}", t.elapsed());
    });
}

#[test]
fn real_centre_geopackage() {
    let Some(path) = shared("data/urbis/UrbISVector_centre_31370.gpkg") else {
        return;
    };
    rt().block_on(async {
        let mut r = GpkgReader::open(&path).await.expect("open");
        type Summary = (String, Option<Layer>, Option<Crs>, Option<u64>);
        let got: Vec<Summary> = r
            .layers()
            .iter()
            .map(|l| (l.name.clone(), l.layer, l.crs, l.count))
            .collect();
        let expected = [
            ("Addresses", Layer::Addresses, 31_856),
            ("Buildings", Layer::Buildings, 18_544),
            ("StreetAxes", Layer::Streets, 2_483),
            ("Municipalities", Layer::Municipalities, 19),
        ];
        for (name, layer, count) in expected {
            assert!(
                got.contains(&(
                    name.to_string(),
                    Some(layer),
                    Some(Crs::Lambert72),
                    Some(count)
                )),
                "{name}: {got:?}"
            );
        }

        let (addresses, issues) = read_all(&mut r, "Addresses").await;
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(addresses.len(), 31_856);
        let a2 = addresses.iter().find(|f| f.fid == Some(2)).expect("fid 2");
        assert_eq!(attr(a2, "STRNAMEFRE"), Some(&json!("Rue Wiertz")));
        assert_eq!(attr(a2, "STRNAMEDUT"), Some(&json!("Wiertzstraat")));
        assert_eq!(attr(a2, "POLICENUM"), Some(&json!("60")));
        assert_eq!(attr(a2, "ZIPCODE"), Some(&json!("1000")));
        assert!(matches!(a2.geometry, Some(Geometry::Point(_))));
        assert!(addresses
            .iter()
            .all(|f| matches!(f.geometry, Some(Geometry::Point(_)))));

        let (buildings, issues) = read_all(&mut r, "Buildings").await;
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(buildings.len(), 18_544);
        let mut repaired = 0;
        for f in &buildings {
            let g = f.geometry.clone().expect("geometry");
            assert!(matches!(g, Geometry::MultiPolygon(_)));
            let (_, note) = repair(g).unwrap_or_else(|e| panic!("fid {:?}: {e}", f.fid));
            repaired += usize::from(note.is_some());
        }
        eprintln!("buildings needing a repair: {repaired}");

        let (streets, _) = read_all(&mut r, "StreetAxes").await;
        assert_eq!(streets.len(), 2_483);
        assert!(streets
            .iter()
            .all(|f| matches!(f.geometry, Some(Geometry::LineString(_)))));

        let (munis, _) = read_all(&mut r, "Municipalities").await;
        assert_eq!(munis.len(), 19);
        for f in &munis {
            let g = f.geometry.clone().expect("geometry");
            repair(g).unwrap_or_else(|e| panic!("municipality {:?}: {e}", f.fid));
        }
        let names: Vec<&Value> = munis.iter().filter_map(|f| attr(f, "NAMEFRE")).collect();
        assert!(names.contains(&&json!("Bruxelles")), "{names:?}");
    });
}
