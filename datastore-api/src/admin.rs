//! The authenticated admin API: `/api/admin/...`.
//!
//! Clients send `Authorization: Bearer <key>`. A key is `urbis_<id>.<secret>`; the store keeps
//! only `sha256(salt ‖ secret)` with a random salt, so a leaked database reveals no key. Roles:
//! **admin** (every record, publishers, keys, the whole audit log) and **officer** (the local
//! records of one publisher). Keys are made with `urbis catalog key create --role
//! admin|officer [--publisher ID]`, which prints the key once. For tests and first start, the
//! environment variable `URBIS_ADMIN_KEY` adds one admin key (actor `admin:bootstrap`) held in
//! memory only.
//!
//! | route | role | |
//! |---|---|---|
//! | `POST /api/admin/datasets` | admin, officer | create a local record (unpublished) → 201 |
//! | `GET /api/admin/datasets/{id}` | admin, officer | any state |
//! | `PUT /api/admin/datasets/{id}` | admin, officer | replace a local record (keeps its publication state) |
//! | `DELETE /api/admin/datasets/{id}` | admin, officer | → 204 |
//! | `POST /api/admin/datasets/{id}/publish`, `/unpublish` | admin, officer | |
//! | `GET /api/admin/audit?target=&before=&limit=` | admin (officer: own records with `target`) | newest first |
//! | `PUT /api/admin/publishers/{id}`, `DELETE` | admin | |
//! | `POST /api/admin/keys`, `DELETE /api/admin/keys/{id}` | admin | |
//!
//! Missing or unknown keys answer 401 (with `WW-Authenticate: Bearer`), a role or publisher
//! that does not allow the change 403, records managed by the server or the harvester 409, and
//! invalid bodies 422 problem+json with an `errors` list of `{field, message}`. Every change is
//! written to the audit log with the key's actor (`admin:<key id>`, `officer:<key id>`).

// Handlers' helpers return the finished error response; boxing it would only add noise.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use urbis_core::http::{check_known, clip, Problem};

use crate::model::{Agent, Dataset, FieldError, Origin};
use crate::store::{now, ApiKeyRecord, CatalogError, Role};
use crate::CatalogState;

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Audit name: `admin:<key id>`, `officer:<key id>`.
    pub actor: String,
    pub role: Role,
    pub publisher: Option<String>,
}

/// The in-memory bootstrap key (`URBIS_ADMIN_KEY`), as a SHA-256 digest.
#[derive(Clone)]
pub struct BootstrapKey(Arc<[u8; 32]>);

impl BootstrapKey {
    pub fn new(key: &str) -> Option<BootstrapKey> {
        let key = key.trim();
        if key.len() < 16 {
            return None;
        }
        Some(BootstrapKey(Arc::new(
            Sha256::digest(key.as_bytes()).into(),
        )))
    }
}

impl std::fmt::Debug for BootstrapKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BootstrapKey(..)")
    }
}

fn hash(salt: &str, secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update(secret.as_bytes());
    hex::encode(h.finalize())
}

/// Equality that takes the same time wherever the inputs differ.
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn random_hex(bytes: usize) -> Result<String, CatalogError> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf)
        .map_err(|e| CatalogError::Other(format!("no randomness available: {e}")))?;
    Ok(hex::encode(buf))
}

/// Create a key; returns `(id, the key to give the client)`. The key is not stored.
pub async fn create_key(
    state: &CatalogState,
    role: Role,
    publisher: Option<&str>,
    label: Option<&str>,
    actor: &str,
) -> Result<(String, String), CatalogError> {
    if role == Role::Officer {
        let Some(p) = publisher else {
            return Err(CatalogError::Other(
                "an officer key needs a publisher".into(),
            ));
        };
        if state.store.get_publisher(p).await?.is_none() {
            return Err(CatalogError::Other(format!("no publisher `{p}`")));
        }
    }
    let id = random_hex(6)?;
    let secret = random_hex(32)?;
    let salt = random_hex(16)?;
    let rec = ApiKeyRecord {
        id: id.clone(),
        hash: hash(&salt, &secret),
        salt,
        role,
        publisher: if role == Role::Officer {
            publisher.map(str::to_string)
        } else {
            None
        },
        label: label.map(str::to_string),
        created_at: now(),
        revoked_at: None,
    };
    state.store.put_api_key(&rec, actor).await?;
    Ok((id.clone(), format!("urbis_{id}.{secret}")))
}

fn unauthorized(detail: &str) -> Response {
    let body = json!({
        "type": "about:blank",
        "title": "Unauthorized",
        "status": 401,
        "detail": detail,
    });
    (
        StatusCode::UNAUTHORIZED,
        [
            (header::CONTENT_TYPE, "application/problem+json"),
            (header::WWW_AUTHENTICATE, "Bearer realm=\"urbis-admin\""),
        ],
        body.to_string(),
    )
        .into_response()
}

fn forbidden(detail: impl Into<String>) -> Response {
    Problem::new(StatusCode::FORBIDDEN, detail).into_response()
}

fn conflict(detail: impl Into<String>) -> Response {
    Problem::new(StatusCode::CONFLICT, detail).into_response()
}

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!("catalogue admin: {e}");
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "the catalogue is unavailable",
    )
    .into_response()
}

/// 422 with the list of field errors.
pub fn unprocessable(errors: &[FieldError]) -> Response {
    let body = json!({
        "type": "about:blank",
        "title": "Unprocessable Content",
        "status": 422,
        "detail": format!(
            "{} invalid field{}: {}",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" },
            errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>().join(", ")
        ),
        "errors": errors,
    });
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        [(header::CONTENT_TYPE, "application/problem+json")],
        body.to_string(),
    )
        .into_response()
}

/// Authenticate the request's bearer key.
pub async fn authenticate(
    state: &CatalogState,
    headers: &HeaderMap,
) -> Result<Principal, Response> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(unauthorized(
            "an API key is required: Authorization: Bearer <key>",
        ));
    };
    let value = value
        .to_str()
        .map_err(|_| unauthorized("malformed Authorization header"))?;
    let Some(key) = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
    else {
        return Err(unauthorized("the Authorization scheme must be Bearer"));
    };
    if key.len() > 200 {
        return Err(unauthorized("unknown API key"));
    }
    if let Some(b) = &state.bootstrap_key {
        let digest: [u8; 32] = Sha256::digest(key.as_bytes()).into();
        if ct_eq(&digest, &b.0[..]) {
            return Ok(Principal {
                actor: "admin:bootstrap".into(),
                role: Role::Admin,
                publisher: None,
            });
        }
    }
    let Some((id, secret)) = key.strip_prefix("urbis_").and_then(|k| k.split_once('.')) else {
        return Err(unauthorized("unknown API key"));
    };
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(unauthorized("unknown API key"));
    }
    let rec = state
        .store
        .get_api_key(id)
        .await
        .map_err(internal)?
        .ok_or_else(|| unauthorized("unknown API key"))?;
    if !ct_eq(hash(&rec.salt, secret).as_bytes(), rec.hash.as_bytes()) {
        return Err(unauthorized("unknown API key"));
    }
    if rec.revoked_at.is_some() {
        return Err(unauthorized("this API key was revoked"));
    }
    Ok(Principal {
        actor: format!("{}:{}", rec.role.as_str(), rec.id),
        role: rec.role,
        publisher: rec.publisher,
    })
}

fn require_admin(p: &Principal) -> Result<(), Response> {
    if p.role == Role::Admin {
        Ok(())
    } else {
        Err(forbidden("this needs an admin key"))
    }
}

/// May `p` change `ds` (an existing or proposed record)?
fn may_edit(p: &Principal, ds: &Dataset) -> Result<(), Response> {
    match ds.record.origin {
        Origin::System => {
            return Err(conflict(format!(
                "`{}` is managed by the server (UrbIS layers) and cannot be edited",
                ds.id
            )))
        }
        Origin::Harvested if p.role != Role::Admin => {
            return Err(forbidden(format!(
                "`{}` is harvested; only an admin may change it",
                ds.id
            )))
        }
        _ => {}
    }
    if p.role == Role::Officer && ds.publisher != p.publisher {
        return Err(forbidden(format!(
            "this key manages the records of publisher `{}` only",
            p.publisher.as_deref().unwrap_or("")
        )));
    }
    Ok(())
}

/// Parse a JSON body; 400 for malformed JSON, 422 for a wrong shape.
fn parse_body<T: for<'de> Deserialize<'de>>(body: &Bytes) -> Result<T, Response> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            format!("the body is not JSON: {e}"),
        )
        .into_response()
    })?;
    serde_json::from_value(value).map_err(|e| {
        let msg = e.to_string();
        let field = msg
            .split('`')
            .nth(1)
            .filter(|_| msg.starts_with("unknown field") || msg.starts_with("missing field"))
            .unwrap_or("(body)")
            .to_string();
        unprocessable(&[FieldError {
            field,
            message: clip_msg(&msg),
        }])
    })
}

fn clip_msg(s: &str) -> String {
    s.chars().take(300).collect()
}

fn json_status(status: StatusCode, v: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        v.to_string(),
    )
        .into_response()
}

/// Validate a record for writing: model rules and references.
async fn check(state: &CatalogState, ds: &Dataset) -> Result<(), Response> {
    let mut errors = ds.validate();
    if let Some(p) = &ds.publisher {
        if crate::model::is_id(p)
            && state
                .store
                .get_publisher(p)
                .await
                .map_err(internal)?
                .is_none()
        {
            errors.push(FieldError {
                field: "publisher".into(),
                message: format!("no publisher `{}`", clip(p)),
            });
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(unprocessable(&errors))
    }
}

fn write_err(e: CatalogError) -> Response {
    match e {
        CatalogError::Conflict(m) => conflict(m),
        e => internal(e),
    }
}

async fn create_dataset(
    State(state): State<CatalogState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let p = match authenticate(&state, &headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let mut ds: Dataset = match parse_body(&body) {
        Ok(d) => d,
        Err(r) => return r,
    };
    if p.role == Role::Officer && ds.publisher.is_none() {
        ds.publisher = p.publisher.clone();
    }
    ds.record = Default::default();
    ds.record.origin = Origin::Local;
    if let Err(r) = may_edit(&p, &ds) {
        return r;
    }
    if let Err(r) = check(&state, &ds).await {
        return r;
    }
    match state.store.get_dataset(&ds.id).await {
        Ok(Some(_)) => {
            return conflict(format!(
                "a record `{}` exists; use PUT to replace it",
                ds.id
            ))
        }
        Ok(None) => {}
        Err(e) => return internal(e),
    }
    match state.put_dataset(&ds, &p.actor).await {
        Ok(stored) => {
            let base = state.base_url(&headers);
            let mut r = json_status(
                StatusCode::CREATED,
                &crate::api::record_json(&state, stored, &base),
            );
            if let Ok(loc) = format!("{base}/api/admin/datasets/{}", ds.id).parse() {
                r.headers_mut().insert(header::LOCATION, loc);
            }
            r
        }
        Err(e) => write_err(e),
    }
}

async fn existing(state: &CatalogState, id: &str) -> Result<Dataset, Response> {
    state
        .store
        .get_dataset(id)
        .await
        .map_err(internal)?
        .ok_or_else(|| Problem::not_found(format!("no record `{}`", clip(id))).into_response())
}

async fn show_dataset(
    State(state): State<CatalogState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let p = match authenticate(&state, &headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ds = match existing(&state, &id).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    if p.role == Role::Officer && ds.publisher != p.publisher {
        return forbidden("this record belongs to another publisher");
    }
    let base = state.base_url(&headers);
    json_status(StatusCode::OK, &crate::api::record_json(&state, ds, &base))
}

async fn replace_dataset(
    State(state): State<CatalogState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let p = match authenticate(&state, &headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let old = match existing(&state, &id).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    if let Err(r) = may_edit(&p, &old) {
        return r;
    }
    let mut ds: Dataset = match parse_body(&body) {
        Ok(d) => d,
        Err(r) => return r,
    };
    if ds.id != id {
        return unprocessable(&[FieldError {
            field: "id".into(),
            message: format!("must be `{}` (the id in the URL)", clip(&id)),
        }]);
    }
    if p.role == Role::Officer && ds.publisher.is_none() {
        ds.publisher = p.publisher.clone();
    }
    ds.record = old.record.clone();
    if let Err(r) = may_edit(&p, &ds) {
        return r;
    }
    if let Err(r) = check(&state, &ds).await {
        return r;
    }
    match state.put_dataset(&ds, &p.actor).await {
        Ok(stored) => {
            let base = state.base_url(&headers);
            json_status(
                StatusCode::OK,
                &crate::api::record_json(&state, stored, &base),
            )
        }
        Err(e) => write_err(e),
    }
}

async fn delete_dataset(
    State(state): State<CatalogState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let p = match authenticate(&state, &headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let old = match existing(&state, &id).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    if let Err(r) = may_edit(&p, &old) {
        return r;
    }
    match state.delete_dataset(&id, &p.actor).await {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => write_err(e),
    }
}

async fn set_published(
    state: CatalogState,
    headers: HeaderMap,
    id: String,
    publish: bool,
) -> Response {
    let p = match authenticate(&state, &headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let old = match existing(&state, &id).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    // Publication state of server-managed records may be changed by an admin.
    if !(old.record.origin == Origin::System && p.role == Role::Admin) {
        if let Err(r) = may_edit(&p, &old) {
            return r;
        }
    }
    match state.set_published(&id, publish, &p.actor).await {
        Ok(Some(d)) => {
            let base = state.base_url(&headers);
            json_status(StatusCode::OK, &crate::api::record_json(&state, d, &base))
        }
        Ok(None) => Problem::not_found(format!("no record `{}`", clip(&id))).into_response(),
        Err(e) => write_err(e),
    }
}

async fn publish(
    State(state): State<CatalogState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    set_published(state, headers, id, true).await
}

async fn unpublish(
    State(state): State<CatalogState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    set_published(state, headers, id, false).await
}

async fn audit(
    State(state): State<CatalogState>,
    headers: HeaderMap,
    Query(params): Query<BTreeMap<String, String>>,
) -> Response {
    let p = match authenticate(&state, &headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Err(e) = check_known(&params, &["target", "before", "limit"]) {
        return e.into_response();
    }
    let target = params.get("target").map(String::as_str);
    if p.role == Role::Officer {
        let Some(t) = target else {
            return forbidden("an officer key reads the audit of one of its records (`target=`)");
        };
        match state.store.get_dataset(t).await {
            Ok(Some(d)) if d.publisher == p.publisher => {}
            Ok(_) => return forbidden("this record belongs to another publisher"),
            Err(e) => return internal(e),
        }
    }
    let before = match params.get("before").map(|b| b.parse::<i64>()) {
        None => None,
        Some(Ok(b)) => Some(b),
        Some(Err(_)) => {
            return Problem::bad_param("before", "not an audit entry id").into_response()
        }
    };
    let limit = match params.get("limit").map(|l| l.parse::<u32>()) {
        None => 100,
        Some(Ok(l)) if (1..=1000).contains(&l) => l,
        Some(_) => return Problem::bad_param("limit", "must be within 1..1000").into_response(),
    };
    match state.store.audit(target, before, limit).await {
        Ok(entries) => json_status(StatusCode::OK, &json!({ "items": entries })),
        Err(e) => internal(e),
    }
}

async fn put_publisher(
    State(state): State<CatalogState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let p = match authenticate(&state, &headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Err(r) = require_admin(&p) {
        return r;
    }
    let agent: Agent = match parse_body(&body) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let mut errors = agent.validate();
    if agent.id != id {
        errors.push(FieldError {
            field: "id".into(),
            message: format!("must be `{}` (the id in the URL)", clip(&id)),
        });
    }
    if !errors.is_empty() {
        return unprocessable(&errors);
    }
    let existed = match state.store.get_publisher(&id).await {
        Ok(a) => a.is_some(),
        Err(e) => return internal(e),
    };
    match state.store.put_publisher(&agent, &p.actor).await {
        Ok(()) => json_status(
            if existed {
                StatusCode::OK
            } else {
                StatusCode::CREATED
            },
            &serde_json::to_value(&agent).unwrap_or(Value::Null),
        ),
        Err(e) => write_err(e),
    }
}

async fn delete_publisher(
    State(state): State<CatalogState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let p = match authenticate(&state, &headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Err(r) = require_admin(&p) {
        return r;
    }
    match state.store.delete_publisher(&id, &p.actor).await {
        Ok(true) => StatusCode::NO_CONTENT.into_response(),
        Ok(false) => Problem::not_found(format!("no publisher `{}`", clip(&id))).into_response(),
        Err(e) => write_err(e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewKey {
    role: String,
    #[serde(default)]
    publisher: Option<String>,
    #[serde(default)]
    label: Option<String>,
}

async fn post_key(State(state): State<CatalogState>, headers: HeaderMap, body: Bytes) -> Response {
    let p = match authenticate(&state, &headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Err(r) = require_admin(&p) {
        return r;
    }
    let req: NewKey = match parse_body(&body) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let Some(role) = Role::parse(&req.role) else {
        return unprocessable(&[FieldError {
            field: "role".into(),
            message: "must be admin or officer".into(),
        }]);
    };
    if role == Role::Officer && req.publisher.is_none() {
        return unprocessable(&[FieldError {
            field: "publisher".into(),
            message: "an officer key needs a publisher".into(),
        }]);
    }
    if req
        .label
        .as_deref()
        .is_some_and(|l| l.chars().count() > 200)
    {
        return unprocessable(&[FieldError {
            field: "label".into(),
            message: "longer than 200 characters".into(),
        }]);
    }
    match create_key(
        &state,
        role,
        req.publisher.as_deref(),
        req.label.as_deref(),
        &p.actor,
    )
    .await
    {
        Ok((id, key)) => json_status(
            StatusCode::CREATED,
            &json!({"id": id, "key": key, "role": role.as_str(), "publisher": req.publisher}),
        ),
        Err(CatalogError::Other(m)) => unprocessable(&[FieldError {
            field: "publisher".into(),
            message: m,
        }]),
        Err(e) => internal(e),
    }
}

async fn delete_key(
    State(state): State<CatalogState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let p = match authenticate(&state, &headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Err(r) = require_admin(&p) {
        return r;
    }
    match state.store.revoke_api_key(&id, &p.actor).await {
        Ok(true) => StatusCode::NO_CONTENT.into_response(),
        Ok(false) => Problem::not_found(format!("no active key `{}`", clip(&id))).into_response(),
        Err(e) => internal(e),
    }
}

/// Routes of the admin API.
pub fn router(state: CatalogState) -> Router {
    Router::new()
        .route("/api/admin/datasets", post(create_dataset))
        .route(
            "/api/admin/datasets/{id}",
            get(show_dataset)
                .put(replace_dataset)
                .delete(delete_dataset),
        )
        .route("/api/admin/datasets/{id}/publish", post(publish))
        .route("/api/admin/datasets/{id}/unpublish", post(unpublish))
        .route("/api/admin/audit", get(audit))
        .route(
            "/api/admin/publishers/{id}",
            put(put_publisher).delete(delete_publisher),
        )
        .route("/api/admin/keys", post(post_key))
        .route("/api/admin/keys/{id}", axum::routing::delete(delete_key))
        .with_state(state)
}

/// OpenAPI descriptions of the admin routes.
pub mod doc {
    #![allow(dead_code)]
    use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
    use utoipa::Modify;

    use crate::model::{Agent, Dataset};

    /// Adds the bearer scheme.
    pub struct BearerAuth;

    impl Modify for BearerAuth {
        fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
            let components = openapi.components.get_or_insert_with(Default::default);
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }

    /// Create a local record (unpublished).
    #[utoipa::path(post, path = "/api/admin/datasets", request_body = Dataset,
        security(("bearer" = [])),
        responses((status = 201, description = "Created", body = Dataset),
            (status = 401, description = "No or unknown key"), (status = 403, description = "Not allowed for this key"),
            (status = 409, description = "The id exists"), (status = 422, description = "Invalid fields (problem+json with `errors`)")))]
    pub fn create() {}

    /// Replace a local record.
    #[utoipa::path(put, path = "/api/admin/datasets/{id}", request_body = Dataset,
        params(("id" = String, Path, description = "Record id")), security(("bearer" = [])),
        responses((status = 200, description = "Replaced", body = Dataset), (status = 404, description = "No such record"),
            (status = 409, description = "Managed by the server"), (status = 422, description = "Invalid fields")))]
    pub fn replace() {}

    /// Delete a local record.
    #[utoipa::path(delete, path = "/api/admin/datasets/{id}",
        params(("id" = String, Path, description = "Record id")), security(("bearer" = [])),
        responses((status = 204, description = "Deleted"), (status = 404, description = "No such record")))]
    pub fn delete() {}

    /// Publish a record.
    #[utoipa::path(post, path = "/api/admin/datasets/{id}/publish",
        params(("id" = String, Path, description = "Record id")), security(("bearer" = [])),
        responses((status = 200, description = "Published", body = Dataset)))]
    pub fn publish() {}

    /// Unpublish a record.
    #[utoipa::path(post, path = "/api/admin/datasets/{id}/unpublish",
        params(("id" = String, Path, description = "Record id")), security(("bearer" = [])),
        responses((status = 200, description = "Unpublished", body = Dataset)))]
    pub fn unpublish() {}

    /// The audit log, newest first.
    #[utoipa::path(get, path = "/api/admin/audit",
        params(("target" = Option<String>, Query, description = "Record id"),
            ("before" = Option<i64>, Query, description = "Entries before this id"),
            ("limit" = Option<u32>, Query, description = "1–1000, default 100")),
        security(("bearer" = [])),
        responses((status = 200, description = "Audit entries")))]
    pub fn audit() {}

    /// Create or replace a publisher (admin).
    #[utoipa::path(put, path = "/api/admin/publishers/{id}", request_body = Agent,
        params(("id" = String, Path, description = "Publisher id")), security(("bearer" = [])),
        responses((status = 200, description = "Replaced", body = Agent), (status = 201, description = "Created", body = Agent)))]
    pub fn put_publisher() {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SqliteCatalog;

    #[tokio::test]
    async fn keys_authenticate_and_revoke() {
        let store = SqliteCatalog::in_memory().await.unwrap();
        let state = CatalogState::new(Arc::new(store), None).unwrap();
        state
            .store
            .put_publisher(&crate::urbis_datasets::publisher(), "test")
            .await
            .unwrap();
        let (id, key) = create_key(&state, Role::Officer, Some("cirb"), None, "test")
            .await
            .unwrap();
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            format!("Bearer {key}").parse().unwrap(),
        );
        let p = authenticate(&state, &h).await.unwrap();
        assert_eq!(p.role, Role::Officer);
        assert_eq!(p.publisher.as_deref(), Some("cirb"));
        assert_eq!(p.actor, format!("officer:{id}"));
        // The stored record does not contain the secret.
        let rec = state.store.get_api_key(&id).await.unwrap().unwrap();
        assert!(!key.contains(&rec.hash));
        let mut bad = HeaderMap::new();
        bad.insert(
            header::AUTHORIZATION,
            format!("Bearer {key}x").parse().unwrap(),
        );
        assert!(authenticate(&state, &bad).await.is_err());
        state.store.revoke_api_key(&id, "test").await.unwrap();
        assert!(authenticate(&state, &h).await.is_err());
        assert!(create_key(&state, Role::Officer, Some("nobody"), None, "t")
            .await
            .is_err());
        let mut s2 = state.clone();
        s2.bootstrap_key = BootstrapKey::new("a-long-bootstrap-key");
        let mut hb = HeaderMap::new();
        hb.insert(
            header::AUTHORIZATION,
            "Bearer a-long-bootstrap-key".parse().unwrap(),
        );
        assert_eq!(authenticate(&s2, &hb).await.unwrap().role, Role::Admin);
    }
}
