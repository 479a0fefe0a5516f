//! GET /api/health

use super::AppState;
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

/// Liveness and what the server has loaded.
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
