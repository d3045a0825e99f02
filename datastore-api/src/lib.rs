//! # datastore-api
//!
//! The open-data catalogue of the Region: DCAT-AP 3 model and storage, search with facets,
//! DCAT-AP publication for the portals that harvest us, CSW 2.0.2, OGC API Records and
//! downloads. The catalogue is the subject of the datastore issue; this crate is part of the
//! workspace so that the binary and CI build it from the start.
//!
//! [`CatalogState`] is what every catalogue router shares: the store, the search index, the
//! public base URL and the catalogue's own description. [`router`] serves the JSON API
//! (`/api/...`), the admin API and the CKAN-compatible API.

pub mod admin;
pub mod api;
pub mod ckan;
pub mod downloads;
pub mod generate;
pub mod model;
pub mod mqa;
pub mod publish;
pub mod search;
pub mod store;
pub mod urbis_datasets;

use std::sync::Arc;

use axum::http::HeaderMap;
use axum::Router;

use crate::model::{Catalogue, Dataset};
use crate::search::SearchIndex;
use crate::store::{CatalogError, CatalogStore, UpsertOutcome};

/// Shared state of the catalogue's routers.
#[derive(Clone)]
pub struct CatalogState {
    pub store: Arc<dyn CatalogStore>,
    /// Configured public base URL without trailing slash; else derived from each request.
    pub public_url: Option<String>,
    /// The `dcat:Catalog` itself.
    pub catalogue: Arc<Catalogue>,
    /// Full-text and faceted search over every record (kept in step by the write methods).
    pub search: Arc<SearchIndex>,
    /// The base URL the server's own (system) records were written with: `public_url`, else
    /// `http://<listen address>`. [`CatalogState::localize`] rewrites it to a request's base.
    pub system_base: Arc<str>,
    /// URL reachability results for the MQA (filled by the optional background checker).
    pub url_checks: Arc<mqa::UrlChecks>,
    /// Whether the URL checker runs (`[catalog] check_urls`).
    pub check_urls: bool,
    /// The in-memory admin key from `URBIS_ADMIN_KEY`, if any.
    pub bootstrap_key: Option<admin::BootstrapKey>,
    /// The audit entry up to which the search index follows the store (see
    /// [`CatalogState::refresh_index`]); the lock serialises refreshes.
    index_mark: Arc<tokio::sync::Mutex<i64>>,
    /// Whether the write methods update [`CatalogState::search`] (see
    /// [`CatalogState::without_index_updates`]).
    index_writes: bool,
}

/// A system record's links rewritten from `from` (the base URL it was stored with) to `base`;
/// other records are returned unchanged.
pub fn localize_record(ds: Dataset, from: &str, base: &str) -> Dataset {
    if ds.record.origin != model::Origin::System || from == base {
        return ds;
    }
    let Ok(text) = serde_json::to_string(&ds) else {
        return ds;
    };
    let needle = format!("\"{from}/");
    if !text.contains(&needle) {
        return ds;
    }
    let replaced = text.replace(&needle, &format!("\"{base}/"));
    serde_json::from_str(&replaced).unwrap_or(ds)
}

impl CatalogState {
    /// A state over `store` with an empty search index; call [`CatalogState::rebuild_index`].
    pub fn new(
        store: Arc<dyn CatalogStore>,
        public_url: Option<String>,
    ) -> Result<Self, CatalogError> {
        Ok(CatalogState {
            store,
            public_url: public_url.map(|u| u.trim_end_matches('/').to_string()),
            catalogue: Arc::new(Catalogue::brussels()),
            search: Arc::new(SearchIndex::new().map_err(index_err)?),
            system_base: Arc::from("http://localhost"),
            url_checks: Arc::new(mqa::UrlChecks::default()),
            check_urls: false,
            bootstrap_key: None,
            index_mark: Arc::new(tokio::sync::Mutex::new(0)),
            index_writes: true,
        })
    }

    /// Set the base URL the system records are written with (see [`CatalogState::system_base`]).
    pub fn with_system_base(mut self, base: &str) -> Self {
        self.system_base = Arc::from(base.trim_end_matches('/'));
        self
    }

    /// A state whose write methods leave the search index alone: for command-line writers
    /// (`urbis harvest run`) that never search, so that their memory does not grow with the
    /// records they write. A server picks their writes up with [`CatalogState::refresh_index`].
    pub fn without_index_updates(mut self) -> Self {
        self.index_writes = false;
        self
    }

    fn index(&self, records: &[Dataset]) -> Result<(), CatalogError> {
        if self.index_writes && !records.is_empty() {
            self.search.upsert_many(records).map_err(index_err)?;
        }
        Ok(())
    }

    fn unindex(&self, id: &str) -> Result<(), CatalogError> {
        if self.index_writes {
            self.search.remove(id).map_err(index_err)?;
        }
        Ok(())
    }

    /// The MQA score of a record with the URL checks made so far.
    pub fn mqa(&self, ds: &Dataset) -> mqa::Score {
        mqa::score(ds, self.check_urls.then_some(&*self.url_checks))
    }

    /// A record as served under `base`: the server's own records' links are rewritten from
    /// [`CatalogState::system_base`] to `base`; other records are returned unchanged. Every
    /// output (JSON API, CKAN, DCAT, CSW, Records) passes records through this.
    pub fn localize(&self, ds: Dataset, base: &str) -> Dataset {
        localize_record(ds, &self.system_base, base)
    }

    /// Index every stored record (at start); returns the number of records.
    pub async fn rebuild_index(&self) -> Result<u64, CatalogError> {
        let mut mark = self.index_mark.lock().await;
        // Writes from now on are picked up by the next refresh (read before the scan, so that
        // none is missed).
        *mark = self.store.audit_head().await?;
        let mut batch = Vec::with_capacity(2_000);
        let mut result = Ok(());
        let search = self.search.clone();
        let n = self
            .store
            .for_each_dataset(&mut |d| {
                batch.push(d);
                if batch.len() >= 2_000 && result.is_ok() {
                    result = search.upsert_many(&batch);
                    batch.clear();
                }
            })
            .await?;
        result.map_err(index_err)?;
        self.search.upsert_many(&batch).map_err(index_err)?;
        Ok(n)
    }

    /// Bring the search index up to date with records written by other processes (`urbis
    /// harvest run`, `urbis catalog generate` on the same database): the records named by the
    /// audit log since the last rebuild or refresh are read again and indexed, or dropped when
    /// deleted. One cheap query when nothing changed. Returns the number of records re-read.
    ///
    /// This process's own writes are indexed at once by the write methods; they are re-read
    /// here once more (idempotent).
    pub async fn refresh_index(&self) -> Result<usize, CatalogError> {
        let mut mark = self.index_mark.lock().await;
        let head = self.store.audit_head().await?;
        if head <= *mark {
            return Ok(0);
        }
        const CHUNK: u32 = 1_000;
        let mut n = 0;
        loop {
            let changes = self.store.dataset_changes(*mark, CHUNK).await?;
            let Some(last) = changes.last().map(|c| c.0) else {
                break;
            };
            let complete = changes.len() < CHUNK as usize;
            let mut ids: Vec<String> = changes.into_iter().map(|c| c.1).collect();
            ids.sort_unstable();
            ids.dedup();
            let found = self.store.get_datasets(&ids).await?;
            let present: std::collections::HashSet<&str> =
                found.iter().map(|d| d.id.as_str()).collect();
            for id in ids.iter().filter(|id| !present.contains(id.as_str())) {
                self.search.remove(id).map_err(index_err)?;
            }
            if !found.is_empty() {
                self.search.upsert_many(&found).map_err(index_err)?;
            }
            n += ids.len();
            *mark = last;
            if complete {
                break;
            }
        }
        *mark = (*mark).max(head);
        Ok(n)
    }

    /// Store a record (create or replace) and index it; returns the stored record.
    pub async fn put_dataset(&self, ds: &Dataset, actor: &str) -> Result<Dataset, CatalogError> {
        let stored = self.store.put_dataset(ds, actor).await?;
        self.index(std::slice::from_ref(&stored))?;
        Ok(stored)
    }

    /// Store and index many records in one transaction (bulk loads).
    pub async fn put_datasets(
        &self,
        records: &[Dataset],
        actor: &str,
    ) -> Result<Vec<Dataset>, CatalogError> {
        let stored = self.store.put_datasets(records, actor).await?;
        self.index(&stored)?;
        Ok(stored)
    }

    /// Delete a record and drop it from the index.
    pub async fn delete_dataset(&self, id: &str, actor: &str) -> Result<bool, CatalogError> {
        let done = self.store.delete_dataset(id, actor).await?;
        self.unindex(id)?;
        Ok(done)
    }

    /// Publish or unpublish a record.
    pub async fn set_published(
        &self,
        id: &str,
        published: bool,
        actor: &str,
    ) -> Result<Option<Dataset>, CatalogError> {
        let stored = self.store.set_published(id, published, actor).await?;
        if let Some(d) = &stored {
            self.index(std::slice::from_ref(d))?;
        }
        Ok(stored)
    }

    /// Archive a record (or bring it back).
    pub async fn set_archived(
        &self,
        id: &str,
        archived: bool,
        actor: &str,
    ) -> Result<Option<Dataset>, CatalogError> {
        let stored = self.store.set_archived(id, archived, actor).await?;
        if let Some(d) = &stored {
            self.index(std::slice::from_ref(d))?;
        }
        Ok(stored)
    }

    /// Archive (or bring back) many records in one transaction and one index commit.
    pub async fn set_archived_many(
        &self,
        ids: &[String],
        archived: bool,
        actor: &str,
    ) -> Result<Vec<Option<Dataset>>, CatalogError> {
        let stored = self.store.set_archived_many(ids, archived, actor).await?;
        let written: Vec<Dataset> = stored.iter().flatten().cloned().collect();
        if !written.is_empty() {
            self.index(&written)?;
        }
        Ok(stored)
    }

    /// Write a harvested record by provenance (see [`CatalogStore::upsert_by_provenance`]).
    pub async fn upsert_by_provenance(
        &self,
        ds: &Dataset,
        actor: &str,
    ) -> Result<UpsertOutcome, CatalogError> {
        self.upsert_by_provenance_many(std::slice::from_ref(ds), actor)
            .await?
            .pop()
            .unwrap_or_else(|| Err(CatalogError::Other("no upsert result".into())))
    }

    /// Write many harvested records (a page) in one store transaction and one search-index
    /// commit (see [`CatalogStore::upsert_by_provenance_many`]); one result per record, in
    /// order. `Err` when the transaction failed (nothing written) or the index could not be
    /// updated (the records are stored; the index is rebuilt from the store at start-up).
    pub async fn upsert_by_provenance_many(
        &self,
        records: &[Dataset],
        actor: &str,
    ) -> Result<Vec<Result<UpsertOutcome, CatalogError>>, CatalogError> {
        let results = self.store.upsert_by_provenance_many(records, actor).await?;
        let mut written = Vec::new();
        let out = results
            .into_iter()
            .map(|r| {
                r.map(|u| {
                    if let Some(d) = u.stored {
                        written.push(d);
                    }
                    u.outcome
                })
            })
            .collect();
        if !written.is_empty() {
            self.index(&written)?;
        }
        Ok(out)
    }

    /// The base URL for links in a response to a request with these headers.
    pub fn base_url(&self, headers: &HeaderMap) -> String {
        urbis_core::http::base_url(headers, self.public_url.as_deref())
    }
}

fn index_err(e: search::SearchError) -> CatalogError {
    CatalogError::Other(e.to_string())
}

/// The canonical URI (and landing page) of a record: `<base>/datasets/{id}`.
pub fn dataset_uri(base: &str, id: &str) -> String {
    format!("{base}/datasets/{id}")
}

/// The URI of a distribution: `<base>/datasets/{id}/distributions/{distribution}`.
pub fn distribution_uri(base: &str, id: &str, distribution: &str) -> String {
    format!("{base}/datasets/{id}/distributions/{distribution}")
}

/// The URI of a publisher: its own URI if it has one, else `<base>/publishers/{id}`.
pub fn publisher_uri(base: &str, agent: &model::Agent) -> String {
    agent
        .uri
        .clone()
        .unwrap_or_else(|| format!("{base}/publishers/{}", agent.id))
}

/// The catalogue's URI: `<base>/catalog`.
pub fn catalogue_uri(base: &str) -> String {
    format!("{base}/catalog")
}

/// Every route of the catalogue (JSON API, admin API, CKAN API).
pub fn router(state: CatalogState) -> Router {
    Router::new()
        .merge(api::router(state.clone()))
        .merge(admin::router(state.clone()))
        .merge(ckan::router(state.clone()))
        .merge(publish::router(state.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Lang, Multilingual};
    use crate::search::SearchQuery;
    use crate::store::SqliteCatalog;

    fn ds(id: &str, title: &str) -> Dataset {
        let mut d = Dataset {
            id: id.into(),
            title: Multilingual::new().with(Lang::Fr, title),
            description: Multilingual::new().with(Lang::Fr, "Description"),
            ..Default::default()
        };
        d.record.published = true;
        d
    }

    fn hits(state: &CatalogState, q: &str) -> Vec<String> {
        state
            .search
            .search(&SearchQuery {
                q: Some(q.into()),
                ..Default::default()
            })
            .unwrap()
            .hits
            .into_iter()
            .map(|h| h.id)
            .collect()
    }

    /// Another process's writes (here: a second state on the same database file) reach the
    /// index with `refresh_index`.
    #[tokio::test]
    async fn refresh_index_follows_other_writers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("catalog.sqlite");
        let server =
            CatalogState::new(Arc::new(SqliteCatalog::open(&path).await.unwrap()), None).unwrap();
        let cli =
            CatalogState::new(Arc::new(SqliteCatalog::open(&path).await.unwrap()), None).unwrap();
        cli.put_dataset(&ds("a", "Arbres"), "cli").await.unwrap();
        assert_eq!(server.rebuild_index().await.unwrap(), 1);
        assert_eq!(server.refresh_index().await.unwrap(), 0);
        cli.put_dataset(&ds("b", "Bancs publics"), "cli")
            .await
            .unwrap();
        cli.put_dataset(&ds("a", "Arbres remarquables"), "cli")
            .await
            .unwrap();
        assert!(hits(&server, "bancs").is_empty());
        assert_eq!(server.refresh_index().await.unwrap(), 2);
        assert_eq!(hits(&server, "bancs"), ["b"]);
        assert_eq!(hits(&server, "remarquables"), ["a"]);
        cli.delete_dataset("b", "cli").await.unwrap();
        assert_eq!(server.refresh_index().await.unwrap(), 1);
        assert!(hits(&server, "bancs").is_empty());
        assert_eq!(server.search.len(), 1);
        // Nothing new: nothing re-read.
        assert_eq!(server.refresh_index().await.unwrap(), 0);
    }

    #[tokio::test]
    async fn a_command_line_writer_can_leave_the_index_alone() {
        let state = CatalogState::new(Arc::new(SqliteCatalog::in_memory().await.unwrap()), None)
            .unwrap()
            .without_index_updates();
        state.put_dataset(&ds("a", "Arbres"), "cli").await.unwrap();
        state.set_archived("a", true, "cli").await.unwrap();
        assert!(state.search.is_empty());
        assert!(state.store.get_dataset("a").await.unwrap().is_some());
    }
}
