//! A harvest job: gather → fetch → import (→ archive), with per-record results.
//!
//! Writes go record by record through [`CatalogState`] (store and search index in step); each
//! write is one transaction, so a failure or a `kill -9` midway leaves every record either
//! written or not, and the next run completes the rest idempotently (unchanged records are
//! recognised by their content hash). Archiving runs only after a complete, non-empty walk of
//! the source: a failed page or an empty answer never archives anything.

use std::collections::HashSet;
use std::sync::Arc;

use datastore_api::model::{Agent, Multilingual, Origin, Provenance};
use datastore_api::store::{CatalogError, UpsertAction};
use datastore_api::CatalogState;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::config::{Settings, SourceConfig};
use crate::db::{Counts, Harvested, Job, JobDb};
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

impl Run<'_> {
    #[allow(clippy::too_many_arguments)]
    async fn record(
        &mut self,
        original_id: Option<&str>,
        record_id: Option<&str>,
        status: &str,
        stage: Option<&str>,
        reason: Option<&str>,
        url: Option<&str>,
        unmapped: &[String],
    ) -> Result<(), RunError> {
        self.seq += 1;
        self.h
            .db
            .add_record(
                self.job,
                self.seq,
                original_id,
                record_id,
                status,
                stage,
                reason,
                url,
                unmapped,
            )
            .await?;
        Ok(())
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
                        Some(&e.reason),
                        Some(&page.url),
                        &[],
                    )
                    .await?;
                    if e.fatal {
                        fatal = Some(e.reason);
                        break;
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
                            Some(&f.reason),
                            Some(&page.url),
                            &[],
                        )
                        .await?;
                    }
                    for m in parsed.records {
                        self.import(m, &page.url).await?;
                    }
                }
            }
            self.h.db.progress(self.job, "import", &self.counts).await?;
            on_progress(&self.counts);
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

    async fn import(&mut self, m: Mapped, url: &str) -> Result<(), RunError> {
        self.counts.seen += 1;
        self.seen.insert(m.original_id.clone());
        let db = &self.h.db;
        let src = &self.source.id;
        let prior = db.harvested(src, &m.original_id).await?;
        let mut target: Option<String> = None;
        let mut renamed_from: Option<String> = None;
        match &prior {
            Some(p) if !p.linked => target = Some(p.record_id.clone()),
            _ => {
                if let Some(uri) = &m.dataset_uri {
                    let same_uri = db.by_dataset_uri(uri).await?;
                    if let Some(own) = same_uri
                        .iter()
                        .find(|h| h.source_id == *src && h.original_id != m.original_id)
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
                    } else if let Some(other) = same_uri.iter().find(|h| h.source_id != *src) {
                        if self
                            .h
                            .catalog
                            .store
                            .get_dataset(&other.record_id)
                            .await?
                            .is_some()
                        {
                            db.seen(&Harvested {
                                source_id: src.clone(),
                                original_id: m.original_id.clone(),
                                record_id: other.record_id.clone(),
                                dataset_uri: Some(uri.clone()),
                                linked: true,
                                missing_since: None,
                            })
                            .await?;
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
                                Some(&reason),
                                Some(url),
                                &m.unmapped,
                            )
                            .await?;
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
                Some(&reason),
                Some(url),
                &m.unmapped,
            )
            .await?;
            return Ok(());
        }
        let outcome = if renamed_from.is_some() {
            // The source renamed the record's identifier: same record, new provenance.
            if let Some(existing) = self.h.catalog.store.get_dataset(&ds.id).await? {
                ds.record.published = existing.record.published;
            }
            self.h
                .catalog
                .put_dataset(&ds, &self.actor)
                .await
                .map(|d| (d.id, UpsertAction::Updated))
        } else {
            match self.h.catalog.upsert_by_provenance(&ds, &self.actor).await {
                Err(CatalogError::Conflict(_)) if target.is_none() => {
                    // The id is taken by another record (another source, a local record).
                    let mut h = Sha256::new();
                    h.update(src.as_bytes());
                    h.update([0]);
                    h.update(m.original_id.as_bytes());
                    let suffix = &hex::encode(h.finalize())[..8];
                    let base: String = ds.id.chars().take(110).collect();
                    ds.id = format!("{base}-{suffix}");
                    self.h
                        .catalog
                        .upsert_by_provenance(&ds, &self.actor)
                        .await
                        .map(|o| (o.id, o.action))
                }
                other => other.map(|o| (o.id, o.action)),
            }
        };
        match outcome {
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
                if let Some(old) = &renamed_from {
                    db.forget(src, old).await?;
                }
                db.seen(&Harvested {
                    source_id: src.clone(),
                    original_id: m.original_id.clone(),
                    record_id: id.clone(),
                    dataset_uri: m.dataset_uri.clone(),
                    linked: false,
                    missing_since: None,
                })
                .await?;
                let reason = renamed_from
                    .as_ref()
                    .map(|o| format!("identifier changed at the source (was `{o}`)"));
                self.record(
                    Some(&m.original_id),
                    Some(&id),
                    status,
                    Some("import"),
                    reason.as_deref(),
                    Some(url),
                    &m.unmapped,
                )
                .await?;
            }
            Err(e) => {
                self.counts.failed += 1;
                self.record(
                    Some(&m.original_id),
                    None,
                    "failed",
                    Some("import"),
                    Some(&e.to_string()),
                    Some(url),
                    &m.unmapped,
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn archive(&mut self) -> Result<(), RunError> {
        let src = self.source.id.clone();
        let entries = self.h.catalog.store.provenance_of_source(&src).await?;
        let now = time::OffsetDateTime::now_utc();
        let now_s = datastore_api::store::format_instant(now);
        let grace = time::Duration::seconds(self.h.settings.grace_secs.min(i64::MAX as u64) as i64);
        for e in entries {
            if self.seen.contains(&e.original_id) || e.archived_at.is_some() {
                continue;
            }
            let h = self.h.db.harvested(&src, &e.original_id).await?;
            let since = match h.as_ref().and_then(|h| h.missing_since.clone()) {
                Some(s) => s,
                None => {
                    if h.is_none() {
                        self.h
                            .db
                            .seen(&Harvested {
                                source_id: src.clone(),
                                original_id: e.original_id.clone(),
                                record_id: e.id.clone(),
                                dataset_uri: None,
                                linked: false,
                                missing_since: None,
                            })
                            .await?;
                    }
                    self.h.db.mark_missing(&src, &e.original_id, &now_s).await?;
                    now_s.clone()
                }
            };
            let since_t =
                time::OffsetDateTime::parse(&since, &time::format_description::well_known::Rfc3339)
                    .unwrap_or(now);
            if now - since_t >= grace {
                self.h
                    .catalog
                    .set_archived(&e.id, true, &self.actor)
                    .await?;
                self.counts.archived += 1;
                let reason = format!("not listed by the source since {since}");
                self.record(
                    Some(&e.original_id),
                    Some(&e.id),
                    "archived",
                    Some("archive"),
                    Some(&reason),
                    None,
                    &[],
                )
                .await?;
            } else {
                self.counts.missing += 1;
                let until = datastore_api::store::format_instant(since_t + grace);
                let reason = format!("not listed by the source since {since}; archived after {until} if still absent");
                self.record(
                    Some(&e.original_id),
                    Some(&e.id),
                    "missing",
                    Some("archive"),
                    Some(&reason),
                    None,
                    &[],
                )
                .await?;
            }
        }
        Ok(())
    }
}
