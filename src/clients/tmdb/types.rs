//! TMDB v3 responses, typed. Every field is optional or defaulted: TMDB omits and nulls
//! fields freely, and a missing one must never fail a page.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct MovieDetails {
    pub id: u32,
    pub title: Option<String>,
    pub overview: Option<String>,
    pub tagline: Option<String>,
    pub runtime: Option<u32>,
    pub release_date: Option<String>,
    pub poster_path: Option<String>,
    pub backdrop_path: Option<String>,
    pub vote_average: Option<f32>,
    pub vote_count: Option<u32>,
    pub imdb_id: Option<String>,
    /// The series TMDB puts the film in ("The Matrix Collection"), if any.
    pub belongs_to_collection: Option<Named>,
    pub genres: Vec<Named>,
    pub credits: Option<Credits>,
    pub keywords: Option<Keywords>,
    pub videos: Option<Videos>,
    pub external_ids: Option<ExternalIds>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Named {
    pub id: Option<u64>,
    pub name: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Credits {
    pub cast: Vec<CastMember>,
    pub crew: Vec<CrewMember>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct CastMember {
    pub name: String,
    pub character: Option<String>,
    pub profile_path: Option<String>,
    pub order: Option<u32>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct CrewMember {
    pub name: String,
    pub job: Option<String>,
}

/// `/movie/{id}/keywords` says `keywords`; search results say `results`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Keywords {
    pub keywords: Vec<Named>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Videos {
    pub results: Vec<Video>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Video {
    pub key: String,
    pub site: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub official: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct ExternalIds {
    pub imdb_id: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Reviews {
    pub id: u32,
    pub page: u32,
    pub results: Vec<Review>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Review {
    pub author: String,
    pub author_details: Option<AuthorDetails>,
    pub content: String,
    pub created_at: Option<String>,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct AuthorDetails {
    pub rating: Option<f32>,
}

/// `/movie/{id}/watch/providers`: for each region (ISO 3166-1 code), where the film streams,
/// rents and sells. TMDB gets it from JustWatch.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct WatchProviders {
    pub results: std::collections::BTreeMap<String, RegionProviders>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct RegionProviders {
    /// TMDB's page for the film's offers in this region.
    pub link: Option<String>,
    /// Included in a subscription.
    pub flatrate: Vec<Provider>,
    pub free: Vec<Provider>,
    pub ads: Vec<Provider>,
    pub rent: Vec<Provider>,
    pub buy: Vec<Provider>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Provider {
    pub provider_id: u64,
    pub provider_name: String,
    pub logo_path: Option<String>,
    pub display_priority: Option<i64>,
}

/// TMDB's error body: `{"status_code": 7, "status_message": "Invalid API key..."}`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct ErrorBody {
    pub status_code: Option<i64>,
    pub status_message: Option<String>,
}

impl MovieDetails {
    pub fn director(&self) -> Option<&str> {
        self.credits
            .as_ref()?
            .crew
            .iter()
            .find(|c| c.job.as_deref() == Some("Director"))
            .map(|c| c.name.as_str())
    }

    /// The YouTube key of the best trailer: official trailers first.
    pub fn trailer_key(&self) -> Option<&str> {
        let videos = &self.videos.as_ref()?.results;
        let youtube = |v: &&Video| v.site.as_deref() == Some("YouTube") && !v.key.is_empty();
        videos
            .iter()
            .filter(youtube)
            .find(|v| v.kind.as_deref() == Some("Trailer") && v.official == Some(true))
            .or_else(|| {
                videos
                    .iter()
                    .filter(youtube)
                    .find(|v| v.kind.as_deref() == Some("Trailer"))
            })
            .map(|v| v.key.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The recorded watch providers: regions by code, each list in TMDB's order.
    #[test]
    fn watch_providers_parse_by_region() {
        let recorded: WatchProviders = serde_json::from_str(include_str!(
            "../../../tests/fixtures/tmdb/movie-watch-providers.json"
        ))
        .unwrap();
        let us = &recorded.results["US"];
        assert_eq!(us.flatrate.len(), 1);
        assert_eq!(us.flatrate[0].provider_name, "Peacock Premium");
        assert_eq!(us.rent.len(), 7);
        assert_eq!(us.buy.len(), 8);
        let al = &recorded.results["AL"];
        assert!(al.flatrate.is_empty() && al.rent.is_empty() && al.buy.len() == 1);
        assert!(!recorded.results.contains_key("FR"));
    }

    /// The recorded details (no collection) and the shape TMDB gives a film in one.
    #[test]
    fn details_say_which_collection_a_film_is_in() {
        let recorded: MovieDetails = serde_json::from_str(include_str!(
            "../../../tests/fixtures/tmdb/movie-details.json"
        ))
        .unwrap();
        assert_eq!(recorded.id, 550);
        assert_eq!(recorded.belongs_to_collection, None);
        let in_one: MovieDetails = serde_json::from_str(
            r#"{"id": 155, "belongs_to_collection": {"id": 263, "name": "The Dark Knight Collection",
                "poster_path": "/x.jpg", "backdrop_path": null}}"#,
        )
        .unwrap();
        assert_eq!(
            in_one.belongs_to_collection.map(|c| c.name).as_deref(),
            Some("The Dark Knight Collection")
        );
    }
}
