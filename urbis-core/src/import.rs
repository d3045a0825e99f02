//! Import a source file into a new generation of the store.
//!
//! Each UrbIS layer found in the source is read, its attributes renamed to M8 names
//! ([`crate::model::normalize_attributes`]), its geometries repaired or reported
//! ([`crate::geom::repair`]) and transformed to EPSG:31370, then written in batches into a
//! generation that becomes live only when everything is written. Any error (or a cancel) fails
//! the generation and leaves the previous one serving.

use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use geo::{Geometry, Point};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::crs::{Crs, CrsEngine, Transformer};
use crate::error::{ImportError, ReadError, StoreError};
use crate::geom::repair::repair;
use crate::io::{self, RawFeature, RecordIssue};
use crate::model::{normalize_attributes, Feature, Layer};
use crate::store::{FeatureStore, GenerationId};

/// How many features are written per transaction.
pub const BATCH_SIZE: usize = 5_000;
/// How many record issues a summary keeps (all are counted).
pub const MAX_REPORTED_ISSUES: usize = 1_000;

/// Progress of an import, for progress bars.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// A layer starts: its source name and record count when known.
    LayerStarted {
        layer: Layer,
        source: String,
        total: Option<u64>,
    },
    /// Records read so far in the current layer.
    Read { layer: Layer, records: u64 },
    /// A layer is read and converted: its features are stored or queued for the store.
    LayerDone { layer: Layer, features: u64 },
    /// Every layer is read; the last writes are completing.
    Finishing,
}

/// Options of an import.
#[derive(Clone)]
pub struct ImportOptions {
    /// CRS transformations (with the official grid when configured).
    pub engine: CrsEngine,
    /// CRS assumed for sources that declare none (UrbIS distributions are in EPSG:31370).
    pub default_crs: Crs,
    /// Label recorded in the import log (the path or URL as the user gave it).
    pub source_label: Option<String>,
    /// Set to cancel the import between batches.
    pub cancel: Arc<AtomicBool>,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            engine: CrsEngine::helmert(),
            default_crs: Crs::Lambert72,
            source_label: None,
            cancel: Arc::new(AtomicBool::new(false)),
        }
    }
}

/// Per-layer outcome of an import.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LayerSummary {
    /// Source layer (table or file) it came from.
    pub source: String,
    /// Records read from the source.
    pub read: u64,
    /// Features stored.
    pub imported: u64,
    /// Features whose geometry was repaired.
    pub repaired: u64,
    /// Records skipped (no usable geometry).
    pub skipped: u64,
}

/// The outcome of a successful import.
#[derive(Debug, Clone, Serialize)]
pub struct ImportSummary {
    pub generation: GenerationId,
    pub source: String,
    /// SHA-256 of the source file.
    pub checksum: String,
    pub layers: BTreeMap<Layer, LayerSummary>,
    /// Number of record issues (repairs, skips, ignored layers).
    pub issue_count: u64,
    /// The first [`MAX_REPORTED_ISSUES`] issues.
    pub issues: Vec<RecordIssue>,
    #[serde(serialize_with = "ser_secs")]
    pub duration: Duration,
}

fn ser_secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// SHA-256 of a file, hex-encoded.
pub fn sha256_file(path: &Path) -> Result<String, ReadError> {
    let io_err = |e| ReadError::Io {
        path: path.to_path_buf(),
        source: e,
    };
    let mut f = std::fs::File::open(path).map_err(io_err)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(io_err)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

/// Collects issues, keeping the first [`MAX_REPORTED_ISSUES`].
#[derive(Default)]
struct Issues {
    count: u64,
    kept: Vec<RecordIssue>,
}

impl Issues {
    fn push(&mut self, issue: RecordIssue) {
        self.count += 1;
        if self.kept.len() < MAX_REPORTED_ISSUES {
            self.kept.push(issue);
        }
    }
}

/// Is a geometry acceptable for a layer (after normalising single/multi forms)?
fn conform(layer: Layer, g: Geometry<f64>) -> Result<Geometry<f64>, String> {
    match (layer, g) {
        (Layer::Addresses, Geometry::Point(p)) => Ok(Geometry::Point(p)),
        (Layer::Addresses, Geometry::MultiPoint(mp)) if mp.0.len() == 1 => {
            Ok(Geometry::Point(mp.0[0]))
        }
        (Layer::Buildings | Layer::Parcels | Layer::Municipalities, g @ Geometry::Polygon(_))
        | (
            Layer::Buildings | Layer::Parcels | Layer::Municipalities,
            g @ Geometry::MultiPolygon(_),
        ) => Ok(g),
        (Layer::Streets, g @ Geometry::LineString(_))
        | (Layer::Streets, g @ Geometry::MultiLineString(_)) => Ok(g),
        (layer, g) => Err(format!(
            "a {} geometry does not belong in layer {layer}",
            geometry_name(&g)
        )),
    }
}

fn geometry_name(g: &Geometry<f64>) -> &'static str {
    match g {
        Geometry::Point(_) => "Point",
        Geometry::Line(_) => "Line",
        Geometry::LineString(_) => "LineString",
        Geometry::Polygon(_) => "Polygon",
        Geometry::MultiPoint(_) => "MultiPoint",
        Geometry::MultiLineString(_) => "MultiLineString",
        Geometry::MultiPolygon(_) => "MultiPolygon",
        Geometry::GeometryCollection(_) => "GeometryCollection",
        Geometry::Rect(_) => "Rect",
        Geometry::Triangle(_) => "Triangle",
    }
}

/// Plausible EPSG:31370 coordinates for Belgium (with a margin).
fn in_belgium_l72(g: &Geometry<f64>) -> bool {
    use geo::BoundingRect;
    match g.bounding_rect() {
        Some(r) => {
            r.min().x > -50_000.0
                && r.max().x < 350_000.0
                && r.min().y > -50_000.0
                && r.max().y < 300_000.0
        }
        None => false,
    }
}

/// Turns source records of one layer into features in EPSG:31370.
struct LayerConverter<'a> {
    layer: Layer,
    source_name: String,
    transformer: Option<Transformer>,
    seen_ids: HashSet<i64>,
    /// Converted features not yet sent to the writer.
    features: Vec<Feature>,
    /// Features already sent to the writer.
    imported: u64,
    summary: LayerSummary,
    issues: &'a mut Issues,
}

impl LayerConverter<'_> {
    fn issue(&mut self, record: u64, detail: String) {
        self.issues.push(RecordIssue {
            layer: self.source_name.clone(),
            record,
            detail,
        });
    }

    fn accept(&mut self, raw: RawFeature) {
        self.summary.read += 1;
        let attributes = normalize_attributes(self.layer, raw.attributes);
        let geometry = match raw.geometry {
            Some(g) => Some(g),
            // Address points can be rebuilt from their Lambert 72 coordinates.
            None if self.layer == Layer::Addresses => {
                match (attr_f64(&attributes, "XL72"), attr_f64(&attributes, "YL72")) {
                    (Some(x), Some(y)) if self.transformer.is_none() => {
                        Some(Geometry::Point(Point::new(x, y)))
                    }
                    _ => None,
                }
            }
            None => None,
        };
        let Some(geometry) = geometry else {
            self.summary.skipped += 1;
            self.issue(raw.record, "no geometry: record skipped".into());
            return;
        };
        let geometry = match &self.transformer {
            Some(t) => match t.transform_geometry(&geometry) {
                Ok(g) => g,
                Err(e) => {
                    self.summary.skipped += 1;
                    self.issue(raw.record, format!("cannot transform geometry: {e}"));
                    return;
                }
            },
            None => geometry,
        };
        let (geometry, note) = match repair(geometry) {
            Ok(r) => r,
            Err(reason) => {
                self.summary.skipped += 1;
                self.issue(raw.record, format!("invalid geometry skipped: {reason}"));
                return;
            }
        };
        let geometry = match conform(self.layer, geometry) {
            Ok(g) => g,
            Err(reason) => {
                self.summary.skipped += 1;
                self.issue(raw.record, format!("record skipped: {reason}"));
                return;
            }
        };
        if !in_belgium_l72(&geometry) {
            self.summary.skipped += 1;
            self.issue(
                raw.record,
                "record skipped: coordinates outside Belgium (wrong CRS?)".into(),
            );
            return;
        }
        if let Some(note) = note {
            self.summary.repaired += 1;
            self.issue(raw.record, format!("geometry repaired: {note}"));
        }
        let mut id = raw.fid.unwrap_or(raw.record as i64);
        if !self.seen_ids.insert(id) {
            let new_id = self.seen_ids.iter().max().copied().unwrap_or(0) + 1;
            self.issue(
                raw.record,
                format!("duplicate feature id {id}: stored as {new_id}"),
            );
            id = new_id;
            self.seen_ids.insert(id);
        }
        self.features.push(Feature {
            id,
            geometry,
            attributes,
        });
    }
}

fn attr_f64(attrs: &crate::model::Attributes, name: &str) -> Option<f64> {
    match attrs.get(name)? {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Guess the CRS of a layer that declares none from its first coordinates.
fn looks_geographic(raw: &RawFeature) -> bool {
    use geo::BoundingRect;
    raw.geometry
        .as_ref()
        .and_then(|g| g.bounding_rect())
        .is_some_and(|r| {
            r.min().x >= -180.0 && r.max().x <= 180.0 && r.min().y >= -90.0 && r.max().y <= 90.0
        })
}

/// Import `path` (zip, GeoPackage, Shapefile, GeoJSON or a directory of them) into a new
/// generation of `store` and make it live.
pub async fn import_path(
    store: Arc<dyn FeatureStore>,
    path: &Path,
    opts: &ImportOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<ImportSummary, ImportError> {
    let started = Instant::now();
    let checksum = sha256_file(path).or_else(|e| {
        if path.is_dir() {
            Ok(String::new())
        } else {
            Err(e)
        }
    })?;
    let mut opened = io::open(path).await?;
    let source_layers = opened.reader.layers();
    let mut issues = Issues::default();

    // Which source layer feeds each UrbIS layer (the first one found).
    let mut plan: Vec<(Layer, io::SourceLayer)> = Vec::new();
    for sl in source_layers {
        match sl.layer {
            Some(l) if plan.iter().any(|(p, _)| *p == l) => issues.push(RecordIssue {
                layer: sl.name.clone(),
                record: 0,
                detail: format!("layer ignored: {l} already read from another source layer"),
            }),
            Some(l) => plan.push((l, sl)),
            None => issues.push(RecordIssue {
                layer: sl.name.clone(),
                record: 0,
                detail: "layer ignored: not an UrbIS layer urbis serves".into(),
            }),
        }
    }
    if plan.is_empty() {
        return Err(ImportError::NoLayers(path.to_path_buf()));
    }
    plan.sort_by_key(|(l, _)| *l);

    let label = opts
        .source_label
        .clone()
        .unwrap_or_else(|| path.display().to_string());
    let generation = store
        .begin_generation(&label, Some(checksum.as_str()).filter(|c| !c.is_empty()))
        .await?;

    let result = import_layers(
        store.clone(),
        generation,
        &mut opened.reader,
        &plan,
        opts,
        &mut issues,
        progress,
    )
    .await;
    let layers = match result {
        Ok(layers) => layers,
        Err(e) => {
            // Best effort: the generation is also closed by `recover` at the next start.
            let _ = store.fail_generation(generation, &e.to_string()).await;
            return Err(e);
        }
    };
    let counts: BTreeMap<Layer, u64> = layers.iter().map(|(l, s)| (*l, s.imported)).collect();
    if let Err(e) = store
        .commit_generation(generation, &counts, issues.count)
        .await
    {
        let _ = store.fail_generation(generation, &e.to_string()).await;
        return Err(e.into());
    }
    Ok(ImportSummary {
        generation,
        source: label,
        checksum,
        layers,
        issue_count: issues.count,
        issues: issues.kept,
        duration: started.elapsed(),
    })
}

async fn import_layers(
    store: Arc<dyn FeatureStore>,
    generation: GenerationId,
    reader: &mut io::SourceReader,
    plan: &[(Layer, io::SourceLayer)],
    opts: &ImportOptions,
    issues: &mut Issues,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<BTreeMap<Layer, LayerSummary>, ImportError> {
    // Writes run in their own task, in step with the reading: batches go through a channel.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(Layer, Vec<Feature>)>();
    let writer_cancel = opts.cancel.clone();
    let writer = tokio::spawn(async move {
        let mut written: BTreeMap<Layer, u64> = BTreeMap::new();
        while let Some((layer, batch)) = rx.recv().await {
            if writer_cancel.load(Ordering::Relaxed) {
                return Err(ImportError::Cancelled);
            }
            store.write_features(generation, layer, &batch).await?;
            *written.entry(layer).or_default() += batch.len() as u64;
        }
        Ok::<_, ImportError>(written)
    });
    let result = read_layers(reader, plan, opts, issues, progress, &tx).await;
    drop(tx);
    let out = match result {
        Ok(out) => out,
        Err(e) => {
            writer.abort();
            let _ = writer.await;
            return Err(e);
        }
    };
    progress(Progress::Finishing);
    let written = writer
        .await
        .map_err(|e| ImportError::Store(StoreError::Other(format!("writer task failed: {e}"))))??;
    for (layer, summary) in &out {
        let stored = written.get(layer).copied().unwrap_or(0);
        if stored != summary.imported {
            return Err(ImportError::Store(StoreError::Other(format!(
                "{layer}: {} features converted but {stored} stored",
                summary.imported
            ))));
        }
    }
    Ok(out)
}

/// Read and convert every planned layer, sending batches of features to the writer.
async fn read_layers(
    reader: &mut io::SourceReader,
    plan: &[(Layer, io::SourceLayer)],
    opts: &ImportOptions,
    issues: &mut Issues,
    progress: &mut (dyn FnMut(Progress) + Send),
    tx: &tokio::sync::mpsc::UnboundedSender<(Layer, Vec<Feature>)>,
) -> Result<BTreeMap<Layer, LayerSummary>, ImportError> {
    let writer_gone = || ReadError::Malformed {
        path: "store".into(),
        detail: "the store writer stopped".into(),
    };
    let mut out = BTreeMap::new();
    let mut total_imported = 0u64;
    for (layer, source) in plan {
        let layer = *layer;
        progress(Progress::LayerStarted {
            layer,
            source: source.name.clone(),
            total: source.count,
        });
        let mut conv = LayerConverter {
            layer,
            source_name: source.name.clone(),
            transformer: None,
            seen_ids: HashSet::new(),
            features: Vec::with_capacity(BATCH_SIZE),
            imported: 0,
            summary: LayerSummary {
                source: source.name.clone(),
                ..Default::default()
            },
            issues,
        };
        let declared = source.crs;
        let mut crs_decided = false;
        let mut crs_error = None;
        let mut read_issues = Vec::new();
        let cancel = opts.cancel.clone();
        {
            let engine = &opts.engine;
            let default_crs = opts.default_crs;
            let mut sink = |raw: RawFeature| -> Result<(), ReadError> {
                if !crs_decided {
                    crs_decided = true;
                    let crs = declared.unwrap_or(if looks_geographic(&raw) {
                        Crs::Wgs84
                    } else {
                        default_crs
                    });
                    if crs != Crs::Lambert72 {
                        match engine.transformer(crs, Crs::Lambert72) {
                            Ok(t) => conv.transformer = Some(t),
                            Err(e) => crs_error = Some(e),
                        }
                    }
                }
                if crs_error.is_some() {
                    return Ok(());
                }
                conv.accept(raw);
                if conv.features.len() >= BATCH_SIZE {
                    conv.imported += conv.features.len() as u64;
                    let batch =
                        std::mem::replace(&mut conv.features, Vec::with_capacity(BATCH_SIZE));
                    tx.send((layer, batch)).map_err(|_| writer_gone())?;
                }
                if conv.summary.read.is_multiple_of(10_000) {
                    progress(Progress::Read {
                        layer,
                        records: conv.summary.read,
                    });
                    if cancel.load(Ordering::Relaxed) {
                        return Err(ReadError::Malformed {
                            path: source.name.clone().into(),
                            detail: "cancelled".into(),
                        });
                    }
                }
                Ok(())
            };
            let read = reader
                .read_layer(&source.name, &mut sink, &mut read_issues)
                .await;
            if opts.cancel.load(Ordering::Relaxed) {
                return Err(ImportError::Cancelled);
            }
            read?;
        }
        if let Some(e) = crs_error {
            return Err(e.into());
        }
        for i in read_issues {
            conv.summary.skipped += 1;
            conv.issues.push(i);
        }
        let LayerConverter {
            features,
            mut summary,
            imported,
            ..
        } = conv;
        let imported = imported + features.len() as u64;
        if !features.is_empty() {
            tx.send((layer, features)).map_err(|_| writer_gone())?;
        }
        summary.imported = imported;
        total_imported += imported;
        progress(Progress::LayerDone {
            layer,
            features: imported,
        });
        out.insert(layer, summary);
    }
    if total_imported == 0 {
        return Err(ImportError::Read(ReadError::Malformed {
            path: plan
                .first()
                .map(|(_, s)| s.name.clone())
                .unwrap_or_default()
                .into(),
            detail: "no feature could be imported (see the reported issues)".into(),
        }));
    }
    Ok(out)
}
