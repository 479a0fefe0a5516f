//! The logged-in user's data: onboarding, ratings and recommendations (the watchlist and
//! "not interested" have files of their own).

use super::auth::{live_session_user, AuthUser, SessionToken};
use super::json::JsonBody;
use super::params::{self, Query};
use super::users::{to_recommendations, Recommendation};
use super::{blocking, ApiError, AppState, MovieSummary};
use crate::domain::Stars;
use crate::services::home::{home_rows, RowKind};
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The movie id of a path and its catalog row, or 404.
pub(super) fn movie_row(state: &AppState, raw: &str) -> Result<(u32, usize), ApiError> {
    let id = params::id("movie_id", raw)?;
    let row = state
        .artifacts
        .catalog
        .index_of(id)
        .ok_or_else(|| ApiError::NotFound(format!("no movie with id {id}")))?;
    Ok((id, row))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct OnboardingResponse {
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
    let genres = user.0.genres.clone();
    let rows = blocking(&state, move |s| {
        let profile = s.members.profile(&user.0)?;
        let rated: Vec<u32> = profile.rated_or_unwanted().collect();
        Ok(s.recommendations.to_rate(&profile.genres, &rated, limit))
    })
    .await?;
    let catalog = &state.artifacts.catalog;
    Ok(HttpResponse::Ok().json(OnboardingResponse {
        genres,
        movies: rows
            .into_iter()
            .map(|r| state.summary(catalog.at(r)))
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct RatingRequest {
    /// 0.5 to 5.0 in steps of 0.5.
    pub rating: f64,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct RatingView {
    pub movie: MovieSummary,
    pub rating: f32,
    pub updated_at: i64,
    /// Whether rating it took the movie off the watchlist (only when rating one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed_from_watchlist: Option<bool>,
}

/// Rate a movie (or change the rating).
#[utoipa::path(put, path = "/api/me/ratings/{movie_id}", request_body = RatingRequest,
    params(("movie_id" = u32, Path, description = "MovieLens movieId")),
    responses((status = 200, body = RatingView), (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub(crate) async fn put_rating(
    state: web::Data<AppState>,
    session: SessionToken,
    path: web::Path<String>,
    body: JsonBody<RatingRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, row) = movie_row(&state, &path)?;
    let stars = Stars::parse(body.0.rating).map_err(|m| ApiError::bad_parameter("rating", m))?;
    // The session and the write in one trip off the executor: under load each trip waits for
    // a thread.
    let rated = blocking(&state, move |s| {
        let user = live_session_user(s, &session.0)?;
        Ok(s.members.rate(user.id, id, stars)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(RatingView {
        movie: state.summary(state.artifacts.catalog.at(row)),
        rating: rated.rating.rating,
        updated_at: rated.rating.updated_at,
        removed_from_watchlist: Some(rated.left_watchlist),
    }))
}

/// Remove a rating.
#[utoipa::path(delete, path = "/api/me/ratings/{movie_id}", params(("movie_id" = u32, Path, description = "MovieLens movieId")),
    responses((status = 204), (status = 401, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub(crate) async fn delete_rating(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (id, _) = movie_row(&state, &path)?;
    let uid = user.0.id;
    let removed = blocking(&state, move |s| Ok(s.members.unrate(uid, id)?)).await?;
    if !removed {
        return Err(ApiError::NotFound(format!("you have not rated movie {id}")));
    }
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Serialize, ToSchema)]
pub(crate) struct RatingsResponse {
    pub ratings: Vec<RatingView>,
    /// How many ratings the user has in all.
    pub total: usize,
    /// The `offset` of the next page, when there is one.
    pub next_offset: Option<usize>,
}

/// The user's ratings, newest first, a page at a time.
#[utoipa::path(get, path = "/api/me/ratings",
    params(("limit" = Option<usize>, Query, description = "1..=100, default 100"),
           ("offset" = Option<usize>, Query, description = "ratings to skip, default 0")),
    responses((status = 200, body = RatingsResponse), (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody)))]
pub async fn ratings(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query,
) -> Result<HttpResponse, ApiError> {
    let limit = params::limit(&query, 100)?;
    let offset = params::number(&query, "offset", 0usize, 0, 10_000_000)?;
    let uid = user.0.id;
    let (list, total) = blocking(&state, move |s| {
        Ok(s.members.ratings_page(uid, limit, offset)?)
    })
    .await?;
    let next_offset = (offset + list.len() < total).then_some(offset + list.len());
    let c = &state.artifacts.catalog;
    let ratings = list
        .into_iter()
        .filter_map(|r| {
            c.get(r.movie_id).map(|m| RatingView {
                movie: state.summary(m),
                rating: r.rating,
                updated_at: r.updated_at,
                removed_from_watchlist: None,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(RatingsResponse {
        ratings,
        total,
        next_offset,
    }))
}

/// What the member did with films, for marks on every card: their stars by movie id, the
/// watchlist and the films they are not interested in.
#[derive(Serialize, ToSchema)]
pub(crate) struct MarksResponse {
    /// Movie id (as a string, JSON's object keys) -> stars.
    pub ratings: std::collections::BTreeMap<u32, f32>,
    /// Newest first.
    pub watchlist: Vec<u32>,
    /// Newest first.
    pub not_interested: Vec<u32>,
}

/// Every mark the member left, in one answer.
#[utoipa::path(get, path = "/api/me/marks",
    responses((status = 200, body = MarksResponse), (status = 401, body = super::ErrorBody)))]
pub(crate) async fn marks(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let profile = blocking(&state, move |s| Ok(s.members.profile(&user.0)?)).await?;
    Ok(HttpResponse::Ok().json(MarksResponse {
        ratings: profile.ratings.into_iter().collect(),
        watchlist: profile.watchlist,
        not_interested: profile.not_interested,
    }))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct HomeFilm {
    pub movie: MovieSummary,
    /// Why it is in the row, where the row's title does not say.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct HomeRowView {
    pub kind: RowKind,
    /// The loved film a `because_you_loved` row is like.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<MovieSummary>,
    /// The genre of a `new_in_genre` row.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub genre: Option<String>,
    pub movies: Vec<HomeFilm>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct HomeResponse {
    pub rows: Vec<HomeRowView>,
}

/// Home's rows for the member: top picks, "because you loved" up to three films they rated
/// highly, their watchlist, and films new to them in their favourite genre. No film twice,
/// none they rated or turned down.
#[utoipa::path(get, path = "/api/me/home",
    responses((status = 200, body = HomeResponse), (status = 401, body = super::ErrorBody)))]
pub(crate) async fn home(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let rows = blocking(&state, move |s| {
        let profile = s.members.profile(&user.0)?;
        Ok(home_rows(
            &s.recommendations,
            &s.artifacts.catalog,
            &profile,
        ))
    })
    .await?;
    let catalog = &state.artifacts.catalog;
    let rows = rows
        .into_iter()
        .map(|r| HomeRowView {
            kind: r.kind,
            seed: r.seed.map(|row| state.summary(catalog.at(row))),
            genre: r.genre,
            movies: r
                .films
                .into_iter()
                .map(|(row, reason)| HomeFilm {
                    movie: state.summary(catalog.at(row)),
                    reason,
                })
                .collect(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(HomeResponse { rows }))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct MyRecommendations {
    pub ratings: usize,
    pub recommendations: Vec<Recommendation>,
}

/// Personal recommendations: the hybrid over the user's current ratings (folded into the MF
/// model on every call), excluding rated, watchlisted and not-interested movies.
#[utoipa::path(get, path = "/api/me/recommendations", params(("limit" = Option<usize>, Query, description = "1..=100, default 10")),
    responses((status = 200, body = MyRecommendations), (status = 401, body = super::ErrorBody)))]
pub async fn recommendations(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query,
) -> Result<HttpResponse, ApiError> {
    let limit = params::limit(&query, 10)?;
    let list = blocking(&state, move |s| {
        let profile = s.members.profile(&user.0)?;
        Ok(s.recommendations.for_member(&profile, limit))
    })
    .await?;
    Ok(HttpResponse::Ok().json(MyRecommendations {
        ratings: list.ratings,
        recommendations: to_recommendations(&state, list.scored),
    }))
}
