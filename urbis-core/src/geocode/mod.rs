//! The bilingual (French / Dutch) geocoder: free text, autocomplete, structured and reverse
//! search over the live dataset's addresses, streets and municipalities, entirely in memory.
//!
//! * [`normalize`]: accent and case folding, FR/NL abbreviations, Dutch compounds.
//! * [`number`]: house numbers in their real-world forms (`16A`, `12-14`, `16 bus 8`, `zn`).
//! * [`index`]: the token index (SymSpell typo tolerance, prefixes) built from a [`Dataset`].
//! * [`search`]: query evaluation and ranking.
//! * [`http`]: `/geocode...` (GeocodeJSON) and the official-compatible
//!   `/localization/Rest/Localize/...` endpoints.
//!
//! [`Geocoder`] keeps an index in step with the shared live dataset: when a new generation goes
//! live it rebuilds in the background and swaps; until then it serves the previous index and says
//! so (`stale`).

pub mod http;
pub mod index;
pub mod normalize;
pub mod number;
pub mod search;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio::sync::watch;

pub use index::GeocodeIndex;
pub use search::{Hit, Lang, MatchType, Qual, SearchOptions, Structured};

use crate::http::SharedDataset;
use crate::index::Dataset;

/// The geocoder of a live, swappable dataset.
pub struct Geocoder {
    dataset: Arc<SharedDataset>,
    index: watch::Sender<Option<Arc<GeocodeIndex>>>,
    building: AtomicBool,
}

/// An index and whether it lags behind the live dataset (a rebuild is under way).
pub struct Current {
    pub index: Arc<GeocodeIndex>,
    pub stale: bool,
}

/// Resets the `building` flag even if the build panics.
struct BuildGuard(Arc<Geocoder>);

impl Drop for BuildGuard {
    fn drop(&mut self) {
        self.0.building.store(false, Ordering::SeqCst);
    }
}

impl Geocoder {
    /// A geocoder following `dataset`. Call [`Geocoder::watch`] inside a runtime to rebuild as
    /// soon as the dataset changes (otherwise the first request after a change starts it).
    pub fn new(dataset: Arc<SharedDataset>) -> Arc<Self> {
        let (tx, _rx) = watch::channel(None);
        Arc::new(Geocoder {
            dataset,
            index: tx,
            building: AtomicBool::new(false),
        })
    }

    /// Build the index now, synchronously (CLI, tests, benchmarks).
    pub fn build_now(self: &Arc<Self>) -> Arc<GeocodeIndex> {
        let ds = self.dataset.borrow().clone();
        let ix = Arc::new(GeocodeIndex::build(ds));
        self.index.send_replace(Some(ix.clone()));
        ix
    }

    /// Start the background task that rebuilds the index whenever the dataset changes, and the
    /// first build. Needs a Tokio runtime.
    pub fn watch(self: &Arc<Self>) {
        let me = self.clone();
        let mut rx = self.dataset.subscribe();
        me.spawn_build();
        tokio::spawn(async move {
            while rx.changed().await.is_ok() {
                me.spawn_build();
            }
        });
    }

    fn is_current(&self, ix: &GeocodeIndex, ds: &Arc<Dataset>) -> bool {
        Arc::ptr_eq(&ix.dataset, ds)
    }

    /// Start a rebuild unless one is running; it loops until the index matches the live data.
    fn spawn_build(self: &Arc<Self>) {
        if self.building.swap(true, Ordering::SeqCst) {
            return;
        }
        let me = self.clone();
        tokio::spawn(async move {
            let _guard = BuildGuard(me.clone());
            loop {
                let ds = me.dataset.borrow().clone();
                let started = std::time::Instant::now();
                let built = tokio::task::spawn_blocking(move || GeocodeIndex::build(ds)).await;
                match built {
                    Ok(ix) => {
                        tracing::info!(
                            generation = ?ix.generation(),
                            "geocoder index built in {:.2?}: {} addresses, {} streets",
                            started.elapsed(),
                            ix.address_count(),
                            ix.street_count()
                        );
                        let live = me.dataset.borrow().clone();
                        let current = me.is_current(&ix, &live);
                        me.index.send_replace(Some(Arc::new(ix)));
                        if current {
                            break;
                        }
                    }
                    Err(e) => {
                        tracing::error!("geocoder index build failed: {e}");
                        break;
                    }
                }
            }
        });
    }

    /// The index to answer with: the current one, or the previous one (flagged stale) while the
    /// rebuild runs; waits for the first build.
    pub async fn current(self: &Arc<Self>) -> Option<Current> {
        let ds = self.dataset.borrow().clone();
        let cur = self.index.borrow().clone();
        if let Some(ix) = &cur {
            if self.is_current(ix, &ds) {
                return Some(Current {
                    index: ix.clone(),
                    stale: false,
                });
            }
        }
        self.spawn_build();
        if let Some(ix) = cur {
            return Some(Current {
                index: ix,
                stale: true,
            });
        }
        let mut rx = self.index.subscribe();
        let ix = rx.wait_for(|o| o.is_some()).await.ok()?.clone()?;
        let stale = !self.is_current(&ix, &self.dataset.borrow().clone());
        Some(Current { index: ix, stale })
    }
}

#[cfg(test)]
mod tests;
