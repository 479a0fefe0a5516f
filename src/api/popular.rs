//! GET /api/popular and GET /api/genres

use super::auth::{live_session_user, request_token};
use super::params::{self, Query};
use super::{blocking, ApiError, AppState, MovieSummary};
use crate::dataset::PopularityBand;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use std::collections::HashSet;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub(crate) struct GenresResponse {
    pub genres: Vec<GenreCount>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct GenreCount {
    pub name: String,
    pub movies: usize,
}

/// Every genre with its number of movies.
#[utoipa::path(get, path = "/api/genres", responses((status = 200, body = GenresResponse)))]
pub async fn genres(state: web::Data<AppState>) -> HttpResponse {
    let c = &state.artifacts.catalog;
    let genres = c
        .genres()
        .iter()
        .map(|g| GenreCount {
            name: g.clone(),
            movies: c.movies().iter().filter(|m| m.genres.contains(g)).count(),
        })
        .collect();
    HttpResponse::Ok().json(GenresResponse { genres })
}

#[derive(Serialize, ToSchema)]
pub(crate) struct PopularResponse {
    pub genre: Option<String>,
    pub band: Option<PopularityBand>,
    pub movies: Vec<MovieSummary>,
}

/// Movies by IMDb-style weighted rating, optionally in one genre and popularity band
/// (`band=niche` gives the hidden gems).
#[utoipa::path(get, path = "/api/popular",
    params(("genre" = Option<String>, Query, description = "a name from /api/genres"),
           ("band" = Option<PopularityBand>, Query, description = "one popularity band (see /api/options)"),
           ("min_votes" = Option<u32>, Query, description = "at least this many ratings"),
           ("hide_rated" = Option<bool>, Query, description = "leave out what the member rated or is not interested in (needs a session)"),
           ("limit" = Option<usize>, Query, description = "1..=100, default 20")),
    responses((status = 200, body = PopularResponse), (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody)))]
pub async fn popular(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: Query,
) -> Result<HttpResponse, ApiError> {
    let limit = params::limit(&query, 20)?;
    let min_votes: u32 = params::number(&query, "min_votes", 0, 0, u32::MAX)?;
    let c = &state.artifacts.catalog;
    let genre = match query
        .get("genre")
        .map(|g| g.trim())
        .filter(|g| !g.is_empty())
    {
        Some(g) => Some(
            c.genres()
                .iter()
                .find(|known| known.eq_ignore_ascii_case(g))
                .cloned()
                .ok_or_else(|| {
                    ApiError::bad_parameter(
                        "genre",
                        format!(
                            "unknown genre {g:?}; choose one of {}",
                            c.genres().join(", ")
                        ),
                    )
                })?,
        ),
        None => None,
    };
    let band = params::choice(&query, "band", &PopularityBand::ALL)?;
    let hidden = hidden_for(&state, &req, &query).await?;
    let rows =
        state
            .recommendations
            .popular(genre.as_deref(), band, min_votes, limit + hidden.len());
    let movies = summaries(&state, rows, &hidden, limit);
    Ok(HttpResponse::Ok().json(PopularResponse {
        genre,
        band,
        movies,
    }))
}

/// The first `limit` of `rows` (catalog rows, asked for `limit + hidden.len()`) that are not
/// `hidden`, as lists show them.
fn summaries(
    state: &AppState,
    rows: Vec<usize>,
    hidden: &HashSet<u32>,
    limit: usize,
) -> Vec<MovieSummary> {
    let c = &state.artifacts.catalog;
    rows.into_iter()
        .filter(|&row| !hidden.contains(&c.at(row).id))
        .take(limit)
        .map(|row| state.summary(c.at(row)))
        .collect()
}

/// With `hide_rated`, the films the member rated or turned down (none without it).
async fn hidden_for(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    query: &Query,
) -> Result<HashSet<u32>, ApiError> {
    if !params::flag(query, "hide_rated")? {
        return Ok(HashSet::new());
    }
    let token = request_token(req)
        .ok_or_else(|| ApiError::Unauthorized("log in first: hide_rated is personal".into()))?;
    blocking(state, move |s| {
        let member = live_session_user(s, &token)?;
        Ok(s.members.profile(&member)?.rated_or_unwanted().collect())
    })
    .await
}

/// Hidden gems: well liked by the few who rated them, not recent, not famous elsewhere.
#[utoipa::path(get, path = "/api/hidden-gems",
    params(("hide_rated" = Option<bool>, Query, description = "leave out what the member rated or is not interested in (needs a session)"),
           ("limit" = Option<usize>, Query, description = "1..=100, default 12")),
    responses((status = 200, body = PopularResponse), (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody)))]
pub async fn hidden_gems(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: Query,
) -> Result<HttpResponse, ApiError> {
    let limit = params::limit(&query, 12)?;
    let hidden = hidden_for(&state, &req, &query).await?;
    let rows = state.recommendations.hidden_gems(limit + hidden.len());
    let movies = summaries(&state, rows, &hidden, limit);
    Ok(HttpResponse::Ok().json(PopularResponse {
        genre: None,
        band: None,
        movies,
    }))
}
