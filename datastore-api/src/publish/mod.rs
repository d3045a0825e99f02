//! Publication of the catalogue for harvesters: DCAT-AP RDF (`/catalog`, `/catalog/dump.*`,
//! `/datasets/{id}`), CSW 2.0.2 with ISO 19139 (`/csw`) and OGC API Records (the `catalog`
//! collection under `/ogc`).

use axum::Router;

use crate::CatalogState;

pub mod csw;
pub mod dcat;
pub mod iso19139;
pub mod records;
pub mod xml;

/// Every publication route.
pub fn router(state: CatalogState) -> Router {
    // CSW and Records share one index of the records' queryables.
    let index = csw::service::CswState::new(state.clone());
    // Build the index in the background at start-up rather than on the first query.
    if let Ok(rt) = tokio::runtime::Handle::try_current() {
        let warm = index.clone();
        rt.spawn(async move {
            if let Err(e) = warm.fields().await {
                tracing::warn!(error = %e, "catalogue: cannot build the CSW/Records index");
            }
        });
    }
    dcat::routes()
        .with_state(state)
        .merge(csw::service::routes(index.clone()))
        .merge(records::routes(index))
}
