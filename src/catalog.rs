//! The catalogue (issue 6, datastore-api) and the harvester (issue 7): routes, settings and commands.
//!
//! Owned by its issue; the server mounts [`mount`], the CLI flattens [`Cmd`] into its
//! commands and the configuration has a `[catalog]` section of type [`Settings`].

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Subcommand;
use datastore_api::store::SqliteCatalog;
use datastore_api::CatalogState;
use serde::Deserialize;

use crate::config::Config;
use crate::server::{Mounted, ServerContext};

/// The `[catalog]` section of `urbis.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Check that access and download URLs answer (background task; off by default).
    pub check_urls: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { check_urls: false }
    }
}

/// Top-level commands this module adds to the CLI.
#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// The open-data catalogue: API keys, generated catalogues.
    Catalog {
        #[command(subcommand)]
        cmd: CatalogCmd,
    },
}

#[derive(Subcommand, Debug)]
pub enum CatalogCmd {}

/// The catalogue database: `<data_dir>/catalog.sqlite`.
pub fn catalog_path(cfg: &Config) -> PathBuf {
    cfg.data.dir.join("catalog.sqlite")
}

async fn open(cfg: &Config) -> Result<SqliteCatalog> {
    let path = catalog_path(cfg);
    SqliteCatalog::open(&path)
        .await
        .with_context(|| format!("cannot open the catalogue {}", path.display()))
}

/// Routes and `/ogc` contribution of this module.
pub async fn mount(ctx: &ServerContext) -> Result<Mounted> {
    let store = open(&ctx.cfg).await?;
    let state = CatalogState::new(Arc::new(store), ctx.cfg.server.public_url.clone())?;
    // The harvester writes through the same state (store and search index).
    let _ = ctx.catalog.set(state.clone());
    let started = std::time::Instant::now();
    let n = state.rebuild_index().await?;
    tracing::info!(
        "catalogue: {n} records indexed in {:.2?}",
        started.elapsed()
    );
    Ok(Mounted {
        router: datastore_api::router(state),
        ogc: None,
    })
}

pub async fn run(_cfg: &Config, cmd: Cmd) -> Result<()> {
    match cmd {
        Cmd::Catalog { cmd } => match cmd {},
    }
}
