//! The `[harvest]` section of `urbis.toml`: limits, allow-list and sources.

use std::time::Duration;

use datastore_api::model::Lang;
use serde::{Deserialize, Serialize};

use crate::fetch::{AllowList, Limits};

/// The `[harvest]` section.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Hosts (names or IP literals) that may resolve to private or loopback addresses.
    pub allow_hosts: Vec<String>,
    /// Per-request timeout, seconds.
    pub timeout_secs: u64,
    /// Largest accepted response body, bytes.
    pub max_bytes: u64,
    /// Pause between two requests of a job, milliseconds.
    pub delay_ms: u64,
    pub max_redirects: usize,
    pub user_agent: Option<String>,
    /// Most pages read in one job (a guard against endless paging).
    pub max_pages: u32,
    /// Records asked per page (CSW `maxRecords`, CKAN `rows`, Records `limit`).
    pub page_size: u32,
    /// How long a record may be missing at its source before it is archived, seconds
    /// (default 7 days).
    pub grace_secs: u64,
    /// Run the per-source schedules inside the server.
    pub scheduler: bool,
    pub sources: Vec<SourceConfig>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            allow_hosts: vec![],
            timeout_secs: 60,
            max_bytes: 50 * 1024 * 1024,
            delay_ms: 200,
            max_redirects: 5,
            user_agent: None,
            max_pages: 2_000,
            page_size: 100,
            grace_secs: 7 * 24 * 3600,
            scheduler: true,
            sources: vec![],
        }
    }
}

impl Settings {
    pub fn limits(&self) -> Limits {
        let mut l = Limits {
            timeout: Duration::from_secs(self.timeout_secs.max(1)),
            max_bytes: self.max_bytes,
            delay: Duration::from_millis(self.delay_ms),
            max_redirects: self.max_redirects,
            ..Limits::default()
        };
        if let Some(ua) = &self.user_agent {
            l.user_agent = ua.clone();
        }
        l
    }

    pub fn allow_list(&self) -> AllowList {
        AllowList::new(&self.allow_hosts)
    }

    pub fn source(&self, id: &str) -> Option<&SourceConfig> {
        self.sources.iter().find(|s| s.id == id)
    }

    /// Check every source; the errors name the source.
    pub fn validate(&self) -> Result<(), String> {
        let mut seen = std::collections::HashSet::new();
        for s in &self.sources {
            if !datastore_api::model::is_id(&s.id) || s.id.len() > 40 {
                return Err(format!(
                    "[harvest] source id `{}` must match [a-z0-9][a-z0-9._-]* (at most 40 characters)",
                    s.id
                ));
            }
            if !seen.insert(s.id.as_str()) {
                return Err(format!("[harvest] source `{}` is declared twice", s.id));
            }
            if !(s.url.starts_with("http://") || s.url.starts_with("https://")) {
                return Err(format!("[harvest] source `{}`: url must be http(s)", s.id));
            }
            if let Some(sch) = &s.schedule {
                crate::cron::Schedule::parse(sch)
                    .map_err(|e| format!("[harvest] source `{}`: schedule: {e}", s.id))?;
            }
            if let Some(schema) = &s.output_schema {
                if s.kind != SourceKind::Csw {
                    return Err(format!(
                        "[harvest] source `{}`: output_schema applies to csw sources only",
                        s.id
                    ));
                }
                if CswSchema::parse(schema).is_none() {
                    return Err(format!(
                        "[harvest] source `{}`: output_schema `{schema}` is not {} (ISO 19139) or {} (ISO 19115-3)",
                        s.id,
                        CswSchema::Iso19139.uri(),
                        CswSchema::Iso19115_3.uri()
                    ));
                }
            }
            if Lang::parse(&s.language).is_none() {
                return Err(format!(
                    "[harvest] source `{}`: language `{}` is not one of fr, nl, en, de",
                    s.id, s.language
                ));
            }
        }
        Ok(())
    }
}

/// What a source speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// CSW 2.0.2 GetRecords with ISO 19139.
    Csw,
    /// DCAT RDF, followed through Hydra paging.
    Dcat,
    /// CKAN action API `package_search`.
    Ckan,
    /// OGC API Records `items`.
    Records,
    /// One document of any of these formats (a dump).
    File,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Csw => "csw",
            SourceKind::Dcat => "dcat",
            SourceKind::Ckan => "ckan",
            SourceKind::Records => "records",
            SourceKind::File => "file",
        }
    }
}

/// One `[[harvest.sources]]` entry.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// Stable id (part of the harvested records' ids).
    pub id: String,
    pub kind: SourceKind,
    /// CSW endpoint, DCAT document, CKAN base URL (…/api/3/action is added), Records items URL
    /// or file URL.
    pub url: String,
    /// Cron expression (`min hour day-of-month month day-of-week`, UTC).
    #[serde(default)]
    pub schedule: Option<String>,
    /// The catalogue publisher (agent id) of the harvested records.
    #[serde(default)]
    pub publisher: Option<String>,
    /// Display name of that publisher, used to create it when it does not exist.
    #[serde(default)]
    pub publisher_name: Option<String>,
    /// Language of untagged texts (fr, nl, en, de).
    #[serde(default = "default_language")]
    pub language: String,
    /// CSW: a CQL constraint (`AnyText LIKE '%Bruxelles%'`); CKAN: an `fq` filter.
    #[serde(default)]
    pub filter: Option<String>,
    /// CSW: the `outputSchema` asked for, `http://www.isotc211.org/2005/gmd` (ISO 19139, the
    /// default) or `http://standards.iso.org/iso/19115/-3/mdb/2.0` (ISO 19115-3).
    #[serde(default)]
    pub output_schema: Option<String>,
    /// Publish harvested records at once (default true).
    #[serde(default = "yes")]
    pub publish: bool,
    #[serde(default)]
    pub name: Option<String>,
}

fn default_language() -> String {
    "fr".into()
}

fn yes() -> bool {
    true
}

impl SourceConfig {
    pub fn lang(&self) -> Lang {
        Lang::parse(&self.language).unwrap_or(Lang::Fr)
    }

    /// The CSW output schema asked for (ISO 19139 unless configured).
    pub fn csw_schema(&self) -> CswSchema {
        self.output_schema
            .as_deref()
            .and_then(CswSchema::parse)
            .unwrap_or(CswSchema::Iso19139)
    }
}

/// The record schemas a CSW source can be asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CswSchema {
    /// ISO 19139 (`gmd:MD_Metadata`).
    Iso19139,
    /// ISO 19115-3 (`mdb:MD_Metadata`, GeoNetwork 4).
    Iso19115_3,
}

impl CswSchema {
    /// The schema of an `outputSchema` URI (a trailing slash is tolerated).
    pub fn parse(uri: &str) -> Option<CswSchema> {
        match uri.trim().trim_end_matches('/') {
            "http://www.isotc211.org/2005/gmd" => Some(CswSchema::Iso19139),
            "http://standards.iso.org/iso/19115/-3/mdb/2.0" => Some(CswSchema::Iso19115_3),
            _ => None,
        }
    }

    /// The `outputSchema` URI.
    pub fn uri(self) -> &'static str {
        match self {
            CswSchema::Iso19139 => "http://www.isotc211.org/2005/gmd",
            CswSchema::Iso19115_3 => crate::map::iso3::OUTPUT_SCHEMA,
        }
    }

    /// `(typeNames, namespace declaration prefix)` of a GetRecords request.
    pub fn type_name(self) -> (&'static str, &'static str) {
        match self {
            CswSchema::Iso19139 => ("gmd:MD_Metadata", "gmd"),
            CswSchema::Iso19115_3 => ("mdb:MD_Metadata", "mdb"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn settings(kind: &str, schema: Option<&str>) -> Settings {
        let mut src = json!({
            "id": "metawal",
            "kind": kind,
            "url": "https://metawal.wallonie.be/geonetwork/srv/fre/csw",
        });
        if let Some(s) = schema {
            src["output_schema"] = json!(s);
        }
        serde_json::from_value(json!({ "sources": [src] })).expect("settings")
    }

    #[test]
    fn csw_output_schema() {
        let s = settings("csw", None);
        s.validate().expect("valid");
        assert_eq!(s.sources[0].csw_schema(), CswSchema::Iso19139);
        let s = settings("csw", Some("http://standards.iso.org/iso/19115/-3/mdb/2.0"));
        s.validate().expect("valid");
        assert_eq!(s.sources[0].csw_schema(), CswSchema::Iso19115_3);
        assert_eq!(
            s.sources[0].csw_schema().type_name(),
            ("mdb:MD_Metadata", "mdb")
        );
        let bad = settings("csw", Some("http://www.opengis.net/cat/csw/2.0.2"));
        assert!(bad.validate().unwrap_err().contains("output_schema"));
        let wrong_kind = settings(
            "dcat",
            Some("http://standards.iso.org/iso/19115/-3/mdb/2.0"),
        );
        assert!(wrong_kind
            .validate()
            .unwrap_err()
            .contains("csw sources only"));
    }
}
