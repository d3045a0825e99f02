//! The harvester's own tables (`<data_dir>/harvest.sqlite`): sources, jobs, per-record results
//! and what each source last delivered. Catalogue records themselves are written through the
//! catalogue's store.

use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use serde::Serialize;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

use crate::config::Settings;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The job database.
#[derive(Clone)]
pub struct JobDb {
    pool: SqlitePool,
}

/// A job as reported by the API and the CLI.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Job {
    pub id: i64,
    pub source_id: String,
    pub status: String,
    pub stage: String,
    pub trigger: String,
    pub forced: bool,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub pages: i64,
    pub pages_failed: i64,
    pub seen: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub linked: i64,
    pub failed: i64,
    pub missing: i64,
    pub archived: i64,
    pub message: Option<String>,
}

/// One per-record (or per-page) outcome.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct JobRecord {
    pub original_id: Option<String>,
    pub record_id: Option<String>,
    pub status: String,
    pub stage: Option<String>,
    pub reason: Option<String>,
    pub url: Option<String>,
    pub unmapped: Vec<String>,
}

/// A source's harvested record.
#[derive(Debug, Clone, PartialEq)]
pub struct Harvested {
    pub source_id: String,
    pub original_id: String,
    pub record_id: String,
    pub dataset_uri: Option<String>,
    pub linked: bool,
    pub missing_since: Option<String>,
}

/// A per-record outcome to write (see [`JobDb::apply`]).
#[derive(Debug, Clone, PartialEq)]
pub struct NewRecord {
    /// Position in the job's results (the order records were processed in).
    pub seq: i64,
    pub original_id: Option<String>,
    pub record_id: Option<String>,
    pub status: &'static str,
    pub stage: Option<&'static str>,
    pub reason: Option<String>,
    pub url: Option<String>,
    pub unmapped: Vec<String>,
}

/// One write of a job to its database; a page's writes are applied together by
/// [`JobDb::apply`] in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    /// A per-record (or per-page) outcome.
    Record(NewRecord),
    /// A source delivered a record now (clears its absence).
    Seen(Harvested),
    /// Forget an original id (its record was taken over under a new original id).
    Forget { source: String, original_id: String },
    /// A record is missing at its source since `since` (kept if already missing).
    MarkMissing {
        source: String,
        original_id: String,
        since: String,
    },
}

/// Counters of a running job.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub pages: i64,
    pub pages_failed: i64,
    pub seen: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub linked: i64,
    pub failed: i64,
    pub missing: i64,
    pub archived: i64,
}

fn job_of(r: &sqlx::sqlite::SqliteRow) -> Result<Job, sqlx::Error> {
    Ok(Job {
        id: r.try_get("id")?,
        source_id: r.try_get("source_id")?,
        status: r.try_get("status")?,
        stage: r.try_get("stage")?,
        trigger: r.try_get("trigger")?,
        forced: r.try_get::<i64, _>("forced")? != 0,
        started_at: r.try_get("started_at")?,
        finished_at: r.try_get("finished_at")?,
        pages: r.try_get("pages")?,
        pages_failed: r.try_get("pages_failed")?,
        seen: r.try_get("seen")?,
        created: r.try_get("created")?,
        updated: r.try_get("updated")?,
        unchanged: r.try_get("unchanged")?,
        linked: r.try_get("linked")?,
        failed: r.try_get("failed")?,
        missing: r.try_get("missing")?,
        archived: r.try_get("archived")?,
        message: r.try_get("message")?,
    })
}

/// Is a process alive (Linux `/proc`; elsewhere assume it is)?
fn alive(pid: i64) -> bool {
    if pid <= 0 {
        return false;
    }
    if pid == std::process::id() as i64 {
        return true;
    }
    let proc = Path::new("/proc");
    if proc.exists() {
        proc.join(pid.to_string()).exists()
    } else {
        true
    }
}

impl JobDb {
    pub async fn open(path: &Path) -> Result<JobDb, sqlx::Error> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(sqlx::Error::Io)?;
        }
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(30));
        Self::connect(opts, 4).await
    }

    pub async fn in_memory() -> Result<JobDb, sqlx::Error> {
        Self::connect(SqliteConnectOptions::from_str("sqlite::memory:")?, 1).await
    }

    async fn connect(opts: SqliteConnectOptions, max: u32) -> Result<JobDb, sqlx::Error> {
        let pool = SqlitePoolOptions::new()
            .max_connections(max)
            .min_connections(if max == 1 { 1 } else { 0 })
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(opts.foreign_keys(true))
            .await?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| sqlx::Error::Migrate(Box::new(e)))?;
        Ok(JobDb { pool })
    }

    /// Store the configured sources (the API lists them with their last runs).
    pub async fn sync_sources(&self, settings: &Settings) -> Result<(), sqlx::Error> {
        for s in &settings.sources {
            let config = serde_json::to_string(s).unwrap_or_default();
            sqlx::query(
                "INSERT INTO sources (id, kind, url, config) VALUES (?, ?, ?, ?)
                 ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, url = excluded.url, config = excluded.config",
            )
            .bind(&s.id)
            .bind(s.kind.as_str())
            .bind(&s.url)
            .bind(config)
            .execute(&self.pool)
            .await?;
        }
        Ok(())
    }

    pub async fn last_success(&self, source: &str) -> Result<Option<String>, sqlx::Error> {
        sqlx::query_scalar("SELECT last_success_at FROM sources WHERE id = ?")
            .bind(source)
            .fetch_optional(&self.pool)
            .await
            .map(Option::flatten)
    }

    pub async fn set_last_success(&self, source: &str, at: &str) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE sources SET last_success_at = ? WHERE id = ?")
            .bind(at)
            .bind(source)
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    /// Close the jobs of processes that are gone (a crash, `kill -9`): they become `failed`
    /// with the reason; the next run picks up where they stopped (writes are idempotent).
    pub async fn recover(&self) -> Result<Vec<i64>, sqlx::Error> {
        let rows = sqlx::query("SELECT id, pid FROM jobs WHERE status = 'running'")
            .fetch_all(&self.pool)
            .await?;
        let mut closed = Vec::new();
        for r in rows {
            let id: i64 = r.try_get("id")?;
            let pid: i64 = r.try_get("pid")?;
            if pid == std::process::id() as i64 || alive(pid) {
                continue;
            }
            sqlx::query(
                "UPDATE jobs SET status = 'failed', finished_at = ?, message = COALESCE(message || '; ', '') || ?
                 WHERE id = ? AND status = 'running'",
            )
            .bind(datastore_api::store::now())
            .bind(format!("interrupted: process {pid} ended while the job was running (closed at start-up; the next run resumes idempotently)"))
            .bind(id)
            .execute(&self.pool)
            .await?;
            closed.push(id);
        }
        Ok(closed)
    }

    /// Start a job; `None` when a live job of this source is already running.
    pub async fn start_job(
        &self,
        source: &str,
        trigger: &str,
        forced: bool,
    ) -> Result<Option<i64>, sqlx::Error> {
        self.recover().await?;
        let mut tx = self.pool.begin().await?;
        let running: Option<i64> =
            sqlx::query_scalar("SELECT id FROM jobs WHERE source_id = ? AND status = 'running'")
                .bind(source)
                .fetch_optional(&mut *tx)
                .await?;
        if running.is_some() {
            return Ok(None);
        }
        let now = datastore_api::store::now();
        let id = sqlx::query(
            "INSERT INTO jobs (source_id, status, stage, trigger, forced, pid, started_at, heartbeat_at)
             VALUES (?, 'running', 'gather', ?, ?, ?, ?, ?)",
        )
        .bind(source)
        .bind(trigger)
        .bind(forced as i64)
        .bind(std::process::id() as i64)
        .bind(&now)
        .bind(&now)
        .execute(&mut *tx)
        .await?
        .last_insert_rowid();
        tx.commit().await?;
        Ok(Some(id))
    }

    pub async fn progress(&self, job: i64, stage: &str, c: &Counts) -> Result<(), sqlx::Error> {
        self.apply(job, &[], Some((stage, c))).await
    }

    pub async fn finish(
        &self,
        job: i64,
        status: &str,
        c: &Counts,
        message: Option<&str>,
    ) -> Result<(), sqlx::Error> {
        self.progress(job, "finished", c).await?;
        sqlx::query("UPDATE jobs SET status = ?, finished_at = ?, message = ? WHERE id = ?")
            .bind(status)
            .bind(datastore_api::store::now())
            .bind(message)
            .bind(job)
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    pub async fn job(&self, id: i64) -> Result<Option<Job>, sqlx::Error> {
        let r = sqlx::query("SELECT * FROM jobs WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        r.as_ref().map(job_of).transpose()
    }

    /// The newest jobs, optionally of one source.
    pub async fn jobs(&self, source: Option<&str>, limit: u32) -> Result<Vec<Job>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT * FROM jobs WHERE (? IS NULL OR source_id = ?) ORDER BY id DESC LIMIT ?",
        )
        .bind(source)
        .bind(source)
        .bind(limit.min(1000) as i64)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(job_of).collect()
    }

    /// A job's per-record outcomes, optionally only one status (e.g. `failed`).
    pub async fn job_records(
        &self,
        job: i64,
        status: Option<&str>,
        offset: u32,
        limit: u32,
    ) -> Result<Vec<JobRecord>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT * FROM job_records WHERE job_id = ? AND (? IS NULL OR status = ?) ORDER BY seq LIMIT ? OFFSET ?",
        )
        .bind(job)
        .bind(status)
        .bind(status)
        .bind(limit.min(10_000) as i64)
        .bind(offset as i64)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let unmapped: Option<String> = r.try_get("unmapped")?;
                Ok(JobRecord {
                    original_id: r.try_get("original_id")?,
                    record_id: r.try_get("record_id")?,
                    status: r.try_get("status")?,
                    stage: r.try_get("stage")?,
                    reason: r.try_get("reason")?,
                    url: r.try_get("url")?,
                    unmapped: unmapped
                        .and_then(|u| serde_json::from_str(&u).ok())
                        .unwrap_or_default(),
                })
            })
            .collect()
    }

    pub async fn running_jobs(&self) -> Result<Vec<Job>, sqlx::Error> {
        let rows = sqlx::query("SELECT * FROM jobs WHERE status = 'running' ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(job_of).collect()
    }

    fn harvested_of(r: &sqlx::sqlite::SqliteRow) -> Result<Harvested, sqlx::Error> {
        Ok(Harvested {
            source_id: r.try_get("source_id")?,
            original_id: r.try_get("original_id")?,
            record_id: r.try_get("record_id")?,
            dataset_uri: r.try_get("dataset_uri")?,
            linked: r.try_get::<i64, _>("linked")? != 0,
            missing_since: r.try_get("missing_since")?,
        })
    }

    pub async fn harvested(
        &self,
        source: &str,
        original_id: &str,
    ) -> Result<Option<Harvested>, sqlx::Error> {
        let r = sqlx::query("SELECT * FROM harvested WHERE source_id = ? AND original_id = ?")
            .bind(source)
            .bind(original_id)
            .fetch_optional(&self.pool)
            .await?;
        r.as_ref().map(Self::harvested_of).transpose()
    }

    /// The records (of any source) carrying this dataset URI, own records first.
    pub async fn by_dataset_uri(&self, uri: &str) -> Result<Vec<Harvested>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT * FROM harvested WHERE dataset_uri = ? AND linked = 0 ORDER BY last_seen_at",
        )
        .bind(uri)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::harvested_of).collect()
    }

    /// [`JobDb::harvested`] for many original ids of a source at once (a page).
    pub async fn harvested_many(
        &self,
        source: &str,
        original_ids: &[&str],
    ) -> Result<HashMap<String, Harvested>, sqlx::Error> {
        let mut out = HashMap::new();
        for chunk in original_ids.chunks(ROWS_PER_STATEMENT) {
            let list = serde_json::to_string(chunk).unwrap_or_else(|_| "[]".into());
            let rows = sqlx::query(
                "SELECT * FROM harvested WHERE source_id = ? AND original_id IN (SELECT value FROM json_each(?))",
            )
            .bind(source)
            .bind(list)
            .fetch_all(&self.pool)
            .await?;
            for r in &rows {
                let h = Self::harvested_of(r)?;
                out.insert(h.original_id.clone(), h);
            }
        }
        Ok(out)
    }

    /// [`JobDb::by_dataset_uri`] for many URIs at once (a page): URI → records, in the same
    /// order.
    pub async fn by_dataset_uris(
        &self,
        uris: &[&str],
    ) -> Result<HashMap<String, Vec<Harvested>>, sqlx::Error> {
        let mut out: HashMap<String, Vec<Harvested>> = HashMap::new();
        for chunk in uris.chunks(ROWS_PER_STATEMENT) {
            let list = serde_json::to_string(chunk).unwrap_or_else(|_| "[]".into());
            let rows = sqlx::query(
                "SELECT * FROM harvested WHERE dataset_uri IN (SELECT value FROM json_each(?)) AND linked = 0
                 ORDER BY last_seen_at",
            )
            .bind(list)
            .fetch_all(&self.pool)
            .await?;
            for r in &rows {
                let h = Self::harvested_of(r)?;
                if let Some(u) = h.dataset_uri.clone() {
                    out.entry(u).or_default().push(h);
                }
            }
        }
        Ok(out)
    }

    pub async fn source_entries(&self, source: &str) -> Result<Vec<Harvested>, sqlx::Error> {
        let rows = sqlx::query("SELECT * FROM harvested WHERE source_id = ? ORDER BY original_id")
            .bind(source)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(Self::harvested_of).collect()
    }

    /// Note that a source delivered a record now (clears its absence).
    pub async fn seen(&self, h: &Harvested) -> Result<(), sqlx::Error> {
        self.apply(0, &[Write::Seen(h.clone())], None).await
    }

    /// Apply a page's writes (and the job's progress) in one transaction: after a crash
    /// either all of them are there or none.
    pub async fn apply(
        &self,
        job: i64,
        writes: &[Write],
        progress: Option<(&str, &Counts)>,
    ) -> Result<(), sqlx::Error> {
        if writes.is_empty() && progress.is_none() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        let now = datastore_api::store::now();
        // Per-record results are independent of the rest: one statement for all of them.
        // Runs of `Seen` rows likewise; other writes keep their order.
        let mut results = Vec::new();
        let mut seen = Vec::new();
        for w in writes {
            match w {
                Write::Record(r) => results.push(r),
                Write::Seen(h) => seen.push(h),
                other => {
                    insert_seen(&mut tx, &std::mem::take(&mut seen), &now).await?;
                    write_one(&mut tx, other).await?;
                }
            }
        }
        insert_seen(&mut tx, &seen, &now).await?;
        insert_results(&mut tx, job, &results).await?;
        if let Some((stage, c)) = progress {
            progress_in(&mut tx, job, stage, c, &now).await?;
        }
        tx.commit().await
    }
}

/// Rows written by one statement (a JSON array bound as a single parameter).
const ROWS_PER_STATEMENT: usize = 500;

async fn insert_results(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    job: i64,
    results: &[&NewRecord],
) -> Result<(), sqlx::Error> {
    for chunk in results.chunks(ROWS_PER_STATEMENT) {
        let rows: Vec<serde_json::Value> = chunk
            .iter()
            .map(|r| {
                serde_json::json!({
                    "seq": r.seq,
                    "original_id": r.original_id,
                    "record_id": r.record_id,
                    "status": r.status,
                    "stage": r.stage,
                    "reason": r.reason.as_ref().map(|r| r.chars().take(2000).collect::<String>()),
                    "url": r.url,
                    "unmapped": (!r.unmapped.is_empty())
                        .then(|| serde_json::to_string(&r.unmapped).unwrap_or_default()),
                })
            })
            .collect();
        sqlx::query(
            "INSERT INTO job_records (job_id, seq, original_id, record_id, status, stage, reason, url, unmapped)
             SELECT ?1, json_extract(value, '$.seq'), json_extract(value, '$.original_id'),
               json_extract(value, '$.record_id'), json_extract(value, '$.status'), json_extract(value, '$.stage'),
               json_extract(value, '$.reason'), json_extract(value, '$.url'), json_extract(value, '$.unmapped')
             FROM json_each(?2)",
        )
        .bind(job)
        .bind(serde_json::Value::Array(rows).to_string())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn insert_seen(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    seen: &[&Harvested],
    now: &str,
) -> Result<(), sqlx::Error> {
    for chunk in seen.chunks(ROWS_PER_STATEMENT) {
        let rows: Vec<serde_json::Value> = chunk
            .iter()
            .map(|h| {
                serde_json::json!({
                    "s": h.source_id,
                    "o": h.original_id,
                    "r": h.record_id,
                    "u": h.dataset_uri,
                    "l": h.linked as i64,
                })
            })
            .collect();
        // In array order: a later row for the same key updates the earlier one.
        sqlx::query(
            "INSERT INTO harvested (source_id, original_id, record_id, dataset_uri, linked, last_seen_at, missing_since)
             SELECT json_extract(value, '$.s'), json_extract(value, '$.o'), json_extract(value, '$.r'),
               json_extract(value, '$.u'), json_extract(value, '$.l'), ?2, NULL
             FROM json_each(?1) WHERE true
             ON CONFLICT (source_id, original_id) DO UPDATE SET record_id = excluded.record_id,
               dataset_uri = excluded.dataset_uri, linked = excluded.linked, last_seen_at = excluded.last_seen_at,
               missing_since = NULL",
        )
        .bind(serde_json::Value::Array(rows).to_string())
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn write_one(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    w: &Write,
) -> Result<(), sqlx::Error> {
    match w {
        Write::Record(_) | Write::Seen(_) => {}
        Write::Forget {
            source,
            original_id,
        } => {
            sqlx::query("DELETE FROM harvested WHERE source_id = ? AND original_id = ?")
                .bind(source)
                .bind(original_id)
                .execute(&mut **tx)
                .await?;
        }
        Write::MarkMissing {
            source,
            original_id,
            since,
        } => {
            sqlx::query(
                "UPDATE harvested SET missing_since = ? WHERE source_id = ? AND original_id = ? AND missing_since IS NULL",
            )
            .bind(since)
            .bind(source)
            .bind(original_id)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

async fn progress_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    job: i64,
    stage: &str,
    c: &Counts,
    now: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE jobs SET stage = ?, heartbeat_at = ?, pages = ?, pages_failed = ?, seen = ?, created = ?, updated = ?,
           unchanged = ?, linked = ?, failed = ?, missing = ?, archived = ? WHERE id = ?",
    )
    .bind(stage)
    .bind(now)
    .bind(c.pages)
    .bind(c.pages_failed)
    .bind(c.seen)
    .bind(c.created)
    .bind(c.updated)
    .bind(c.unchanged)
    .bind(c.linked)
    .bind(c.failed)
    .bind(c.missing)
    .bind(c.archived)
    .bind(job)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(original_id: &str, record_id: &str, uri: Option<&str>, linked: bool) -> Harvested {
        Harvested {
            source_id: "s".into(),
            original_id: original_id.into(),
            record_id: record_id.into(),
            dataset_uri: uri.map(str::to_string),
            linked,
            missing_since: None,
        }
    }

    fn rec(seq: i64, id: &str, status: &'static str) -> Write {
        Write::Record(NewRecord {
            seq,
            original_id: Some(id.into()),
            record_id: None,
            status,
            stage: Some("import"),
            reason: (status == "failed").then(|| "x".repeat(3000)),
            url: Some("http://127.0.0.1/p".into()),
            unmapped: if seq == 1 {
                vec!["a \"b\"".into()]
            } else {
                vec![]
            },
        })
    }

    #[tokio::test]
    async fn apply_writes_a_page_in_order_in_one_transaction() {
        let db = JobDb::in_memory().await.unwrap();
        let job = db.start_job("s", "test", false).await.unwrap().unwrap();
        let counts = Counts {
            pages: 1,
            seen: 3,
            created: 2,
            ..Default::default()
        };
        let writes = vec![
            rec(1, "a", "created"),
            Write::Seen(h("a", "r-a", Some("u1"), false)),
            Write::Seen(h("b", "r-b", Some("u2"), false)),
            // The same key again in the run: the later row wins.
            Write::Seen(h("b", "r-b2", Some("u3"), false)),
            rec(2, "b", "created"),
            Write::Forget {
                source: "s".into(),
                original_id: "a".into(),
            },
            Write::Seen(h("c", "r-c", None, true)),
            Write::MarkMissing {
                source: "s".into(),
                original_id: "c".into(),
                since: "2026-01-01T00:00:00Z".into(),
            },
            rec(3, "c", "failed"),
        ];
        db.apply(job, &writes, Some(("import", &counts)))
            .await
            .unwrap();
        let entries = db.source_entries("s").await.unwrap();
        assert_eq!(entries.len(), 2, "{entries:?}");
        assert_eq!(entries[0].record_id, "r-b2");
        assert_eq!(entries[0].dataset_uri.as_deref(), Some("u3"));
        assert!(entries[1].linked);
        assert_eq!(
            entries[1].missing_since.as_deref(),
            Some("2026-01-01T00:00:00Z")
        );
        let many = db.harvested_many("s", &["b", "c", "zz"]).await.unwrap();
        assert_eq!(many.len(), 2);
        // Linked rows do not count for a dataset URI.
        let uris = db.by_dataset_uris(&["u3", "u1"]).await.unwrap();
        assert_eq!(uris.len(), 1);
        assert_eq!(uris["u3"][0].original_id, "b");
        let recs = db.job_records(job, None, 0, 10).await.unwrap();
        let got: Vec<(&str, &str)> = recs
            .iter()
            .map(|r| (r.original_id.as_deref().unwrap(), r.status.as_str()))
            .collect();
        assert_eq!(got, [("a", "created"), ("b", "created"), ("c", "failed")]);
        assert_eq!(recs[0].unmapped, ["a \"b\""]);
        assert_eq!(recs[2].reason.as_ref().unwrap().len(), 2000);
        let j = db.job(job).await.unwrap().unwrap();
        assert_eq!((j.stage.as_str(), j.seen, j.created), ("import", 3, 2));
    }
}
