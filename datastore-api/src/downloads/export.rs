//! Selecting and writing layers: the one export pipeline behind the HTTP extracts, the prepared
//! whole-Region files and `urbis export`.
//!
//! Features come from the in-memory [`Dataset`] (EPSG:31370): all of a layer, those whose
//! geometry intersects a bbox, and/or those intersecting a municipality (point-in-polygon for
//! addresses; boundary points count as inside). They are reprojected one at a time with the
//! [`CrsEngine`] and streamed to a format writer, so memory holds the selection's references
//! and one feature, never the output. Everything is written in a work directory beside the
//! output and moved into place at the end: a failed export leaves nothing behind.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use geo::{BoundingRect, Geometry, Intersects, Rect};
use tokio::runtime::Handle;
use urbis_core::io::csv::CsvWriter;
use urbis_core::io::fgb::FgbLayerWriter;
use urbis_core::io::geojson_writer::GeoJsonWriter;
use urbis_core::io::gpkg::GpkgWriter;
use urbis_core::io::kml::KmlWriter;
use urbis_core::io::shp_writer::ShapefileLayerWriter;
use urbis_core::io::writer::{FeatureWriter, LayerSchema};
use urbis_core::{
    Crs, CrsEngine, CrsError, Dataset, Feature, Layer, LayerIndex, Transformer, WriteError,
};

use super::{layer_name, Format};

/// Which features of each layer to export (geometries in EPSG:31370).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Features whose geometry intersects this rectangle.
    pub bbox: Option<Rect<f64>>,
    /// Features whose geometry intersects this area (a municipality).
    pub area: Option<Geometry<f64>>,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        self.bbox.is_none() && self.area.is_none()
    }
}

/// The features of `idx` selected by `filter`, in id order.
pub fn select<'a>(idx: &'a LayerIndex, filter: &Filter) -> Vec<&'a Feature> {
    let area_rect = filter.area.as_ref().and_then(|a| a.bounding_rect());
    let window = match (filter.bbox, area_rect) {
        (None, None) if filter.area.is_some() => return Vec::new(), // empty area
        (None, None) => return idx.features().iter().collect(),
        (Some(b), None) => Some(b),
        (None, Some(a)) => Some(a),
        (Some(b), Some(a)) => intersection(b, a),
    };
    let Some(window) = window else {
        return Vec::new();
    };
    let candidates = idx.in_bbox(window);
    match (&filter.area, filter.bbox) {
        (Some(area), bbox) => candidates
            .into_iter()
            .filter(|f| bbox.is_none_or(|b| f.geometry.intersects(&b)))
            .filter(|f| area.intersects(&f.geometry))
            .collect(),
        (None, _) => candidates,
    }
}

fn intersection(a: Rect<f64>, b: Rect<f64>) -> Option<Rect<f64>> {
    let (minx, miny) = (a.min().x.max(b.min().x), a.min().y.max(b.min().y));
    let (maxx, maxy) = (a.max().x.min(b.max().x), a.max().y.min(b.max().y));
    (minx <= maxx && miny <= maxy).then(|| Rect::new((minx, miny), (maxx, maxy)))
}

/// How the files of an export are delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packaging {
    /// The file itself: a GeoPackage (any number of layers) or one layer in a single-file
    /// format. A Shapefile is always zipped (with no folder inside).
    File,
    /// A zip of every file, under `prefix` (e.g. `gpkg/` or ``).
    Zip { prefix: String },
}

/// One export: layers, format, CRS, selection and packaging.
#[derive(Debug, Clone)]
pub struct ExportJob {
    pub layers: Vec<Layer>,
    pub format: Format,
    pub crs: Crs,
    pub filter: Filter,
    /// Stem of the GeoPackage file inside a zip (`urbis`, `UrbISVector_04000`).
    pub gpkg_stem: String,
    pub packaging: Packaging,
    /// The OGR driver of [`Format::Ogr`] (its short name, e.g. `MapInfo File`).
    pub ogr_driver: Option<String>,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportSummary {
    /// Features written per layer, in job order.
    pub counts: Vec<(Layer, u64)>,
    /// Size of the output file.
    pub bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("feature {id} of {layer}: {source}")]
    Crs {
        layer: Layer,
        id: i64,
        #[source]
        source: CrsError,
    },
    #[error("layer `{0}` is not in the live data")]
    MissingLayer(Layer),
    #[error("{0}")]
    Invalid(String),
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> ExportError + '_ {
    move |source| ExportError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Check that `job` can be written: the layers exist, the format is available and takes the
/// CRS, and a single-file packaging has one file to deliver.
pub fn validate(ds: &Dataset, job: &ExportJob) -> Result<(), ExportError> {
    if job.layers.is_empty() {
        return Err(ExportError::Invalid("no layer to export".into()));
    }
    for l in &job.layers {
        if ds.layer(*l).is_none() {
            return Err(ExportError::MissingLayer(*l));
        }
    }
    let info = job.format.info();
    if info.needs_gdal && !super::GDAL {
        return Err(ExportError::Invalid(format!(
            "the {} format needs a build with the `gdal` feature",
            info.title
        )));
    }
    if !job.format.crs_allowed().contains(&job.crs) {
        return Err(ExportError::Invalid(format!(
            "{} is only written in {}",
            info.title,
            job.format
                .crs_allowed()
                .iter()
                .map(|c| format!("EPSG:{}", c.epsg()))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    if job.format == Format::Ogr {
        check_ogr_driver(job.ogr_driver.as_deref())?;
        if job.packaging == Packaging::File {
            return Err(ExportError::Invalid(
                "a file written by an OGR driver is delivered as a zip".into(),
            ));
        }
    }
    if job.packaging == Packaging::File && job.layers.len() > 1 && !info.multi_layer {
        return Err(ExportError::Invalid(format!(
            "{} holds one layer per file: export several layers as GeoPackage or as a zip",
            info.title
        )));
    }
    Ok(())
}

#[cfg(feature = "gdal")]
fn check_ogr_driver(driver: Option<&str>) -> Result<(), ExportError> {
    let drivers = super::gdal::vector_drivers();
    match driver {
        Some(d) if drivers.iter().any(|x| x == d) => Ok(()),
        other => Err(ExportError::Invalid(format!(
            "unknown OGR driver `{}` (drivers that write vector files: {})",
            other.unwrap_or_default(),
            drivers.join(", ")
        ))),
    }
}

#[cfg(not(feature = "gdal"))]
fn check_ogr_driver(_: Option<&str>) -> Result<(), ExportError> {
    Err(ExportError::Invalid(
        "OGR drivers need a build with the `gdal` feature".into(),
    ))
}

/// Number of features `job` will write (for progress bars).
pub fn count(ds: &Dataset, job: &ExportJob) -> u64 {
    job.layers
        .iter()
        .filter_map(|l| ds.layer(*l))
        .map(|idx| select(idx, &job.filter).len() as u64)
        .sum()
}

/// A writer of one layer in a single-layer `format`.
fn layer_writer(
    job: &ExportJob,
    path: &Path,
    schema: &LayerSchema,
) -> Result<Box<dyn FeatureWriter>, ExportError> {
    let format = job.format;
    Ok(match format {
        Format::Shapefile => Box::new(ShapefileLayerWriter::create(path, schema)?),
        Format::GeoJson => Box::new(GeoJsonWriter::create(path, schema)?),
        Format::Csv => Box::new(CsvWriter::create(path, schema)?),
        Format::FlatGeobuf => Box::new(FgbLayerWriter::create(path, schema)?),
        Format::Kml => Box::new(KmlWriter::create(path, schema)?),
        #[cfg(feature = "gdal")]
        Format::Dxf | Format::Gml => {
            Box::new(super::gdal::GdalLayerWriter::create(format, path, schema)?)
        }
        #[cfg(feature = "gdal")]
        Format::Ogr => Box::new(super::gdal::GdalLayerWriter::with_driver(
            job.ogr_driver.as_deref().unwrap_or_default(),
            path,
            schema,
        )?),
        other => {
            return Err(ExportError::Invalid(format!(
                "{} is not a single-layer format of this build",
                other.info().title
            )))
        }
    })
}

/// Extension of the per-layer files of `job`.
fn file_extension(job: &ExportJob) -> String {
    #[cfg(feature = "gdal")]
    if job.format == Format::Ogr {
        if let Some(ext) = job
            .ogr_driver
            .as_deref()
            .and_then(super::gdal::driver_extension)
        {
            return ext;
        }
    }
    job.format.info().extension.to_string()
}

fn project<'a>(
    t: &Transformer,
    layer: Layer,
    f: &'a Feature,
) -> Result<Cow<'a, Feature>, ExportError> {
    if t.is_identity() {
        return Ok(Cow::Borrowed(f));
    }
    let geometry = t
        .transform_geometry(&f.geometry)
        .map_err(|source| ExportError::Crs {
            layer,
            id: f.id,
            source,
        })?;
    Ok(Cow::Owned(Feature {
        id: f.id,
        geometry,
        attributes: f.attributes.clone(),
    }))
}

/// Progress is reported every this many features.
const PROGRESS_EVERY: u64 = 1000;

/// Write `job` to `out` (replaced atomically). `rt` runs the GeoPackage writer (call this from
/// a blocking thread); `progress` gets the running total of features written.
pub fn export(
    rt: &Handle,
    ds: &Dataset,
    engine: &CrsEngine,
    job: &ExportJob,
    out: &Path,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<ExportSummary, ExportError> {
    validate(ds, job)?;
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let work = tempfile::Builder::new()
        .prefix(".urbis-export.")
        .tempdir_in(&parent)
        .map_err(io_err(&parent))?;
    let t = engine
        .transformer(Crs::Lambert72, job.crs)
        .map_err(|e| ExportError::Invalid(e.to_string()))?;
    let mut written = 0u64;
    let mut counts = Vec::new();
    // (file on disk, name in a zip)
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    if job.format == Format::GeoPackage {
        let name = format!("{}.gpkg", job.gpkg_stem);
        let path = work.path().join(&name);
        let mut w = rt.block_on(GpkgWriter::create(&path, job.crs))?;
        for layer in &job.layers {
            let idx = ds.layer(*layer).ok_or(ExportError::MissingLayer(*layer))?;
            let selected = select(idx, &job.filter);
            let table = layer_name(*layer);
            let schema = LayerSchema::infer(table, *layer, job.crs, selected.iter().copied());
            let fields: Vec<(&str, urbis_core::io::writer::FieldType)> = schema
                .fields
                .iter()
                .map(|f| (f.name.as_str(), f.ty))
                .collect();
            rt.block_on(w.add_layer(table, schema.geometry_type, &fields))?;
            for chunk in selected.chunks(2000) {
                let batch = chunk
                    .iter()
                    .map(|f| project(&t, *layer, f).map(Cow::into_owned))
                    .collect::<Result<Vec<_>, _>>()?;
                rt.block_on(w.write_features(table, &batch))?;
                written += batch.len() as u64;
                progress(written);
            }
            counts.push((*layer, selected.len() as u64));
        }
        rt.block_on(w.finish(true))?;
        files.push((path, name));
    } else {
        let ext = file_extension(job);
        for layer in &job.layers {
            let idx = ds.layer(*layer).ok_or(ExportError::MissingLayer(*layer))?;
            let selected = select(idx, &job.filter);
            let stem = layer_name(*layer);
            let schema = LayerSchema::infer(stem, *layer, job.crs, selected.iter().copied());
            let path = work.path().join(format!("{stem}.{ext}"));
            let mut w = layer_writer(job, &path, &schema)?;
            for f in &selected {
                let projected = project(&t, *layer, f)?;
                w.write(&projected)?;
                written += 1;
                if written.is_multiple_of(PROGRESS_EVERY) {
                    progress(written);
                }
            }
            for p in w.finish()? {
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                files.push((p, name));
            }
            counts.push((*layer, selected.len() as u64));
        }
        progress(written);
    }
    let zip_prefix = match (&job.packaging, job.format) {
        (Packaging::Zip { prefix }, _) => Some(prefix.clone()),
        (Packaging::File, Format::Shapefile) => Some(String::new()),
        (Packaging::File, _) => None,
    };
    let result = work.path().join(".result");
    match zip_prefix {
        Some(prefix) => zip_files(&files, &prefix, &result)?,
        None => {
            let (path, _) = files
                .first()
                .ok_or_else(|| ExportError::Invalid("nothing was written".into()))?;
            std::fs::rename(path, &result).map_err(io_err(path))?;
        }
    }
    // Temporary files are private (0600); the result is an ordinary readable file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&result, std::fs::Permissions::from_mode(0o644))
            .map_err(io_err(&result))?;
    }
    std::fs::rename(&result, out).map_err(io_err(out))?;
    let bytes = std::fs::metadata(out).map_err(io_err(out))?.len();
    Ok(ExportSummary { counts, bytes })
}

/// Zip `files` (path, name) under `prefix` into `out`, deflated.
fn zip_files(files: &[(PathBuf, String)], prefix: &str, out: &Path) -> Result<(), ExportError> {
    use zip::write::SimpleFileOptions;
    let file = File::create(out).map_err(io_err(out))?;
    let mut zip = zip::ZipWriter::new(BufWriter::with_capacity(1 << 16, file));
    let zip_err =
        |e: zip::result::ZipError| ExportError::Invalid(format!("{}: {e}", out.display()));
    let now = time::OffsetDateTime::now_utc();
    let stamp = zip::DateTime::from_date_and_time(
        u16::try_from(now.year()).unwrap_or(1980),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
    )
    .unwrap_or_default();
    for (path, name) in files {
        let size = std::fs::metadata(path).map_err(io_err(path))?.len();
        let opts = SimpleFileOptions::default()
            .last_modified_time(stamp)
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(6))
            .large_file(size >= u32::MAX as u64 / 2);
        zip.start_file(format!("{prefix}{name}"), opts)
            .map_err(zip_err)?;
        let mut src = BufReader::with_capacity(1 << 16, File::open(path).map_err(io_err(path))?);
        std::io::copy(&mut src, &mut zip).map_err(io_err(out))?;
    }
    let mut inner = zip.finish().map_err(zip_err)?;
    inner.flush().map_err(io_err(out))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{point, polygon, MultiPolygon};
    use serde_json::json;

    fn dataset() -> Dataset {
        let addresses = (0..100)
            .map(|i| Feature {
                id: i + 1,
                geometry: Geometry::Point(point!(x: 150000.0 + (i % 10) as f64 * 10.0, y: 170000.0 + (i / 10) as f64 * 10.0)),
                attributes: json!({"POLICENUM": format!("{}", i + 1), "STRNAMEFRE": "Rue de la Loi"})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            })
            .collect();
        let muni = polygon![(x: 149995.0, y: 169995.0), (x: 150045.0, y: 169995.0), (x: 150045.0, y: 170045.0), (x: 149995.0, y: 170045.0)];
        let municipalities = vec![Feature {
            id: 1,
            geometry: Geometry::MultiPolygon(MultiPolygon(vec![muni])),
            attributes: json!({"NISCODE": "21009", "NAMEFRE": "Ixelles", "NAMEDUT": "Elsene"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        }];
        Dataset::from_layers(
            None,
            vec![
                (Layer::Addresses, addresses),
                (Layer::Municipalities, municipalities),
            ],
        )
    }

    #[test]
    fn selection_by_bbox_area_and_both() {
        let ds = dataset();
        let idx = ds.layer(Layer::Addresses).unwrap();
        assert_eq!(select(idx, &Filter::default()).len(), 100);
        let bbox = Rect::new((150000.0, 170000.0), (150020.0, 170020.0));
        let f = Filter {
            bbox: Some(bbox),
            area: None,
        };
        assert_eq!(select(idx, &f).len(), 9);
        let area = ds.layer(Layer::Municipalities).unwrap().features()[0]
            .geometry
            .clone();
        let f = Filter {
            bbox: None,
            area: Some(area.clone()),
        };
        assert_eq!(select(idx, &f).len(), 25);
        let f = Filter {
            bbox: Some(Rect::new((150015.0, 170015.0), (150100.0, 170100.0))),
            area: Some(area),
        };
        // x, y in {20, 30, 40}.
        assert_eq!(select(idx, &f).len(), 9);
    }

    fn job(format: Format, crs: Crs, packaging: Packaging) -> ExportJob {
        ExportJob {
            layers: vec![Layer::Addresses],
            format,
            crs,
            filter: Filter::default(),
            gpkg_stem: "urbis".into(),
            packaging,
            ogr_driver: None,
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_format_is_written_and_moved_into_place() {
        let ds = std::sync::Arc::new(dataset());
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().to_path_buf();
        let rt = Handle::current();
        tokio::task::spawn_blocking(move || {
            let engine = CrsEngine::helmert();
            for (format, crs, name) in [
                (Format::GeoPackage, Crs::Lambert2008, "a.gpkg"),
                (Format::Shapefile, Crs::Lambert72, "a.shp.zip"),
                (Format::GeoJson, Crs::Wgs84, "a.geojson"),
                (Format::Csv, Crs::Lambert72, "a.csv"),
                (Format::FlatGeobuf, Crs::Wgs84, "a.fgb"),
                (Format::Kml, Crs::Wgs84, "a.kml"),
            ] {
                let out = base.join(name);
                let seen = std::sync::atomic::AtomicU64::new(0);
                let s = export(
                    &rt,
                    &ds,
                    &engine,
                    &job(format, crs, Packaging::File),
                    &out,
                    &|n| seen.store(n, std::sync::atomic::Ordering::Relaxed),
                )
                .unwrap();
                assert_eq!(s.counts, vec![(Layer::Addresses, 100)]);
                assert_eq!(seen.into_inner(), 100, "{name}");
                assert_eq!(s.bytes, std::fs::metadata(&out).unwrap().len());
            }
            // Only the outputs remain: no work directory, no temporary file.
            let mut names: Vec<String> = std::fs::read_dir(&base)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            assert_eq!(
                names,
                [
                    "a.csv",
                    "a.fgb",
                    "a.geojson",
                    "a.gpkg",
                    "a.kml",
                    "a.shp.zip"
                ]
            );
            let zip = zip::ZipArchive::new(File::open(base.join("a.shp.zip")).unwrap()).unwrap();
            let mut entries: Vec<String> =
                zip.file_names().map(|n| n.unwrap().to_string()).collect();
            entries.sort();
            assert_eq!(
                entries,
                [
                    "Addresses.cpg",
                    "Addresses.dbf",
                    "Addresses.prj",
                    "Addresses.shp",
                    "Addresses.shx"
                ]
            );
            // Invalid jobs.
            let err = export(
                &rt,
                &ds,
                &engine,
                &job(Format::Kml, Crs::Lambert72, Packaging::File),
                &base.join("x.kml"),
                &|_| {},
            )
            .unwrap_err()
            .to_string();
            assert!(err.contains("EPSG:4326"), "{err}");
            let mut two = job(Format::Csv, Crs::Lambert72, Packaging::File);
            two.layers.push(Layer::Municipalities);
            assert!(export(&rt, &ds, &engine, &two, &base.join("x.csv"), &|_| {}).is_err());
            let mut missing = job(Format::Csv, Crs::Lambert72, Packaging::File);
            missing.layers = vec![Layer::Parcels];
            assert!(matches!(
                export(&rt, &ds, &engine, &missing, &base.join("x.csv"), &|_| {}),
                Err(ExportError::MissingLayer(Layer::Parcels))
            ));
            two.packaging = Packaging::Zip {
                prefix: "csv/".into(),
            };
            let s = export(&rt, &ds, &engine, &two, &base.join("two.zip"), &|_| {}).unwrap();
            assert_eq!(s.counts.len(), 2);
            let zip = zip::ZipArchive::new(File::open(base.join("two.zip")).unwrap()).unwrap();
            let mut entries: Vec<String> =
                zip.file_names().map(|n| n.unwrap().to_string()).collect();
            entries.sort();
            assert_eq!(entries, ["csv/Addresses.csv", "csv/Municipalities.csv"]);
        })
        .await
        .unwrap();
    }
}
