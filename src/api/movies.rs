//! GET /api/movies/{id} and GET /api/movies/{id}/similar

use super::params::{self, Query};
use super::{ApiError, AppState, AudienceView, MovieSummary};
use crate::clients::tmdb::{Provider, TmdbSettings, TmdbStatus, WatchProviders};
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

/// A streaming service or shop, as the movie page shows it.
#[derive(Serialize, ToSchema)]
pub(crate) struct ProviderView {
    pub name: String,
    pub logo_url: Option<String>,
}

/// Where the film can be watched in the server's region (TMDB's data, from JustWatch).
#[derive(Serialize, ToSchema)]
pub(crate) struct WhereToWatch {
    /// The region's ISO 3166-1 code (the server's `WATCH_REGION`).
    pub region: String,
    /// TMDB's page with the offers.
    pub link: Option<String>,
    /// Included in a subscription.
    pub stream: Vec<ProviderView>,
    /// Free, with or without ads.
    pub free: Vec<ProviderView>,
    pub rent: Vec<ProviderView>,
    pub buy: Vec<ProviderView>,
}

impl WhereToWatch {
    /// The region's offers, each list in TMDB's display order; none when it has no offer.
    fn of(providers: &WatchProviders, images: &TmdbSettings) -> Option<Self> {
        let region = images.watch_region.code();
        let offers = providers.results.get(region)?;
        let view = |lists: &[&Vec<Provider>]| -> Vec<ProviderView> {
            let mut all: Vec<&Provider> = lists.iter().flat_map(|l| l.iter()).collect();
            all.sort_by_key(|p| p.display_priority.unwrap_or(i64::MAX));
            let mut seen = std::collections::HashSet::new();
            all.into_iter()
                .filter(|p| seen.insert(p.provider_id))
                .map(|p| ProviderView {
                    name: p.provider_name.clone(),
                    logo_url: images.image_url("w92", p.logo_path.as_deref()),
                })
                .collect()
        };
        let answer = WhereToWatch {
            region: region.to_string(),
            link: offers.link.clone(),
            stream: view(&[&offers.flatrate]),
            free: view(&[&offers.free, &offers.ads]),
            rent: view(&[&offers.rent]),
            buy: view(&[&offers.buy]),
        };
        let any = [&answer.stream, &answer.free, &answer.rent, &answer.buy]
            .iter()
            .any(|l| !l.is_empty());
        any.then_some(answer)
    }
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
    /// Streaming, rental and purchase offers in the server's region; absent without TMDB or
    /// when the region has none.
    pub where_to_watch: Option<WhereToWatch>,
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
            where_to_watch: None,
        }));
    };
    let (fetched, providers) = tokio::join!(
        state.tmdb.movie(tmdb_id),
        state.tmdb.watch_providers(tmdb_id)
    );
    let images = state.tmdb.settings();
    let where_to_watch = providers.value().and_then(|p| WhereToWatch::of(p, images));
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
            where_to_watch,
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
        where_to_watch,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clients::tmdb::RegionProviders;

    fn provider(id: u64, name: &str, priority: i64) -> Provider {
        Provider {
            provider_id: id,
            provider_name: name.into(),
            logo_path: Some(format!("/{id}.jpg")),
            display_priority: Some(priority),
        }
    }

    /// Free and with-ads offers make one row, in TMDB's order, each service once; a region
    /// whose lists are all empty shows nothing.
    #[test]
    fn free_and_ad_offers_share_a_row_in_order_once_each() {
        let settings = TmdbSettings::default();
        let mut providers = WatchProviders::default();
        providers.results.insert(
            "US".into(),
            RegionProviders {
                free: vec![provider(73, "Tubi TV", 5)],
                ads: vec![provider(300, "Pluto TV", 2), provider(73, "Tubi TV", 5)],
                ..Default::default()
            },
        );
        providers
            .results
            .insert("GB".into(), RegionProviders::default());
        let w = WhereToWatch::of(&providers, &settings).expect("US has offers");
        let names: Vec<&str> = w.free.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Pluto TV", "Tubi TV"]);
        assert!(w.stream.is_empty() && w.rent.is_empty() && w.buy.is_empty());
        assert_eq!(
            w.free[0].logo_url.as_deref(),
            Some("https://image.tmdb.org/t/p/w92/300.jpg")
        );
        let britain = TmdbSettings {
            watch_region: "GB".parse().unwrap(),
            ..TmdbSettings::default()
        };
        assert!(WhereToWatch::of(&providers, &britain).is_none());
    }
}
