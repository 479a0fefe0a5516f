//! The logged-in user's data: onboarding, ratings, watchlist and recommendations.

use super::auth::AuthUser;
use super::params::{self, Query};
use super::users::{to_recommendations, Recommendation};
use super::{ApiError, AppState, MovieSummary};
use crate::collab::fold_in;
use crate::domain::Stars;
use crate::hybrid::{self, Model, Profile, Signals};
use crate::onboarding::onboarding as pick_onboarding;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use utoipa::ToSchema;

fn movie_row(state: &AppState, raw: &str) -> Result<(u32, usize), ApiError> {
    let id = params::id("movie_id", raw)?;
    let row = state
        .artifacts
        .catalog
        .index_of(id)
        .ok_or_else(|| ApiError::NotFound(format!("no movie with id {id}")))?;
    Ok((id, row))
}

#[derive(Serialize, ToSchema)]
pub struct OnboardingResponse {
    pub genres: Vec<String>,
    pub movies: Vec<MovieSummary>,
}

/// About 20 movies to rate: from the user's genres, across popularity bands, diverse.
#[utoipa::path(get, path = "/api/me/onboarding", params(("limit" = Option<usize>, Query, description = "1..=100, default 20")),
    responses((status = 200, body = OnboardingResponse), (status = 401, body = super::ErrorBody)))]
pub async fn onboarding(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query,
) -> Result<HttpResponse, ApiError> {
    let limit = params::limit(&query, 20)?;
    let s = state.clone();
    let uid = user.0.id;
    let rated = web::block(move || s.store.ratings(uid)).await??;
    let a = &state.artifacts;
    let exclude: HashSet<usize> = rated
        .iter()
        .filter_map(|r| a.catalog.index_of(r.movie_id))
        .collect();
    let rows = pick_onboarding(&a.catalog, &a.similarity, &user.0.genres, &exclude, limit);
    Ok(HttpResponse::Ok().json(OnboardingResponse {
        genres: user.0.genres.clone(),
        movies: rows.into_iter().map(|r| a.catalog.at(r).into()).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct RatingRequest {
    /// 0.5 to 5.0 in steps of 0.5.
    pub rating: f64,
}

#[derive(Serialize, ToSchema)]
pub struct RatingView {
    pub movie: MovieSummary,
    pub rating: f32,
    pub updated_at: i64,
}

/// Rate a movie (or change the rating).
#[utoipa::path(put, path = "/api/me/ratings/{movie_id}", request_body = RatingRequest,
    params(("movie_id" = u32, Path, description = "MovieLens movieId")),
    responses((status = 200, body = RatingView), (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn put_rating(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    body: web::Json<RatingRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, row) = movie_row(&state, &path)?;
    let stars = Stars::parse(body.rating).map_err(|m| ApiError::bad_parameter("rating", m))?;
    let s = state.clone();
    let uid = user.0.id;
    let saved = web::block(move || s.store.put_rating(uid, id, stars.value())).await??;
    Ok(HttpResponse::Ok().json(RatingView {
        movie: state.artifacts.catalog.at(row).into(),
        rating: saved.rating,
        updated_at: saved.updated_at,
    }))
}

/// Remove a rating.
#[utoipa::path(delete, path = "/api/me/ratings/{movie_id}", params(("movie_id" = u32, Path, description = "MovieLens movieId")),
    responses((status = 204), (status = 401, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn delete_rating(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (id, _) = movie_row(&state, &path)?;
    let s = state.clone();
    let uid = user.0.id;
    let removed = web::block(move || s.store.delete_rating(uid, id)).await??;
    if !removed {
        return Err(ApiError::NotFound(format!("you have not rated movie {id}")));
    }
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Serialize, ToSchema)]
pub struct RatingsResponse {
    pub ratings: Vec<RatingView>,
}

/// The user's ratings, newest first.
#[utoipa::path(get, path = "/api/me/ratings", responses((status = 200, body = RatingsResponse), (status = 401, body = super::ErrorBody)))]
pub async fn ratings(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let s = state.clone();
    let uid = user.0.id;
    let list = web::block(move || s.store.ratings(uid)).await??;
    let c = &state.artifacts.catalog;
    let ratings = list
        .into_iter()
        .filter_map(|r| {
            c.get(r.movie_id).map(|m| RatingView {
                movie: m.into(),
                rating: r.rating,
                updated_at: r.updated_at,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(RatingsResponse { ratings }))
}

#[derive(Serialize, ToSchema)]
pub struct WatchlistResponse {
    pub movies: Vec<MovieSummary>,
}

/// Add a movie to the watchlist.
#[utoipa::path(put, path = "/api/me/watchlist/{movie_id}", params(("movie_id" = u32, Path, description = "MovieLens movieId")),
    responses((status = 204), (status = 401, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn add_watchlist(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (id, _) = movie_row(&state, &path)?;
    let s = state.clone();
    let uid = user.0.id;
    web::block(move || s.store.add_to_watchlist(uid, id)).await??;
    Ok(HttpResponse::NoContent().finish())
}

/// Remove a movie from the watchlist.
#[utoipa::path(delete, path = "/api/me/watchlist/{movie_id}", params(("movie_id" = u32, Path, description = "MovieLens movieId")),
    responses((status = 204), (status = 401, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn remove_watchlist(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (id, _) = movie_row(&state, &path)?;
    let s = state.clone();
    let uid = user.0.id;
    if !web::block(move || s.store.remove_from_watchlist(uid, id)).await?? {
        return Err(ApiError::NotFound(format!(
            "movie {id} is not on your watchlist"
        )));
    }
    Ok(HttpResponse::NoContent().finish())
}

/// The watchlist, newest first.
#[utoipa::path(get, path = "/api/me/watchlist", responses((status = 200, body = WatchlistResponse), (status = 401, body = super::ErrorBody)))]
pub async fn watchlist(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let s = state.clone();
    let uid = user.0.id;
    let list = web::block(move || s.store.watchlist(uid)).await??;
    let c = &state.artifacts.catalog;
    Ok(HttpResponse::Ok().json(WatchlistResponse {
        movies: list
            .into_iter()
            .filter_map(|(id, _)| c.get(id).map(Into::into))
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct MyRecommendations {
    pub ratings: usize,
    pub recommendations: Vec<Recommendation>,
}

/// Personal recommendations: the hybrid over the user's current ratings (folded into the MF
/// model on every call), excluding rated and watchlisted movies.
#[utoipa::path(get, path = "/api/me/recommendations", params(("limit" = Option<usize>, Query, description = "1..=100, default 10")),
    responses((status = 200, body = MyRecommendations), (status = 401, body = super::ErrorBody)))]
pub async fn recommendations(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query,
) -> Result<HttpResponse, ApiError> {
    let limit = params::limit(&query, 10)?;
    let s = state.clone();
    let uid = user.0.id;
    let genres = user.0.genres.clone();
    let (count, scored) = web::block(move || -> Result<_, ApiError> {
        let a = &s.artifacts;
        let rated: Vec<(usize, f32)> = s
            .store
            .ratings(uid)?
            .into_iter()
            .filter_map(|r| a.catalog.index_of(r.movie_id).map(|row| (row, r.rating)))
            .collect();
        let mut exclude: HashSet<usize> = rated.iter().map(|r| r.0).collect();
        exclude.extend(
            s.store
                .watchlist(uid)?
                .into_iter()
                .filter_map(|(id, _)| a.catalog.index_of(id)),
        );
        let vector = (!rated.is_empty()).then(|| fold_in(&a.mf, &rated, s.settings.fold_in_reg));
        let signals = Signals {
            catalog: &a.catalog,
            similarity: &a.similarity,
            mf: &a.mf,
            popularity: &a.popularity_scores,
            params: Default::default(),
        };
        let profile = Profile {
            ratings: &rated,
            genres: &genres,
            vector: vector.as_ref(),
        };
        Ok((
            rated.len(),
            hybrid::recommend(&signals, &profile, Model::Hybrid, &exclude, limit),
        ))
    })
    .await??;
    Ok(HttpResponse::Ok().json(MyRecommendations {
        ratings: count,
        recommendations: to_recommendations(&state, scored),
    }))
}
