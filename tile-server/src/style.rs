//! MapLibre styles (`/styles/urbis-fr.json`, `/styles/urbis-nl.json`) and the map page (`/map`).

use std::path::PathBuf;

use axum::Router;

/// What the style and map routes need from the server.
#[derive(Debug, Clone)]
pub struct StyleOptions {
    /// Public base URL without a trailing slash (`None`: derived from the request's `Host`).
    pub public_url: Option<String>,
    /// Directory holding the npm-installed web assets (`web/node_modules`), from which the map
    /// page serves MapLibre GL JS.
    pub web_dir: PathBuf,
}

/// Routes of the styles and the map page.
pub fn router<S>(opts: StyleOptions) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let _ = opts;
    Router::new()
}
