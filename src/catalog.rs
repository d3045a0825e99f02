//! The catalogue (issue 6, datastore-api) and the harvester (issue 7): routes, settings and commands.
//!
//! Owned by its issue; the server mounts [`mount`], the CLI flattens [`Cmd`] into its
//! commands and the configuration has a `[catalog]` section of type [`Settings`].

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Subcommand;
use datastore_api::store::{Role, SqliteCatalog};
use datastore_api::{urbis_datasets, CatalogState};
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
pub enum CatalogCmd {
    /// API keys of the admin API.
    Key {
        #[command(subcommand)]
        cmd: KeyCmd,
    },
    /// Fill the catalogue with a realistic generated catalogue (50 publishers, N records).
    Generate {
        #[arg(long, default_value_t = 1000)]
        count: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Subcommand, Debug)]
pub enum KeyCmd {
    /// Create a key and print it once (only a salted hash is stored).
    Create {
        /// admin or officer.
        #[arg(long)]
        role: String,
        /// The publisher an officer key manages.
        #[arg(long)]
        publisher: Option<String>,
        #[arg(long)]
        label: Option<String>,
    },
    /// Revoke a key by its id.
    Revoke { id: String },
}

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
    let system_base = ctx
        .cfg
        .server
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", ctx.cfg.server.listen));
    let mut state = CatalogState::new(Arc::new(store), ctx.cfg.server.public_url.clone())?
        .with_system_base(&system_base);
    state.check_urls = ctx.cfg.catalog.check_urls;
    if let Ok(key) = std::env::var("URBIS_ADMIN_KEY") {
        if !key.is_empty() {
            state.bootstrap_key = Some(
                datastore_api::admin::BootstrapKey::new(&key)
                    .context("URBIS_ADMIN_KEY must be at least 16 characters")?,
            );
        }
    }
    // The harvester writes through the same state (store and search index).
    let _ = ctx.catalog.set(state.clone());
    let started = std::time::Instant::now();
    let n = state.rebuild_index().await?;
    tracing::info!(
        "catalogue: {n} records indexed in {:.2?}",
        started.elapsed()
    );
    // The UrbIS layers as datasets: now, then after every new generation.
    let current = ctx.dataset.borrow().clone();
    urbis_datasets::sync(&state, &current, &ctx.engine, &system_base)
        .await
        .context("cannot write the UrbIS datasets into the catalogue")?;
    let mut rx = ctx.dataset.subscribe();
    let (sync_state, engine) = (state.clone(), ctx.engine.clone());
    tokio::spawn(async move {
        while rx.changed().await.is_ok() {
            let ds = rx.borrow_and_update().clone();
            match urbis_datasets::sync(&sync_state, &ds, &engine, &system_base).await {
                Ok(n) => {
                    tracing::info!("catalogue: {n} UrbIS records updated for the new generation")
                }
                Err(e) => tracing::error!("catalogue: cannot update the UrbIS datasets: {e}"),
            }
        }
    });
    Ok(Mounted {
        ogc: Some(datastore_api::publish::records::extension(&state)),
        router: datastore_api::router(state),
    })
}

pub async fn run(cfg: &Config, cmd: Cmd) -> Result<()> {
    let Cmd::Catalog { cmd } = cmd;
    let store = open(cfg).await?;
    let state = CatalogState::new(Arc::new(store), cfg.server.public_url.clone())?;
    match cmd {
        CatalogCmd::Key {
            cmd:
                KeyCmd::Create {
                    role,
                    publisher,
                    label,
                },
        } => {
            let role = Role::parse(&role)
                .with_context(|| format!("--role must be admin or officer, not `{role}`"))?;
            if role == Role::Officer && publisher.is_none() {
                anyhow::bail!("an officer key needs --publisher");
            }
            let (id, key) = datastore_api::admin::create_key(
                &state,
                role,
                publisher.as_deref(),
                label.as_deref(),
                "cli",
            )
            .await?;
            eprintln!("created {} key {id}; it is shown only once:", role.as_str());
            println!("{key}");
        }
        CatalogCmd::Key {
            cmd: KeyCmd::Revoke { id },
        } => {
            if !state.store.revoke_api_key(&id, "cli").await? {
                anyhow::bail!("no active key `{id}`");
            }
            eprintln!("key {id} revoked");
        }
        CatalogCmd::Generate { count, seed } => {
            let started = std::time::Instant::now();
            for a in datastore_api::generate::publishers() {
                state.store.put_publisher(&a, "cli:generate").await?;
            }
            let records = datastore_api::generate::datasets(count, seed);
            for chunk in records.chunks(5_000) {
                state.store.put_datasets(chunk, "cli:generate").await?;
            }
            eprintln!(
                "{count} generated records and 50 publishers written to {} in {:.1?}",
                catalog_path(cfg).display(),
                started.elapsed()
            );
        }
    }
    Ok(())
}
