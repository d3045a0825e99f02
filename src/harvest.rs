//! The harvester (issue 7): harvest sources, scheduled jobs, `/api/admin/harvest/...` and the
//! `urbis harvest` commands.
//!
//! Owned by its issue; the server mounts [`mount`], the CLI flattens [`Cmd`] into its
//! commands and the configuration has a `[harvest]` section of type [`Settings`].

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use datastore_api::store::SqliteCatalog;
use datastore_api::CatalogState;
use harvester::db::JobDb;
use harvester::job::{Harvester, RunError};
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::Config;
use crate::server::{Mounted, ServerContext};

/// The `[harvest]` section of `urbis.toml` (sources, allow-list, limits, grace period).
pub type Settings = harvester::config::Settings;

/// Top-level commands this module adds to the CLI.
#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Harvest partner catalogues (CSW, DCAT, CKAN, OGC API Records) into the catalogue.
    Harvest {
        #[command(subcommand)]
        cmd: HarvestCmd,
    },
}

#[derive(Subcommand, Debug)]
pub enum HarvestCmd {
    /// Harvest one source now.
    Run {
        /// Source id from `[[harvest.sources]]`.
        source: String,
        /// Ignore the last successful run (CKAN: every package, not only the modified ones).
        #[arg(long)]
        force: bool,
        /// Print the finished job as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Dry run: fetch, map and validate the first records; nothing is written.
    Preview {
        source: String,
        #[arg(short = 'n', long, default_value_t = 5)]
        n: usize,
    },
    /// The configured sources with their last job.
    List,
    /// Recent jobs, or one job's per-record results (`--job ID`).
    Jobs {
        #[arg(long)]
        source: Option<String>,
        #[arg(long)]
        job: Option<i64>,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
}

/// The job database: `<data_dir>/harvest.sqlite`.
pub fn db_path(cfg: &Config) -> PathBuf {
    cfg.data.dir.join("harvest.sqlite")
}

async fn open_db(cfg: &Config) -> Result<JobDb> {
    let path = db_path(cfg);
    JobDb::open(&path)
        .await
        .with_context(|| format!("cannot open the harvest database {}", path.display()))
}

/// Admin routes and the scheduler.
pub async fn mount(ctx: &ServerContext) -> Result<Mounted> {
    let settings = ctx.cfg.harvest.clone();
    settings.validate().map_err(anyhow::Error::msg)?;
    let Some(catalog) = ctx.catalog.get().cloned() else {
        tracing::warn!("harvester: no catalogue mounted; harvesting disabled");
        return Ok(Mounted::default());
    };
    let db = open_db(&ctx.cfg).await?;
    db.sync_sources(&settings).await?;
    let closed = db.recover().await?;
    if !closed.is_empty() {
        tracing::warn!(
            "harvester: closed {} job(s) interrupted by a previous process: {closed:?}",
            closed.len()
        );
    }
    let scheduler = settings.scheduler;
    let h = Harvester::new(settings, db, catalog);
    if scheduler {
        tokio::spawn(harvester::api::scheduler(h.clone()));
    }
    Ok(Mounted {
        router: harvester::api::router(h),
        ogc: None,
    })
}

pub async fn run(cfg: &Config, cmd: Cmd) -> Result<()> {
    let Cmd::Harvest { cmd } = cmd;
    let settings = cfg.harvest.clone();
    settings.validate().map_err(anyhow::Error::msg)?;
    match cmd {
        HarvestCmd::Preview { source, n } => {
            let Some(src) = settings.source(&source) else {
                bail!("no harvest source `{source}` in the configuration");
            };
            let items = Harvester::preview(&settings, src, n.clamp(1, 1000)).await?;
            println!("{}", serde_json::to_string_pretty(&items)?);
            Ok(())
        }
        HarvestCmd::List => {
            let db = open_db(cfg).await?;
            db.sync_sources(&settings).await?;
            for s in &settings.sources {
                let last = db.jobs(Some(&s.id), 1).await?.into_iter().next();
                println!(
                    "{:<24} {:<8} {:<14} {}  last: {}",
                    s.id,
                    s.kind.as_str(),
                    s.schedule.as_deref().unwrap_or("-"),
                    s.url,
                    last.map(|j| format!("job {} {} {}", j.id, j.status, j.started_at))
                        .unwrap_or_else(|| "never".into())
                );
            }
            Ok(())
        }
        HarvestCmd::Jobs { source, job, limit } => {
            let db = open_db(cfg).await?;
            db.recover().await?;
            match job {
                Some(id) => {
                    let Some(j) = db.job(id).await? else {
                        bail!("no harvest job {id}")
                    };
                    let records = db.job_records(id, None, 0, 10_000).await?;
                    println!(
                        "{}",
                        serde_json::to_string_pretty(
                            &serde_json::json!({"job": j, "records": records})
                        )?
                    );
                }
                None => {
                    for j in db.jobs(source.as_deref(), limit).await? {
                        println!(
                            "{:>6} {:<20} {:<17} {}  pages {} ({} failed)  seen {}  created {}  updated {}  unchanged {}  linked {}  failed {}  missing {}  archived {}{}",
                            j.id, j.source_id, j.status, j.started_at, j.pages, j.pages_failed, j.seen, j.created,
                            j.updated, j.unchanged, j.linked, j.failed, j.missing, j.archived,
                            j.message.map(|m| format!("\n       {m}")).unwrap_or_default()
                        );
                    }
                }
            }
            Ok(())
        }
        HarvestCmd::Run {
            source,
            force,
            json,
        } => {
            let db = open_db(cfg).await?;
            db.sync_sources(&settings).await?;
            db.recover().await?;
            let path = crate::catalog::catalog_path(cfg);
            let store = SqliteCatalog::open(&path)
                .await
                .with_context(|| format!("cannot open the catalogue {}", path.display()))?;
            // This process never searches: the catalogue's index is a running server's, which
            // picks the writes up through the audit log ([catalog] index_refresh_secs).
            let catalog = CatalogState::new(Arc::new(store), cfg.server.public_url.clone())?
                .without_index_updates();
            let h = Harvester::new(settings, db, catalog);
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            let pb = bar.clone();
            let result = h
                .run(&source, "cli", force, &move |c| {
                    pb.set_message(format!(
                        "{source_pages} pages, {} records: {} created, {} updated, {} unchanged, {} failed",
                        c.seen,
                        c.created,
                        c.updated,
                        c.unchanged,
                        c.failed,
                        source_pages = c.pages
                    ))
                })
                .await;
            bar.finish_and_clear();
            let job = match result {
                Ok(j) => j,
                Err(RunError::Busy(s)) => bail!("a job of source `{s}` is already running"),
                Err(e) => return Err(e.into()),
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&job)?);
            } else {
                println!(
                    "job {} {}: {} pages ({} failed), {} records: {} created, {} updated, {} unchanged, {} linked, {} failed, {} missing, {} archived{}",
                    job.id, job.status, job.pages, job.pages_failed, job.seen, job.created, job.updated,
                    job.unchanged, job.linked, job.failed, job.missing, job.archived,
                    job.message.as_deref().map(|m| format!("\n{m}")).unwrap_or_default()
                );
            }
            if job.status == "failed" {
                bail!("harvest of `{}` failed", job.source_id);
            }
            Ok(())
        }
    }
}
