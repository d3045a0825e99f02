//! The admin API under `/api/admin/harvest` (admin API keys of the catalogue) and the
//! in-server scheduler.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use datastore_api::store::Role;
use serde_json::json;
use urbis_core::http::{check_known, Problem};

use crate::cron::Schedule;
use crate::job::{Harvester, RunError};

/// The admin routes.
pub fn router(h: Harvester) -> Router {
    Router::new()
        .route("/api/admin/harvest/sources", get(sources))
        .route("/api/admin/harvest/sources/{id}/run", post(run_source))
        .route("/api/admin/harvest/jobs", get(jobs))
        .route("/api/admin/harvest/jobs/{id}", get(job))
        .with_state(h)
}

async fn admin(h: &Harvester, headers: &HeaderMap) -> Result<(), Response> {
    let p = datastore_api::admin::authenticate(&h.catalog, headers).await?;
    if p.role != Role::Admin {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "harvest administration needs an admin key",
        )
        .into_response());
    }
    Ok(())
}

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!("harvest API: {e}");
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal error of the harvester (logged)",
    )
    .into_response()
}

async fn sources(State(h): State<Harvester>, headers: HeaderMap) -> Response {
    if let Err(r) = admin(&h, &headers).await {
        return r;
    }
    let mut out = Vec::new();
    for s in &h.settings.sources {
        let last = match h.db.jobs(Some(&s.id), 1).await {
            Ok(j) => j.into_iter().next(),
            Err(e) => return internal(e),
        };
        let last_success = h.db.last_success(&s.id).await.unwrap_or(None);
        let next_run = s
            .schedule
            .as_deref()
            .and_then(|c| Schedule::parse(c).ok())
            .and_then(|c| c.next_after(time::OffsetDateTime::now_utc()))
            .map(datastore_api::store::format_instant);
        out.push(json!({
            "id": s.id,
            "kind": s.kind.as_str(),
            "url": s.url,
            "schedule": s.schedule,
            "publisher": s.publisher,
            "language": s.language,
            "next_run": next_run,
            "last_success": last_success,
            "last_job": last,
        }));
    }
    Json(json!({ "sources": out })).into_response()
}

async fn run_source(
    State(h): State<Harvester>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    if let Err(r) = admin(&h, &headers).await {
        return r;
    }
    if let Err(p) = check_known(&q, &["force"]) {
        return p.into_response();
    }
    let force = match q.get("force").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(v) => {
            return Problem::bad_param("force", format!("`{v}` is not true or false"))
                .into_response()
        }
    };
    let job = match h.begin(&id, "api", force).await {
        Ok(j) => j,
        Err(RunError::UnknownSource(s)) => {
            return Problem::not_found(format!("no harvest source `{s}`")).into_response()
        }
        Err(RunError::Busy(s)) => {
            return Problem::new(
                StatusCode::CONFLICT,
                format!("a job of source `{s}` is already running"),
            )
            .into_response()
        }
        Err(e) => return internal(e),
    };
    let hh = h.clone();
    tokio::spawn(async move {
        if let Err(e) = hh.complete(job, &id, force, &|_| {}).await {
            tracing::error!("harvest job {job}: {e}");
        }
    });
    (
        StatusCode::ACCEPTED,
        [(axum::http::header::LOCATION, format!("/api/admin/harvest/jobs/{job}"))],
        Json(json!({ "job": job, "status": "running", "href": format!("/api/admin/harvest/jobs/{job}") })),
    )
        .into_response()
}

async fn jobs(
    State(h): State<Harvester>,
    headers: HeaderMap,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    if let Err(r) = admin(&h, &headers).await {
        return r;
    }
    if let Err(p) = check_known(&q, &["source", "limit"]) {
        return p.into_response();
    }
    let limit = match q.get("limit").map(|l| l.parse::<u32>()) {
        None => 50,
        Some(Ok(l)) if (1..=1000).contains(&l) => l,
        Some(_) => return Problem::bad_param("limit", "an integer from 1 to 1000").into_response(),
    };
    match h.db.jobs(q.get("source").map(String::as_str), limit).await {
        Ok(j) => Json(json!({ "jobs": j })).into_response(),
        Err(e) => internal(e),
    }
}

async fn job(
    State(h): State<Harvester>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    if let Err(r) = admin(&h, &headers).await {
        return r;
    }
    if let Err(p) = check_known(&q, &["status", "offset", "limit"]) {
        return p.into_response();
    }
    let Ok(id) = id.parse::<i64>() else {
        return Problem::not_found(format!("no harvest job `{}`", urbis_core::http::clip(&id)))
            .into_response();
    };
    let num = |k: &str, d: u32, max: u32| -> Result<u32, Problem> {
        match q.get(k).map(|v| v.parse::<u32>()) {
            None => Ok(d),
            Some(Ok(v)) if v <= max => Ok(v),
            _ => Err(Problem::bad_param(k, format!("an integer from 0 to {max}"))),
        }
    };
    let (offset, limit) = match (num("offset", 0, u32::MAX), num("limit", 1000, 10_000)) {
        (Ok(o), Ok(l)) => (o, l),
        (Err(p), _) | (_, Err(p)) => return p.into_response(),
    };
    let status = q.get("status").map(String::as_str);
    if let Some(s) = status {
        if !matches!(
            s,
            "created" | "updated" | "unchanged" | "linked" | "failed" | "missing" | "archived"
        ) {
            return Problem::bad_param(
                "status",
                "one of created, updated, unchanged, linked, failed, missing, archived",
            )
            .into_response();
        }
    }
    let j = match h.db.job(id).await {
        Ok(Some(j)) => j,
        Ok(None) => return Problem::not_found(format!("no harvest job {id}")).into_response(),
        Err(e) => return internal(e),
    };
    match h.db.job_records(id, status, offset, limit).await {
        Ok(records) => Json(json!({ "job": j, "records": records })).into_response(),
        Err(e) => internal(e),
    }
}

/// Run the sources' schedules until the process ends: each minute, start the sources whose
/// cron expression matches (a source already running is skipped).
pub async fn scheduler(h: Harvester) {
    let schedules: Vec<(String, Schedule)> = h
        .settings
        .sources
        .iter()
        .filter_map(|s| Some((s.id.clone(), Schedule::parse(s.schedule.as_deref()?).ok()?)))
        .collect();
    if schedules.is_empty() {
        return;
    }
    let mut next: Vec<Option<time::OffsetDateTime>> = schedules
        .iter()
        .map(|(_, s)| s.next_after(time::OffsetDateTime::now_utc()))
        .collect();
    loop {
        tokio::time::sleep(Duration::from_secs(20)).await;
        let now = time::OffsetDateTime::now_utc();
        for (i, (id, sch)) in schedules.iter().enumerate() {
            if next[i].is_some_and(|t| t <= now) {
                next[i] = sch.next_after(now);
                match h.begin(id, "schedule", false).await {
                    Ok(job) => {
                        let hh = h.clone();
                        let id = id.clone();
                        tokio::spawn(async move {
                            match hh.complete(job, &id, false, &|_| {}).await {
                                Ok(j) => tracing::info!("harvest {id}: job {} {}", j.id, j.status),
                                Err(e) => tracing::error!("harvest {id}: job {job}: {e}"),
                            }
                        });
                    }
                    Err(RunError::Busy(_)) => {
                        tracing::info!("harvest {id}: still running, scheduled run skipped")
                    }
                    Err(e) => tracing::error!("harvest {id}: {e}"),
                }
            }
        }
    }
}
