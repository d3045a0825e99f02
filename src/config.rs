//! Configuration: `urbis.toml` (or `--config FILE`), then `URBIS_*` environment variables, then
//! command-line flags. With no file at all, urbis serves the bundled sample on 127.0.0.1:8080.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub data: DataConfig,
    pub crs: CrsConfig,
    pub tiles: crate::tiles::Settings,
    pub downloads: crate::downloads::Settings,
    pub catalog: crate::catalog::Settings,
    pub harvest: crate::harvest::Settings,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on.
    pub listen: String,
    /// Public base URL used in links (default: from the request's Host header).
    pub public_url: Option<String>,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Request timeout, in seconds.
    pub request_timeout_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DataConfig {
    /// Directory holding the store (`urbis.sqlite`).
    pub dir: PathBuf,
    /// Data imported on first start when the store is empty.
    pub sample: Option<PathBuf>,
    /// How often the server checks the store for a newly imported generation, in seconds.
    pub reload_interval_secs: u64,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct CrsConfig {
    /// The official BD72→ETRS89 grid (NTv2 `.gsb`); without it the 7-parameter Helmert is used.
    pub grid: Option<PathBuf>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: "127.0.0.1:8080".into(),
            public_url: None,
            max_body_bytes: 1 << 20,
            request_timeout_secs: 60,
        }
    }
}

impl Default for DataConfig {
    fn default() -> Self {
        DataConfig {
            dir: PathBuf::from("var"),
            sample: Some(PathBuf::from("data/urbis-sample.gpkg")),
            reload_interval_secs: 5,
        }
    }
}

impl Config {
    /// Load the configuration: `path` if given (must exist), else `./urbis.toml` if present,
    /// else defaults; then apply `URBIS_*` environment overrides.
    pub fn load(path: Option<&Path>) -> Result<Config> {
        let mut cfg = match path {
            Some(p) => Self::from_file(p)?,
            None if Path::new("urbis.toml").exists() => Self::from_file(Path::new("urbis.toml"))?,
            None => Config::default(),
        };
        cfg.apply_env(|k| std::env::var(k).ok())?;
        Ok(cfg)
    }

    fn from_file(p: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(p)
            .with_context(|| format!("cannot read configuration file {}", p.display()))?;
        toml::from_str(&text).with_context(|| format!("invalid configuration file {}", p.display()))
    }

    /// Apply `URBIS_LISTEN`, `URBIS_PUBLIC_URL`, `URBIS_DATA_DIR`, `URBIS_SAMPLE` (empty: none),
    /// `URBIS_CRS_GRID`, `URBIS_RELOAD_INTERVAL`, `URBIS_MAX_BODY_BYTES`.
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<()> {
        if let Some(v) = get("URBIS_LISTEN") {
            self.server.listen = v;
        }
        if let Some(v) = get("URBIS_PUBLIC_URL") {
            self.server.public_url = Some(v).filter(|s| !s.is_empty());
        }
        if let Some(v) = get("URBIS_DATA_DIR") {
            self.data.dir = v.into();
        }
        if let Some(v) = get("URBIS_SAMPLE") {
            self.data.sample = Some(PathBuf::from(v)).filter(|p| !p.as_os_str().is_empty());
        }
        if let Some(v) = get("URBIS_CRS_GRID") {
            self.crs.grid = Some(PathBuf::from(v)).filter(|p| !p.as_os_str().is_empty());
        }
        if let Some(v) = get("URBIS_RELOAD_INTERVAL") {
            match v.parse() {
                Ok(n) => self.data.reload_interval_secs = n,
                Err(_) => bail!("URBIS_RELOAD_INTERVAL: `{v}` is not a number of seconds"),
            }
        }
        if let Some(v) = get("URBIS_MAX_BODY_BYTES") {
            match v.parse() {
                Ok(n) => self.server.max_body_bytes = n,
                Err(_) => bail!("URBIS_MAX_BODY_BYTES: `{v}` is not a number of bytes"),
            }
        }
        Ok(())
    }

    pub fn store_path(&self) -> PathBuf {
        self.data.dir.join("urbis.sqlite")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_env() {
        let mut cfg: Config =
            toml::from_str("[server]\nlisten = \"0.0.0.0:9000\"\n[data]\ndir = \"/srv/urbis\"\n")
                .expect("parse");
        assert_eq!(cfg.server.listen, "0.0.0.0:9000");
        assert_eq!(cfg.store_path(), PathBuf::from("/srv/urbis/urbis.sqlite"));
        cfg.apply_env(|k| match k {
            "URBIS_LISTEN" => Some("127.0.0.1:1234".into()),
            "URBIS_SAMPLE" => Some(String::new()),
            _ => None,
        })
        .expect("env");
        assert_eq!(cfg.server.listen, "127.0.0.1:1234");
        assert!(cfg.data.sample.is_none());
        assert!(cfg
            .apply_env(|k| (k == "URBIS_RELOAD_INTERVAL").then(|| "soon".into()))
            .is_err());
    }

    #[test]
    fn unknown_keys_are_errors() {
        assert!(toml::from_str::<Config>("[server]\nlisen = \"x\"\n").is_err());
    }
}
