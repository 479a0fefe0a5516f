//! GET /api/browse: the catalog filtered and sorted, a page at a time.

use super::auth::{live_session_user, request_token};
use super::params::{self, Query};
use super::{blocking, ApiError, AppState, MovieSummary};
use crate::services::browse::{BrowseFilter, BrowseSort};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub(crate) struct BrowseResponse {
    /// How many films match in all.
    pub total: usize,
    pub movies: Vec<MovieSummary>,
    /// The `offset` of the next page, when there is one.
    pub next_offset: Option<usize>,
}

/// Browse the catalog. `hide_rated` and `sort=predicted` need a session.
#[utoipa::path(get, path = "/api/browse",
    params(("genre" = Option<String>, Query, description = "a name from /api/genres"),
           ("decade" = Option<u16>, Query, description = "first year of a decade, e.g. 1990"),
           ("min_runtime" = Option<u16>, Query, description = "minutes"),
           ("max_runtime" = Option<u16>, Query, description = "minutes"),
           ("min_rating" = Option<f32>, Query, description = "average MovieLens rating, 0..=5"),
           ("min_votes" = Option<u32>, Query, description = "at least this many ratings"),
           ("min_audience" = Option<u8>, Query, description = "percent, 0..=100: at least this share of the film's reviews positive (offline and fetched) (films with fewer than 5 classified reviews are left out)"),
           ("hide_rated" = Option<bool>, Query, description = "leave out what the member rated or is not interested in"),
           ("sort" = Option<BrowseSort>, Query, description = "popularity (default) | rating | year | predicted (best match for the member, as their recommendations rank) | audience (most liked by reviewers; films without enough classified reviews last)"),
           ("limit" = Option<usize>, Query, description = "1..=100, default 24"),
           ("offset" = Option<usize>, Query, description = "default 0")),
    responses((status = 200, body = BrowseResponse), (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody)))]
pub(crate) async fn browse_catalog(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: Query,
) -> Result<HttpResponse, ApiError> {
    let limit = params::limit(&query, 24)?;
    let offset: usize = params::number(&query, "offset", 0, 0, 1_000_000)?;
    let catalog = &state.artifacts.catalog;
    let genre = params::genre(&query, catalog)?;
    let decade = params::decade(&query)?;
    let min_runtime: u16 = params::number(&query, "min_runtime", 0, 0, 1000)?;
    let max_runtime: u16 = params::number(&query, "max_runtime", 1000, 0, 1000)?;
    let runtime = (query.contains_key("min_runtime") || query.contains_key("max_runtime"))
        .then_some((min_runtime, max_runtime));
    let min_rating: f32 = params::number(&query, "min_rating", 0.0, 0.0, 5.0)?;
    let min_votes: u32 = params::number(&query, "min_votes", 0, 0, u32::MAX)?;
    let min_audience = match query.get("min_audience") {
        Some(_) => Some(params::number::<u8>(&query, "min_audience", 0, 0, 100)? as f64 / 100.0),
        None => None,
    };
    let hide_rated = params::flag(&query, "hide_rated")?;
    let sort = params::choice(&query, "sort", &BrowseSort::ALL)?.unwrap_or(BrowseSort::Popularity);
    // The session is looked up only when the answer is personal.
    let token = if hide_rated || sort == BrowseSort::Predicted {
        Some(request_token(&req).ok_or_else(|| {
            ApiError::Unauthorized(
                "log in first: hide_rated and sort=predicted are personal".into(),
            )
        })?)
    } else {
        None
    };
    let filter = BrowseFilter {
        genre,
        decade,
        runtime,
        min_rating,
        min_votes,
        min_audience,
        ..Default::default()
    };
    let (rows, total) = blocking(&state, move |s| {
        let member = token.map(|t| live_session_user(s, &t)).transpose()?;
        let rows = s
            .browser
            .browse(filter, sort, member.as_ref(), hide_rated)?;
        let total = rows.len();
        Ok((
            rows.into_iter()
                .skip(offset)
                .take(limit)
                .collect::<Vec<_>>(),
            total,
        ))
    })
    .await?;
    let next_offset = (offset + rows.len() < total).then_some(offset + rows.len());
    Ok(HttpResponse::Ok().json(BrowseResponse {
        total,
        movies: rows
            .into_iter()
            .map(|r| state.summary(catalog.at(r)))
            .collect(),
        next_offset,
    }))
}
