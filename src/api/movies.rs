//! GET /api/movies/{id} and GET /api/movies/{id}/similar

use super::params::{self, Query};
use super::{ApiError, AppState, AudienceView, MovieSummary};
use crate::clients::tmdb::TmdbStatus;
use crate::dataset::Movie;
use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

fn find<'a>(state: &'a AppState, raw: &str) -> Result<(usize, &'a Movie), ApiError> {
    let id = params::id("id", raw)?;
    let catalog = &state.artifacts.catalog;
    let row = catalog
        .index_of(id)
        .ok_or_else(|| ApiError::NotFound(format!("no movie with id {id}")))?;
    Ok((row, catalog.at(row)))
}

/// A cast member as the movie page shows it.
#[derive(Serialize, ToSchema)]
pub(crate) struct CastView {
    pub name: String,
    pub character: Option<String>,
    pub profile_url: Option<String>,
}

/// How the TMDB part of a response came to be.
#[derive(Serialize, ToSchema)]
pub(crate) struct TmdbPart {
    pub status: TmdbStatus,
    pub message: Option<String>,
}

/// The catalog's movie merged with what TMDB knows (when it can be had).
#[derive(Serialize, ToSchema)]
pub(crate) struct MovieResponse {
    #[serde(flatten)]
    pub movie: Movie,
    pub poster_url: Option<String>,
    pub backdrop_url: Option<String>,
    pub cast: Vec<CastView>,
    pub director: Option<String>,
    pub trailer_key: Option<String>,
    pub tmdb: TmdbPart,
    /// How the movie's fetched reviews lean; absent until at least 5 were classified.
    pub audience: Option<AudienceView>,
}

/// One movie with everything the catalog knows, merged with TMDB details when available.
#[utoipa::path(get, path = "/api/movies/{id}",
    params(("id" = u32, Path, description = "MovieLens movieId")),
    responses((status = 200, body = MovieResponse), (status = 400, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn movie(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (_, movie) = find(&state, &path)?;
    let mut movie = movie.clone();
    let audience = state.audiences.telling(movie.id).map(AudienceView::from);
    let Some(tmdb_id) = movie.tmdb_id else {
        return Ok(HttpResponse::Ok().json(MovieResponse {
            movie,
            poster_url: None,
            backdrop_url: None,
            cast: Vec::new(),
            director: None,
            trailer_key: None,
            tmdb: TmdbPart {
                status: TmdbStatus::NoTmdbId,
                message: Some("MovieLens has no TMDB id for this movie".into()),
            },
            audience,
        }));
    };
    let fetched = state.tmdb.movie(tmdb_id).await;
    let images = state.tmdb.settings();
    let tmdb = TmdbPart {
        status: fetched.status(),
        message: fetched.problem().map(|p| p.message()),
    };
    let Some(d) = fetched.value() else {
        return Ok(HttpResponse::Ok().json(MovieResponse {
            movie,
            poster_url: None,
            backdrop_url: None,
            cast: Vec::new(),
            director: None,
            trailer_key: None,
            tmdb,
            audience,
        }));
    };
    let nonempty = |s: &Option<String>| s.clone().filter(|v| !v.trim().is_empty());
    movie.overview = nonempty(&d.overview).or(movie.overview);
    movie.tagline = nonempty(&d.tagline).or(movie.tagline);
    movie.runtime_minutes = d
        .runtime
        .filter(|r| *r > 0)
        .map(|r| r as u16)
        .or(movie.runtime_minutes);
    movie.release_date = nonempty(&d.release_date).or(movie.release_date);
    movie.tmdb_vote_average = d.vote_average.or(movie.tmdb_vote_average);
    movie.tmdb_vote_count = d.vote_count.or(movie.tmdb_vote_count);
    if movie.keywords.is_empty() {
        movie.keywords = d
            .keywords
            .as_ref()
            .map(|k| k.keywords.iter().map(|k| k.name.clone()).collect())
            .unwrap_or_default();
    }
    let mut cast: Vec<_> = d
        .credits
        .as_ref()
        .map(|c| c.cast.clone())
        .unwrap_or_default();
    cast.sort_by_key(|c| c.order.unwrap_or(u32::MAX));
    Ok(HttpResponse::Ok().json(MovieResponse {
        poster_url: images.image_url("w342", d.poster_path.as_deref()),
        backdrop_url: images.image_url("w1280", d.backdrop_path.as_deref()),
        cast: cast
            .into_iter()
            .take(10)
            .map(|c| CastView {
                profile_url: images.image_url("w185", c.profile_path.as_deref()),
                name: c.name,
                character: c.character,
            })
            .collect(),
        director: d.director().map(str::to_string),
        trailer_key: d.trailer_key().map(str::to_string),
        movie,
        tmdb,
        audience,
    }))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct SimilarMovie {
    pub movie: MovieSummary,
    /// Cosine similarity of the content vectors (0..1).
    pub similarity: f32,
    /// The ranking score: similarity blended with popularity.
    pub score: f32,
    /// Why it is similar, in words.
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct SimilarResponse {
    pub movie: MovieSummary,
    pub similar: Vec<SimilarMovie>,
}

/// Content neighbours ranked by a blend of similarity and popularity.
#[utoipa::path(get, path = "/api/movies/{id}/similar",
    params(("id" = u32, Path, description = "MovieLens movieId"),
           ("limit" = Option<usize>, Query, description = "1..=100, default 10"),
           ("min_votes" = Option<u32>, Query, description = "only neighbours with at least this many ratings")),
    responses((status = 200, body = SimilarResponse), (status = 400, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn similar(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: Query,
) -> Result<HttpResponse, ApiError> {
    let limit = params::limit(&query, 10)?;
    let min_votes: u32 = params::number(&query, "min_votes", 0, 0, u32::MAX)?;
    let (row, movie) = find(&state, &path)?;
    let catalog = &state.artifacts.catalog;
    let similar = state
        .recommendations
        .similar_movies(row, min_votes, limit)
        .into_iter()
        .map(|n| SimilarMovie {
            movie: state.summary(catalog.at(n.row)),
            similarity: n.similarity,
            score: n.score,
            reason: n.reason,
        })
        .collect();
    Ok(HttpResponse::Ok().json(SimilarResponse {
        movie: state.summary(movie),
        similar,
    }))
}
