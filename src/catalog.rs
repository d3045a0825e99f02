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
    /// Seconds between two rounds of URL checks.
    pub check_interval_secs: u64,
    /// Seconds between two looks for records written by other processes (`urbis harvest run`
    /// from the command line…) to bring into the search index; 0: never.
    pub index_refresh_secs: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            check_urls: false,
            check_interval_secs: 86_400,
            index_refresh_secs: 5,
        }
    }
}

/// Most URLs checked in one round.
const MAX_URLS_PER_ROUND: usize = 100_000;

/// Check the access and download URLs of the public records, one round every `every`, and keep
/// the results for the MQA scores (`[catalog] check_urls`).
async fn check_urls_loop(state: CatalogState, every: std::time::Duration) {
    let client = match reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::limited(5))
        .user_agent("urbis-catalogue-link-checker")
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("catalogue: cannot start the URL checker: {e}");
            return;
        }
    };
    // Let the server start listening first: the UrbIS records point to it.
    tokio::time::sleep(every.min(std::time::Duration::from_secs(30))).await;
    loop {
        let mut urls = std::collections::BTreeSet::new();
        let result = state
            .store
            .for_each_dataset(&mut |d| {
                if d.is_public() && urls.len() < MAX_URLS_PER_ROUND {
                    for dist in &d.distributions {
                        urls.insert(dist.access_url.clone());
                        if let Some(u) = &dist.download_url {
                            urls.insert(u.clone());
                        }
                    }
                }
            })
            .await;
        if let Err(e) = result {
            tracing::warn!("catalogue: URL checker cannot read the records: {e}");
        }
        let started = std::time::Instant::now();
        let mut ok = 0usize;
        for url in &urls {
            let status = match client.head(url).send().await {
                Ok(r)
                    if r.status() == reqwest::StatusCode::METHOD_NOT_ALLOWED
                        || r.status() == reqwest::StatusCode::NOT_IMPLEMENTED =>
                {
                    client
                        .get(url)
                        .header(reqwest::header::RANGE, "bytes=0-0")
                        .send()
                        .await
                        .ok()
                        .map(|r| r.status().as_u16())
                }
                Ok(r) => Some(r.status().as_u16()),
                Err(_) => None,
            };
            if status.is_some_and(|s| (200..300).contains(&s)) {
                ok += 1;
            }
            state.url_checks.set(
                url,
                datastore_api::mqa::UrlStatus {
                    status,
                    checked_at: datastore_api::store::now(),
                },
            );
        }
        tracing::info!(
            "catalogue: checked {} URLs in {:.1?}, {ok} answer 2xx",
            urls.len(),
            started.elapsed()
        );
        tokio::time::sleep(every).await;
    }
}

/// Keep the search index in step with records written by other processes (the CLI's harvests
/// and generated catalogues write the database directly): one cheap query per round when
/// nothing changed.
async fn refresh_index_loop(state: CatalogState, every: std::time::Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        match state.refresh_index().await {
            Ok(0) => {}
            Ok(n) => tracing::debug!("catalogue: {n} changed records re-indexed"),
            Err(e) => tracing::warn!("catalogue: cannot refresh the search index: {e}"),
        }
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
    if ctx.cfg.catalog.index_refresh_secs > 0 {
        tokio::spawn(refresh_index_loop(
            state.clone(),
            std::time::Duration::from_secs(ctx.cfg.catalog.index_refresh_secs),
        ));
    }
    if state.check_urls {
        tokio::spawn(check_urls_loop(
            state.clone(),
            std::time::Duration::from_secs(ctx.cfg.catalog.check_interval_secs.max(60)),
        ));
    }
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
