//! Safe extraction of the distribution zips: the official `UrbISVector_31370_GPKG_04000_<date>.zip`
//! (holding `gpkg/UrbISVector_04000.gpkg`) and zips of Shapefile or GeoJSON sets.
//!
//! Only the files urbis reads are extracted (`.gpkg`, `.shp`, `.shx`, `.dbf`, `.prj`, `.cpg`,
//! `.geojson`, `.json`; macOS `__MACOSX/` and `._*` companions are ignored). An entry whose
//! name would leave the extraction directory makes the whole zip an error, as do a total
//! uncompressed size over [`MAX_TOTAL`], an entry compressed more than [`MAX_RATIO`]:1 (a zip
//! bomb) and an entry that inflates to more than it declares.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Component, Path};

use crate::error::ReadError;

/// Largest total uncompressed size extracted: 32 GiB.
pub const MAX_TOTAL: u64 = 32 << 30;
/// Largest compression ratio accepted for an entry of more than [`RATIO_CHECK_FROM`] bytes.
pub const MAX_RATIO: u64 = 1000;
/// Entries at least this large (10 MiB uncompressed) have their compression ratio checked.
pub const RATIO_CHECK_FROM: u64 = 10 << 20;

const EXTENSIONS: [&str; 8] = ["gpkg", "shp", "shx", "dbf", "prj", "cpg", "geojson", "json"];

fn malformed(path: &Path, detail: String) -> ReadError {
    ReadError::Malformed {
        path: path.to_path_buf(),
        detail,
    }
}

/// Should this entry be extracted (a file type urbis reads, not a macOS companion)?
fn wanted(rel: &Path) -> bool {
    let macos = rel.components().any(|c| match c {
        Component::Normal(s) => {
            let s = s.to_string_lossy();
            s == "__MACOSX" || s.starts_with("._")
        }
        _ => false,
    });
    let ext_ok = rel
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .is_some_and(|e| EXTENSIONS.contains(&e.as_str()));
    ext_ok && !macos
}

/// Extract a zip into a new temporary directory (removed when the returned value is dropped).
/// See the module documentation for what is extracted and refused; every error names the zip
/// and, when it is about one entry, the entry.
pub fn extract(path: &Path) -> Result<tempfile::TempDir, ReadError> {
    let file = File::open(path).map_err(|source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| malformed(path, format!("not a readable zip file: {e}")))?;

    // First pass over the central directory: names and declared sizes.
    let mut plan = Vec::new();
    let mut total = 0u64;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| malformed(path, format!("entry {i}: {e}")))?;
        let name = entry
            .name()
            .map(|n| n.into_owned())
            .unwrap_or_else(|_| format!("#{i}"));
        let Some(rel) = entry.enclosed_name() else {
            return Err(malformed(
                path,
                format!("entry `{name}` has an unsafe path (outside the extraction directory)"),
            ));
        };
        if entry.is_dir() || entry.is_symlink() || !wanted(&rel) {
            continue;
        }
        let (size, packed) = (entry.size(), entry.compressed_size());
        if size >= RATIO_CHECK_FROM && size / packed.max(1) > MAX_RATIO {
            return Err(malformed(
                path,
                format!(
                    "entry `{name}` would inflate {packed} bytes to {size} (ratio over \
                     {MAX_RATIO}:1): refused as a zip bomb"
                ),
            ));
        }
        total = total.saturating_add(size);
        if total > MAX_TOTAL {
            return Err(malformed(
                path,
                format!(
                    "entry `{name}`: the files to extract exceed {} GiB uncompressed",
                    MAX_TOTAL >> 30
                ),
            ));
        }
        plan.push((i, name, rel, size));
    }

    let dir = tempfile::Builder::new()
        .prefix("urbis-zip-")
        .tempdir()
        .map_err(|source| ReadError::Io {
            path: std::env::temp_dir(),
            source,
        })?;
    for (i, name, rel, size) in plan {
        let target = dir.path().join(&rel);
        let io = |source| ReadError::Io {
            path: target.clone(),
            source,
        };
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let entry = archive
            .by_index(i)
            .map_err(|e| malformed(path, format!("entry `{name}`: {e}")))?;
        let out = File::create(&target).map_err(io)?;
        let mut out = BufWriter::with_capacity(1 << 20, out);
        // Never write more than the entry declares, whatever its data says.
        let mut limited = entry.take(size.saturating_add(1));
        let written = std::io::copy(&mut limited, &mut out).map_err(|e| {
            if e.kind() == std::io::ErrorKind::Other || e.kind() == std::io::ErrorKind::InvalidData
            {
                malformed(path, format!("entry `{name}`: corrupt data: {e}"))
            } else {
                io(e)
            }
        })?;
        if written > size {
            return Err(malformed(
                path,
                format!("entry `{name}` inflates to more than the {size} bytes it declares"),
            ));
        }
        if written < size {
            return Err(malformed(
                path,
                format!("entry `{name}` is truncated ({written} of {size} bytes)"),
            ));
        }
        out.flush().map_err(io)?;
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::gpkg::tests::write_sample;
    use zip::write::SimpleFileOptions;
    use zip::CompressionMethod;

    fn opts() -> SimpleFileOptions {
        SimpleFileOptions::default().compression_method(CompressionMethod::Deflated)
    }

    fn make_zip(path: &Path, entries: &[(&str, &[u8])]) {
        let mut w = zip::ZipWriter::new(File::create(path).expect("create"));
        for (name, data) in entries {
            w.start_file(*name, opts()).expect("start");
            w.write_all(data).expect("write");
        }
        w.finish().expect("finish");
    }

    #[test]
    fn distribution_zip_round_trip_through_open() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let dir = tempfile::tempdir().expect("tempdir");
            let gpkg = dir.path().join("small.gpkg");
            write_sample(&gpkg, true).await;
            let bytes = std::fs::read(&gpkg).expect("read");
            let zip_path = dir.path().join("UrbISVector_31370_GPKG_04000_20251004.zip");
            make_zip(
                &zip_path,
                &[
                    ("gpkg/", b""),
                    ("gpkg/UrbISVector_04000.gpkg", &bytes),
                    ("Licence.pdf", b"%PDF-1.4 not extracted"),
                    ("__MACOSX/gpkg/._UrbISVector_04000.gpkg", b"resource fork"),
                ],
            );
            let mut opened = crate::io::open(&zip_path).await.expect("open zip");
            assert_eq!(opened.path, zip_path);
            let layers = opened.reader.layers();
            let names: Vec<(&str, Option<u64>)> =
                layers.iter().map(|l| (l.name.as_str(), l.count)).collect();
            assert_eq!(names, [("Addresses", Some(1234)), ("Buildings", Some(50))]);
            let mut n = 0;
            let mut issues = Vec::new();
            let read = opened
                .reader
                .read_layer(
                    "Buildings",
                    &mut |f| {
                        assert!(f.geometry.is_some());
                        n += 1;
                        Ok(())
                    },
                    &mut issues,
                )
                .await
                .expect("read");
            assert_eq!((read, n), (50, 50));
            assert!(issues.is_empty());

            // Only the wanted files were extracted.
            let extracted = extract(&zip_path).expect("extract");
            let mut files = Vec::new();
            for e in walk(extracted.path()) {
                files.push(
                    e.strip_prefix(extracted.path())
                        .expect("prefix")
                        .to_string_lossy()
                        .into_owned(),
                );
            }
            assert_eq!(files, ["gpkg/UrbISVector_04000.gpkg"]);
            let kept = extracted.path().to_path_buf();
            drop(extracted);
            assert!(!kept.exists(), "extraction directory removed on drop");
        });
    }

    fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).expect("dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
        out.sort();
        out
    }

    #[test]
    fn shapefile_zip() {
        let dir = tempfile::tempdir().expect("tempdir");
        let zip_path = dir.path().join("shapes.zip");
        let geojson = br#"{"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [4.35, 50.84]}, "properties": {}}]}"#;
        make_zip(
            &zip_path,
            &[
                ("data/Municipalities.geojson", geojson),
                ("data/readme.txt", b"not extracted"),
                ("data/UPPER.PRJ", b"PROJCS[]"),
            ],
        );
        let out = extract(&zip_path).expect("extract");
        let files: Vec<_> = walk(out.path())
            .iter()
            .map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
            .collect();
        assert_eq!(files, ["Municipalities.geojson", "UPPER.PRJ"]);
    }

    #[test]
    fn hostile_and_broken_zips_are_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        // Path traversal.
        for evil in [
            "../evil.gpkg",
            "gpkg/../../evil.shp",
            "a/../../../evil.gpkg",
        ] {
            let p = dir.path().join("evil.zip");
            make_zip(&p, &[("ok.gpkg", b"x"), (evil, b"owned")]);
            let err = extract(&p).expect_err(evil);
            let msg = err.to_string();
            assert!(
                msg.contains("evil.zip") && msg.contains("unsafe path"),
                "{msg}"
            );
            assert!(!dir.path().join("evil.gpkg").exists());
            assert!(!dir
                .path()
                .parent()
                .expect("parent")
                .join("evil.gpkg")
                .exists());
        }
        // An absolute name is made relative: it lands inside the extraction directory.
        let p = dir.path().join("abs.zip");
        make_zip(&p, &[("/etc/abs.gpkg", b"x")]);
        let out = extract(&p).expect("absolute name made relative");
        assert!(out.path().join("etc/abs.gpkg").is_file());
        // A zip bomb: 64 MiB of zeros deflate to about 64 KiB.
        let p = dir.path().join("bomb.zip");
        let zeros = vec![0u8; 64 << 20];
        make_zip(&p, &[("gpkg/UrbISVector_04000.gpkg", &zeros)]);
        let err = extract(&p).expect_err("bomb");
        assert!(err.to_string().contains("zip bomb"), "{err}");
        assert!(err.to_string().contains("UrbISVector_04000.gpkg"), "{err}");
        // Not a zip; a truncated zip.
        let p = dir.path().join("garbage.zip");
        std::fs::write(&p, b"PK\x03\x04 this is not really a zip").expect("write");
        let err = extract(&p).expect_err("garbage");
        assert!(err.to_string().contains("garbage.zip"), "{err}");
        let good = dir.path().join("good.zip");
        make_zip(
            &good,
            &[(
                "a.geojson",
                &b"{\"type\":\"FeatureCollection\",\"features\":[]}".repeat(1000),
            )],
        );
        let mut bytes = std::fs::read(&good).expect("read");
        bytes.truncate(bytes.len() / 2);
        let p = dir.path().join("cut.zip");
        std::fs::write(&p, &bytes).expect("write");
        assert!(extract(&p).is_err());
        // Corrupt compressed data (central directory intact): an error, not a panic.
        let mut bytes = std::fs::read(&good).expect("read");
        for b in bytes.iter_mut().skip(60).take(40) {
            *b ^= 0x5A;
        }
        let p = dir.path().join("flipped.zip");
        std::fs::write(&p, &bytes).expect("write");
        assert!(extract(&p).is_err());
    }

    #[test]
    fn lying_size_is_caught() {
        // Patch the declared uncompressed size of an entry down (local header and central
        // directory): extraction stops at the declared size and reports it.
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("liar.zip");
        let data = b"0123456789".repeat(1000);
        make_zip(&p, &[("a.geojson", &data)]);
        let mut bytes = std::fs::read(&p).expect("read");
        let real = (data.len() as u32).to_le_bytes();
        let fake = 100u32.to_le_bytes();
        let mut patched = 0;
        let mut i = 0;
        while i + 4 <= bytes.len() {
            if bytes[i..i + 4] == real {
                bytes[i..i + 4].copy_from_slice(&fake);
                patched += 1;
            }
            i += 1;
        }
        assert!(patched >= 2);
        std::fs::write(&p, &bytes).expect("write");
        assert!(extract(&p).is_err());
    }
}
