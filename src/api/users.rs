//! GET /api/users/{movielens_user_id}/recommendations: pick a MovieLens user and a model and
//! see the top movies with predicted ratings.

use super::params::{self, Query};
use super::{ApiError, AppState, MovieSummary};
use crate::hybrid::{self, Components, Model, Profile, Signals};
use actix_web::{web, HttpResponse};
use serde::Serialize;
use std::collections::HashSet;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct Recommendation {
    pub movie: MovieSummary,
    pub score: f32,
    pub predicted_rating: Option<f32>,
    pub components: Components,
    pub weights: Components,
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct RecommendationsResponse {
    pub user_id: u32,
    pub model: String,
    pub ratings: usize,
    pub recommendations: Vec<Recommendation>,
}

/// Turns scored rows into the response items.
pub fn to_recommendations(state: &AppState, scored: Vec<hybrid::Scored>) -> Vec<Recommendation> {
    scored
        .into_iter()
        .map(|s| Recommendation {
            movie: state.artifacts.catalog.at(s.row).into(),
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
           ("model" = Option<String>, Query, description = "popular | content | mf | hybrid (default)"),
           ("limit" = Option<usize>, Query, description = "1..=100, default 10")),
    responses((status = 200, body = RecommendationsResponse), (status = 400, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn recommendations(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: Query,
) -> Result<HttpResponse, ApiError> {
    let user_id = params::id("id", &path)?;
    let limit = params::limit(&query, 10)?;
    let model_name = query
        .get("model")
        .map(|m| m.trim().to_lowercase())
        .unwrap_or_else(|| "hybrid".into());
    let model = Model::parse(&model_name).ok_or_else(|| {
        ApiError::bad_parameter(
            "model",
            format!(
                "unknown model {model_name:?}; choose one of {}",
                Model::NAMES.join(", ")
            ),
        )
    })?;
    let a = &state.artifacts;
    let u = a
        .ratings
        .user_index(user_id)
        .ok_or_else(|| ApiError::NotFound(format!("no MovieLens user with id {user_id}")))?;
    let rated: Vec<(usize, f32)> = a
        .ratings
        .entries
        .iter()
        .filter(|r| r.user as usize == u)
        .map(|r| (r.item as usize, r.value))
        .collect();
    let exclude: HashSet<usize> = rated.iter().map(|r| r.0).collect();
    let vector = a.mf.user(u);
    let signals = Signals {
        catalog: &a.catalog,
        similarity: &a.similarity,
        mf: &a.mf,
        popularity: &a.popularity_scores,
        params: Default::default(),
    };
    let profile = Profile {
        ratings: &rated,
        genres: &[],
        vector: Some(&vector),
    };
    let scored = hybrid::recommend(&signals, &profile, model, &exclude, limit);
    Ok(HttpResponse::Ok().json(RecommendationsResponse {
        user_id,
        model: model.name().to_string(),
        ratings: rated.len(),
        recommendations: to_recommendations(&state, scored),
    }))
}
