//! A harvest job: gather → fetch → import (→ archive), with per-record results.
//!
//! Writes go record by record through [`CatalogState`] (store and search index in step); each
//! write is one transaction, so a failure or a `kill -9` midway leaves every record either
//! written or not, and the next run completes the rest idempotently (unchanged records are
//! recognised by their content hash). Archiving runs only after a complete, non-empty walk of
//! the source: a failed page or an empty answer never archives anything.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use datastore_api::model::{Agent, Dataset, Multilingual, Origin, Provenance};
use datastore_api::store::{CatalogError, ProvenanceEntry, UpsertAction};
use datastore_api::CatalogState;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::config::{Settings, SourceConfig};
use crate::db::{Counts, Harvested, Job, JobDb, NewRecord, Write};
use crate::fetch::Fetcher;
use crate::gather::Pager;
use crate::map::{record_id, Mapped};

/// Why a job could not run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("no harvest source `{0}` in the configuration")]
    UnknownSource(String),
    #[error("a job of source `{0}` is already running")]
    Busy(String),
    #[error("harvest database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("catalogue: {0}")]
    Catalog(#[from] CatalogError),
    #[error("{0}")]
    Other(String),
}

/// The harvester: configuration, job database and the catalogue it writes to.
#[derive(Clone)]
pub struct Harvester {
    pub settings: Arc<Settings>,
    pub db: JobDb,
    pub catalog: CatalogState,
}

/// A progress callback (the CLI's progress bar).
pub type OnProgress<'a> = &'a (dyn Fn(&Counts) + Send + Sync);

/// One previewed record.
#[derive(Debug, Clone, Serialize)]
pub struct PreviewItem {
    pub original_id: Option<String>,
    pub id: Option<String>,
    pub valid: bool,
    pub errors: Vec<String>,
    pub unmapped: Vec<String>,
    pub dataset: Option<datastore_api::model::Dataset>,
}

struct Run<'a> {
    h: &'a Harvester,
    source: &'a SourceConfig,
    job: i64,
    actor: String,
    counts: Counts,
    seq: i64,
    seen: HashSet<String>,
    /// A CKAN run limited to recently modified packages does not see the whole source, so it
    /// archives nothing.
    incremental: bool,
    batch: Batch,
    /// The job database's rows for the current page, read in two queries; dropped when a
    /// batch is applied (later lookups of the page then query one by one).
    cache: Option<PageCache>,
}

/// What the job database knew of a page's records when it started.
#[derive(Default)]
struct PageCache {
    /// Every original id of the page: its row, if any.
    prior: HashMap<String, Option<Harvested>>,
    /// The dataset URIs of the page's records without an own row: the rows carrying them.
    by_uri: HashMap<String, Vec<Harvested>>,
}

impl Harvester {
    pub fn new(settings: Settings, db: JobDb, catalog: CatalogState) -> Harvester {
        Harvester {
            settings: Arc::new(settings),
            db,
            catalog,
        }
    }

    /// Run one source to completion and return the finished job.
    pub async fn run(
        &self,
        source_id: &str,
        trigger: &str,
        force: bool,
        on_progress: OnProgress<'_>,
    ) -> Result<Job, RunError> {
        let job = self.begin(source_id, trigger, force).await?;
        self.complete(job, source_id, force, on_progress).await
    }

    /// Create the job of a run (refused while the source has a live running job).
    pub async fn begin(
        &self,
        source_id: &str,
        trigger: &str,
        force: bool,
    ) -> Result<i64, RunError> {
        if self.settings.source(source_id).is_none() {
            return Err(RunError::UnknownSource(source_id.to_string()));
        }
        self.db
            .start_job(source_id, trigger, force)
            .await?
            .ok_or_else(|| RunError::Busy(source_id.to_string()))
    }

    /// Execute a job created by [`Harvester::begin`] and close it with its status.
    pub async fn complete(
        &self,
        job: i64,
        source_id: &str,
        force: bool,
        on_progress: OnProgress<'_>,
    ) -> Result<Job, RunError> {
        let source = self
            .settings
            .source(source_id)
            .ok_or_else(|| RunError::UnknownSource(source_id.to_string()))?;
        let mut run = Run {
            h: self,
            source,
            job,
            actor: format!("harvester:{source_id}"),
            counts: Counts::default(),
            seq: 0,
            seen: HashSet::new(),
            incremental: false,
            batch: Batch::default(),
            cache: None,
        };
        let outcome = run.execute(force, on_progress).await;
        let (status, message) = match outcome {
            Ok((status, message)) => (status, message),
            Err(e) => ("failed", format!("{e}")),
        };
        let msg = (!message.is_empty()).then_some(message.as_str());
        self.db.finish(job, status, &run.counts, msg).await?;
        self.db
            .job(job)
            .await?
            .ok_or_else(|| RunError::Other(format!("job {job} vanished")))
    }

    /// Map and validate the first `n` records of a source; nothing is written.
    pub async fn preview(
        settings: &Settings,
        source: &SourceConfig,
        n: usize,
    ) -> Result<Vec<PreviewItem>, RunError> {
        let fetcher = Fetcher::new(settings.limits(), settings.allow_list())
            .map_err(|e| RunError::Other(e.to_string()))?;
        let mut pager = Pager::new(source, settings, None);
        let mut out = Vec::new();
        while out.len() < n {
            let Some(page) = pager.next(&fetcher).await else {
                break;
            };
            match page.result {
                Err(e) => {
                    out.push(PreviewItem {
                        original_id: None,
                        id: None,
                        valid: false,
                        errors: vec![format!("{} {}: {}", e.stage, page.url, e.reason)],
                        unmapped: vec![],
                        dataset: None,
                    });
                    if e.fatal {
                        break;
                    }
                }
                Ok(parsed) => {
                    for f in parsed.failed {
                        out.push(PreviewItem {
                            original_id: f.original_id,
                            id: None,
                            valid: false,
                            errors: vec![format!("map: {}", f.reason)],
                            unmapped: vec![],
                            dataset: None,
                        });
                    }
                    for m in parsed.records {
                        let ds = prepare(source, &m, None);
                        let errors: Vec<String> =
                            ds.validate().iter().map(|e| e.to_string()).collect();
                        out.push(PreviewItem {
                            original_id: Some(m.original_id.clone()),
                            id: Some(ds.id.clone()),
                            valid: errors.is_empty(),
                            errors,
                            unmapped: m.unmapped.clone(),
                            dataset: Some(ds),
                        });
                    }
                }
            }
        }
        out.truncate(n);
        Ok(out)
    }
}

/// The dataset to write for a mapped record.
fn prepare(source: &SourceConfig, m: &Mapped, id: Option<&str>) -> datastore_api::model::Dataset {
    let mut ds = m.dataset.clone();
    crate::map::clean_urls(&mut ds);
    ds.id = id
        .map(str::to_string)
        .unwrap_or_else(|| record_id(&source.id, &m.original_id));
    ds.publisher = source.publisher.clone();
    ds.record.origin = Origin::Harvested;
    ds.record.published = source.publish;
    ds.record.provenance = Some(Provenance {
        source_id: source.id.clone(),
        original_id: m.original_id.clone(),
        checksum: Some(m.checksum()),
        dataset_uri: m.dataset_uri.clone(),
        harvested_at: Some(datastore_api::store::now()),
    });
    ds
}

/// Most records written in one catalogue transaction (a longer page is split).
const MAX_BATCH: usize = 500;

/// Records of a source read at once by the archive stage.
const ARCHIVE_PAGE: u32 = 1_000;

/// What is known of a record waiting for its batch's catalogue transaction.
struct PendingRecord {
    seq: i64,
    original_id: String,
    dataset_uri: Option<String>,
    /// The existing record it updates (found through the job database), if any.
    target: Option<String>,
    url: String,
    unmapped: Vec<String>,
}

/// Writes of a page not yet applied: records for one catalogue transaction (and one search
/// index commit), then the job database's writes in one transaction.
#[derive(Default)]
struct Batch {
    datasets: Vec<Dataset>,
    records: Vec<PendingRecord>,
    writes: Vec<Write>,
    /// Original ids and dataset URIs (new and previous) that the pending writes touch. A
    /// record sharing one of them must see those writes when its identity is resolved, so the
    /// batch is applied first: records are then imported exactly as one by one.
    original_ids: HashSet<String>,
    uris: HashSet<String>,
}

impl Batch {
    fn touches(&self, m: &Mapped) -> bool {
        self.original_ids.contains(&m.original_id)
            || m.dataset_uri
                .as_ref()
                .is_some_and(|u| self.uris.contains(u))
    }

    fn claim(&mut self, original_id: &str, uris: [Option<&String>; 2]) {
        self.original_ids.insert(original_id.to_string());
        for u in uris.into_iter().flatten() {
            self.uris.insert(u.clone());
        }
    }
}

/// The hash-suffixed id of a record whose proposed id is taken by another record.
fn suffixed_id(id: &str, source: &str, original_id: &str) -> String {
    let mut h = Sha256::new();
    h.update(source.as_bytes());
    h.update([0]);
    h.update(original_id.as_bytes());
    let suffix = &hex::encode(h.finalize())[..8];
    let base: String = id.chars().take(110).collect();
    format!("{base}-{suffix}")
}

impl Run<'_> {
    /// Queue a per-record (or per-page) outcome; written by the next [`Run::flush`].
    #[allow(clippy::too_many_arguments)]
    fn record(
        &mut self,
        original_id: Option<&str>,
        record_id: Option<&str>,
        status: &'static str,
        stage: Option<&'static str>,
        reason: Option<String>,
        url: Option<&str>,
        unmapped: &[String],
    ) {
        self.seq += 1;
        self.batch.writes.push(Write::Record(NewRecord {
            seq: self.seq,
            original_id: original_id.map(str::to_string),
            record_id: record_id.map(str::to_string),
            status,
            stage,
            reason,
            url: url.map(str::to_string),
            unmapped: unmapped.to_vec(),
        }));
    }

    async fn ensure_publisher(&self) -> Result<(), RunError> {
        let Some(p) = &self.source.publisher else {
            return Ok(());
        };
        if self.h.catalog.store.get_publisher(p).await?.is_some() {
            return Ok(());
        }
        let name = self
            .source
            .publisher_name
            .clone()
            .or_else(|| self.source.name.clone())
            .unwrap_or_else(|| p.clone());
        let agent = Agent {
            id: p.clone(),
            name: Multilingual::new().with(self.source.lang(), name),
            ..Default::default()
        };
        self.h
            .catalog
            .store
            .put_publisher(&agent, &self.actor)
            .await?;
        Ok(())
    }

    async fn execute(
        &mut self,
        force: bool,
        on_progress: OnProgress<'_>,
    ) -> Result<(&'static str, String), RunError> {
        self.ensure_publisher().await?;
        let settings = self.h.settings.clone();
        let fetcher = Fetcher::new(settings.limits(), settings.allow_list())
            .map_err(|e| RunError::Other(e.to_string()))?;
        let since = if force || self.source.kind != crate::config::SourceKind::Ckan {
            None
        } else {
            self.h.db.last_success(&self.source.id).await?
        };
        self.incremental = since.is_some();
        let started = datastore_api::store::now();
        let mut pager = Pager::new(self.source, &settings, since);
        let mut fatal: Option<String> = None;
        while let Some(page) = pager.next(&fetcher).await {
            self.counts.pages += 1;
            match page.result {
                Err(e) => {
                    self.counts.pages_failed += 1;
                    self.record(
                        None,
                        None,
                        "failed",
                        Some(e.stage),
                        Some(e.reason.clone()),
                        Some(&page.url),
                        &[],
                    );
                    if e.fatal {
                        fatal = Some(e.reason);
                    }
                }
                Ok(parsed) => {
                    for f in parsed.failed {
                        self.counts.failed += 1;
                        if let Some(id) = &f.original_id {
                            self.seen.insert(id.clone());
                        }
                        self.record(
                            f.original_id.as_deref(),
                            None,
                            "failed",
                            Some("map"),
                            Some(f.reason),
                            Some(&page.url),
                            &[],
                        );
                    }
                    self.prefetch(&parsed.records).await?;
                    for m in parsed.records {
                        self.import(m, &page.url).await?;
                    }
                }
            }
            // The page's records in one catalogue transaction, its results in one job
            // database transaction.
            self.flush("import").await?;
            on_progress(&self.counts);
            if fatal.is_some() {
                break;
            }
        }
        let mut notes = std::mem::take(&mut pager.notes);
        if let Some(reason) = fatal {
            notes.insert(0, reason);
            return Ok(("failed", notes.join("; ")));
        }
        if self.counts.pages_failed > 0 {
            notes.push("some pages failed: nothing was archived".into());
        } else if self.counts.seen == 0 && !self.incremental {
            notes.push("the source returned no records: nothing was archived".into());
        } else if !self.incremental {
            self.h
                .db
                .progress(self.job, "archive", &self.counts)
                .await?;
            self.archive().await?;
        }
        on_progress(&self.counts);
        let status = if self.counts.pages_failed > 0 || self.counts.failed > 0 {
            "done-with-errors"
        } else {
            "done"
        };
        if self.counts.pages_failed == 0 {
            self.h
                .db
                .set_last_success(&self.source.id, &started)
                .await?;
        }
        Ok((status, notes.join("; ")))
    }

    /// Resolve a record's identity and queue its write (or write it at once when the source
    /// renamed its identifier).
    async fn import(&mut self, m: Mapped, url: &str) -> Result<(), RunError> {
        self.counts.seen += 1;
        self.seen.insert(m.original_id.clone());
        if self.batch.touches(&m) || self.batch.datasets.len() >= MAX_BATCH {
            self.flush("import").await?;
        }
        let src = self.source.id.clone();
        let prior = match self
            .cache
            .as_mut()
            .and_then(|c| c.prior.remove(&m.original_id))
        {
            Some(cached) => cached,
            None => self.h.db.harvested(&src, &m.original_id).await?,
        };
        let prior_uri = prior.as_ref().and_then(|p| p.dataset_uri.clone());
        let mut target: Option<String> = None;
        let mut renamed_from: Option<String> = None;
        match &prior {
            Some(p) if !p.linked => target = Some(p.record_id.clone()),
            _ => {
                if let Some(uri) = &m.dataset_uri {
                    let cached = self.cache.as_ref().and_then(|c| c.by_uri.get(uri));
                    let same_uri = match cached {
                        Some(rows) => rows.clone(),
                        None => self.h.db.by_dataset_uri(uri).await?,
                    };
                    if let Some(own) = same_uri
                        .iter()
                        .find(|h| h.source_id == src && h.original_id != m.original_id)
                    {
                        if self
                            .h
                            .catalog
                            .store
                            .get_dataset(&own.record_id)
                            .await?
                            .is_some()
                        {
                            target = Some(own.record_id.clone());
                            renamed_from = Some(own.original_id.clone());
                        }
                    } else if let Some(other) = same_uri.iter().find(|h| h.source_id != src) {
                        if self
                            .h
                            .catalog
                            .store
                            .get_dataset(&other.record_id)
                            .await?
                            .is_some()
                        {
                            self.batch.writes.push(Write::Seen(Harvested {
                                source_id: src.clone(),
                                original_id: m.original_id.clone(),
                                record_id: other.record_id.clone(),
                                dataset_uri: Some(uri.clone()),
                                linked: true,
                                missing_since: None,
                            }));
                            self.batch
                                .claim(&m.original_id, [Some(uri), prior_uri.as_ref()]);
                            self.counts.linked += 1;
                            let reason = format!(
                                "the same dataset ({uri}) is harvested from source `{}`",
                                other.source_id
                            );
                            self.record(
                                Some(&m.original_id),
                                Some(&other.record_id),
                                "linked",
                                Some("import"),
                                Some(reason),
                                Some(url),
                                &m.unmapped,
                            );
                            return Ok(());
                        }
                    }
                }
            }
        }
        let mut ds = prepare(self.source, &m, target.as_deref());
        let errors = ds.validate();
        if !errors.is_empty() {
            self.counts.failed += 1;
            let reason = errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("; ");
            self.record(
                Some(&m.original_id),
                None,
                "failed",
                Some("validate"),
                Some(reason),
                Some(url),
                &m.unmapped,
            );
            return Ok(());
        }
        if let Some(old) = renamed_from {
            // The source renamed the record's identifier: same record, new provenance. Rare:
            // written at once, after the records queued before it.
            self.flush("import").await?;
            if let Some(existing) = self.h.catalog.store.get_dataset(&ds.id).await? {
                ds.record.published = existing.record.published;
            }
            match self.h.catalog.put_dataset(&ds, &self.actor).await {
                Ok(stored) => {
                    self.counts.updated += 1;
                    self.batch.writes.push(Write::Forget {
                        source: src.clone(),
                        original_id: old.clone(),
                    });
                    self.batch.writes.push(Write::Seen(Harvested {
                        source_id: src,
                        original_id: m.original_id.clone(),
                        record_id: stored.id.clone(),
                        dataset_uri: m.dataset_uri.clone(),
                        linked: false,
                        missing_since: None,
                    }));
                    self.record(
                        Some(&m.original_id),
                        Some(&stored.id),
                        "updated",
                        Some("import"),
                        Some(format!("identifier changed at the source (was `{old}`)")),
                        Some(url),
                        &m.unmapped,
                    );
                }
                Err(e) => {
                    self.counts.failed += 1;
                    self.record(
                        Some(&m.original_id),
                        None,
                        "failed",
                        Some("import"),
                        Some(e.to_string()),
                        Some(url),
                        &m.unmapped,
                    );
                }
            }
            // Its job database writes before any other record is resolved.
            return self.flush("import").await;
        }
        self.batch
            .claim(&m.original_id, [m.dataset_uri.as_ref(), prior_uri.as_ref()]);
        self.seq += 1;
        self.batch.records.push(PendingRecord {
            seq: self.seq,
            original_id: m.original_id,
            dataset_uri: m.dataset_uri,
            target,
            url: url.to_string(),
            unmapped: m.unmapped,
        });
        self.batch.datasets.push(ds);
        Ok(())
    }

    /// Read the job database's rows for a page's records in two queries.
    async fn prefetch(&mut self, records: &[Mapped]) -> Result<(), RunError> {
        let ids: Vec<&str> = records.iter().map(|m| m.original_id.as_str()).collect();
        let rows = self.h.db.harvested_many(&self.source.id, &ids).await?;
        let mut cache = PageCache::default();
        let mut uris: Vec<&str> = Vec::new();
        for m in records {
            let row = rows.get(&m.original_id).cloned();
            if row.as_ref().is_none_or(|r| r.linked) {
                if let Some(u) = &m.dataset_uri {
                    uris.push(u);
                }
            }
            cache.prior.insert(m.original_id.clone(), row);
        }
        uris.sort_unstable();
        uris.dedup();
        if !uris.is_empty() {
            cache.by_uri = self.h.db.by_dataset_uris(&uris).await?;
            // A URI without rows is known too.
            for u in uris {
                cache.by_uri.entry(u.to_string()).or_default();
            }
        }
        self.cache = Some(cache);
        Ok(())
    }

    /// Write the queued records in one catalogue transaction (one search-index commit), then
    /// every queued job-database write with the job's progress in one transaction.
    async fn flush(&mut self, stage: &str) -> Result<(), RunError> {
        self.cache = None;
        let mut datasets = std::mem::take(&mut self.batch.datasets);
        let records = std::mem::take(&mut self.batch.records);
        self.batch.original_ids.clear();
        self.batch.uris.clear();
        if !records.is_empty() {
            let results = self.write_records(&mut datasets, &records).await;
            for (p, r) in records.into_iter().zip(results) {
                self.settle(p, r);
            }
        }
        let writes = std::mem::take(&mut self.batch.writes);
        self.h
            .db
            .apply(self.job, &writes, Some((stage, &self.counts)))
            .await?;
        Ok(())
    }

    /// Upsert a batch; a record whose proposed id is taken by another record (another source,
    /// a local record) is tried again under a hash-suffixed id.
    async fn write_records(
        &self,
        datasets: &mut [Dataset],
        records: &[PendingRecord],
    ) -> Vec<Result<(String, UpsertAction), String>> {
        let catalog = &self.h.catalog;
        let results = match catalog
            .upsert_by_provenance_many(datasets, &self.actor)
            .await
        {
            Ok(r) => r,
            Err(e) => {
                let reason = e.to_string();
                return records.iter().map(|_| Err(reason.clone())).collect();
            }
        };
        let mut retry = Vec::new();
        let mut out: Vec<Result<(String, UpsertAction), String>> =
            Vec::with_capacity(records.len());
        for (i, r) in results.into_iter().enumerate() {
            match r {
                Ok(o) => out.push(Ok((o.id, o.action))),
                Err(CatalogError::Conflict(reason)) if records[i].target.is_none() => {
                    datasets[i].id =
                        suffixed_id(&datasets[i].id, &self.source.id, &records[i].original_id);
                    retry.push(i);
                    out.push(Err(format!("conflict: {reason}")));
                }
                Err(e) => out.push(Err(e.to_string())),
            }
        }
        if !retry.is_empty() {
            let again: Vec<Dataset> = retry.iter().map(|i| datasets[*i].clone()).collect();
            match catalog.upsert_by_provenance_many(&again, &self.actor).await {
                Ok(results) => {
                    for (i, r) in retry.into_iter().zip(results) {
                        out[i] = r.map(|o| (o.id, o.action)).map_err(|e| e.to_string());
                    }
                }
                Err(e) => {
                    for i in retry {
                        out[i] = Err(e.to_string());
                    }
                }
            }
        }
        out
    }

    /// Count a written (or failed) record and queue its job-database writes.
    fn settle(&mut self, p: PendingRecord, r: Result<(String, UpsertAction), String>) {
        let (status, record_id, reason) = match r {
            Ok((id, action)) => {
                let status = match action {
                    UpsertAction::Created => {
                        self.counts.created += 1;
                        "created"
                    }
                    UpsertAction::Updated => {
                        self.counts.updated += 1;
                        "updated"
                    }
                    UpsertAction::Unchanged => {
                        self.counts.unchanged += 1;
                        "unchanged"
                    }
                };
                self.batch.writes.push(Write::Seen(Harvested {
                    source_id: self.source.id.clone(),
                    original_id: p.original_id.clone(),
                    record_id: id.clone(),
                    dataset_uri: p.dataset_uri.clone(),
                    linked: false,
                    missing_since: None,
                }));
                (status, Some(id), None)
            }
            Err(reason) => {
                self.counts.failed += 1;
                ("failed", None, Some(reason))
            }
        };
        self.batch.writes.push(Write::Record(NewRecord {
            seq: p.seq,
            original_id: Some(p.original_id),
            record_id,
            status,
            stage: Some("import"),
            reason,
            url: Some(p.url),
            unmapped: p.unmapped,
        }));
    }

    async fn archive(&mut self) -> Result<(), RunError> {
        let src = self.source.id.clone();
        let now = time::OffsetDateTime::now_utc();
        let now_s = datastore_api::store::format_instant(now);
        let grace = time::Duration::seconds(self.h.settings.grace_secs.min(i64::MAX as u64) as i64);
        // The source's records page by page (memory stays bounded).
        let mut after = String::new();
        loop {
            let entries = self
                .h
                .catalog
                .store
                .provenance_page(&src, &after, ARCHIVE_PAGE)
                .await?;
            let Some(last) = entries.last() else { break };
            after = last.original_id.clone();
            let mut to_archive = Vec::new();
            for e in entries {
                self.archive_one(&src, e, now, &now_s, grace, &mut to_archive)
                    .await?;
            }
            // The page's archived records in one transaction and one index commit.
            if !to_archive.is_empty() {
                self.h
                    .catalog
                    .set_archived_many(&to_archive, true, &self.actor)
                    .await?;
            }
            self.flush("archive").await?;
        }
        Ok(())
    }

    /// Mark a record the walk did not list as missing, or queue it for archiving after the
    /// grace period.
    async fn archive_one(
        &mut self,
        src: &str,
        e: ProvenanceEntry,
        now: time::OffsetDateTime,
        now_s: &str,
        grace: time::Duration,
        to_archive: &mut Vec<String>,
    ) -> Result<(), RunError> {
        if self.seen.contains(&e.original_id) || e.archived_at.is_some() {
            return Ok(());
        }
        let h = self.h.db.harvested(src, &e.original_id).await?;
        let since = match h.as_ref().and_then(|h| h.missing_since.clone()) {
            Some(s) => s,
            None => {
                if h.is_none() {
                    self.batch.writes.push(Write::Seen(Harvested {
                        source_id: src.to_string(),
                        original_id: e.original_id.clone(),
                        record_id: e.id.clone(),
                        dataset_uri: None,
                        linked: false,
                        missing_since: None,
                    }));
                }
                self.batch.writes.push(Write::MarkMissing {
                    source: src.to_string(),
                    original_id: e.original_id.clone(),
                    since: now_s.to_string(),
                });
                now_s.to_string()
            }
        };
        let since_t =
            time::OffsetDateTime::parse(&since, &time::format_description::well_known::Rfc3339)
                .unwrap_or(now);
        if now - since_t >= grace {
            to_archive.push(e.id.clone());
            self.counts.archived += 1;
            let reason = format!("not listed by the source since {since}");
            self.record(
                Some(&e.original_id),
                Some(&e.id),
                "archived",
                Some("archive"),
                Some(reason),
                None,
                &[],
            );
        } else {
            self.counts.missing += 1;
            let until = datastore_api::store::format_instant(since_t + grace);
            let reason = format!(
                "not listed by the source since {since}; archived after {until} if still absent"
            );
            self.record(
                Some(&e.original_id),
                Some(&e.id),
                "missing",
                Some("archive"),
                Some(reason),
                None,
                &[],
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use axum::extract::Query;
    use axum::routing::get;
    use axum::Router;
    use datastore_api::model::Lang;
    use datastore_api::search::SearchQuery;
    use datastore_api::store::SqliteCatalog;

    use super::*;

    fn iso(file_id: &str, dataset_id: &str, title: &str, version: &str) -> String {
        include_str!("../../tests/fixtures/harvest/iso-template.xml")
            .replace("{FILE_ID}", file_id)
            .replace("{DATASET_ID}", dataset_id)
            .replace("{TITLE_FR}", title)
            .replace("{TITLE_NL}", title)
            .replace("{VERSION}", version)
    }

    /// A CSW on 127.0.0.1 answering every GetRecords with `records` in one page.
    async fn csw(records: Vec<String>) -> String {
        let n = records.len();
        let body = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><csw:GetRecordsResponse xmlns:csw="http://www.opengis.net/cat/csw/2.0.2"><csw:SearchResults numberOfRecordsMatched="{n}" numberOfRecordsReturned="{n}" nextRecord="0">{}</csw:SearchResults></csw:GetRecordsResponse>"#,
            records.join("")
        );
        let app = Router::new().route(
            "/csw",
            get(move |Query(_): Query<HashMap<String, String>>| {
                let body = body.clone();
                async move { ([("content-type", "application/xml")], body) }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{addr}/csw")
    }

    async fn harvester(url: String) -> Harvester {
        let store = SqliteCatalog::in_memory().await.unwrap();
        let catalog = CatalogState::new(Arc::new(store), None).unwrap();
        let db = JobDb::in_memory().await.unwrap();
        let settings = Settings {
            allow_hosts: vec!["127.0.0.1".into()],
            delay_ms: 0,
            page_size: 100,
            scheduler: false,
            sources: vec![serde_json::from_value::<SourceConfig>(serde_json::json!({
                "id": "t",
                "kind": "csw",
                "url": url,
                "publisher": "partner",
                "language": "fr",
            }))
            .expect("source")],
            ..Settings::default()
        };
        db.sync_sources(&settings).await.unwrap();
        Harvester::new(settings, db, catalog)
    }

    /// A page is written in one batch, yet each record is imported as if alone: a dataset
    /// renamed within the page, the same record twice, a taken id, an invalid record.
    #[tokio::test]
    async fn a_page_in_one_batch_keeps_record_by_record_semantics() {
        let long = "x".repeat(1_100);
        let url = csw(vec![
            iso("file-1", "ds-1", "Un", "v1"),
            iso("file-2", "ds-2", "Deux", "v1"),
            iso("file-3", "ds-1", "Un renommé", "v1"),
            iso("file-4", "ds-4", "Quatre", "v1"),
            iso("file-4", "ds-4", "Quatre", "v2"),
            iso("file-5", "ds-5", &long, "v1"),
            iso("file-6", "ds-6", "Six", "v1"),
        ])
        .await;
        let h = harvester(url).await;
        // A local record holds the id file-2 would get.
        let mut local = Dataset {
            id: "t-file-2".into(),
            title: Multilingual::new().with(Lang::Fr, "Local"),
            description: Multilingual::new().with(Lang::Fr, "Local"),
            ..Default::default()
        };
        local.record.published = true;
        h.catalog.put_dataset(&local, "admin").await.unwrap();
        let job = h.run("t", "test", false, &|_| {}).await.unwrap();
        assert_eq!(job.status, "done-with-errors", "{job:?}");
        assert_eq!(
            (job.seen, job.created, job.updated, job.failed, job.pages),
            (7, 4, 2, 1, 1),
            "{job:?}"
        );
        let recs = h.db.job_records(job.id, None, 0, 100).await.unwrap();
        let got: Vec<(Option<&str>, &str, Option<&str>)> = recs
            .iter()
            .map(|r| {
                (
                    r.original_id.as_deref(),
                    r.status.as_str(),
                    r.record_id.as_deref(),
                )
            })
            .collect();
        assert_eq!(got[0], (Some("file-1"), "created", Some("t-file-1")));
        assert_eq!(got[1].1, "created");
        let suffixed = got[1].2.unwrap();
        assert!(suffixed.starts_with("t-file-2-") && suffixed.len() == 17);
        assert_eq!(got[2], (Some("file-3"), "updated", Some("t-file-1")));
        assert!(recs[2]
            .reason
            .as_deref()
            .unwrap()
            .contains("identifier changed at the source (was `file-1`)"));
        assert_eq!(got[3], (Some("file-4"), "created", Some("t-file-4")));
        assert_eq!(got[4], (Some("file-4"), "updated", Some("t-file-4")));
        assert_eq!((got[5].0, got[5].1), (Some("file-5"), "failed"));
        assert_eq!(recs[5].stage.as_deref(), Some("validate"));
        assert_eq!(got[6], (Some("file-6"), "created", Some("t-file-6")));
        // The catalogue: one record per dataset, the local record untouched.
        let mut of_source: Vec<String> = h
            .catalog
            .store
            .provenance_of_source("t")
            .await
            .unwrap()
            .into_iter()
            .map(|e| format!("{}={}", e.original_id, e.id))
            .collect();
        of_source.sort();
        assert_eq!(
            of_source,
            [
                format!("file-2={suffixed}"),
                "file-3=t-file-1".to_string(),
                "file-4=t-file-4".to_string(),
                "file-6=t-file-6".to_string()
            ]
        );
        let local = h
            .catalog
            .store
            .get_dataset("t-file-2")
            .await
            .unwrap()
            .unwrap();
        assert!(local.record.provenance.is_none());
        let v2 = h
            .catalog
            .store
            .get_dataset("t-file-4")
            .await
            .unwrap()
            .unwrap();
        assert!(v2.description.get(Lang::Fr).unwrap().contains("(v2)"));
        // The search index follows (one commit per batch).
        assert_eq!(h.catalog.search.len(), 5);
        let found = h
            .catalog
            .search
            .search(&SearchQuery {
                q: Some("renommé".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(found.hits.len(), 1);
        assert_eq!(found.hits[0].id, "t-file-1");
        // The job database knows where every original id went.
        let entries = h.db.source_entries("t").await.unwrap();
        let ids: Vec<&str> = entries.iter().map(|e| e.original_id.as_str()).collect();
        assert_eq!(ids, ["file-2", "file-3", "file-4", "file-6"]);
    }
}
