//! Catalogue storage: records, publishers, the audit log and API keys.
//!
//! [`CatalogStore`] is object-safe like `urbis_core::store::FeatureStore` so that a PostgreSQL
//! backend can sit beside the embedded SQLite one ([`SqliteCatalog`]). Every write names its
//! actor (`admin:<key id>`, `harvester:<source>`, `system:urbis`) and is written to the audit log
//! in the same transaction. The store sets the catalogue record's dates (`record.issued`,
//! `record.modified`) itself.
//!
//! Harvested records carry a [`Provenance`]; [`CatalogStore::upsert_by_provenance`] matches them
//! by `(source_id, original_id)` so that a changed remote document updates the same record (no
//! duplicates), an unchanged one (same checksum) is left alone, and
//! [`CatalogStore::set_archived`] hides a record the source no longer lists until the harvester
//! deletes it after its grace period.

pub mod sqlite;

use serde::Serialize;
use utoipa::ToSchema;

pub use sqlite::SqliteCatalog;
pub use urbis_core::store::BoxFuture;

use crate::model::{Agent, Dataset, Kind, Origin};

/// Errors of the catalogue store.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("corrupt stored record {id}: {detail}")]
    Corrupt { id: String, detail: String },
    /// A write that contradicts the stored state (an id taken by another source's record…).
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("{0}")]
    Other(String),
}

/// Which records to list.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub kind: Option<Kind>,
    /// Only published, non-archived records.
    pub public_only: bool,
    /// Records whose catalogue record changed at or after this instant (RFC 3339 or date).
    pub modified_since: Option<String>,
    pub publisher: Option<String>,
    pub origin: Option<Origin>,
    pub source_id: Option<String>,
    pub offset: u64,
    /// At most [`MAX_PAGE`].
    pub limit: u32,
}

/// Largest page the store returns.
pub const MAX_PAGE: u32 = 10_000;

/// One page of a listing, in id order.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    /// Records matching the query (all pages).
    pub total: u64,
    pub items: Vec<T>,
}

/// What [`CatalogStore::upsert_by_provenance`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UpsertAction {
    Created,
    Updated,
    /// Same checksum as stored and not archived: nothing written.
    Unchanged,
}

/// Result of an upsert by provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UpsertOutcome {
    /// The id of the stored record (an existing record keeps its id).
    pub id: String,
    pub action: UpsertAction,
}

/// One record's result in [`CatalogStore::upsert_by_provenance_many`].
#[derive(Debug, Clone)]
pub struct Upserted {
    pub outcome: UpsertOutcome,
    /// The stored record when it was written (created or updated), for the search index.
    pub stored: Option<Dataset>,
}

/// A harvested record's key, as the harvester compares it with a source's listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProvenanceEntry {
    pub id: String,
    pub original_id: String,
    pub checksum: Option<String>,
    pub archived_at: Option<String>,
}

/// One audit-log entry.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    /// RFC 3339.
    pub at: String,
    /// `admin:<key id>`, `officer:<key id>`, `harvester:<source>`, `system:urbis`, `cli`.
    pub actor: String,
    /// create, update, delete, publish, unpublish, archive, unarchive, key-create, key-revoke.
    pub action: String,
    /// dataset, publisher, key.
    pub target_type: String,
    pub target_id: String,
    /// What changed (e.g. the fields of an update).
    #[schema(value_type = Object)]
    pub detail: Option<serde_json::Value>,
}

/// Role of an API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Every record and publisher, and keys.
    Admin,
    /// Local records of one publisher.
    Officer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Officer => "officer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "officer" => Some(Role::Officer),
            _ => None,
        }
    }
}

/// A stored API key: the secret is only kept as `sha256(salt ‖ secret)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    /// Public part of the key (`<id>.<secret>` is what clients send).
    pub id: String,
    pub salt: String,
    pub hash: String,
    pub role: Role,
    /// For officers: the publisher whose records they manage.
    pub publisher: Option<String>,
    pub label: Option<String>,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// Storage of the catalogue.
pub trait CatalogStore: Send + Sync {
    /// Create or replace a record; keeps `record.issued` of an existing record and sets
    /// `record.modified`. Returns the stored record.
    fn put_dataset<'a>(
        &'a self,
        ds: &'a Dataset,
        actor: &'a str,
    ) -> BoxFuture<'a, Result<Dataset, CatalogError>>;

    /// [`CatalogStore::put_dataset`] for many records in one transaction (bulk loads).
    fn put_datasets<'a>(
        &'a self,
        records: &'a [Dataset],
        actor: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Dataset>, CatalogError>>;

    fn get_dataset<'a>(
        &'a self,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Dataset>, CatalogError>>;

    /// The records with these ids that exist (at most [`MAX_PAGE`] ids), in no particular order.
    fn get_datasets<'a>(
        &'a self,
        ids: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Dataset>, CatalogError>>;

    /// A page of records in id order, with the total.
    fn list_datasets<'a>(
        &'a self,
        q: &'a ListQuery,
    ) -> BoxFuture<'a, Result<Page<Dataset>, CatalogError>>;

    /// Delete a record; false when there was none.
    fn delete_dataset<'a>(
        &'a self,
        id: &'a str,
        actor: &'a str,
    ) -> BoxFuture<'a, Result<bool, CatalogError>>;

    /// Publish or unpublish; `None` when there is no such record.
    fn set_published<'a>(
        &'a self,
        id: &'a str,
        published: bool,
        actor: &'a str,
    ) -> BoxFuture<'a, Result<Option<Dataset>, CatalogError>>;

    /// Archive (hide, start of the grace period) or bring back a record.
    fn set_archived<'a>(
        &'a self,
        id: &'a str,
        archived: bool,
        actor: &'a str,
    ) -> BoxFuture<'a, Result<Option<Dataset>, CatalogError>>;

    /// [`CatalogStore::set_archived`] for many records in one transaction; `None` for an id
    /// without record.
    fn set_archived_many<'a>(
        &'a self,
        ids: &'a [String],
        archived: bool,
        actor: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Option<Dataset>>, CatalogError>>;

    /// The record harvested from `source_id` under `original_id`.
    fn find_by_provenance<'a>(
        &'a self,
        source_id: &'a str,
        original_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Dataset>, CatalogError>>;

    /// Every record of a harvest source.
    fn provenance_of_source<'a>(
        &'a self,
        source_id: &'a str,
    ) -> BoxFuture<'a, Result<Vec<ProvenanceEntry>, CatalogError>>;

    /// The records of a harvest source in original-id order, at most `limit` (≤ [`MAX_PAGE`])
    /// with an original id after `after` (keyset paging on the provenance index: memory stays
    /// bounded whatever the source's size).
    fn provenance_page<'a>(
        &'a self,
        source_id: &'a str,
        after: &'a str,
        limit: u32,
    ) -> BoxFuture<'a, Result<Vec<ProvenanceEntry>, CatalogError>>;

    /// Write a harvested record (its `record.provenance` must be set): matched by
    /// `(source_id, original_id)`, it keeps the stored id and publication state; an unchanged
    /// checksum on a non-archived record writes nothing. A new record is created under
    /// `ds.id` (a conflict if that id belongs to another record).
    fn upsert_by_provenance<'a>(
        &'a self,
        ds: &'a Dataset,
        actor: &'a str,
    ) -> BoxFuture<'a, Result<UpsertOutcome, CatalogError>>;

    /// [`CatalogStore::upsert_by_provenance`] for many records (a harvested page) in one
    /// transaction, with one result per record in order. A record refused by the rules
    /// (conflict: its proposed id taken, its provenance already used) fails alone, leaving
    /// nothing behind, and the others are kept. Records are written in order, so a record sees
    /// the ones before it. `Err` when the database fails (I/O, locks…): then nothing of the
    /// batch was written.
    fn upsert_by_provenance_many<'a>(
        &'a self,
        records: &'a [Dataset],
        actor: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Result<Upserted, CatalogError>>, CatalogError>>;

    /// Every record, for rebuilding a search index.
    fn for_each_dataset<'a>(
        &'a self,
        sink: &'a mut (dyn FnMut(Dataset) + Send),
    ) -> BoxFuture<'a, Result<u64, CatalogError>>;

    fn put_publisher<'a>(
        &'a self,
        agent: &'a Agent,
        actor: &'a str,
    ) -> BoxFuture<'a, Result<(), CatalogError>>;

    fn get_publisher<'a>(
        &'a self,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Agent>, CatalogError>>;

    /// Every publisher, in id order (at most [`MAX_PAGE`]).
    fn list_publishers(&self) -> BoxFuture<'_, Result<Vec<Agent>, CatalogError>>;

    fn delete_publisher<'a>(
        &'a self,
        id: &'a str,
        actor: &'a str,
    ) -> BoxFuture<'a, Result<bool, CatalogError>>;

    /// The newest audit entries, optionally of one target id, before entry `before` (paging).
    fn audit<'a>(
        &'a self,
        target_id: Option<&'a str>,
        before: Option<i64>,
        limit: u32,
    ) -> BoxFuture<'a, Result<Vec<AuditEntry>, CatalogError>>;

    /// Store a new API key (audited as `key-create`).
    fn put_api_key<'a>(
        &'a self,
        key: &'a ApiKeyRecord,
        actor: &'a str,
    ) -> BoxFuture<'a, Result<(), CatalogError>>;

    fn get_api_key<'a>(
        &'a self,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Option<ApiKeyRecord>, CatalogError>>;

    /// Revoke a key; false when there was none.
    fn revoke_api_key<'a>(
        &'a self,
        id: &'a str,
        actor: &'a str,
    ) -> BoxFuture<'a, Result<bool, CatalogError>>;

    /// A counter increased by every write of records or publishers.
    fn revision(&self) -> BoxFuture<'_, Result<i64, CatalogError>>;

    /// The newest audit entry's id (0 when none): where [`CatalogStore::dataset_changes`]
    /// starts for writes made after now.
    fn audit_head(&self) -> BoxFuture<'_, Result<i64, CatalogError>>;

    /// Records written (created, updated, deleted, published, archived…) by any process after
    /// audit entry `after`: `(audit id, record id)` in audit order, at most `limit`
    /// (≤ [`MAX_PAGE`]). A search index follows the store's changes with it.
    fn dataset_changes<'a>(
        &'a self,
        after: i64,
        limit: u32,
    ) -> BoxFuture<'a, Result<Vec<(i64, String)>, CatalogError>>;
}

/// The current instant as the store writes it: RFC 3339 UTC to the second
/// (`2026-11-23T12:00:00Z`), so that stored instants compare as strings.
pub fn now() -> String {
    format_instant(time::OffsetDateTime::now_utc())
}

/// An instant in the store's format.
pub fn format_instant(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    t.format(&fmt).unwrap_or_default()
}

/// Parse an ISO 8601 date (midnight UTC) or RFC 3339 date-time into the store's format.
pub fn normalize_instant(s: &str) -> Option<String> {
    let s = s.trim();
    if let Ok(t) = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        return Some(format_instant(t));
    }
    if s.len() == 10 {
        let d = crate::model::parse_date(s)?;
        return Some(format_instant(d.midnight().assume_utc()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_compare_as_strings() {
        assert_eq!(
            normalize_instant("2024-05-01").as_deref(),
            Some("2024-05-01T00:00:00Z")
        );
        assert_eq!(
            normalize_instant("2024-05-01T12:30:00+02:00").as_deref(),
            Some("2024-05-01T10:30:00Z")
        );
        assert!(normalize_instant("yesterday").is_none());
        assert_eq!(now().len(), 20);
    }
}
