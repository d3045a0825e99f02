//! `urbis`: the one binary of the Brussels UrbIS map and open-data server.

mod catalog;
mod commands;
mod config;
mod downloads;
mod harvest;
mod server;
mod tiles;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

/// mimalloc: rows are allocated on SQLite's worker threads and freed on the runtime's, which
/// glibc's allocator serialises on arena locks.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser, Debug)]
#[command(
    name = "urbis",
    version,
    about = "Map and open-data server for the Brussels-Capital Region (UrbIS)"
)]
struct Cli {
    /// Configuration file (default: ./urbis.toml if present).
    #[arg(long, global = true, env = "URBIS_CONFIG")]
    config: Option<PathBuf>,
    /// Data directory holding the store (overrides the configuration).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// The official BD72→ETRS89 NTv2 grid (.gsb) for ~1 cm transformations.
    #[arg(long, global = true)]
    crs_grid: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the API (imports the bundled sample on first start when the store is empty).
    Serve {
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long)]
        listen: Option<String>,
    },
    /// Import UrbIS data: the official distribution zip, a GeoPackage, a Shapefile, GeoJSON,
    /// or an http(s) URL to one of these.
    Import {
        /// File, directory or URL.
        source: String,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write a deterministic synthetic Brussels-like dataset as an UrbIS M8 GeoPackage.
    Generate {
        /// 1.0 ≈ the whole Region (≈230k addresses); the bundled sample uses the default.
        #[arg(long, default_value_t = urbis_core::generate::DEMO_SCALE)]
        scale: f64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output GeoPackage.
        #[arg(long, short, default_value = "data/urbis-sample.gpkg")]
        out: PathBuf,
    },
    /// Query the live data from the command line (results as GeoJSON in WGS 84).
    Query {
        #[command(subcommand)]
        query: commands::QueryCommand,
    },
    /// Geocode an address (French or Dutch free text); results as GeocodeJSON.
    Geocode {
        query: String,
        #[arg(long, default_value_t = 5)]
        limit: usize,
        /// Label language: fr or nl (default: the language of the query).
        #[arg(long)]
        lang: Option<String>,
    },
    /// The address nearest to a WGS 84 point.
    Reverse {
        #[arg(allow_negative_numbers = true)]
        lon: f64,
        #[arg(allow_negative_numbers = true)]
        lat: f64,
        #[arg(long, default_value_t = 1)]
        limit: usize,
    },
    /// Show the import log.
    Log {
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    #[command(flatten)]
    Tiles(tiles::Cmd),
    #[command(flatten)]
    Downloads(downloads::Cmd),
    #[command(flatten)]
    Catalog(catalog::Cmd),
    #[command(flatten)]
    Harvest(harvest::Cmd),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut cfg = config::Config::load(cli.config.as_deref())?;
    if let Some(d) = cli.data_dir {
        cfg.data.dir = d;
    }
    if let Some(g) = cli.crs_grid {
        cfg.crs.grid = Some(g);
    }
    match cli.command {
        Command::Serve { listen } => {
            if let Some(l) = listen {
                cfg.server.listen = l;
            }
            server::serve(cfg).await
        }
        Command::Import { source, json } => commands::import(&cfg, &source, json).await,
        Command::Generate { scale, seed, out } => commands::generate(scale, seed, &out).await,
        Command::Query { query } => commands::query(&cfg, query).await,
        Command::Geocode { query, limit, lang } => {
            commands::geocode(&cfg, Some(&query), None, limit, lang.as_deref()).await
        }
        Command::Reverse { lon, lat, limit } => {
            commands::geocode(&cfg, None, Some((lon, lat)), limit, None).await
        }
        Command::Log { limit } => commands::log(&cfg, limit).await,
        Command::Tiles(cmd) => tiles::run(&cfg, cmd).await,
        Command::Downloads(cmd) => downloads::run(&cfg, cmd).await,
        Command::Catalog(cmd) => catalog::run(&cfg, cmd).await,
        Command::Harvest(cmd) => harvest::run(&cfg, cmd).await,
    }
}
