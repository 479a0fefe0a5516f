//! /api/me/watchlist: films the user means to see. Rating a film takes it off (see me.rs).

use super::auth::AuthUser;
use super::movie_lists;
use super::{blocking, ApiError, AppState, MovieSummary};
use crate::records::MovieList;
use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub(crate) struct WatchlistEntry {
    pub movie: MovieSummary,
    /// When it was added (Unix seconds).
    pub added_at: i64,
    /// The stars the user would likely give it, from their ratings (none before any).
    pub predicted_rating: Option<f32>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct WatchlistResponse {
    /// Newest first.
    pub entries: Vec<WatchlistEntry>,
}

/// Add a movie to the watchlist.
#[utoipa::path(put, path = "/api/me/watchlist/{movie_id}", params(("movie_id" = u32, Path, description = "MovieLens movieId")),
    responses((status = 204), (status = 401, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub(crate) async fn add(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    movie_lists::add(MovieList::Watchlist, state, user, path).await
}

/// Remove a movie from the watchlist.
#[utoipa::path(delete, path = "/api/me/watchlist/{movie_id}", params(("movie_id" = u32, Path, description = "MovieLens movieId")),
    responses((status = 204), (status = 401, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub(crate) async fn remove(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    movie_lists::remove(MovieList::Watchlist, state, user, path).await
}

/// The watchlist, newest first, each film with the stars the user would likely give it.
#[utoipa::path(get, path = "/api/me/watchlist", responses((status = 200, body = WatchlistResponse), (status = 401, body = super::ErrorBody)))]
pub(crate) async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let uid = user.0.id;
    let (list, predicted) = blocking(&state, move |s| {
        let list = s.members.list(MovieList::Watchlist, uid)?;
        let rated = s.members.ratings_oldest_first(uid)?;
        let ids: Vec<u32> = list.iter().map(|w| w.0).collect();
        let predicted = s.recommendations.predicted_stars(&rated, &ids);
        Ok((list, predicted))
    })
    .await?;
    let c = &state.artifacts.catalog;
    let entries = list
        .into_iter()
        .zip(predicted)
        .filter_map(|((id, added_at), predicted_rating)| {
            Some(WatchlistEntry {
                movie: state.summary(c.get(id)?),
                added_at,
                predicted_rating: predicted_rating.map(|p| (p * 10.0).round() / 10.0),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(WatchlistResponse { entries }))
}
