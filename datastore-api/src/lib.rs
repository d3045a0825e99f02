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

pub mod downloads;
pub mod model;
pub mod publish;
pub mod store;
pub mod urbis_datasets;

use std::sync::Arc;

use axum::http::HeaderMap;
use axum::Router;

use crate::model::Catalogue;
use crate::store::CatalogStore;

/// Shared state of the catalogue's routers.
#[derive(Clone)]
pub struct CatalogState {
    pub store: Arc<dyn CatalogStore>,
    /// Configured public base URL without trailing slash; else derived from each request.
    pub public_url: Option<String>,
    /// The `dcat:Catalog` itself.
    pub catalogue: Arc<Catalogue>,
}

impl CatalogState {
    pub fn new(store: Arc<dyn CatalogStore>, public_url: Option<String>) -> Self {
        CatalogState {
            store,
            public_url: public_url.map(|u| u.trim_end_matches('/').to_string()),
            catalogue: Arc::new(Catalogue::brussels()),
        }
    }

    /// The base URL for links in a response to a request with these headers.
    pub fn base_url(&self, headers: &HeaderMap) -> String {
        urbis_core::http::base_url(headers, self.public_url.as_deref())
    }
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
    Router::new().merge(publish::router(state.clone()))
}
