//! Feature storage with atomic import generations.
//!
//! An import writes into a new *generation* (status `building`); only when every layer is written
//! does [`FeatureStore::commit_generation`] switch it to `live` in one transaction, retiring the
//! previous one. Readers always load the live generation, so a failed or killed import leaves the
//! previous data serving; a generation left `building` by a killed process is closed as `failed`
//! by [`FeatureStore::recover`] at the next start.
//!
//! The embedded backend is SQLite ([`sqlite::SqliteStore`]); the trait is object-safe so that a
//! PostgreSQL/PostGIS backend can be added beside it.

pub mod sqlite;

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use serde::Serialize;

use crate::error::StoreError;
use crate::model::{Feature, Layer};

pub use sqlite::SqliteStore;

/// A boxed future, to keep [`FeatureStore`] usable as a trait object.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Identifier of an import generation.
pub type GenerationId = i64;

/// State of a generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GenerationStatus {
    Building,
    Live,
    Retired,
    Failed,
}

impl GenerationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            GenerationStatus::Building => "building",
            GenerationStatus::Live => "live",
            GenerationStatus::Retired => "retired",
            GenerationStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "building" => Some(GenerationStatus::Building),
            "live" => Some(GenerationStatus::Live),
            "retired" => Some(GenerationStatus::Retired),
            "failed" => Some(GenerationStatus::Failed),
            _ => None,
        }
    }
}

/// One entry of the import log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Generation {
    pub id: GenerationId,
    pub status: GenerationStatus,
    /// Where the data came from (path or URL as given).
    pub source: String,
    /// SHA-256 of the source file.
    pub checksum: Option<String>,
    /// RFC 3339 timestamps.
    pub started_at: String,
    pub finished_at: Option<String>,
    /// Features stored per layer.
    pub counts: BTreeMap<Layer, u64>,
    /// Number of records skipped or repaired during the import.
    pub issues: u64,
    /// Failure reason for a failed generation.
    pub message: Option<String>,
}

/// Storage of UrbIS features by generation.
pub trait FeatureStore: Send + Sync {
    /// Close generations left `building` by a process that died; returns their ids.
    fn recover(&self) -> BoxFuture<'_, Result<Vec<GenerationId>, StoreError>>;

    /// Start a new generation for an import of `source`.
    fn begin_generation<'a>(
        &'a self,
        source: &'a str,
        checksum: Option<&'a str>,
    ) -> BoxFuture<'a, Result<GenerationId, StoreError>>;

    /// Write a batch of features of one layer into a generation being built.
    fn write_features<'a>(
        &'a self,
        generation: GenerationId,
        layer: Layer,
        features: &'a [Feature],
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Make a generation live, retiring the previous live one, in one transaction.
    fn commit_generation<'a>(
        &'a self,
        generation: GenerationId,
        counts: &'a BTreeMap<Layer, u64>,
        issues: u64,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Mark a generation failed and drop its features.
    fn fail_generation<'a>(
        &'a self,
        generation: GenerationId,
        message: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// The live generation, if any import has completed.
    fn live_generation(&self) -> BoxFuture<'_, Result<Option<Generation>, StoreError>>;

    /// Stream every feature of one layer of a generation, in id order.
    fn load_layer<'a>(
        &'a self,
        generation: GenerationId,
        layer: Layer,
        sink: &'a mut (dyn FnMut(Feature) + Send),
    ) -> BoxFuture<'a, Result<u64, StoreError>>;

    /// The import log, newest first.
    fn generations(&self, limit: u32) -> BoxFuture<'_, Result<Vec<Generation>, StoreError>>;

    /// Delete the features of retired and failed generations (keeps their log entries).
    fn purge(&self) -> BoxFuture<'_, Result<u64, StoreError>>;
}
