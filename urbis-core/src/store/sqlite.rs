//! The embedded SQLite backend: one file holding every generation's features and the import log.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use futures_util::TryStreamExt;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::Row;

use super::{BoxFuture, FeatureStore, Generation, GenerationId, GenerationStatus};
use crate::error::StoreError;
use crate::geom::wkb;
use crate::model::{Attributes, Feature, Layer};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Rows per multi-row INSERT (5 parameters each, well under SQLite's 32,766 limit).
const ROWS_PER_INSERT: usize = 1_000;

/// SQLite feature store (WAL mode: one writer, many readers, also across processes).
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl SqliteStore {
    /// Open (creating if missing) the store at `path` and apply migrations.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(parent) = path.parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(|e| {
                    StoreError::Other(format!("cannot create {}: {e}", parent.display()))
                })?;
            }
        }
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(30))
            // Rows stream from SQLite's worker thread: a deep buffer saves thread switches.
            .row_buffer_size(4096)
            .foreign_keys(true);
        Self::connect(opts).await
    }

    /// A private in-memory store (for tests).
    pub async fn in_memory() -> Result<Self, StoreError> {
        let opts = SqliteConnectOptions::from_str("sqlite::memory:")?;
        Self::connect(opts).await
    }

    async fn connect(opts: SqliteConnectOptions) -> Result<Self, StoreError> {
        let in_memory = opts.get_filename() == Path::new(":memory:");
        let pool = SqlitePoolOptions::new()
            .max_connections(if in_memory { 1 } else { 4 })
            .min_connections(if in_memory { 1 } else { 0 })
            .idle_timeout(if in_memory {
                None
            } else {
                Some(Duration::from_secs(600))
            })
            .max_lifetime(None)
            .connect_with(opts)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(SqliteStore { pool })
    }

    /// The underlying pool (for the server's health check).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    fn row_to_generation(row: &sqlx::sqlite::SqliteRow) -> Result<Generation, StoreError> {
        let status: String = row.try_get("status")?;
        let counts: Option<String> = row.try_get("counts")?;
        let counts: BTreeMap<Layer, u64> = match counts {
            Some(c) => serde_json::from_str::<BTreeMap<String, u64>>(&c)
                .map_err(|e| StoreError::Other(format!("bad counts in import log: {e}")))?
                .into_iter()
                .filter_map(|(k, v)| k.parse::<Layer>().ok().map(|l| (l, v)))
                .collect(),
            None => BTreeMap::new(),
        };
        let issues: i64 = row.try_get("issues")?;
        Ok(Generation {
            id: row.try_get("id")?,
            status: GenerationStatus::parse(&status)
                .ok_or_else(|| StoreError::Other(format!("unknown generation status {status}")))?,
            source: row.try_get("source")?,
            checksum: row.try_get("checksum")?,
            started_at: row.try_get("started_at")?,
            finished_at: row.try_get("finished_at")?,
            counts,
            issues: issues.max(0) as u64,
            message: row.try_get("message")?,
        })
    }
}

/// Fail unless `generation` is being built (inside the caller's transaction).
async fn ensure_building(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    generation: GenerationId,
) -> Result<(), StoreError> {
    let status: Option<String> = sqlx::query_scalar("SELECT status FROM generations WHERE id = ?")
        .bind(generation)
        .fetch_optional(&mut **tx)
        .await?;
    if status.as_deref() != Some("building") {
        return Err(StoreError::NotBuilding(generation));
    }
    Ok(())
}

macro_rules! generation_columns {
    () => {
        "id, status, source, checksum, started_at, finished_at, counts, issues, message"
    };
}

impl FeatureStore for SqliteStore {
    fn recover(&self) -> BoxFuture<'_, Result<Vec<GenerationId>, StoreError>> {
        Box::pin(async move {
            let ids: Vec<i64> =
                sqlx::query_scalar("SELECT id FROM generations WHERE status = 'building'")
                    .fetch_all(&self.pool)
                    .await?;
            for id in &ids {
                self.fail_generation(
                    *id,
                    "interrupted: the importing process stopped before completing",
                )
                .await?;
            }
            Ok(ids)
        })
    }

    fn begin_generation<'a>(
        &'a self,
        source: &'a str,
        checksum: Option<&'a str>,
    ) -> BoxFuture<'a, Result<GenerationId, StoreError>> {
        Box::pin(async move {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO generations (status, source, checksum, started_at) \
                 VALUES ('building', ?, ?, ?) RETURNING id",
            )
            .bind(source)
            .bind(checksum)
            .bind(now_rfc3339())
            .fetch_one(&self.pool)
            .await?;
            Ok(id)
        })
    }

    fn write_features<'a>(
        &'a self,
        generation: GenerationId,
        layer: Layer,
        features: &'a [Feature],
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await?;
            ensure_building(&mut tx, generation).await?;
            // Multi-row INSERTs: one round trip to SQLite's worker thread per chunk, not per row.
            for chunk in features.chunks(ROWS_PER_INSERT) {
                let mut rows = Vec::with_capacity(chunk.len());
                for f in chunk {
                    let attrs = serde_json::to_string(&f.attributes)
                        .map_err(|e| StoreError::Other(format!("cannot encode attributes: {e}")))?;
                    rows.push((f.id, wkb::to_wkb(&f.geometry), attrs));
                }
                let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                    "INSERT INTO features (generation, layer, fid, geom, attrs) ",
                );
                qb.push_values(rows, |mut b, (id, geom, attrs)| {
                    b.push_bind(generation)
                        .push_bind(layer.id())
                        .push_bind(id)
                        .push_bind(geom)
                        .push_bind(attrs);
                });
                qb.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    fn commit_generation<'a>(
        &'a self,
        generation: GenerationId,
        counts: &'a BTreeMap<Layer, u64>,
        issues: u64,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let counts: BTreeMap<&str, u64> = counts.iter().map(|(l, c)| (l.id(), *c)).collect();
            let counts = serde_json::to_string(&counts)
                .map_err(|e| StoreError::Other(format!("cannot encode counts: {e}")))?;
            let mut tx = self.pool.begin().await?;
            ensure_building(&mut tx, generation).await?;
            sqlx::query("UPDATE generations SET status = 'retired' WHERE status = 'live'")
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE generations SET status = 'live', finished_at = ?, counts = ?, issues = ? \
                 WHERE id = ?",
            )
            .bind(now_rfc3339())
            .bind(counts)
            .bind(issues as i64)
            .bind(generation)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn fail_generation<'a>(
        &'a self,
        generation: GenerationId,
        message: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await?;
            sqlx::query(
                "UPDATE generations SET status = 'failed', finished_at = ?, message = ? \
                 WHERE id = ? AND status = 'building'",
            )
            .bind(now_rfc3339())
            .bind(message)
            .bind(generation)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM features WHERE generation = ?")
                .bind(generation)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn live_generation(&self) -> BoxFuture<'_, Result<Option<Generation>, StoreError>> {
        Box::pin(async move {
            let row = sqlx::query(concat!(
                "SELECT ",
                generation_columns!(),
                " FROM generations WHERE status = 'live'"
            ))
            .fetch_optional(&self.pool)
            .await?;
            row.as_ref().map(Self::row_to_generation).transpose()
        })
    }

    fn load_layer<'a>(
        &'a self,
        generation: GenerationId,
        layer: Layer,
        sink: &'a mut (dyn FnMut(Feature) + Send),
    ) -> BoxFuture<'a, Result<u64, StoreError>> {
        Box::pin(async move {
            let mut rows = sqlx::query(
                "SELECT fid, geom, attrs FROM features WHERE generation = ? AND layer = ? ORDER BY fid",
            )
            .bind(generation)
            .bind(layer.id())
            .fetch(&self.pool);
            let mut n = 0u64;
            while let Some(row) = rows.try_next().await? {
                let id: i64 = row.try_get(0)?;
                let geom: &[u8] = row.try_get(1)?;
                let attrs: &str = row.try_get(2)?;
                let corrupt = |detail: String| StoreError::Corrupt {
                    layer: layer.id().to_string(),
                    id,
                    detail,
                };
                let geometry = wkb::read_wkb(geom).map_err(|e| corrupt(e.to_string()))?;
                let attributes: Attributes =
                    serde_json::from_str(attrs).map_err(|e| corrupt(e.to_string()))?;
                sink(Feature {
                    id,
                    geometry,
                    attributes,
                });
                n += 1;
            }
            Ok(n)
        })
    }

    fn generations(&self, limit: u32) -> BoxFuture<'_, Result<Vec<Generation>, StoreError>> {
        Box::pin(async move {
            let rows = sqlx::query(concat!(
                "SELECT ",
                generation_columns!(),
                " FROM generations ORDER BY id DESC LIMIT ?"
            ))
            .bind(limit as i64)
            .fetch_all(&self.pool)
            .await?;
            rows.iter().map(Self::row_to_generation).collect()
        })
    }

    fn purge(&self) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(async move {
            let done = sqlx::query(
                "DELETE FROM features WHERE generation IN \
                 (SELECT id FROM generations WHERE status IN ('retired', 'failed'))",
            )
            .execute(&self.pool)
            .await?;
            Ok(done.rows_affected())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{point, Geometry};
    use serde_json::json;

    fn feature(id: i64, x: f64) -> Feature {
        let mut attributes = Attributes::new();
        attributes.insert("POLICENUM".into(), json!(id.to_string()));
        Feature {
            id,
            geometry: Geometry::Point(point!(x: x, y: 170000.0)),
            attributes,
        }
    }

    async fn load(store: &SqliteStore, gen: GenerationId, layer: Layer) -> Vec<Feature> {
        let mut out = Vec::new();
        store
            .load_layer(gen, layer, &mut |f| out.push(f))
            .await
            .expect("load");
        out
    }

    #[tokio::test]
    async fn generations_switch_atomically() {
        let store = SqliteStore::in_memory().await.expect("open");
        assert!(store.live_generation().await.expect("live").is_none());

        let g1 = store
            .begin_generation("a.gpkg", Some("abc"))
            .await
            .expect("begin");
        store
            .write_features(
                g1,
                Layer::Addresses,
                &[feature(1, 150000.0), feature(2, 150001.0)],
            )
            .await
            .expect("write");
        // Not live until committed.
        assert!(store.live_generation().await.expect("live").is_none());
        let counts = BTreeMap::from([(Layer::Addresses, 2)]);
        store
            .commit_generation(g1, &counts, 0)
            .await
            .expect("commit");
        let live = store.live_generation().await.expect("live").expect("some");
        assert_eq!(live.id, g1);
        assert_eq!(live.counts.get(&Layer::Addresses), Some(&2));
        assert_eq!(live.checksum.as_deref(), Some("abc"));

        // A second import that fails leaves g1 live and its data intact.
        let g2 = store.begin_generation("b.gpkg", None).await.expect("begin");
        store
            .write_features(g2, Layer::Addresses, &[feature(1, 1.0)])
            .await
            .expect("write");
        store.fail_generation(g2, "bad record").await.expect("fail");
        assert_eq!(
            store.live_generation().await.expect("live").map(|g| g.id),
            Some(g1)
        );
        assert_eq!(load(&store, g1, Layer::Addresses).await.len(), 2);
        assert!(load(&store, g2, Layer::Addresses).await.is_empty());
        assert!(matches!(
            store
                .write_features(g2, Layer::Addresses, &[feature(3, 1.0)])
                .await,
            Err(StoreError::NotBuilding(_))
        ));

        // A generation left building is recovered as failed.
        let g3 = store.begin_generation("c.gpkg", None).await.expect("begin");
        assert_eq!(store.recover().await.expect("recover"), vec![g3]);
        let log = store.generations(10).await.expect("log");
        assert_eq!(
            log.iter().map(|g| (g.id, g.status)).collect::<Vec<_>>(),
            vec![
                (g3, GenerationStatus::Failed),
                (g2, GenerationStatus::Failed),
                (g1, GenerationStatus::Live)
            ]
        );

        // A committed new generation retires the old one; purge removes retired features.
        let g4 = store.begin_generation("d.gpkg", None).await.expect("begin");
        store
            .write_features(g4, Layer::Addresses, &[feature(7, 150007.0)])
            .await
            .expect("write");
        store
            .commit_generation(g4, &counts, 0)
            .await
            .expect("commit");
        assert_eq!(store.purge().await.expect("purge"), 2);
        let loaded = load(&store, g4, Layer::Addresses).await;
        assert_eq!(loaded, vec![feature(7, 150007.0)]);
    }
}
