//! Movies: a catalog film merged with what TMDB knows (details, cast, images, trailer), where
//! it can be watched in the server's region, and the posters known so far, for search. The one
//! place the API's movie routes reach the TMDB client; without a key or a network every page
//! still renders from the catalog and says what is missing.

use crate::clients::tmdb::{Provider, TmdbClient, TmdbSettings, TmdbStatus, WatchProviders};
use crate::dataset::Movie;
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;

/// A cast member as the movie page shows it.
#[derive(Serialize, ToSchema)]
pub struct CastView {
    pub name: String,
    pub character: Option<String>,
    pub profile_url: Option<String>,
}

/// A streaming service or shop, as the movie page shows it.
#[derive(Serialize, ToSchema)]
pub struct ProviderView {
    pub name: String,
    pub logo_url: Option<String>,
}

/// Where the film can be watched in the server's region (TMDB's data, from JustWatch).
#[derive(Serialize, ToSchema)]
pub struct WhereToWatch {
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
pub struct TmdbPart {
    pub status: TmdbStatus,
    pub message: Option<String>,
}

/// A movie page: the catalog's film merged with TMDB's details when they can be had.
#[derive(Serialize, ToSchema)]
pub struct MoviePage {
    #[serde(flatten)]
    pub movie: Movie,
    pub poster_url: Option<String>,
    pub backdrop_url: Option<String>,
    pub cast: Vec<CastView>,
    pub director: Option<String>,
    pub trailer_key: Option<String>,
    pub tmdb: TmdbPart,
    /// Streaming, rental and purchase offers in the server's region; absent without TMDB or
    /// when the region has none.
    pub where_to_watch: Option<WhereToWatch>,
}

impl MoviePage {
    /// The catalog's film alone, with why TMDB's part is missing.
    fn local(movie: Movie, tmdb: TmdbPart, where_to_watch: Option<WhereToWatch>) -> Self {
        MoviePage {
            movie,
            poster_url: None,
            backdrop_url: None,
            cast: Vec::new(),
            director: None,
            trailer_key: None,
            tmdb,
            where_to_watch,
        }
    }
}

pub struct Movies {
    tmdb: Arc<TmdbClient>,
}

impl Movies {
    pub(crate) fn new(tmdb: Arc<TmdbClient>) -> Self {
        Movies { tmdb }
    }

    /// `movie` merged with TMDB's details and offers (fetched together, cached).
    pub async fn page(&self, movie: &Movie) -> MoviePage {
        let mut movie = movie.clone();
        let Some(tmdb_id) = movie.tmdb_id else {
            let tmdb = TmdbPart {
                status: TmdbStatus::NoTmdbId,
                message: Some("MovieLens has no TMDB id for this movie".into()),
            };
            return MoviePage::local(movie, tmdb, None);
        };
        let (fetched, providers) =
            tokio::join!(self.tmdb.movie(tmdb_id), self.tmdb.watch_providers(tmdb_id));
        let images = self.tmdb.settings();
        let where_to_watch = providers.value().and_then(|p| WhereToWatch::of(p, images));
        let tmdb = TmdbPart {
            status: fetched.status(),
            message: fetched.problem().map(|p| p.message()),
        };
        let Some(d) = fetched.value() else {
            return MoviePage::local(movie, tmdb, where_to_watch);
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
        MoviePage {
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
            where_to_watch,
        }
    }

    /// The poster of each film whose details were fetched before (from memory, no request).
    pub fn known_posters(&self, movies: &[&Movie]) -> Vec<Option<String>> {
        let ids: Vec<u32> = movies.iter().map(|m| m.tmdb_id.unwrap_or(0)).collect();
        self.tmdb.known_posters(&ids)
    }
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
