//! GET /api/users/{movielens_user_id}/recommendations: pick a MovieLens user and a model and
//! see the top movies with predicted ratings.

use super::params::{self, Query};
use super::{ApiError, AppState, MovieSummary};
use crate::models::hybrid::{self, Components, Model};
use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub(crate) struct Recommendation {
    pub movie: MovieSummary,
    pub score: f32,
    pub predicted_rating: Option<f32>,
    pub components: Components,
    pub weights: Components,
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct RecommendationsResponse {
    pub user_id: u32,
    pub model: Model,
    pub ratings: usize,
    pub recommendations: Vec<Recommendation>,
}

/// Turns scored rows into the response items.
pub(crate) fn to_recommendations(
    state: &AppState,
    scored: Vec<hybrid::Scored>,
) -> Vec<Recommendation> {
    scored
        .into_iter()
        .map(|s| Recommendation {
            movie: state.summary(state.artifacts.catalog.at(s.row)),
            score: s.score,
            predicted_rating: s.predicted_rating.map(|p| (p * 100.0).round() / 100.0),
            components: s.components,
            weights: s.weights,
            reason: s.reason,
        })
        .collect()
}

/// Top movies for a MovieLens user under one model; rated movies are excluded.
#[utoipa::path(get, path = "/api/users/{id}/recommendations",
    params(("id" = u32, Path, description = "MovieLens userId"),
           ("model" = Option<Model>, Query, description = "a model of /api/options; hybrid by default"),
           ("limit" = Option<usize>, Query, description = "1..=100, default 10")),
    responses((status = 200, body = RecommendationsResponse), (status = 400, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn recommendations(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: Query,
) -> Result<HttpResponse, ApiError> {
    let user_id = params::id("id", &path)?;
    let limit = params::limit(&query, 10)?;
    let model = params::choice(&query, "model", &Model::ALL)?.unwrap_or(Model::Hybrid);
    let list = state
        .recommendations
        .for_movielens_user(user_id, model, limit)
        .ok_or_else(|| ApiError::NotFound(format!("no MovieLens user with id {user_id}")))?;
    Ok(HttpResponse::Ok().json(RecommendationsResponse {
        user_id,
        model,
        ratings: list.ratings,
        recommendations: to_recommendations(&state, list.scored),
    }))
}
