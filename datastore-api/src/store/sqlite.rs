//! The embedded SQLite catalogue (`<data_dir>/catalog.sqlite`): records as JSON documents with
//! the columns queries filter on, publishers, the audit log and API keys.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use serde_json::{json, Value};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Row, Sqlite, Transaction};

use super::{
    normalize_instant, now, ApiKeyRecord, AuditEntry, BoxFuture, CatalogError, CatalogStore,
    ListQuery, Page, ProvenanceEntry, Role, UpsertAction, UpsertOutcome, Upserted, MAX_PAGE,
};
use crate::model::{Agent, Dataset, Origin};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// SQLite catalogue store (WAL: one writer, many readers).
#[derive(Clone, Debug)]
pub struct SqliteCatalog {
    pool: SqlitePool,
}

impl SqliteCatalog {
    /// Open (creating if missing) the catalogue at `path` and apply migrations.
    pub async fn open(path: &Path) -> Result<Self, CatalogError> {
        if let Some(parent) = path.parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(|e| {
                    CatalogError::Other(format!("cannot create {}: {e}", parent.display()))
                })?;
            }
        }
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(30))
            .row_buffer_size(1024);
        Self::connect(opts, 4).await
    }

    /// A private in-memory catalogue (tests, benchmarks).
    pub async fn in_memory() -> Result<Self, CatalogError> {
        let opts = SqliteConnectOptions::from_str("sqlite::memory:")?;
        Self::connect(opts, 1).await
    }

    async fn connect(opts: SqliteConnectOptions, max: u32) -> Result<Self, CatalogError> {
        let pool = SqlitePoolOptions::new()
            .max_connections(max)
            .min_connections(if max == 1 { 1 } else { 0 })
            .idle_timeout(if max == 1 {
                None
            } else {
                Some(Duration::from_secs(600))
            })
            .max_lifetime(None)
            .connect_with(opts)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(SqliteCatalog { pool })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

fn decode(id: &str, doc: &str) -> Result<Dataset, CatalogError> {
    serde_json::from_str(doc).map_err(|e| CatalogError::Corrupt {
        id: id.to_string(),
        detail: e.to_string(),
    })
}

fn row_dataset(row: &SqliteRow) -> Result<Dataset, CatalogError> {
    let id: String = row.try_get("id")?;
    let doc: String = row.try_get("doc")?;
    decode(&id, &doc)
}

async fn audit(
    tx: &mut Transaction<'_, Sqlite>,
    actor: &str,
    action: &str,
    target_type: &str,
    target_id: &str,
    detail: Option<Value>,
) -> Result<(), CatalogError> {
    sqlx::query(
        "INSERT INTO audit (at, actor, action, target_type, target_id, detail) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(now())
    .bind(actor)
    .bind(action)
    .bind(target_type)
    .bind(target_id)
    .bind(detail.map(|d| d.to_string()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn bump(tx: &mut Transaction<'_, Sqlite>) -> Result<(), CatalogError> {
    sqlx::query("UPDATE revision SET n = n + 1 WHERE one = 1")
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn fetch(
    tx: &mut Transaction<'_, Sqlite>,
    id: &str,
) -> Result<Option<Dataset>, CatalogError> {
    let doc: Option<String> = sqlx::query_scalar("SELECT doc FROM records WHERE id = ?")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    doc.map(|d| decode(id, &d)).transpose()
}

/// The top-level fields whose values differ (the "what" of an update).
fn changed_fields(old: &Dataset, new: &Dataset) -> Value {
    let (Ok(Value::Object(a)), Ok(Value::Object(b))) =
        (serde_json::to_value(old), serde_json::to_value(new))
    else {
        return Value::Null;
    };
    let mut fields: Vec<&String> = a
        .keys()
        .chain(b.keys())
        .filter(|k| k.as_str() != "record" && a.get(*k) != b.get(*k))
        .collect();
    fields.sort();
    fields.dedup();
    json!({ "fields": fields })
}

/// Write `ds` (dates of the catalogue record set here) in the caller's transaction.
async fn write(
    tx: &mut Transaction<'_, Sqlite>,
    ds: &Dataset,
    actor: &str,
) -> Result<Dataset, CatalogError> {
    let old = fetch(tx, &ds.id).await?;
    let stored = write_doc(tx, ds, actor, old.as_ref()).await?;
    bump(tx).await?;
    Ok(stored)
}

/// Write `ds` over `old` (the stored record with its id, if any) with its audit entry; the
/// caller bumps the revision.
async fn write_doc(
    tx: &mut Transaction<'_, Sqlite>,
    ds: &Dataset,
    actor: &str,
    old: Option<&Dataset>,
) -> Result<Dataset, CatalogError> {
    let mut ds = ds.clone();
    let at = now();
    ds.record.issued = old
        .as_ref()
        .map(|o| o.record.issued.clone())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| at.clone());
    ds.record.modified = at;
    let doc = serde_json::to_string(&ds).map_err(|e| CatalogError::Other(e.to_string()))?;
    let prov = ds.record.provenance.as_ref();
    sqlx::query(
        "INSERT INTO records (id, kind, publisher, origin, published, archived_at, source_id, original_id, checksum, issued, modified, doc)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, publisher = excluded.publisher,
           origin = excluded.origin, published = excluded.published, archived_at = excluded.archived_at,
           source_id = excluded.source_id, original_id = excluded.original_id, checksum = excluded.checksum,
           issued = excluded.issued, modified = excluded.modified, doc = excluded.doc",
    )
    .bind(&ds.id)
    .bind(ds.kind.as_str())
    .bind(&ds.publisher)
    .bind(ds.record.origin.as_str())
    .bind(ds.record.published as i64)
    .bind(&ds.record.archived_at)
    .bind(prov.map(|p| p.source_id.as_str()))
    .bind(prov.map(|p| p.original_id.as_str()))
    .bind(prov.and_then(|p| p.checksum.as_deref()))
    .bind(&ds.record.issued)
    .bind(&ds.record.modified)
    .bind(&doc)
    .execute(&mut **tx)
    .await
    .map_err(|e| match e {
        sqlx::Error::Database(d) if d.is_unique_violation() => CatalogError::Conflict(format!(
            "another record of source `{}` already has the original id `{}`",
            prov.map(|p| p.source_id.as_str()).unwrap_or(""),
            prov.map(|p| p.original_id.as_str()).unwrap_or("")
        )),
        e => CatalogError::Database(e),
    })?;
    let (action, detail) = match old {
        None => ("create", None),
        Some(o) => ("update", Some(changed_fields(o, &ds))),
    };
    audit(tx, actor, action, "dataset", &ds.id, detail).await?;
    Ok(ds)
}

/// What an upsert by provenance has to do.
enum Plan {
    /// Same checksum, not archived: nothing to write.
    Unchanged(String),
    /// Write the prepared record over `old` (none when created).
    Write {
        ds: Box<Dataset>,
        old: Option<Box<Dataset>>,
        action: UpsertAction,
    },
}

/// Decide an upsert by provenance (reads only, in the caller's transaction).
async fn plan(tx: &mut Transaction<'_, Sqlite>, ds: &Dataset) -> Result<Plan, CatalogError> {
    let Some(prov) = ds.record.provenance.as_ref() else {
        return Err(CatalogError::Other(format!(
            "record {} has no provenance",
            ds.id
        )));
    };
    let existing = sqlx::query(
        "SELECT id, checksum, archived_at, published, doc FROM records WHERE source_id = ? AND original_id = ?",
    )
    .bind(&prov.source_id)
    .bind(&prov.original_id)
    .fetch_optional(&mut **tx)
    .await?;
    let mut ds = ds.clone();
    ds.record.origin = Origin::Harvested;
    match existing {
        Some(row) => {
            let id: String = row.try_get("id")?;
            let checksum: Option<String> = row.try_get("checksum")?;
            let archived: Option<String> = row.try_get("archived_at")?;
            let published: i64 = row.try_get("published")?;
            if archived.is_none() && checksum.is_some() && checksum == prov.checksum {
                return Ok(Plan::Unchanged(id));
            }
            let doc: String = row.try_get("doc")?;
            let old = decode(&id, &doc)?;
            ds.id = id;
            ds.record.published = published != 0;
            ds.record.archived_at = None;
            Ok(Plan::Write {
                ds: Box::new(ds),
                old: Some(Box::new(old)),
                action: UpsertAction::Updated,
            })
        }
        None => {
            let taken: Option<String> =
                sqlx::query_scalar("SELECT origin FROM records WHERE id = ?")
                    .bind(&ds.id)
                    .fetch_optional(&mut **tx)
                    .await?;
            if taken.is_some() {
                return Err(CatalogError::Conflict(format!(
                    "the id `{}` is taken by another record",
                    ds.id
                )));
            }
            Ok(Plan::Write {
                ds: Box::new(ds),
                old: None,
                action: UpsertAction::Created,
            })
        }
    }
}

fn unchanged(id: String) -> Upserted {
    Upserted {
        outcome: UpsertOutcome {
            id,
            action: UpsertAction::Unchanged,
        },
        stored: None,
    }
}

fn row_provenance(r: &SqliteRow) -> Result<ProvenanceEntry, CatalogError> {
    Ok(ProvenanceEntry {
        id: r.try_get("id")?,
        original_id: r.try_get("original_id")?,
        checksum: r.try_get("checksum")?,
        archived_at: r.try_get("archived_at")?,
    })
}

fn row_key(row: &SqliteRow) -> Result<ApiKeyRecord, CatalogError> {
    let role: String = row.try_get("role")?;
    let id: String = row.try_get("id")?;
    Ok(ApiKeyRecord {
        role: Role::parse(&role).ok_or_else(|| CatalogError::Corrupt {
            id: id.clone(),
            detail: format!("unknown role {role}"),
        })?,
        id,
        salt: row.try_get("salt")?,
        hash: row.try_get("hash")?,
        publisher: row.try_get("publisher")?,
        label: row.try_get("label")?,
        created_at: row.try_get("created_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

macro_rules! record_filter {
    () => {
        "FROM records WHERE (?1 IS NULL OR kind = ?1)
                 AND (?2 = 0 OR (published = 1 AND archived_at IS NULL))
                 AND (?3 IS NULL OR modified >= ?3)
                 AND (?4 IS NULL OR publisher = ?4)
                 AND (?5 IS NULL OR origin = ?5)
                 AND (?6 IS NULL OR source_id = ?6)"
    };
}

impl CatalogStore for SqliteCatalog {
    fn put_dataset<'a>(
        &'a self,
        ds: &'a Dataset,
        actor: &'a str,
    ) -> BoxFuture<'a, Result<Dataset, CatalogError>> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await?;
            let stored = write(&mut tx, ds, actor).await?;
            tx.commit().await?;
            Ok(stored)
        })
    }

    fn put_datasets<'a>(
        &'a self,
        records: &'a [Dataset],
        actor: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Dataset>, CatalogError>> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await?;
            let mut out = Vec::with_capacity(records.len());
            for ds in records {
                out.push(write(&mut tx, ds, actor).await?);
            }
            tx.commit().await?;
            Ok(out)
        })
    }

    fn get_dataset<'a>(
        &'a self,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Dataset>, CatalogError>> {
        Box::pin(async move {
            let doc: Option<String> = sqlx::query_scalar("SELECT doc FROM records WHERE id = ?")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
            doc.map(|d| decode(id, &d)).transpose()
        })
    }

    fn get_datasets<'a>(
        &'a self,
        ids: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Dataset>, CatalogError>> {
        Box::pin(async move {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            let list = serde_json::to_string(&ids[..ids.len().min(MAX_PAGE as usize)])
                .map_err(|e| CatalogError::Other(e.to_string()))?;
            let rows = sqlx::query(
                "SELECT id, doc FROM records WHERE id IN (SELECT value FROM json_each(?))",
            )
            .bind(list)
            .fetch_all(&self.pool)
            .await?;
            rows.iter().map(row_dataset).collect()
        })
    }

    fn list_datasets<'a>(
        &'a self,
        q: &'a ListQuery,
    ) -> BoxFuture<'a, Result<Page<Dataset>, CatalogError>> {
        Box::pin(async move {
            let since = match &q.modified_since {
                Some(s) => Some(normalize_instant(s).ok_or_else(|| {
                    CatalogError::Other(format!("`{s}` is not an ISO 8601 date or date-time"))
                })?),
                None => None,
            };
            let total: i64 = sqlx::query_scalar(concat!("SELECT COUNT(*) ", record_filter!()))
                .bind(q.kind.map(|k| k.as_str()))
                .bind(q.public_only as i64)
                .bind(&since)
                .bind(&q.publisher)
                .bind(q.origin.map(|o| o.as_str()))
                .bind(&q.source_id)
                .fetch_one(&self.pool)
                .await?;
            let rows = sqlx::query(concat!(
                "SELECT id, doc ",
                record_filter!(),
                " ORDER BY id LIMIT ?7 OFFSET ?8"
            ))
            .bind(q.kind.map(|k| k.as_str()))
            .bind(q.public_only as i64)
            .bind(&since)
            .bind(&q.publisher)
            .bind(q.origin.map(|o| o.as_str()))
            .bind(&q.source_id)
            .bind(q.limit.min(MAX_PAGE) as i64)
            .bind(q.offset.min(i64::MAX as u64) as i64)
            .fetch_all(&self.pool)
            .await?;
            let items = rows
                .iter()
                .map(row_dataset)
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Page {
                total: total.max(0) as u64,
                items,
            })
        })
    }

    fn delete_dataset<'a>(
        &'a self,
        id: &'a str,
        actor: &'a str,
    ) -> BoxFuture<'a, Result<bool, CatalogError>> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await?;
            let n = sqlx::query("DELETE FROM records WHERE id = ?")
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n > 0 {
                audit(&mut tx, actor, "delete", "dataset", id, None).await?;
                bump(&mut tx).await?;
            }
            tx.commit().await?;
            Ok(n > 0)
        })
    }

    fn set_published<'a>(
        &'a self,
        id: &'a str,
        published: bool,
        actor: &'a str,
    ) -> BoxFuture<'a, Result<Option<Dataset>, CatalogError>> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await?;
            let Some(mut ds) = fetch(&mut tx, id).await? else {
                return Ok(None);
            };
            ds.record.published = published;
            let stored = write_state(
                &mut tx,
                &ds,
                actor,
                if published { "publish" } else { "unpublish" },
            )
            .await?;
            tx.commit().await?;
            Ok(Some(stored))
        })
    }

    fn set_archived<'a>(
        &'a self,
        id: &'a str,
        archived: bool,
        actor: &'a str,
    ) -> BoxFuture<'a, Result<Option<Dataset>, CatalogError>> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await?;
            let stored = archive_in(&mut tx, id, archived, actor).await?;
            tx.commit().await?;
            Ok(stored)
        })
    }

    fn set_archived_many<'a>(
        &'a self,
        ids: &'a [String],
        archived: bool,
        actor: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Option<Dataset>>, CatalogError>> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await?;
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                out.push(archive_in(&mut tx, id, archived, actor).await?);
            }
            tx.commit().await?;
            Ok(out)
        })
    }

    fn find_by_provenance<'a>(
        &'a self,
        source_id: &'a str,
        original_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Dataset>, CatalogError>> {
        Box::pin(async move {
            let row =
                sqlx::query("SELECT id, doc FROM records WHERE source_id = ? AND original_id = ?")
                    .bind(source_id)
                    .bind(original_id)
                    .fetch_optional(&self.pool)
                    .await?;
            row.as_ref().map(row_dataset).transpose()
        })
    }

    fn provenance_of_source<'a>(
        &'a self,
        source_id: &'a str,
    ) -> BoxFuture<'a, Result<Vec<ProvenanceEntry>, CatalogError>> {
        Box::pin(async move {
            let rows = sqlx::query(
                "SELECT id, original_id, checksum, archived_at FROM records WHERE source_id = ? ORDER BY id",
            )
            .bind(source_id)
            .fetch_all(&self.pool)
            .await?;
            rows.iter().map(row_provenance).collect()
        })
    }

    fn provenance_page<'a>(
        &'a self,
        source_id: &'a str,
        after: &'a str,
        limit: u32,
    ) -> BoxFuture<'a, Result<Vec<ProvenanceEntry>, CatalogError>> {
        Box::pin(async move {
            let rows = sqlx::query(
                "SELECT id, original_id, checksum, archived_at FROM records
                 WHERE source_id = ? AND original_id > ? ORDER BY original_id LIMIT ?",
            )
            .bind(source_id)
            .bind(after)
            .bind(limit.min(MAX_PAGE) as i64)
            .fetch_all(&self.pool)
            .await?;
            rows.iter().map(row_provenance).collect()
        })
    }

    fn upsert_by_provenance<'a>(
        &'a self,
        ds: &'a Dataset,
        actor: &'a str,
    ) -> BoxFuture<'a, Result<UpsertOutcome, CatalogError>> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await?;
            let outcome = match plan(&mut tx, ds).await? {
                Plan::Unchanged(id) => unchanged(id).outcome,
                Plan::Write { ds, old, action } => {
                    let stored = write_doc(&mut tx, &ds, actor, old.as_deref()).await?;
                    bump(&mut tx).await?;
                    UpsertOutcome {
                        id: stored.id,
                        action,
                    }
                }
            };
            tx.commit().await?;
            Ok(outcome)
        })
    }

    fn upsert_by_provenance_many<'a>(
        &'a self,
        records: &'a [Dataset],
        actor: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Result<Upserted, CatalogError>>, CatalogError>> {
        Box::pin(async move {
            let mut out = Vec::with_capacity(records.len());
            if records.is_empty() {
                return Ok(out);
            }
            let mut tx = self.pool.begin().await?;
            let mut written = false;
            for ds in records {
                let (ds, old, action) = match plan(&mut tx, ds).await {
                    Ok(Plan::Unchanged(id)) => {
                        out.push(Ok(unchanged(id)));
                        continue;
                    }
                    Ok(Plan::Write { ds, old, action }) => (ds, old, action),
                    Err(e @ CatalogError::Database(_)) => return Err(e),
                    Err(e) => {
                        out.push(Err(e));
                        continue;
                    }
                };
                match write_doc(&mut tx, &ds, actor, old.as_deref()).await {
                    Ok(stored) => {
                        written = true;
                        out.push(Ok(Upserted {
                            outcome: UpsertOutcome {
                                id: stored.id.clone(),
                                action,
                            },
                            stored: Some(stored),
                        }));
                    }
                    // Nothing of the record was written: refused before its INSERT, or by the
                    // INSERT's constraint, which SQLite undoes alone. The record fails, the
                    // others go on.
                    Err(e @ (CatalogError::Conflict(_) | CatalogError::Other(_))) => {
                        out.push(Err(e))
                    }
                    // Anything else may have left half a record (its row without its audit
                    // entry) or ended the transaction: the whole batch is rolled back.
                    Err(e) => return Err(e),
                }
            }
            if written {
                bump(&mut tx).await?;
            }
            tx.commit().await?;
            Ok(out)
        })
    }

    fn for_each_dataset<'a>(
        &'a self,
        sink: &'a mut (dyn FnMut(Dataset) + Send),
    ) -> BoxFuture<'a, Result<u64, CatalogError>> {
        Box::pin(async move {
            // Keyset paging keeps memory flat and never holds a read transaction for long.
            let mut after = String::new();
            let mut n = 0u64;
            loop {
                let rows =
                    sqlx::query("SELECT id, doc FROM records WHERE id > ? ORDER BY id LIMIT 2000")
                        .bind(&after)
                        .fetch_all(&self.pool)
                        .await?;
                let Some(last) = rows.last() else { break };
                after = last.try_get("id")?;
                for r in &rows {
                    sink(row_dataset(r)?);
                    n += 1;
                }
            }
            Ok(n)
        })
    }

    fn put_publisher<'a>(
        &'a self,
        agent: &'a Agent,
        actor: &'a str,
    ) -> BoxFuture<'a, Result<(), CatalogError>> {
        Box::pin(async move {
            let doc =
                serde_json::to_string(agent).map_err(|e| CatalogError::Other(e.to_string()))?;
            let mut tx = self.pool.begin().await?;
            let old: Option<String> = sqlx::query_scalar("SELECT doc FROM publishers WHERE id = ?")
                .bind(&agent.id)
                .fetch_optional(&mut *tx)
                .await?;
            if old.as_deref() == Some(doc.as_str()) {
                tx.commit().await?;
                return Ok(());
            }
            sqlx::query(
                "INSERT INTO publishers (id, modified, doc) VALUES (?, ?, ?)
                 ON CONFLICT (id) DO UPDATE SET modified = excluded.modified, doc = excluded.doc",
            )
            .bind(&agent.id)
            .bind(now())
            .bind(&doc)
            .execute(&mut *tx)
            .await?;
            let action = if old.is_some() { "update" } else { "create" };
            audit(&mut tx, actor, action, "publisher", &agent.id, None).await?;
            bump(&mut tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn get_publisher<'a>(
        &'a self,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Agent>, CatalogError>> {
        Box::pin(async move {
            let doc: Option<String> = sqlx::query_scalar("SELECT doc FROM publishers WHERE id = ?")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
            doc.map(|d| {
                serde_json::from_str(&d).map_err(|e| CatalogError::Corrupt {
                    id: id.to_string(),
                    detail: e.to_string(),
                })
            })
            .transpose()
        })
    }

    fn list_publishers(&self) -> BoxFuture<'_, Result<Vec<Agent>, CatalogError>> {
        Box::pin(async move {
            let rows = sqlx::query("SELECT id, doc FROM publishers ORDER BY id LIMIT ?")
                .bind(MAX_PAGE as i64)
                .fetch_all(&self.pool)
                .await?;
            rows.iter()
                .map(|r| {
                    let id: String = r.try_get("id")?;
                    let doc: String = r.try_get("doc")?;
                    serde_json::from_str(&doc).map_err(|e| CatalogError::Corrupt {
                        id,
                        detail: e.to_string(),
                    })
                })
                .collect()
        })
    }

    fn delete_publisher<'a>(
        &'a self,
        id: &'a str,
        actor: &'a str,
    ) -> BoxFuture<'a, Result<bool, CatalogError>> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await?;
            let used: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM records WHERE publisher = ?")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            if used > 0 {
                return Err(CatalogError::Conflict(format!(
                    "publisher `{id}` still has {used} records"
                )));
            }
            let n = sqlx::query("DELETE FROM publishers WHERE id = ?")
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n > 0 {
                audit(&mut tx, actor, "delete", "publisher", id, None).await?;
                bump(&mut tx).await?;
            }
            tx.commit().await?;
            Ok(n > 0)
        })
    }

    fn audit<'a>(
        &'a self,
        target_id: Option<&'a str>,
        before: Option<i64>,
        limit: u32,
    ) -> BoxFuture<'a, Result<Vec<AuditEntry>, CatalogError>> {
        Box::pin(async move {
            let rows = sqlx::query(
                "SELECT id, at, actor, action, target_type, target_id, detail FROM audit
                 WHERE (?1 IS NULL OR target_id = ?1) AND (?2 IS NULL OR id < ?2)
                 ORDER BY id DESC LIMIT ?3",
            )
            .bind(target_id)
            .bind(before)
            .bind(limit.min(MAX_PAGE) as i64)
            .fetch_all(&self.pool)
            .await?;
            rows.iter()
                .map(|r| {
                    let detail: Option<String> = r.try_get("detail")?;
                    Ok(AuditEntry {
                        id: r.try_get("id")?,
                        at: r.try_get("at")?,
                        actor: r.try_get("actor")?,
                        action: r.try_get("action")?,
                        target_type: r.try_get("target_type")?,
                        target_id: r.try_get("target_id")?,
                        detail: detail.and_then(|d| serde_json::from_str(&d).ok()),
                    })
                })
                .collect()
        })
    }

    fn put_api_key<'a>(
        &'a self,
        key: &'a ApiKeyRecord,
        actor: &'a str,
    ) -> BoxFuture<'a, Result<(), CatalogError>> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await?;
            sqlx::query(
                "INSERT INTO api_keys (id, salt, hash, role, publisher, label, created_at, revoked_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&key.id)
            .bind(&key.salt)
            .bind(&key.hash)
            .bind(key.role.as_str())
            .bind(&key.publisher)
            .bind(&key.label)
            .bind(&key.created_at)
            .bind(&key.revoked_at)
            .execute(&mut *tx)
            .await?;
            audit(
                &mut tx,
                actor,
                "key-create",
                "key",
                &key.id,
                Some(json!({"role": key.role.as_str(), "publisher": key.publisher})),
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn get_api_key<'a>(
        &'a self,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Option<ApiKeyRecord>, CatalogError>> {
        Box::pin(async move {
            let row = sqlx::query(
                "SELECT id, salt, hash, role, publisher, label, created_at, revoked_at FROM api_keys WHERE id = ?",
            )
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
            row.as_ref().map(row_key).transpose()
        })
    }

    fn revoke_api_key<'a>(
        &'a self,
        id: &'a str,
        actor: &'a str,
    ) -> BoxFuture<'a, Result<bool, CatalogError>> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await?;
            let n = sqlx::query(
                "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            )
            .bind(now())
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n > 0 {
                audit(&mut tx, actor, "key-revoke", "key", id, None).await?;
            }
            tx.commit().await?;
            Ok(n > 0)
        })
    }

    fn revision(&self) -> BoxFuture<'_, Result<i64, CatalogError>> {
        Box::pin(async move {
            Ok(sqlx::query_scalar("SELECT n FROM revision WHERE one = 1")
                .fetch_one(&self.pool)
                .await?)
        })
    }

    fn audit_head(&self) -> BoxFuture<'_, Result<i64, CatalogError>> {
        Box::pin(async move {
            let head: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM audit")
                .fetch_one(&self.pool)
                .await?;
            Ok(head.unwrap_or(0))
        })
    }

    fn dataset_changes<'a>(
        &'a self,
        after: i64,
        limit: u32,
    ) -> BoxFuture<'a, Result<Vec<(i64, String)>, CatalogError>> {
        Box::pin(async move {
            let rows = sqlx::query(
                "SELECT id, target_id FROM audit WHERE id > ? AND target_type = 'dataset' ORDER BY id LIMIT ?",
            )
            .bind(after)
            .bind(limit.min(MAX_PAGE) as i64)
            .fetch_all(&self.pool)
            .await?;
            rows.iter()
                .map(|r| Ok((r.try_get("id")?, r.try_get("target_id")?)))
                .collect()
        })
    }
}

/// Archive (or bring back) a record in the caller's transaction; `None` when there is none.
async fn archive_in(
    tx: &mut Transaction<'_, Sqlite>,
    id: &str,
    archived: bool,
    actor: &str,
) -> Result<Option<Dataset>, CatalogError> {
    let Some(mut ds) = fetch(tx, id).await? else {
        return Ok(None);
    };
    ds.record.archived_at = if archived {
        ds.record.archived_at.or_else(|| Some(now()))
    } else {
        None
    };
    let action = if archived { "archive" } else { "unarchive" };
    write_state(tx, &ds, actor, action).await.map(Some)
}

/// Write a state change (publish, archive…) audited under its own action.
async fn write_state(
    tx: &mut Transaction<'_, Sqlite>,
    ds: &Dataset,
    actor: &str,
    action: &str,
) -> Result<Dataset, CatalogError> {
    let mut ds = ds.clone();
    ds.record.modified = now();
    let doc = serde_json::to_string(&ds).map_err(|e| CatalogError::Other(e.to_string()))?;
    sqlx::query(
        "UPDATE records SET published = ?, archived_at = ?, modified = ?, doc = ? WHERE id = ?",
    )
    .bind(ds.record.published as i64)
    .bind(&ds.record.archived_at)
    .bind(&ds.record.modified)
    .bind(&doc)
    .bind(&ds.id)
    .execute(&mut **tx)
    .await?;
    audit(tx, actor, action, "dataset", &ds.id, None).await?;
    bump(tx).await?;
    Ok(ds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Kind, Lang, Multilingual, Provenance};

    fn ds(id: &str) -> Dataset {
        Dataset {
            id: id.into(),
            title: Multilingual::new().with(Lang::Fr, format!("Titre {id}")),
            description: Multilingual::new().with(Lang::Fr, "Description"),
            publisher: Some("cirb".into()),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn crud_paging_and_audit() {
        let s = SqliteCatalog::in_memory().await.unwrap();
        for i in 0..5 {
            let mut d = ds(&format!("d{i}"));
            d.record.published = i % 2 == 0;
            s.put_dataset(&d, "test").await.unwrap();
        }
        let r0 = s.revision().await.unwrap();
        let page = s
            .list_datasets(&ListQuery {
                public_only: true,
                limit: 2,
                offset: 1,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(page.total, 3);
        assert_eq!(
            page.items.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
            ["d2", "d4"]
        );
        let mut d = s.get_dataset("d1").await.unwrap().unwrap();
        let issued = d.record.issued.clone();
        d.description = Multilingual::new().with(Lang::Nl, "Beschrijving");
        let stored = s.put_dataset(&d, "editor").await.unwrap();
        assert_eq!(stored.record.issued, issued);
        assert!(s.revision().await.unwrap() > r0);
        let log = s.audit(Some("d1"), None, 10).await.unwrap();
        assert_eq!(log[0].action, "update");
        assert_eq!(log[0].actor, "editor");
        assert_eq!(
            log[0].detail.as_ref().unwrap()["fields"],
            json!(["description"])
        );
        assert_eq!(log[1].action, "create");
        assert!(
            s.set_published("d1", true, "editor")
                .await
                .unwrap()
                .unwrap()
                .record
                .published
        );
        let mark = s.audit_head().await.unwrap();
        assert!(mark > 0);
        assert!(s.dataset_changes(mark, 10).await.unwrap().is_empty());
        assert!(s.delete_dataset("d1", "editor").await.unwrap());
        s.put_dataset(&ds("d9"), "editor").await.unwrap();
        let changes = s.dataset_changes(mark, 10).await.unwrap();
        assert_eq!(
            changes.iter().map(|c| c.1.as_str()).collect::<Vec<_>>(),
            ["d1", "d9"]
        );
        assert!(changes[0].0 > mark && changes[1].0 > changes[0].0);
        assert_eq!(s.dataset_changes(mark, 1).await.unwrap().len(), 1);
        s.delete_dataset("d9", "editor").await.unwrap();
        assert!(!s.delete_dataset("d1", "editor").await.unwrap());
        assert_eq!(
            s.audit(Some("d1"), None, 10).await.unwrap()[0].action,
            "delete"
        );
        let since = s
            .list_datasets(&ListQuery {
                modified_since: Some("2999-01-01".into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(since.total, 0);
        let got = s
            .get_datasets(&["d4".to_string(), "nope".to_string(), "d0".to_string()])
            .await
            .unwrap();
        assert_eq!(got.len(), 2);
        let mut all = Vec::new();
        s.for_each_dataset(&mut |d| all.push(d.id)).await.unwrap();
        assert_eq!(all, ["d0", "d2", "d3", "d4"]);
    }

    #[tokio::test]
    async fn upsert_by_provenance_keeps_ids_and_skips_unchanged() {
        let s = SqliteCatalog::in_memory().await.unwrap();
        let mut d = ds("h-1");
        d.kind = Kind::Dataset;
        d.record.provenance = Some(Provenance {
            source_id: "geobe".into(),
            original_id: "abc".into(),
            checksum: Some("c1".into()),
            ..Default::default()
        });
        let o = s.upsert_by_provenance(&d, "harvester:geobe").await.unwrap();
        assert_eq!(o.action, UpsertAction::Created);
        s.set_published("h-1", true, "admin").await.unwrap();
        // Same document under another proposed id: unchanged, same record.
        let mut again = d.clone();
        again.id = "h-2".into();
        let o = s
            .upsert_by_provenance(&again, "harvester:geobe")
            .await
            .unwrap();
        assert_eq!((o.id.as_str(), o.action), ("h-1", UpsertAction::Unchanged));
        // Changed document: updated in place, publication kept.
        again.record.provenance.as_mut().unwrap().checksum = Some("c2".into());
        let o = s
            .upsert_by_provenance(&again, "harvester:geobe")
            .await
            .unwrap();
        assert_eq!((o.id.as_str(), o.action), ("h-1", UpsertAction::Updated));
        let stored = s.get_dataset("h-1").await.unwrap().unwrap();
        assert!(stored.record.published);
        assert_eq!(stored.record.origin, Origin::Harvested);
        // Many at once (one transaction); an unknown id gives None.
        let both = s
            .set_archived_many(&["h-1".into(), "nope".into()], true, "harvester:geobe")
            .await
            .unwrap();
        assert!(both[0].as_ref().unwrap().record.archived_at.is_some() && both[1].is_none());
        s.set_archived("h-1", false, "harvester:geobe")
            .await
            .unwrap();
        assert!(s.get_dataset("h-1").await.unwrap().unwrap().is_public());
        // Archive, then the source lists it again: brought back.
        s.set_archived("h-1", true, "harvester:geobe")
            .await
            .unwrap();
        assert!(!s.get_dataset("h-1").await.unwrap().unwrap().is_public());
        let o = s
            .upsert_by_provenance(&again, "harvester:geobe")
            .await
            .unwrap();
        assert_eq!(o.action, UpsertAction::Updated);
        assert!(s.get_dataset("h-1").await.unwrap().unwrap().is_public());
        let entries = s.provenance_of_source("geobe").await.unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].original_id, "abc");
        // A new original id whose proposed id is taken: conflict.
        let mut other = d.clone();
        other.record.provenance.as_mut().unwrap().original_id = "def".into();
        assert!(matches!(
            s.upsert_by_provenance(&other, "harvester:geobe").await,
            Err(CatalogError::Conflict(_))
        ));
    }

    #[tokio::test]
    async fn upsert_many_is_one_transaction_with_per_record_outcomes() {
        let s = SqliteCatalog::in_memory().await.unwrap();
        s.put_dataset(&ds("taken"), "admin").await.unwrap();
        let harvested = |id: &str, original: &str, checksum: &str| {
            let mut d = ds(id);
            d.record.provenance = Some(Provenance {
                source_id: "src".into(),
                original_id: original.into(),
                checksum: Some(checksum.into()),
                ..Default::default()
            });
            d
        };
        let r0 = s.revision().await.unwrap();
        let batch = vec![
            harvested("h-a", "a", "1"),
            // The id of a local record: fails alone.
            harvested("taken", "b", "1"),
            harvested("h-c", "c", "1"),
            // The same original id again in the batch: sees the first write.
            harvested("h-a-bis", "a", "1"),
            harvested("h-a-ter", "a", "2"),
        ];
        let out = s
            .upsert_by_provenance_many(&batch, "harvester:src")
            .await
            .unwrap();
        let summary: Vec<_> = out
            .iter()
            .map(|r| match r {
                Ok(u) => format!(
                    "{} {:?} {}",
                    u.outcome.id,
                    u.outcome.action,
                    u.stored.is_some()
                ),
                Err(CatalogError::Conflict(_)) => "conflict".to_string(),
                Err(e) => format!("error {e}"),
            })
            .collect();
        assert_eq!(
            summary,
            [
                "h-a Created true",
                "conflict",
                "h-c Created true",
                "h-a Unchanged false",
                "h-a Updated true"
            ]
        );
        // The local record is untouched, the failed record left no trace (nor audit entry).
        let taken = s.get_dataset("taken").await.unwrap().unwrap();
        assert!(taken.record.provenance.is_none());
        assert_eq!(s.audit(Some("taken"), None, 10).await.unwrap().len(), 1);
        assert!(s.find_by_provenance("src", "b").await.unwrap().is_none());
        assert_eq!(s.audit(Some("h-a"), None, 10).await.unwrap().len(), 2);
        assert_eq!(s.provenance_of_source("src").await.unwrap().len(), 2);
        let first = s.provenance_page("src", "", 1).await.unwrap();
        assert_eq!(first.len(), 1);
        let rest = s
            .provenance_page("src", &first[0].original_id, 10)
            .await
            .unwrap();
        assert_eq!(rest.len(), 1);
        assert!(rest[0].original_id > first[0].original_id);
        assert!(s
            .provenance_page("src", &rest[0].original_id, 10)
            .await
            .unwrap()
            .is_empty());
        // One revision per transaction.
        assert_eq!(s.revision().await.unwrap(), r0 + 1);
        assert!(s
            .upsert_by_provenance_many(&[], "x")
            .await
            .unwrap()
            .is_empty());
    }

    #[tokio::test]
    async fn publishers_and_keys() {
        let s = SqliteCatalog::in_memory().await.unwrap();
        let a = Agent {
            id: "cirb".into(),
            name: Multilingual::new().with(Lang::En, "CIRB"),
            ..Default::default()
        };
        s.put_publisher(&a, "cli").await.unwrap();
        assert_eq!(s.get_publisher("cirb").await.unwrap().unwrap(), a);
        s.put_dataset(&ds("x"), "cli").await.unwrap();
        assert!(matches!(
            s.delete_publisher("cirb", "cli").await,
            Err(CatalogError::Conflict(_))
        ));
        let k = ApiKeyRecord {
            id: "k1".into(),
            salt: "s".into(),
            hash: "h".into(),
            role: Role::Officer,
            publisher: Some("cirb".into()),
            label: None,
            created_at: now(),
            revoked_at: None,
        };
        s.put_api_key(&k, "cli").await.unwrap();
        assert_eq!(s.get_api_key("k1").await.unwrap().unwrap(), k);
        assert!(s.revoke_api_key("k1", "cli").await.unwrap());
        assert!(s
            .get_api_key("k1")
            .await
            .unwrap()
            .unwrap()
            .revoked_at
            .is_some());
    }
}
