//! The cache of encoded tiles: bounded by memory, keyed by import generation.
//!
//! Every key carries the generation the tile was rendered from, and lookups use the generation
//! that is live at request time, so a tile of a retired generation can never be served, even if
//! a render finishes after the swap. The whole cache is also cleared when a generation goes live
//! (memory). Concurrent requests for the same missing tile render it once (quick_cache's
//! placeholder).

use std::io::Write;
use std::sync::{Arc, OnceLock};

use std::borrow::Cow;

use axum::body::Bytes;
use axum::http::HeaderValue;
use quick_cache::sync::Cache;
use quick_cache::Weighter;
use sha2::{Digest, Sha256};

use crate::tms::Tms;

/// What a tile is: the source (tileset id or archive name), grid, address, filter and generation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TileKey {
    /// A tileset id (static) or `file:` + an archive's name.
    pub source: Cow<'static, str>,
    pub tms: Tms,
    pub level: u8,
    pub col: u32,
    pub row: u32,
    pub municipality: Option<String>,
    pub generation: i64,
}

/// An encoded tile in the encodings it is served in.
#[derive(Debug)]
pub struct EncodedTile {
    /// Uncompressed MVT.
    pub raw: Bytes,
    /// gzip of `raw` (compressed once, when cached).
    pub gzip: Bytes,
    /// brotli of `raw`, compressed on first request.
    brotli: OnceLock<Bytes>,
    /// Hex SHA-256 prefix of `raw` (the strong ETag's base).
    pub hash: String,
    /// The strong ETags of the identity, gzip and brotli forms (`"hash"`, `"hash-gz"`,
    /// `"hash-br"`), built once.
    etags: [HeaderValue; 3],
}

impl EncodedTile {
    pub fn new(raw: Vec<u8>) -> Self {
        let gzip = gzip(&raw);
        Self::with_gzip(raw, gzip)
    }

    /// A tile whose gzip encoding is already known (read from an archive).
    pub fn with_gzip(raw: Vec<u8>, gzip: Vec<u8>) -> Self {
        let digest = Sha256::digest(&raw);
        let hash: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        // Hex digits and quotes: always a valid header value.
        let etag = |suffix: &str| {
            HeaderValue::from_str(&format!("\"{hash}{suffix}\""))
                .unwrap_or_else(|_| HeaderValue::from_static("\"0\""))
        };
        let etags = [etag(""), etag("-gz"), etag("-br")];
        EncodedTile {
            raw: Bytes::from(raw),
            gzip: Bytes::from(gzip),
            brotli: OnceLock::new(),
            hash,
            etags,
        }
    }

    /// The strong ETag of the identity (0), gzip (1) or brotli (2) form.
    pub fn etag(&self, form: usize) -> &HeaderValue {
        &self.etags[form.min(2)]
    }

    pub fn brotli(&self) -> &Bytes {
        self.brotli.get_or_init(|| Bytes::from(brotli(&self.raw)))
    }

    fn weight(&self) -> u64 {
        // The brotli form is usually smaller than gzip; count it up front.
        (self.raw.len() + 2 * self.gzip.len() + 256) as u64
    }
}

/// A cached answer: a tile, or "no features here" (204).
pub type Cached = Option<Arc<EncodedTile>>;

#[derive(Clone)]
struct TileWeighter;

impl Weighter<TileKey, Cached> for TileWeighter {
    fn weight(&self, _key: &TileKey, val: &Cached) -> u64 {
        val.as_ref().map(|t| t.weight()).unwrap_or(128)
    }
}

static HITS: OnceLock<metrics::Counter> = OnceLock::new();
static MISSES: OnceLock<metrics::Counter> = OnceLock::new();

/// A counter of the process's metrics recorder, looked up once (the server installs the
/// recorder before it serves a tile).
fn cache_metric(
    cell: &'static OnceLock<metrics::Counter>,
    name: &'static str,
) -> &'static metrics::Counter {
    cell.get_or_init(|| metrics::counter!(name))
}

/// The tile cache.
pub struct TileCache {
    cache: Option<Cache<TileKey, Cached, TileWeighter>>,
}

impl TileCache {
    /// A cache holding at most `max_bytes` of tiles (0: no caching).
    pub fn new(max_bytes: u64) -> Self {
        let cache = (max_bytes > 0).then(|| {
            let items = (max_bytes / 8192).clamp(64, 1_000_000) as usize;
            Cache::with_weighter(items, max_bytes, TileWeighter)
        });
        TileCache { cache }
    }

    /// The cached tile, or the one `render` produces (rendered once for concurrent requests).
    pub async fn get_or_render<F, E>(&self, key: &TileKey, render: F) -> Result<Cached, E>
    where
        F: std::future::Future<Output = Result<Cached, E>>,
    {
        match &self.cache {
            // The common case, a hit, without the placeholder machinery.
            Some(c) => match c.get(key) {
                Some(hit) => {
                    cache_metric(&HITS, "urbis_tile_cache_hits_total").increment(1);
                    Ok(hit)
                }
                None => {
                    cache_metric(&MISSES, "urbis_tile_cache_misses_total").increment(1);
                    let out = c.get_or_insert_async(key, render).await;
                    metrics::gauge!("urbis_tile_cache_bytes").set(c.weight() as f64);
                    out
                }
            },
            None => {
                cache_metric(&MISSES, "urbis_tile_cache_misses_total").increment(1);
                render.await
            }
        }
    }

    pub fn clear(&self) {
        if let Some(c) = &self.cache {
            c.clear();
            metrics::gauge!("urbis_tile_cache_bytes").set(0.0);
        }
    }

    /// Bytes held.
    pub fn weight(&self) -> u64 {
        self.cache.as_ref().map(|c| c.weight()).unwrap_or(0)
    }

    pub fn len(&self) -> usize {
        self.cache.as_ref().map(|c| c.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

pub fn gzip(raw: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(
        Vec::with_capacity(raw.len() / 2 + 64),
        flate2::Compression::new(6),
    );
    // Writing to a Vec cannot fail.
    let _ = e.write_all(raw);
    e.finish().unwrap_or_default()
}

pub fn brotli(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() / 2 + 64);
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
        let _ = w.write_all(raw);
    }
    out
}

/// Decompress gzip data of at most `limit` bytes decompressed.
pub fn gunzip(data: &[u8], limit: usize) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::new();
    let mut d = flate2::read::GzDecoder::new(data).take(limit as u64 + 1);
    d.read_to_end(&mut out)?;
    if out.len() > limit {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("decompressed data larger than {limit} bytes"),
        ));
    }
    Ok(out)
}

/// Decompress brotli data of at most `limit` bytes decompressed.
pub fn unbrotli(data: &[u8], limit: usize) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::new();
    brotli::Decompressor::new(data, 4096)
        .take(limit as u64 + 1)
        .read_to_end(&mut out)?;
    if out.len() > limit {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("decompressed data larger than {limit} bytes"),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(generation: i64) -> TileKey {
        TileKey {
            source: Cow::Borrowed("urbis"),
            tms: Tms::WebMercatorQuad,
            level: 16,
            col: 1,
            row: 2,
            municipality: None,
            generation,
        }
    }

    #[tokio::test]
    async fn renders_once_and_keys_by_generation() {
        let cache = TileCache::new(1 << 20);
        let calls = std::sync::atomic::AtomicUsize::new(0);
        for _ in 0..3 {
            let t = cache
                .get_or_render(&key(1), async {
                    calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    Ok::<_, ()>(Some(Arc::new(EncodedTile::new(vec![1, 2, 3]))))
                })
                .await
                .expect("ok");
            assert_eq!(t.map(|t| t.raw.to_vec()), Some(vec![1, 2, 3]));
        }
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
        // Another generation is another tile.
        let t = cache
            .get_or_render(&key(2), async { Ok::<_, ()>(None) })
            .await
            .expect("ok");
        assert!(t.is_none());
        assert_eq!(cache.len(), 2);
        cache.clear();
        assert!(cache.is_empty());
    }

    #[test]
    fn memory_bound_is_respected() {
        let cache = TileCache::new(200_000);
        let c = cache.cache.as_ref().expect("enabled");
        for i in 0..100 {
            let mut k = key(1);
            k.col = i;
            let raw: Vec<u8> = (0..10_000u32).map(|v| (v * 7919 % 251) as u8).collect();
            c.insert(k, Some(Arc::new(EncodedTile::new(raw))));
        }
        assert!(cache.weight() <= 200_000, "weight {}", cache.weight());
        assert!(cache.len() < 100);
    }

    #[test]
    fn compression_round_trips_and_etag_is_content_based() {
        let raw: Vec<u8> = (0..5000u32).map(|v| (v % 13) as u8).collect();
        let t = EncodedTile::new(raw.clone());
        assert_eq!(gunzip(&t.gzip, 1 << 20).expect("gunzip"), raw);
        assert_eq!(unbrotli(t.brotli(), 1 << 20).expect("brotli"), raw);
        assert_eq!(t.hash, EncodedTile::new(raw).hash);
        assert_ne!(t.hash, EncodedTile::new(vec![0]).hash);
        assert!(gunzip(&t.gzip, 100).is_err(), "limit enforced");
    }
}
