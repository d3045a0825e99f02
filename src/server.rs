//! The HTTP server: mounts the crates' routers, adds `/health`, `/metrics`, request limits,
//! compression, CORS, tracing, and keeps the in-memory dataset in step with the store.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use serde_json::json;
use tokio::sync::watch;
use tower_http::compression::predicate::{DefaultPredicate, Predicate};
use tower_http::compression::CompressionLayer;
use tower_http::cors::CorsLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use urbis_core::http::{CoreState, OgcExtension, Problem, SharedDataset};
use urbis_core::store::{FeatureStore, SqliteStore};
use urbis_core::{CrsEngine, Dataset};

use crate::config::Config;

/// What the modules' `mount` functions get from the server.
#[derive(Clone)]
#[allow(dead_code)] // until every module reads every field
pub struct ServerContext {
    pub cfg: Config,
    pub store: SqliteStore,
    /// The live dataset; `dataset.subscribe()` is notified when a new generation goes live.
    pub dataset: Arc<SharedDataset>,
    pub engine: CrsEngine,
    /// The catalogue, set by the catalogue's `mount` (mounted before the harvester's).
    pub catalog: Arc<std::sync::OnceLock<datastore_api::CatalogState>>,
}

/// A module's routes and its contribution to the `/ogc` root.
#[derive(Default)]
pub struct Mounted {
    pub router: Router,
    pub ogc: Option<Arc<dyn OgcExtension>>,
}

#[derive(Clone)]
struct AppState {
    store: SqliteStore,
    dataset: Arc<SharedDataset>,
    metrics: PrometheusHandle,
}

/// Install the Prometheus recorder (once per process).
fn prometheus() -> Result<PrometheusHandle> {
    PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full("http_request_duration_seconds".into()),
            &[
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
            ],
        )
        .context("metrics buckets")?
        .install_recorder()
        .context("cannot install the metrics recorder")
}

fn record_dataset_metrics(ds: &Dataset) {
    if let Some(g) = ds.generation() {
        metrics::gauge!("urbis_generation").set(g.id as f64);
    }
    for l in ds.layers() {
        metrics::gauge!("urbis_features", "layer" => l.layer().id()).set(l.len() as f64);
    }
}

/// The request counter and duration histogram of one (route, method, status).
struct RouteMetrics {
    method: axum::http::Method,
    status: u16,
    requests: metrics::Counter,
    duration: metrics::Histogram,
}

/// Metric handles by route, registered once: building a labelled key and looking it up in the
/// registry on every request costs more than serving a cached tile.
type MetricHandles = std::sync::RwLock<std::collections::HashMap<String, Vec<RouteMetrics>>>;

fn metric_handles() -> &'static MetricHandles {
    static HANDLES: std::sync::OnceLock<MetricHandles> = std::sync::OnceLock::new();
    HANDLES.get_or_init(Default::default)
}

fn record_request(route: &str, method: &axum::http::Method, status: u16, secs: f64) {
    let handles = metric_handles();
    if let Ok(map) = handles.read() {
        if let Some(m) = map
            .get(route)
            .and_then(|v| v.iter().find(|m| m.status == status && m.method == method))
        {
            m.requests.increment(1);
            m.duration.record(secs);
            return;
        }
    }
    let (route_s, method_s) = (route.to_owned(), method.to_string());
    let m = RouteMetrics {
        method: method.clone(),
        status,
        requests: metrics::counter!("http_requests_total", "method" => method_s.clone(), "route" => route_s.clone(), "status" => status.to_string()),
        duration: metrics::histogram!("http_request_duration_seconds", "method" => method_s, "route" => route_s),
    };
    m.requests.increment(1);
    m.duration.record(secs);
    if let Ok(mut map) = handles.write() {
        let v = map.entry(route.to_owned()).or_default();
        // Bounded: methods × statuses per route actually seen.
        if v.len() < 256 {
            v.push(m);
        }
    }
}

async fn track_metrics(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req.extensions().get::<MatchedPath>().cloned();
    let method = req.method().clone();
    let resp = next.run(req).await;
    record_request(
        route.as_ref().map_or("unmatched", |p| p.as_str()),
        &method,
        resp.status().as_u16(),
        start.elapsed().as_secs_f64(),
    );
    resp
}

async fn health(State(state): State<AppState>) -> Response {
    let db_ok = sqlx::query_scalar::<_, i64>("SELECT 1")
        .fetch_one(state.store.pool())
        .await
        .is_ok();
    let ds = state.dataset.borrow().clone();
    let layers: serde_json::Map<String, serde_json::Value> = ds
        .layers()
        .map(|l| (l.layer().id().to_string(), json!(l.len())))
        .collect();
    let body = json!({
        "status": if db_ok { "ok" } else { "unavailable" },
        "store": if db_ok { "ok" } else { "unreachable" },
        "generation": ds.generation().map(|g| json!({"id": g.id, "source": g.source, "finished_at": g.finished_at})),
        "layers": layers,
    });
    let status = if db_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

async fn metrics_handler(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}

/// On-the-fly compression would break byte ranges and the ETag of files served with
/// `Accept-Ranges: bytes` (prepared downloads), and gains nothing on zip archives.
#[derive(Clone, Copy)]
struct NotRangedOrZipped;

impl Predicate for NotRangedOrZipped {
    fn should_compress<B>(&self, response: &axum::http::Response<B>) -> bool
    where
        B: axum::body::HttpBody,
    {
        let h = response.headers();
        !h.contains_key(header::ACCEPT_RANGES)
            && !h
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|t| t.starts_with("application/zip"))
    }
}

/// The request-size and timeout layers answer in plain text (or with no body); clients of every
/// API here expect an RFC 9457 problem document instead.
fn plain_errors_as_problems<B>(resp: axum::http::Response<B>) -> Response
where
    B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    let resp = boxed_body(resp);
    let status = resp.status();
    if status != StatusCode::PAYLOAD_TOO_LARGE && status != StatusCode::REQUEST_TIMEOUT {
        return resp;
    }
    let plain = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|t| t.starts_with("text/plain"));
    if !plain {
        return resp;
    }
    let detail = if status == StatusCode::PAYLOAD_TOO_LARGE {
        "the request body is larger than this server accepts (`max_body_bytes`)"
    } else {
        "the request took longer than this server allows (`request_timeout_secs`)"
    };
    Problem::new(status, detail).into_response()
}

/// XYZ tile requests (`GET`/`HEAD /tiles/…/{y}.mvt|.pbf` without a body) are the hot path of
/// a map server: they skip the layers that cannot apply to them (body limit, compression: tiles
/// carry their own `Content-Encoding`; tracing spans; the timeout, as a tile is answered from
/// the cache or rendered in milliseconds). They keep the per-route metrics and get the headers
/// `CorsLayer::permissive()` gives a simple (non-preflight) request; preflights and everything
/// else take the full stack. Cached tiles per second: about +10 % (docs/BENCHMARKS.md).
#[derive(Clone)]
struct TileFastPath<T, F> {
    tiles: T,
    full: F,
}

fn is_tile_request(req: &Request) -> bool {
    let path = req.uri().path();
    (req.method() == axum::http::Method::GET || req.method() == axum::http::Method::HEAD)
        && path.starts_with("/tiles/")
        && (path.ends_with(".mvt") || path.ends_with(".pbf"))
        && !req.headers().contains_key(header::TRANSFER_ENCODING)
        && req
            .headers()
            .get(header::CONTENT_LENGTH)
            .is_none_or(|v| v.as_bytes() == b"0")
}

/// The `Vary` of CORS responses (as tower-http's CORS layer sends it).
const CORS_VARY: &str = "origin, access-control-request-method, access-control-request-headers";

type BoxedResponseFuture = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<Response, std::convert::Infallible>> + Send>,
>;

impl<T, F> tower::Service<Request> for TileFastPath<T, F>
where
    T: tower::Service<Request, Response = Response, Error = std::convert::Infallible>,
    T::Future: Send + 'static,
    F: tower::Service<Request, Response = Response, Error = std::convert::Infallible>,
    F::Future: Send + 'static,
{
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future = BoxedResponseFuture;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        // Both are routers behind layers that are always ready.
        match (self.tiles.poll_ready(cx), self.full.poll_ready(cx)) {
            (std::task::Poll::Ready(Ok(())), std::task::Poll::Ready(Ok(()))) => {
                std::task::Poll::Ready(Ok(()))
            }
            _ => std::task::Poll::Pending,
        }
    }

    fn call(&mut self, req: Request) -> Self::Future {
        if is_tile_request(&req) {
            let fut = self.tiles.call(req);
            Box::pin(async move {
                let mut resp = fut.await?;
                // What `CorsLayer::permissive()` adds to a simple (non-preflight) request.
                let h = resp.headers_mut();
                h.append(header::VARY, HeaderValue::from_static(CORS_VARY));
                h.insert(
                    header::ACCESS_CONTROL_ALLOW_ORIGIN,
                    HeaderValue::from_static("*"),
                );
                h.insert(
                    header::ACCESS_CONTROL_EXPOSE_HEADERS,
                    HeaderValue::from_static("*"),
                );
                Ok(resp)
            })
        } else {
            Box::pin(self.full.call(req))
        }
    }
}

/// A response with axum's body type (what the timeout layer needs to build its own).
fn boxed_body<B>(resp: axum::http::Response<B>) -> Response
where
    B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    resp.map(Body::new)
}

async fn not_found(req: Request<Body>) -> Problem {
    Problem::not_found(format!("no resource at {}", req.uri().path()))
}

/// Build the application router.
fn app(mut core: CoreState, state: AppState, modules: Vec<Mounted>) -> Router {
    let mut extra = Router::new();
    for m in modules {
        if let Some(ext) = m.ogc {
            core = core.with_extension(ext);
        }
        extra = extra.merge(m.router);
    }
    let ops = Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics_handler))
        .with_state(state);
    let geocoder = urbis_core::geocode::http::router(core.dataset.clone(), core.engine.clone());
    Router::new()
        .merge(urbis_core::http::router(core))
        .merge(geocoder)
        .merge(extra)
        .merge(ops)
        .fallback(not_found)
        // Inside the router: it reads the matched route.
        .layer(middleware::from_fn(track_metrics))
}

/// Watch the store for a new live generation and swap the in-memory dataset when one appears.
async fn reload_loop(store: SqliteStore, dataset: Arc<SharedDataset>, every: Duration) {
    let store_dyn: Arc<dyn FeatureStore> = Arc::new(store.clone());
    loop {
        tokio::time::sleep(every).await;
        let current = dataset.borrow().generation().map(|g| g.id);
        let live = match store.live_generation().await {
            Ok(g) => g.map(|g| g.id),
            Err(e) => {
                tracing::warn!("cannot read the store: {e}");
                continue;
            }
        };
        if live.is_none() || live == current {
            continue;
        }
        let started = Instant::now();
        match Dataset::load(store_dyn.clone()).await {
            Ok(ds) => {
                tracing::info!(
                    generation = ?ds.generation().map(|g| g.id),
                    "new generation live, index rebuilt in {:.2?}",
                    started.elapsed()
                );
                record_dataset_metrics(&ds);
                dataset.send_replace(Arc::new(ds));
                if let Err(e) = store.purge().await {
                    tracing::warn!("purge of retired generations failed: {e}");
                }
            }
            Err(e) => tracing::error!("cannot load the new generation: {e}"),
        }
    }
}

pub fn crs_engine(cfg: &Config) -> Result<CrsEngine> {
    match &cfg.crs.grid {
        Some(p) => CrsEngine::with_grid(p)
            .with_context(|| format!("cannot load the CRS grid {}", p.display())),
        None => Ok(CrsEngine::helmert()),
    }
}

/// Open the store, import the sample on first start, load the index and serve until stopped.
pub async fn serve(cfg: Config) -> Result<()> {
    let metrics = prometheus()?;
    let engine = crs_engine(&cfg)?;
    let store_path = cfg.store_path();
    let store = SqliteStore::open(&store_path)
        .await
        .with_context(|| format!("cannot open the store {}", store_path.display()))?;
    let recovered = store.recover().await?;
    if !recovered.is_empty() {
        tracing::warn!("closed interrupted imports {recovered:?} as failed");
    }
    if store.live_generation().await?.is_none() {
        match &cfg.data.sample {
            Some(sample) if sample.exists() => {
                tracing::info!("empty store: importing the sample {}", sample.display());
                let opts = urbis_core::import::ImportOptions {
                    engine: engine.clone(),
                    ..Default::default()
                };
                let summary = urbis_core::import::import_path(
                    Arc::new(store.clone()),
                    sample,
                    &opts,
                    &mut |_| {},
                )
                .await?;
                tracing::info!(
                    "sample imported: {} in {:.2?}",
                    summary
                        .layers
                        .iter()
                        .map(|(l, s)| format!("{} {l}", s.imported))
                        .collect::<Vec<_>>()
                        .join(", "),
                    summary.duration
                );
            }
            Some(sample) => tracing::warn!(
                "empty store and no sample at {}: run `urbis generate` or `urbis import`",
                sample.display()
            ),
            None => tracing::warn!("empty store: run `urbis import <file>`"),
        }
    }
    let started = Instant::now();
    let ds = Dataset::load(Arc::new(store.clone())).await?;
    tracing::info!(
        "index built in {:.2?}: {}",
        started.elapsed(),
        ds.layers()
            .map(|l| format!("{} {}", l.len(), l.layer()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    record_dataset_metrics(&ds);
    let (tx, _rx) = watch::channel(Arc::new(ds));
    let dataset = Arc::new(tx);

    let core = CoreState::new(
        dataset.clone(),
        engine.clone(),
        cfg.server.public_url.clone(),
    );
    let state = AppState {
        store: store.clone(),
        dataset: dataset.clone(),
        metrics,
    };
    let ctx = ServerContext {
        cfg: cfg.clone(),
        store: store.clone(),
        dataset: dataset.clone(),
        engine,
        catalog: Arc::new(std::sync::OnceLock::new()),
    };
    let modules = vec![
        crate::tiles::mount(&ctx).await.context("tiles")?,
        crate::downloads::mount(&ctx).await.context("downloads")?,
        crate::catalog::mount(&ctx).await.context("catalogue")?,
        crate::harvest::mount(&ctx).await.context("harvester")?,
    ];
    let router = app(core, state, modules);
    tokio::spawn(reload_loop(
        store,
        dataset,
        Duration::from_secs(cfg.data.reload_interval_secs.max(1)),
    ));

    let listener = tokio::net::TcpListener::bind(&cfg.server.listen)
        .await
        .with_context(|| format!("cannot listen on {}", cfg.server.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!("urbis listening on http://{addr}");
    println!("urbis listening on http://{addr} (OGC API Features at http://{addr}/ogc)");
    // The server-wide layers (outermost first) wrap the router once, as one service cloned
    // per connection: `Router::layer` would clone the whole stack on every request, a
    // measurable share of the cost of a cached tile.
    let full = tower::ServiceBuilder::new()
        .map_response(plain_errors_as_problems)
        .layer(TraceLayer::new_for_http())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(cfg.server.request_timeout_secs),
        ))
        .map_response(boxed_body)
        .layer(RequestBodyLimitLayer::new(cfg.server.max_body_bytes))
        .layer(CorsLayer::permissive())
        .layer(
            CompressionLayer::new().compress_when(DefaultPredicate::new().and(NotRangedOrZipped)),
        )
        .service(router.clone());
    let tiles = router;
    let service = TileFastPath { tiles, full };
    axum::serve(
        listener,
        axum::ServiceExt::<Request>::into_make_service(service),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .context("server error")
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: &str, path: &str, headers: &[(&str, &str)]) -> Request {
        let mut b = Request::builder().method(method).uri(path);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(Body::empty()).expect("request")
    }

    #[test]
    fn tile_fast_path_takes_only_body_less_tile_reads() {
        assert!(is_tile_request(&req("GET", "/tiles/urbis/16/1/2.mvt", &[])));
        assert!(is_tile_request(&req(
            "HEAD",
            "/tiles/urbis/16/1/2.pbf",
            &[]
        )));
        assert!(is_tile_request(&req(
            "GET",
            "/tiles/urbis/16/1/2.mvt?municipality=21004",
            &[("content-length", "0")]
        )));
        assert!(!is_tile_request(&req(
            "POST",
            "/tiles/urbis/16/1/2.mvt",
            &[]
        )));
        assert!(!is_tile_request(&req(
            "OPTIONS",
            "/tiles/urbis/16/1/2.mvt",
            &[]
        )));
        assert!(!is_tile_request(&req(
            "GET",
            "/tiles/urbis/16/1/2.mvt",
            &[("content-length", "5")]
        )));
        assert!(!is_tile_request(&req(
            "GET",
            "/tiles/urbis/16/1/2.mvt",
            &[("transfer-encoding", "chunked")]
        )));
        assert!(!is_tile_request(&req("GET", "/tiles/urbis.json", &[])));
        assert!(!is_tile_request(&req("GET", "/tiles/urbis/16/", &[])));
        assert!(!is_tile_request(&req(
            "GET",
            "/ogc/tiles/WebMercatorQuad/1/0/0",
            &[]
        )));
    }
}
