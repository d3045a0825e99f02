//! Downloads (issue 8) on the real centre of Brussels: every format read back by GDAL
//! (`ogrinfo`), bbox and municipality extracts, prepared files with ETag, ranges and checksums,
//! the official naming, the `urbis export` → `urbis import` round trip, and bad input.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{import, shared, tool, urbis, Server};
use geo::{Geometry, Intersects, Rect};
use urbis_core::io::gpkg::GpkgReader;
use urbis_core::io::RawFeature;

const CENTRE: &str = "data/urbis/UrbISVector_centre_31370.gpkg";

/// The layers of the centre data: URL id, M8 table, feature count.
const LAYERS: [(&str, &str, u64); 4] = [
    ("addresses", "Addresses", 31_856),
    ("buildings", "Buildings", 18_544),
    ("streets", "StreetAxes", 2_483),
    ("municipalities", "Municipalities", 19),
];

fn ogrinfo(args: &[&str]) -> String {
    let out = Command::new("ogrinfo")
        .args(args)
        .output()
        .expect("run ogrinfo");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "ogrinfo {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// What `ogrinfo -ro -al -so` says about the single layer of a file.
#[derive(Debug)]
struct Info {
    count: u64,
    /// EPSG code of the layer CRS (the source CRS of a BOUNDCRS), if any.
    epsg: Option<u32>,
    fields: BTreeSet<String>,
    text: String,
}

fn info(path: &str) -> Info {
    parse_info(ogrinfo(&["-ro", "-al", "-so", path]))
}

fn parse_info(text: String) -> Info {
    let count = text
        .lines()
        .find_map(|l| l.strip_prefix("Feature Count: "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no feature count:\n{text}"));
    // The layer CRS: the ID closing the top-level PROJCRS/GEOGCRS (`    ID["EPSG",n]]`), or for
    // a BOUNDCRS the one closing its SOURCECRS (`            ID["EPSG",n]]],`).
    let epsg = text.split("Layer SRS WKT:").nth(1).and_then(|wkt| {
        let bound = wkt.trim_start().starts_with("BOUNDCRS");
        wkt.lines()
            .find(|l| {
                if bound {
                    l.starts_with("            ID[\"EPSG\",") && l.ends_with("]]],")
                } else {
                    l.starts_with("    ID[\"EPSG\",") && l.ends_with("]]")
                }
            })
            .and_then(|l| l.trim().strip_prefix("ID[\"EPSG\","))
            .and_then(|r| r.split(']').next())
            .and_then(|n| n.parse().ok())
    });
    let fields = text
        .lines()
        .filter_map(|l| {
            let (name, rest) = l.split_once(": ")?;
            let ty = rest.split(' ').next()?;
            let is_field = !name.contains(' ')
                && !name.is_empty()
                && matches!(
                    ty,
                    "String" | "Real" | "Integer" | "Integer64" | "Date" | "DateTime"
                );
            is_field.then(|| name.to_string())
        })
        .collect();
    Info {
        count,
        epsg,
        fields,
        text,
    }
}

async fn get_bytes(url: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let resp = reqwest::get(url).await.expect("request");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.bytes().await.expect("body").to_vec();
    (status, headers, body)
}

async fn save(server: &Server, path: &str, to: &Path) -> reqwest::header::HeaderMap {
    let (status, headers, body) = get_bytes(&server.url(path)).await;
    assert_eq!(
        status,
        200,
        "{path}: {}",
        String::from_utf8_lossy(&body[..body.len().min(500)])
    );
    std::fs::write(to, &body).expect("write");
    headers
}

/// Start a server on an import of the real centre data; `None` when the data or GDAL is
/// missing (outside CI).
fn centre_server(dir: &Path) -> Option<Server> {
    let src = shared(CENTRE)?;
    if !tool("ogrinfo") {
        return None;
    }
    import(dir, &src);
    Some(Server::start(dir))
}

/// The attribute names of a layer of the source GeoPackage.
fn source_fields(table: &str) -> BTreeSet<String> {
    let src = shared(CENTRE).expect("centre data");
    let src = src.to_str().expect("utf-8");
    parse_info(ogrinfo(&["-ro", "-so", src, table]))
        .fields
        .into_iter()
        .collect()
}

fn ogr_path(file: &Path, format: &str) -> String {
    let p = file.to_str().expect("utf-8").to_string();
    if format == "shp" {
        format!("/vsizip/{p}")
    } else {
        p
    }
}

/// (format, crs requested, EPSG GDAL must report, extra fields the format adds)
type Case = (
    &'static str,
    Option<u32>,
    Option<u32>,
    &'static [&'static str],
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_format_reads_back_in_gdal_with_counts_crs_and_attributes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(server) = centre_server(dir.path()) else {
        return;
    };
    let out = tempfile::tempdir().expect("tempdir");
    let cases: [Case; 9] = [
        ("gpkg", None, Some(31370), &[]),
        ("gpkg", Some(3812), Some(3812), &[]),
        ("gpkg", Some(4326), Some(4326), &[]),
        ("shp", None, Some(31370), &[]),
        ("shp", Some(3812), Some(3812), &[]),
        ("geojson", None, Some(4326), &[]),
        ("csv", None, None, &["WKT"]),
        ("fgb", Some(3812), Some(3812), &[]),
        (
            "kml",
            None,
            Some(4326),
            &[
                "Name",
                "Description",
                "description",
                "timestamp",
                "begin",
                "end",
                "altitudeMode",
                "tessellate",
                "extrude",
                "visibility",
                "drawOrder",
                "icon",
            ],
        ),
    ];
    for (layer, table, count) in LAYERS {
        let expected_fields = source_fields(table);
        for (format, crs, epsg, extra) in cases {
            // Keep the run short: every format for buildings and addresses, GeoPackage and
            // Shapefile for the others.
            if !matches!(layer, "buildings" | "addresses") && !matches!(format, "gpkg" | "shp") {
                continue;
            }
            let query = crs.map(|c| format!("?crs={c}")).unwrap_or_default();
            let ext = if format == "shp" { "shp.zip" } else { format };
            let file = out
                .path()
                .join(format!("{layer}-{}.{ext}", crs.unwrap_or(0)));
            let headers = save(
                &server,
                &format!("/downloads/{layer}.{format}{query}"),
                &file,
            )
            .await;
            let len: u64 = headers["content-length"]
                .to_str()
                .expect("ascii")
                .parse()
                .expect("length");
            assert_eq!(len, std::fs::metadata(&file).expect("file").len());
            let i = info(&ogr_path(&file, format));
            let what = format!("{layer}.{format}{query}");
            assert_eq!(i.count, count, "{what}:\n{}", i.text);
            assert_eq!(i.epsg, epsg, "{what}:\n{}", i.text);
            let extra: BTreeSet<String> = extra.iter().map(|s| s.to_string()).collect();
            let got: BTreeSet<String> = i.fields.difference(&extra).cloned().collect();
            assert_eq!(got, expected_fields, "{what}:\n{}", i.text);
        }
    }
}

/// Features of one layer of a GeoPackage.
async fn read_gpkg(path: &Path, table: &str) -> Vec<RawFeature> {
    let mut r = GpkgReader::open(path).await.expect("open gpkg");
    let mut out = Vec::new();
    let mut issues = Vec::new();
    r.read_layer(
        table,
        &mut |f| {
            out.push(f);
            Ok(())
        },
        &mut issues,
    )
    .await
    .expect("read");
    assert!(issues.is_empty(), "{issues:?}");
    out
}

fn attr<'a>(f: &'a RawFeature, name: &str) -> Option<&'a serde_json::Value> {
    f.attributes.iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bbox_and_municipality_extracts_select_by_geometry() {
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(server) = centre_server(dir.path()) else {
        return;
    };
    let out = tempfile::tempdir().expect("tempdir");
    // A bbox in Lambert 72 around the Grand-Place.
    let (minx, miny, maxx, maxy) = (148_700.0, 170_000.0, 149_300.0, 170_600.0);
    let file = out.path().join("bbox.gpkg");
    save(
        &server,
        &format!("/downloads/buildings.gpkg?bbox={minx},{miny},{maxx},{maxy}&bbox-crs=31370"),
        &file,
    )
    .await;
    let bbox = Rect::new((minx, miny), (maxx, maxy));
    let got = read_gpkg(&file, "Buildings").await;
    assert!(got.len() > 100, "{} buildings", got.len());
    for f in &got {
        let g = f.geometry.as_ref().expect("geometry");
        assert!(g.intersects(&bbox), "feature {:?} outside the bbox", f.fid);
    }
    // Every source building intersecting the bbox is there.
    let src = shared(CENTRE).expect("centre");
    let all = read_gpkg(&src, "Buildings").await;
    let expected = all
        .iter()
        .filter(|f| f.geometry.as_ref().is_some_and(|g| g.intersects(&bbox)))
        .count();
    assert_eq!(got.len(), expected);
    // ogrinfo agrees: a spatial filter on the extract keeps every feature.
    let spat = info_spat(&file, [minx, miny, maxx, maxy]);
    assert_eq!(spat, got.len() as u64);

    // The same bbox in WGS 84 (the default bbox-crs) selects the same buildings (± edge
    // effects of the reprojected box).
    let file84 = out.path().join("bbox84.geojson");
    save(
        &server,
        "/downloads/buildings.geojson?bbox=4.3500,50.8450,4.3560,50.8490",
        &file84,
    )
    .await;
    let i = info(file84.to_str().expect("utf-8"));
    assert!(i.count > 50, "{}", i.text);

    // Municipality extract vs point-in-polygon on the source.
    let munis = read_gpkg(&src, "Municipalities").await;
    let ixelles = munis
        .iter()
        .find(|m| attr(m, "NAMEFRE").and_then(|v| v.as_str()) == Some("Ixelles"))
        .expect("Ixelles");
    let area: &Geometry<f64> = ixelles.geometry.as_ref().expect("geometry");
    let addresses = read_gpkg(&src, "Addresses").await;
    let inside = addresses
        .iter()
        .filter(|a| a.geometry.as_ref().is_some_and(|g| area.intersects(g)))
        .count();
    assert!(inside > 100, "{inside}");
    for m in ["Ixelles", "21009", "elsene"] {
        let file = out.path().join(format!("ixelles-{m}.gpkg"));
        save(
            &server,
            &format!("/downloads/addresses.gpkg?municipality={m}"),
            &file,
        )
        .await;
        let got = read_gpkg(&file, "Addresses").await;
        assert_eq!(got.len(), inside, "municipality={m}");
    }
    // Municipality and bbox together: the intersection.
    let file = out.path().join("both.csv");
    save(
        &server,
        &format!("/downloads/addresses.csv?municipality=Bruxelles&bbox={minx},{miny},{maxx},{maxy}&bbox-crs=31370"),
        &file,
    )
    .await;
    let bxl = munis
        .iter()
        .find(|m| attr(m, "NAMEFRE").and_then(|v| v.as_str()) == Some("Bruxelles"))
        .and_then(|m| m.geometry.clone())
        .expect("Bruxelles");
    let both = addresses
        .iter()
        .filter(|a| {
            a.geometry
                .as_ref()
                .is_some_and(|g| bxl.intersects(g) && g.intersects(&bbox))
        })
        .count();
    let lines = std::fs::read_to_string(&file).expect("csv").lines().count();
    assert_eq!(lines - 1, both);
}

fn info_spat(file: &Path, b: [f64; 4]) -> u64 {
    let text = ogrinfo(&[
        "-ro",
        "-al",
        "-so",
        "-spat",
        &b[0].to_string(),
        &b[1].to_string(),
        &b[2].to_string(),
        &b[3].to_string(),
        file.to_str().expect("utf-8"),
    ]);
    text.lines()
        .find_map(|l| l.strip_prefix("Feature Count: "))
        .and_then(|n| n.trim().parse().ok())
        .expect("count")
}

/// Wait until the prepared files are listed.
async fn wait_prepared(server: &Server) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let (status, _, listing) = server.get_json("/downloads").await;
        assert_eq!(status, 200);
        if listing["prepared"]["status"] == "ready" {
            return listing;
        }
        assert_ne!(listing["prepared"]["status"], "failed", "{listing}");
        assert!(
            Instant::now() < deadline,
            "prepared files not ready: {listing}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// SHA-256 (hex) of `bytes`, by coreutils' `sha256sum`.
fn sha256_hex(bytes: &[u8]) -> String {
    use std::io::Write;
    let mut child = Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("sha256sum");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(bytes)
        .expect("write");
    let out = child.wait_with_output().expect("sha256sum");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .expect("hash")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prepared_files_have_checksums_etags_and_ranges() {
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(server) = centre_server(dir.path()) else {
        return;
    };
    // Before (or while) preparing, downloads work by extraction; once ready, the listing has
    // every layer × native format and the two official zips.
    let listing = wait_prepared(&server).await;
    let files = listing["prepared"]["files"].as_array().expect("files");
    assert_eq!(files.len(), 4 * 6 + 2, "{listing}");
    let date = listing["generation"]["date"].as_str().expect("date");
    let f = files
        .iter()
        .find(|f| f["name"] == "buildings.gpkg")
        .expect("buildings.gpkg");
    let size = f["size"].as_u64().expect("size");
    let sha = f["sha256"].as_str().expect("sha").to_string();

    let client = reqwest::Client::new();
    let url = server.url("/downloads/buildings.gpkg");
    let full = client.get(&url).send().await.expect("get");
    assert_eq!(full.status().as_u16(), 200);
    let h = full.headers().clone();
    assert_eq!(h["accept-ranges"], "bytes");
    assert_eq!(h["content-length"].to_str().expect("len"), size.to_string());
    let etag = h["etag"].to_str().expect("etag").to_string();
    assert!(etag.starts_with('"') && sha.starts_with(etag.trim_matches('"')));
    let body = full.bytes().await.expect("body");
    assert_eq!(sha256_hex(&body), sha);

    // The checksum file.
    let (status, _, sum) = get_bytes(&server.url("/downloads/buildings.gpkg.sha256")).await;
    assert_eq!(status, 200);
    assert_eq!(
        String::from_utf8_lossy(&sum),
        format!("{sha}  buildings.gpkg\n")
    );

    // Ranges: a slice, an open end, a suffix, unsatisfiable, If-Range with a stale ETag.
    let range = |r: &'static str| client.get(&url).header("Range", r).send();
    let part = range("bytes=100-1123").await.expect("range");
    assert_eq!(part.status().as_u16(), 206);
    assert_eq!(
        part.headers()["content-range"],
        format!("bytes 100-1123/{size}").as_str()
    );
    assert_eq!(&part.bytes().await.expect("b")[..], &body[100..1124]);
    let tail = range("bytes=-500").await.expect("range");
    assert_eq!(tail.status().as_u16(), 206);
    assert_eq!(
        &tail.bytes().await.expect("b")[..],
        &body[body.len() - 500..]
    );
    let resume = client
        .get(&url)
        .header("Range", format!("bytes={}-", size - 10))
        .header("If-Range", &etag)
        .send()
        .await
        .expect("resume");
    assert_eq!(resume.status().as_u16(), 206);
    assert_eq!(resume.bytes().await.expect("b").len(), 10);
    let stale = client
        .get(&url)
        .header("Range", "bytes=0-9")
        .header("If-Range", "\"0000\"")
        .send()
        .await
        .expect("stale");
    assert_eq!(stale.status().as_u16(), 200);
    let bad = client
        .get(&url)
        .header("Range", format!("bytes={size}-"))
        .send()
        .await
        .expect("416");
    assert_eq!(bad.status().as_u16(), 416);
    assert_eq!(
        bad.headers()["content-range"],
        format!("bytes */{size}").as_str()
    );
    // Conditional GET.
    let cached = client
        .get(&url)
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("304");
    assert_eq!(cached.status().as_u16(), 304);

    // The official naming, with the official layout inside.
    let name = format!("UrbISVector_31370_GPKG_04000_{date}.zip");
    let out = tempfile::tempdir().expect("tempdir");
    let zip_path = out.path().join(&name);
    save(&server, &format!("/downloads/{name}"), &zip_path).await;
    let zip = zip::ZipArchive::new(std::fs::File::open(&zip_path).expect("zip")).expect("zip");
    let names: Vec<String> = zip
        .file_names()
        .map(|n| n.expect("name").to_string())
        .collect();
    assert_eq!(names, ["gpkg/UrbISVector_04000.gpkg"]);
    let i = ogrinfo(&[
        "-ro",
        "-so",
        &format!("/vsizip/{}/gpkg/UrbISVector_04000.gpkg", zip_path.display()),
    ]);
    for (_, table, _) in LAYERS {
        assert!(i.contains(table), "{table}:\n{i}");
    }
    let shp = format!("UrbISVector_31370_SHP_04000_{date}.zip");
    let shp_path = out.path().join(&shp);
    save(&server, &format!("/downloads/{shp}"), &shp_path).await;
    let i = info(&format!("/vsizip/{}/shp/Buildings.shp", shp_path.display()));
    assert_eq!(i.count, 18_544);
    // Another date is not the current distribution.
    let (status, _, body) = server
        .get_json("/downloads/UrbISVector_31370_GPKG_04000_20000101.zip")
        .await;
    assert_eq!(status, 404);
    assert!(
        body["detail"].as_str().expect("detail").contains(&name),
        "{body}"
    );
}

/// (fid, WKB) hash of every feature of every layer of a GeoPackage, and the counts.
async fn geometry_hash(path: &Path) -> (BTreeMap<String, usize>, u64) {
    use std::hash::{DefaultHasher, Hasher};
    let mut h = DefaultHasher::new();
    let mut counts = BTreeMap::new();
    for (_, table, _) in LAYERS {
        let mut fs = read_gpkg(path, table).await;
        fs.sort_by_key(|f| f.fid);
        counts.insert(table.to_string(), fs.len());
        for f in fs {
            h.write_i64(f.fid.unwrap_or(-1));
            if let Some(g) = &f.geometry {
                h.write(&urbis_core::geom::wkb::to_wkb(g));
            }
        }
    }
    (counts, h.finish())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_then_import_round_trips_counts_and_geometries() {
    let Some(src) = shared(CENTRE) else {
        return;
    };
    let first = tempfile::tempdir().expect("tempdir");
    import(first.path(), &src);
    let out = tempfile::tempdir().expect("tempdir");
    let a: PathBuf = out.path().join("a.gpkg");
    let layers = "addresses,buildings,streets,municipalities";
    let o = urbis(
        first.path(),
        &[
            "export",
            "--layer",
            layers,
            "--format",
            "gpkg",
            a.to_str().expect("utf-8"),
        ],
    );
    let msg = String::from_utf8_lossy(&o.stdout);
    assert!(msg.contains("31856 addresses"), "{msg}");
    // Import the export into a fresh store and export again: same counts, same geometries.
    let second = tempfile::tempdir().expect("tempdir");
    let summary = import(second.path(), &a);
    for (layer, _, count) in LAYERS {
        assert_eq!(
            summary["layers"][layer]["imported"].as_u64(),
            Some(count),
            "{summary}"
        );
    }
    let b = out.path().join("b.gpkg");
    urbis(
        second.path(),
        &[
            "export",
            "--layer",
            layers,
            "--format",
            "gpkg",
            b.to_str().expect("utf-8"),
        ],
    );
    let (ca, ha) = geometry_hash(&a).await;
    let (cb, hb) = geometry_hash(&b).await;
    assert_eq!(ca, cb);
    assert_eq!(ca["Addresses"], 31_856);
    assert_eq!(ha, hb, "geometries changed through export → import");
    // And the exported geometries are the source's, bit for bit, where the source was valid:
    // compare the addresses (points are never repaired).
    let src_points = read_gpkg(&src, "Addresses").await;
    let exported = read_gpkg(&a, "Addresses").await;
    let key = |fs: &[RawFeature]| {
        let mut v: Vec<String> = fs
            .iter()
            .filter_map(|f| f.geometry.as_ref())
            .map(|g| {
                urbis_core::geom::wkb::to_wkb(g)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
            })
            .collect();
        v.sort();
        sha256_hex(v.join(",").as_bytes())
    };
    assert_eq!(key(&src_points), key(&exported));

    // A municipality export in Lambert 2008, and errors naming the file.
    let c = out.path().join("ixelles.fgb");
    let o = urbis(
        first.path(),
        &[
            "export",
            "--layer",
            "buildings",
            "--format",
            "fgb",
            "--crs",
            "3812",
            "--municipality",
            "Ixelles",
            c.to_str().expect("utf-8"),
        ],
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("EPSG:3812"));
    let bad = Command::new(common::urbis_bin())
        .arg("--data-dir")
        .arg(first.path())
        .args(["export", "--layer", "buildings,streets", "--format", "csv"])
        .arg(out.path().join("two.csv"))
        .env("URBIS_SAMPLE", "")
        .output()
        .expect("run");
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("two.csv") && err.contains("one layer per file"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_a_400_problem() {
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(server) = centre_server(dir.path()) else {
        return;
    };
    for (path, needle) in [
        ("/downloads/roads.gpkg", "unknown layer"),
        ("/downloads/buildings.xlsx", "unknown format"),
        ("/downloads/buildings.gpkg?crs=2154", "unknown CRS"),
        ("/downloads/buildings.gpkg?crs=3857", "not offered"),
        ("/downloads/buildings.kml?crs=31370", "not offered"),
        (
            "/downloads/buildings.gpkg?bbox=4.3,50.8,4.4",
            "four numbers",
        ),
        ("/downloads/buildings.gpkg?bbox=a,b,c,d", "four numbers"),
        (
            "/downloads/buildings.gpkg?bbox=4.4,50.8,4.3,50.9",
            "minimum greater",
        ),
        (
            "/downloads/buildings.gpkg?bbox=2.2,48.8,2.4,48.9",
            "outside Belgium",
        ),
        (
            "/downloads/buildings.gpkg?bbox=148000,170000,149000,171000",
            "bbox-crs=31370",
        ),
        (
            "/downloads/buildings.gpkg?bbox=1,1,2,2&bbox-crs=31370",
            "outside Belgium",
        ),
        (
            "/downloads/buildings.gpkg?municipality=Paris",
            "unknown municipality",
        ),
        (
            "/downloads/buildings.gpkg?municipality=21099",
            "unknown municipality",
        ),
        ("/downloads/buildings.gpkg?colour=red", "unknown parameter"),
        (
            "/downloads/urbis.csv?layers=buildings,streets",
            "one layer per file",
        ),
        (
            "/downloads/urbis.gpkg?layers=buildings,roads",
            "unknown layer",
        ),
        ("/downloads/urbis.zip?format=docx", "unknown format"),
    ] {
        let (status, ct, body) = server.get_json(path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(ct, "application/problem+json", "{path}");
        let detail = body["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(needle), "{path}: {detail}");
    }
    // Unknown official names, layers absent from the live data (the centre has no parcels) and
    // names without a format are 404s.
    for path in [
        "/downloads/UrbISVector_31370_XLS_04000_20250101.zip",
        "/downloads/noext",
        "/downloads/parcels.gpkg",
    ] {
        let (status, ct, _) = server.get_json(path).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(ct, "application/problem+json");
    }
    // A GeoJSON outside WGS 84 is served with a warning (see docs/DOWNLOADS.md).
    let resp = reqwest::get(server.url("/downloads/municipalities.geojson?crs=31370"))
        .await
        .expect("get");
    assert_eq!(resp.status().as_u16(), 200);
    let warning = resp.headers()["warning"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(warning.contains("not RFC 7946"), "{warning}");
    let doc: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(
        doc["crs"]["properties"]["name"],
        "urn:ogc:def:crs:EPSG::31370"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prepared_files_follow_a_new_generation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(server) = centre_server(dir.path()) else {
        return;
    };
    let first = wait_prepared(&server).await;
    let g1 = first["generation"]["id"].as_i64().expect("generation");
    assert!(dir
        .path()
        .join("downloads")
        .join(g1.to_string())
        .join("manifest.json")
        .exists());
    // A new import goes live in the running server: the prepared files follow, the old
    // generation's directory is removed, and downloads never fail meanwhile.
    import(dir.path(), &shared(CENTRE).expect("centre"));
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let (status, _, body) = get_bytes(&server.url("/downloads/municipalities.geojson")).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let (_, _, listing) = server.get_json("/downloads").await;
        let g = listing["generation"]["id"].as_i64().expect("generation");
        if g != g1 && listing["prepared"]["status"] == "ready" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "new generation not prepared: {listing}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let root = dir.path().join("downloads");
    let dirs: Vec<String> = std::fs::read_dir(&root)
        .expect("downloads dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!dirs.contains(&g1.to_string()), "{dirs:?}");
    assert_eq!(dirs.len(), 1, "{dirs:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_preparation_everything_is_extracted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(src) = shared(CENTRE) else {
        return;
    };
    if !tool("ogrinfo") {
        return;
    }
    import(dir.path(), &src);
    let config = dir.path().join("urbis.toml");
    std::fs::write(
        &config,
        "[downloads]\nprepare = false\nmax_concurrent_extracts = 1\n",
    )
    .expect("config");
    let server = Server::start_with(
        dir.path(),
        &[("URBIS_CONFIG", config.to_str().expect("utf-8"))],
    );
    let (_, _, listing) = server.get_json("/downloads").await;
    assert_eq!(listing["prepared"]["status"], "off", "{listing}");
    // The whole-layer URL is answered by an extract: a complete file, without ETag or ranges.
    let out = tempfile::tempdir().expect("tempdir");
    let file = out.path().join("streets.fgb");
    let h = save(&server, "/downloads/streets.fgb", &file).await;
    assert!(h.get("etag").is_none());
    assert_eq!(h["cache-control"], "no-store");
    assert_eq!(info(file.to_str().expect("utf-8")).count, 2_483);
    // No checksum without prepared files.
    let (status, _, _) = get_bytes(&server.url("/downloads/streets.fgb.sha256")).await;
    assert_eq!(status, 503);
    assert!(!dir.path().join("downloads").join("1").exists());
}
