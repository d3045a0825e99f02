//! The whole-Region files of the live generation, prepared in the background.
//!
//! When a generation goes live (and at start-up), every layer is written in every native format
//! in the format's default CRS (EPSG:31370, and WGS 84 for GeoJSON and KML), plus the official
//! UrbIS distribution zips (`UrbISVector_31370_GPKG_04000_<date>.zip` holding
//! `gpkg/UrbISVector_04000.gpkg`, and the Shapefile one holding `shp/<Layer>.shp…`), into
//! `<dir>/<generation>/`. Each file is written under a temporary name and renamed; its SHA-256
//! is computed once; a `manifest.json` written last (also by rename) marks the set complete, so
//! a restarted server reuses it instead of rebuilding. Once the new set is complete it replaces
//! the old one and older generations' directories are removed. Until then requests are served
//! by on-demand extraction from the live data (see the HTTP module).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::runtime::Handle;
use urbis_core::http::SharedDataset;
use urbis_core::{Crs, CrsEngine, Dataset, Layer};

use super::export::{export, ExportError, ExportJob, Filter, Packaging};
use super::{layer_name, official_name, yyyymmdd, Format};

/// One prepared file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreparedFile {
    /// Name in the URL: `buildings.gpkg`, `buildings.shp`, `UrbISVector_31370_GPKG_04000_<date>.zip`.
    pub name: String,
    /// File name on disk, in the generation's directory.
    pub file: String,
    pub layers: Vec<Layer>,
    pub format: String,
    pub crs: u32,
    pub media_type: String,
    pub size: u64,
    pub sha256: String,
    /// Features per layer.
    pub features: Vec<(Layer, u64)>,
}

/// The complete set of prepared files of one generation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub generation: i64,
    /// `YYYYMMDD` of the generation (when its import finished).
    pub date: String,
    /// RFC 3339 time the set was completed.
    pub prepared_at: String,
    pub files: Vec<PreparedFile>,
}

impl Manifest {
    pub fn file(&self, name: &str) -> Option<&PreparedFile> {
        self.files.iter().find(|f| f.name == name)
    }
}

/// Status of the preparation, for the listing.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Status {
    /// Is the background preparation running (`[downloads] prepare`)?
    pub enabled: bool,
    /// Generation whose files are being built, if any.
    pub building: Option<i64>,
    /// Files of the generation being built already written.
    pub done: usize,
    pub total: usize,
    /// Last failure, if the last build failed.
    pub error: Option<String>,
}

/// The prepared files, shared by the HTTP handlers and the background builder.
pub struct Prepared {
    root: PathBuf,
    ready: RwLock<Option<Arc<Manifest>>>,
    status: RwLock<Status>,
}

/// One file to prepare: its URL name, disk name and export job.
struct Plan {
    name: String,
    file: String,
    job: ExportJob,
}

/// The files prepared for `ds`: each layer × native format in its default CRS, and the two
/// official zips.
fn plans(ds: &Dataset, date: &str) -> Vec<Plan> {
    let layers: Vec<Layer> = ds.layers().map(|l| l.layer()).collect();
    let mut out = Vec::new();
    for layer in &layers {
        for info in super::formats().iter().filter(|f| !f.needs_gdal) {
            let name = format!("{}.{}", layer.id(), info.id);
            let file = if info.format == Format::Shapefile {
                format!("{name}.zip")
            } else {
                name.clone()
            };
            out.push(Plan {
                name,
                file,
                job: ExportJob {
                    layers: vec![*layer],
                    format: info.format,
                    crs: info.default_crs,
                    filter: Filter::default(),
                    gpkg_stem: layer_name(*layer).to_string(),
                    packaging: Packaging::File,
                    ogr_driver: None,
                },
            });
        }
    }
    if !layers.is_empty() {
        for (format, prefix) in [(Format::GeoPackage, "gpkg/"), (Format::Shapefile, "shp/")] {
            if let Some(name) = official_name(format, date) {
                out.push(Plan {
                    file: name.clone(),
                    name,
                    job: ExportJob {
                        layers: layers.clone(),
                        format,
                        crs: Crs::Lambert72,
                        filter: Filter::default(),
                        gpkg_stem: "UrbISVector_04000".into(),
                        packaging: Packaging::Zip {
                            prefix: prefix.into(),
                        },
                        ogr_driver: None,
                    },
                });
            }
        }
    }
    out
}

/// SHA-256 of a file, hex.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl Prepared {
    /// Prepared files live in `root/<generation>/`.
    pub fn new(root: PathBuf) -> Self {
        Prepared {
            root,
            ready: RwLock::new(None),
            status: RwLock::new(Status::default()),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The complete set for `generation`, if ready.
    pub fn manifest(&self, generation: i64) -> Option<Arc<Manifest>> {
        let m = self.ready.read().ok()?.clone()?;
        (m.generation == generation).then_some(m)
    }

    pub fn status(&self) -> Status {
        self.status.read().map(|s| s.clone()).unwrap_or_default()
    }

    /// Path on disk of a prepared file.
    pub fn path(&self, m: &Manifest, f: &PreparedFile) -> PathBuf {
        self.root.join(m.generation.to_string()).join(&f.file)
    }

    fn set_status(&self, f: impl FnOnce(&mut Status)) {
        if let Ok(mut s) = self.status.write() {
            f(&mut s);
        }
    }

    /// A complete set left by an earlier run, if its files are all there with their sizes.
    fn load_existing(&self, generation: i64) -> Option<Manifest> {
        let dir = self.root.join(generation.to_string());
        let text = std::fs::read_to_string(dir.join("manifest.json")).ok()?;
        let m: Manifest = serde_json::from_str(&text).ok()?;
        let intact = m.generation == generation
            && m.files
                .iter()
                .all(|f| std::fs::metadata(dir.join(&f.file)).is_ok_and(|md| md.len() == f.size));
        intact.then_some(m)
    }

    /// Build (or reuse) the set of `ds`'s generation; blocking.
    pub fn build(
        &self,
        rt: &Handle,
        ds: &Dataset,
        engine: &CrsEngine,
    ) -> Result<Option<Arc<Manifest>>, ExportError> {
        let Some(g) = ds.generation() else {
            return Ok(None);
        };
        let generation = g.id;
        let date = g
            .finished_at
            .as_deref()
            .and_then(yyyymmdd)
            .or_else(|| yyyymmdd(&g.started_at))
            .unwrap_or_else(|| "00000000".into());
        let manifest = match self.load_existing(generation) {
            Some(m) => {
                tracing::info!(
                    generation,
                    "prepared downloads reused from {}",
                    self.root.display()
                );
                m
            }
            None => self.write_all(rt, ds, engine, generation, &date)?,
        };
        let manifest = Arc::new(manifest);
        // The live data is already this generation, so no request is served from the older
        // files any more (those being streamed stay readable through their open handles).
        self.remove_others(generation);
        if let Ok(mut r) = self.ready.write() {
            *r = Some(manifest.clone());
        }
        Ok(Some(manifest))
    }

    fn write_all(
        &self,
        rt: &Handle,
        ds: &Dataset,
        engine: &CrsEngine,
        generation: i64,
        date: &str,
    ) -> Result<Manifest, ExportError> {
        let started = Instant::now();
        let dir = self.root.join(generation.to_string());
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| ExportError::Io { path, source }
        };
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(io(&dir))?;
        }
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        let plans = plans(ds, date);
        self.set_status(|s| {
            s.building = Some(generation);
            s.done = 0;
            s.total = plans.len();
            s.error = None;
        });
        let mut files = Vec::with_capacity(plans.len());
        for plan in &plans {
            let out = dir.join(&plan.file);
            let summary = export(rt, ds, engine, &plan.job, &out, &|_| {})?;
            let sha256 = sha256_file(&out).map_err(io(&out))?;
            let info = plan.job.format.info();
            files.push(PreparedFile {
                name: plan.name.clone(),
                file: plan.file.clone(),
                layers: plan.job.layers.clone(),
                format: info.id.to_string(),
                crs: plan.job.crs.epsg(),
                media_type: if matches!(plan.job.packaging, Packaging::Zip { .. }) {
                    "application/zip".into()
                } else {
                    info.media_type.to_string()
                },
                size: summary.bytes,
                sha256,
                features: summary.counts,
            });
            self.set_status(|s| s.done += 1);
        }
        let manifest = Manifest {
            generation,
            date: date.to_string(),
            prepared_at: now_rfc3339(),
            files,
        };
        let tmp = dir.join(".manifest.json.tmp");
        let body = serde_json::to_vec_pretty(&manifest)
            .map_err(|e| ExportError::Invalid(format!("manifest: {e}")))?;
        std::fs::write(&tmp, body).map_err(io(&tmp))?;
        let path = dir.join("manifest.json");
        std::fs::rename(&tmp, &path).map_err(io(&path))?;
        tracing::info!(
            generation,
            files = manifest.files.len(),
            "prepared downloads written in {:.2?}",
            started.elapsed()
        );
        Ok(manifest)
    }

    /// Remove every other generation's directory.
    fn remove_others(&self, keep: i64) {
        let keep = keep.to_string();
        self.remove_entries(|name| name.bytes().all(|b| b.is_ascii_digit()) && name != keep);
    }

    /// Remove the temporary directories of extracts left by a process that died (call before
    /// serving: running extracts write there).
    pub fn remove_stale_extracts(&self) {
        self.remove_entries(|name| name.starts_with(".extract"));
    }

    fn remove_entries(&self, matches: impl Fn(&str) -> bool) {
        let Ok(entries) = std::fs::read_dir(&self.root) else {
            return;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if matches(&name) {
                let p = e.path();
                let r = if p.is_dir() {
                    std::fs::remove_dir_all(&p)
                } else {
                    std::fs::remove_file(&p)
                };
                if let Err(err) = r {
                    tracing::warn!("cannot remove old downloads {}: {err}", p.display());
                }
            }
        }
    }
}

/// Keep the prepared files in step with the live dataset: build at start and after every
/// generation switch, in a blocking task, one build at a time (a switch during a build starts
/// the next build when the current one ends).
pub fn spawn(prepared: Arc<Prepared>, dataset: Arc<SharedDataset>, engine: CrsEngine) {
    prepared.set_status(|s| s.enabled = true);
    let mut rx = dataset.subscribe();
    tokio::spawn(async move {
        loop {
            let ds = rx.borrow_and_update().clone();
            if ds.generation().is_some() {
                let p = prepared.clone();
                let engine = engine.clone();
                let rt = Handle::current();
                let generation = ds.generation().map(|g| g.id);
                let res = tokio::task::spawn_blocking(move || p.build(&rt, &ds, &engine)).await;
                match res {
                    Ok(Ok(_)) => prepared.set_status(|s| s.building = None),
                    Ok(Err(e)) => {
                        tracing::error!(?generation, "preparing downloads failed: {e}");
                        prepared.set_status(|s| {
                            s.building = None;
                            s.error = Some(e.to_string());
                        });
                    }
                    Err(e) => tracing::error!("download preparation task failed: {e}"),
                }
            }
            if rx.changed().await.is_err() {
                break;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{point, Geometry};
    use serde_json::json;
    use std::collections::BTreeMap;
    use urbis_core::store::{Generation, GenerationStatus};
    use urbis_core::Feature;

    fn dataset(id: i64) -> Dataset {
        let addresses = (0..20)
            .map(|i| Feature {
                id: i + 1,
                geometry: Geometry::Point(point!(x: 150000.0 + i as f64, y: 170000.0)),
                attributes: json!({"POLICENUM": format!("{}", i + 1)})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            })
            .collect();
        let generation = Generation {
            id,
            status: GenerationStatus::Live,
            source: "test".into(),
            checksum: None,
            started_at: "2026-11-20T10:00:00Z".into(),
            finished_at: Some("2026-11-21T10:00:00Z".into()),
            counts: BTreeMap::new(),
            issues: 0,
            message: None,
        };
        Dataset::from_layers(Some(generation), vec![(Layer::Addresses, addresses)])
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn builds_reuses_and_replaces_generations() {
        let dir = tempfile::tempdir().unwrap();
        let p = Arc::new(Prepared::new(dir.path().to_path_buf()));
        let p2 = p.clone();
        let rt = Handle::current();
        tokio::task::spawn_blocking(move || {
            let engine = CrsEngine::helmert();
            let m = p2.build(&rt, &dataset(1), &engine).unwrap().unwrap();
            let names: Vec<&str> = m.files.iter().map(|f| f.name.as_str()).collect();
            assert_eq!(
                names,
                [
                    "addresses.gpkg",
                    "addresses.shp",
                    "addresses.geojson",
                    "addresses.csv",
                    "addresses.fgb",
                    "addresses.kml",
                    "UrbISVector_31370_GPKG_04000_20261121.zip",
                    "UrbISVector_31370_SHP_04000_20261121.zip",
                ]
            );
            let f = m.file("addresses.csv").unwrap();
            let path = p2.path(&m, f);
            assert_eq!(sha256_file(&path).unwrap(), f.sha256);
            assert_eq!(std::fs::metadata(&path).unwrap().len(), f.size);
            assert_eq!(f.features, vec![(Layer::Addresses, 20)]);
            let zip = zip::ZipArchive::new(
                std::fs::File::open(p2.path(
                    &m,
                    m.file("UrbISVector_31370_GPKG_04000_20261121.zip").unwrap(),
                ))
                .unwrap(),
            )
            .unwrap();
            assert_eq!(
                zip.file_names()
                    .map(|n| n.unwrap().to_string())
                    .collect::<Vec<_>>(),
                ["gpkg/UrbISVector_04000.gpkg"]
            );
            // A second build of the same generation reuses the files.
            let before = std::fs::metadata(&path).unwrap().modified().unwrap();
            let again = p2.build(&rt, &dataset(1), &engine).unwrap().unwrap();
            assert_eq!(again.prepared_at, m.prepared_at);
            assert_eq!(
                std::fs::metadata(&path).unwrap().modified().unwrap(),
                before
            );
            // A new generation replaces the old directory.
            p2.build(&rt, &dataset(2), &engine).unwrap().unwrap();
            assert!(p2.manifest(1).is_none());
            assert!(p2.manifest(2).is_some());
            assert!(!p2.root().join("1").exists());
            assert!(p2.root().join("2").join("manifest.json").exists());
        })
        .await
        .unwrap();
        assert!(p.status().error.is_none());
    }
}
