//! Safe fetching of partner documents.
//!
//! Every request has a timeout, the body is streamed and abandoned past a size cap, requests of
//! one job are spaced by a polite delay, redirects are followed by hand (at most
//! [`Limits::max_redirects`]) and every hop is checked again, and hosts that resolve to a
//! private, loopback, link-local or otherwise non-public address are refused unless the host is
//! allow-listed. The check runs inside the DNS resolver reqwest connects with, so the address
//! that was checked is the address connected to (no DNS-rebinding window).

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, CONTENT_TYPE, LOCATION, USER_AGENT};
use reqwest::{StatusCode, Url};
use tokio::sync::Mutex;

/// Limits of one fetcher.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Whole-request timeout (connect, headers and body).
    pub timeout: Duration,
    /// Largest accepted body, in bytes.
    pub max_bytes: u64,
    /// Pause between two requests of the same fetcher.
    pub delay: Duration,
    pub max_redirects: usize,
    pub user_agent: String,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: Duration::from_secs(60),
            max_bytes: 20 * 1024 * 1024,
            delay: Duration::from_millis(200),
            max_redirects: 5,
            user_agent: format!(
                "urbis-harvester/{} (+https://datastore.brussels)",
                env!("CARGO_PKG_VERSION")
            ),
        }
    }
}

/// Why a fetch failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FetchError {
    #[error("refused: {0}")]
    Refused(String),
    #[error("{url}: no answer within {secs} s")]
    Timeout { url: String, secs: u64 },
    #[error("{url}: the body is larger than {max} bytes")]
    TooLarge { url: String, max: u64 },
    #[error("{url}: HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("{url}: more than {max} redirects")]
    Redirects { url: String, max: usize },
    #[error("{url}: {detail}")]
    Network { url: String, detail: String },
}

/// A fetched document.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The URL the body came from (after redirects).
    pub url: String,
    /// The media type without parameters, lower case.
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// Is this address one a harvester may connect to without an allow-list entry?
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link-local
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || (s[0] == 0x0064 && s[1] == 0xff9b)) // NAT64 (may reach IPv4 private space)
        }
    }
}

fn is_public_v4(v4: Ipv4Addr) -> bool {
    let o = v4.octets();
    !(v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local()
        || v4.is_unspecified()
        || v4.is_broadcast()
        || v4.is_documentation()
        || v4.is_multicast()
        || o[0] == 0
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // shared address space
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // benchmarking
        || o[0] >= 240)
}

/// The allow-list: hosts (names or IP literals, case-insensitive) that may be private.
#[derive(Debug, Clone, Default)]
pub struct AllowList(Arc<HashSet<String>>);

impl AllowList {
    pub fn new<I: IntoIterator<Item = S>, S: AsRef<str>>(hosts: I) -> Self {
        AllowList(Arc::new(
            hosts
                .into_iter()
                .map(|h| {
                    h.as_ref()
                        .trim()
                        .trim_start_matches('[')
                        .trim_end_matches(']')
                        .to_ascii_lowercase()
                })
                .collect(),
        ))
    }

    pub fn allows(&self, host: &str) -> bool {
        let h = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        self.0.contains(&h)
    }
}

/// The resolver reqwest connects with: resolves, then refuses non-public addresses of hosts
/// that are not allow-listed.
struct GuardedResolver {
    allow: AllowList,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.allow.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if !allow.allows(&host) {
                if let Some(bad) = addrs.iter().find(|a| !is_public(a.ip())) {
                    let e: Box<dyn std::error::Error + Send + Sync> = format!(
                        "{host} resolves to the non-public address {} (allow-list the host to harvest it)",
                        bad.ip()
                    )
                    .into();
                    return Err(e);
                }
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// An HTTP client for one harvest job.
pub struct Fetcher {
    client: reqwest::Client,
    limits: Limits,
    allow: AllowList,
    last: Mutex<Option<Instant>>,
    requests: std::sync::atomic::AtomicU64,
}

impl Fetcher {
    pub fn new(limits: Limits, allow: AllowList) -> Result<Fetcher, FetchError> {
        let mut headers = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(&limits.user_agent) {
            headers.insert(USER_AGENT, v);
        }
        let client = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(limits.timeout)
            .connect_timeout(limits.timeout.min(Duration::from_secs(15)))
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(GuardedResolver {
                allow: allow.clone(),
            }))
            .build()
            .map_err(|e| FetchError::Network {
                url: String::new(),
                detail: format!("cannot build the HTTP client: {e}"),
            })?;
        Ok(Fetcher {
            client,
            limits,
            allow,
            last: Mutex::new(None),
            requests: 0.into(),
        })
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Requests made so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Check a URL before connecting: http(s) only, IP literals must be public or allow-listed
    /// (names are checked by the resolver).
    pub fn check_url(&self, url: &Url) -> Result<(), FetchError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::Refused(format!(
                "{url}: only http and https URLs are harvested"
            )));
        }
        let Some(host) = url.host_str() else {
            return Err(FetchError::Refused(format!("{url}: no host")));
        };
        let ip = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .ok();
        if let Some(ip) = ip {
            if !is_public(ip) && !self.allow.allows(&ip.to_string()) {
                return Err(FetchError::Refused(format!(
                    "{url}: {ip} is not a public address (allow-list it to harvest it)"
                )));
            }
        }
        Ok(())
    }

    /// GET a URL with an Accept header; the body is capped, redirects re-checked.
    pub async fn get(&self, url: &str, accept: &str) -> Result<Fetched, FetchError> {
        let mut current =
            Url::parse(url).map_err(|e| FetchError::Refused(format!("{url}: {e}")))?;
        for _ in 0..=self.limits.max_redirects {
            self.check_url(&current)?;
            self.pace().await;
            self.requests
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let resp = self
                .client
                .get(current.clone())
                .header(ACCEPT, accept)
                .send()
                .await
                .map_err(|e| self.error(&current, e))?;
            let status = resp.status();
            if status.is_redirection() {
                let Some(loc) = resp.headers().get(LOCATION).and_then(|v| v.to_str().ok()) else {
                    return Err(FetchError::Status {
                        url: current.to_string(),
                        status: status.as_u16(),
                    });
                };
                current = current.join(loc).map_err(|e| {
                    FetchError::Refused(format!("{current}: bad redirect `{loc}`: {e}"))
                })?;
                continue;
            }
            return self.read(current, resp, status).await;
        }
        Err(FetchError::Redirects {
            url: url.to_string(),
            max: self.limits.max_redirects,
        })
    }

    async fn read(
        &self,
        url: Url,
        mut resp: reqwest::Response,
        status: StatusCode,
    ) -> Result<Fetched, FetchError> {
        if !status.is_success() {
            return Err(FetchError::Status {
                url: url.to_string(),
                status: status.as_u16(),
            });
        }
        let max = self.limits.max_bytes;
        if resp.content_length().is_some_and(|n| n > max) {
            return Err(FetchError::TooLarge {
                url: url.to_string(),
                max,
            });
        }
        let content_type = resp
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .filter(|v| !v.is_empty());
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.error(&url, e))? {
            if body.len() as u64 + chunk.len() as u64 > max {
                return Err(FetchError::TooLarge {
                    url: url.to_string(),
                    max,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched {
            url: url.to_string(),
            content_type,
            body,
        })
    }

    fn error(&self, url: &Url, e: reqwest::Error) -> FetchError {
        if e.is_timeout() {
            return FetchError::Timeout {
                url: url.to_string(),
                secs: self.limits.timeout.as_secs(),
            };
        }
        // The resolver's refusal is in the source chain.
        let mut detail = e.to_string();
        let mut src: Option<&dyn std::error::Error> = std::error::Error::source(&e);
        while let Some(s) = src {
            let t = s.to_string();
            if t.contains("non-public address") {
                return FetchError::Refused(format!("{url}: {t}"));
            }
            detail = format!("{detail}: {t}");
            src = s.source();
        }
        FetchError::Network {
            url: url.to_string(),
            detail,
        }
    }

    /// Wait for the polite delay since the previous request.
    async fn pace(&self) {
        let mut last = self.last.lock().await;
        if let Some(t) = *last {
            let since = t.elapsed();
            if since < self.limits.delay {
                tokio::time::sleep(self.limits.delay - since).await;
            }
        }
        *last = Some(Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_addresses_are_not_public() {
        for a in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(a.parse().unwrap()), "{a}");
        }
        for a in ["193.191.216.1", "8.8.8.8", "2a02:2c40::1"] {
            assert!(is_public(a.parse().unwrap()), "{a}");
        }
    }

    #[tokio::test]
    async fn loopback_is_refused_unless_allow_listed() {
        let f = Fetcher::new(Limits::default(), AllowList::default()).unwrap();
        let e = f.get("http://127.0.0.1:9/x", "*/*").await.unwrap_err();
        assert!(matches!(e, FetchError::Refused(_)), "{e}");
        let e = f.get("http://localhost:9/x", "*/*").await.unwrap_err();
        assert!(matches!(e, FetchError::Refused(_)), "{e}");
        let e = f.get("file:///etc/passwd", "*/*").await.unwrap_err();
        assert!(matches!(e, FetchError::Refused(_)), "{e}");
        let f = Fetcher::new(Limits::default(), AllowList::new(["127.0.0.1"])).unwrap();
        // Allowed: the connection itself is attempted (and fails on the closed port).
        let e = f.get("http://127.0.0.1:9/x", "*/*").await.unwrap_err();
        assert!(matches!(e, FetchError::Network { .. }), "{e}");
    }
}
