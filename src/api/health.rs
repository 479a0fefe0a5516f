//! GET /api/health (liveness) and GET /api/health/ready (readiness).

use super::{blocking, AppState, ErrorBody};
use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

/// The server answers; `/api/health` has no other state.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Liveness {
    Ok,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct Health {
    pub status: Liveness,
    pub version: &'static str,
    pub movies: usize,
    pub ratings: usize,
    pub index_built_at_unix: u64,
}

/// Liveness and what the server has loaded. It says nothing of the database: a replica whose
/// database is down is alive (restarting it would not help) but not ready.
#[utoipa::path(get, path = "/api/health", responses((status = 200, body = Health)))]
pub async fn health(state: web::Data<AppState>) -> HttpResponse {
    let a = &state.artifacts;
    HttpResponse::Ok().json(Health {
        status: Liveness::Ok,
        version: env!("CARGO_PKG_VERSION"),
        movies: a.catalog.len(),
        ratings: a.ratings.len(),
        index_built_at_unix: a.manifest.built_at_unix,
    })
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Readiness {
    Ready,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct Ready {
    pub status: Readiness,
}

/// Readiness, for a balancer or Kubernetes: 200 while the database answers, 503 (with
/// Retry-After) within about 2 s while it can't be reached.
#[utoipa::path(get, path = "/api/health/ready",
    responses((status = 200, body = Ready), (status = 503, body = ErrorBody)))]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, super::ApiError> {
    blocking(&state, |s| Ok(s.members.ping()?)).await?;
    Ok(HttpResponse::Ok().json(Ready {
        status: Readiness::Ready,
    }))
}
