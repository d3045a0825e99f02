//! The harvester (issue 7): harvest sources, scheduled jobs, `/api/admin/harvest/...` and the
//! `urbis harvest` commands.
//!
//! Owned by its issue; the server mounts [`mount`], the CLI flattens [`Cmd`] into its
//! commands and the configuration has a `[harvest]` section of type [`Settings`].

use anyhow::Result;
use clap::Subcommand;
use serde::Deserialize;

use crate::config::Config;
use crate::server::{Mounted, ServerContext};

/// The `[harvest]` section of `urbis.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {}

/// Top-level commands this module adds to the CLI.
#[derive(Subcommand, Debug)]
pub enum Cmd {}

/// Routes of this module.
pub async fn mount(_ctx: &ServerContext) -> Result<Mounted> {
    Ok(Mounted::default())
}

pub async fn run(_cfg: &Config, cmd: Cmd) -> Result<()> {
    match cmd {}
}
