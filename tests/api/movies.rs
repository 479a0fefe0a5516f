use crate::helpers::{assert_error, shared_artifacts, spawn_app};
use std::collections::HashSet;

#[tokio::test]
async fn toy_story_2_is_among_toy_storys_five_nearest() {
    let app = spawn_app().await;
    let ids = app
        .ids("/api/movies/1/similar?limit=5", "/similar", "/movie/id")
        .await;
    assert_eq!(ids.len(), 5);
    assert!(ids.contains(&3114), "Toy Story neighbours: {ids:?}");
}

#[tokio::test]
async fn godfather_part_ii_is_among_the_godfathers_five_nearest() {
    let app = spawn_app().await;
    let ids = app
        .ids("/api/movies/858/similar?limit=5", "/similar", "/movie/id")
        .await;
    assert!(ids.contains(&1221), "Godfather neighbours: {ids:?}");
}

#[tokio::test]
async fn a_movie_without_overview_gets_neighbours_sharing_its_genres() {
    let a = shared_artifacts();
    let movie = a
        .catalog
        .movies()
        .iter()
        .find(|m| m.overview.is_none() && m.genres.len() >= 2 && m.tags.is_empty())
        .expect("a movie without overview");
    let app = spawn_app().await;
    let (status, body) = app
        .get(&format!("/api/movies/{}/similar?limit=5", movie.id))
        .await;
    assert_eq!(status, 200);
    let similar = body["similar"].as_array().unwrap();
    assert_eq!(similar.len(), 5, "{body}");
    let own: HashSet<&str> = movie.genres.iter().map(String::as_str).collect();
    for s in similar {
        let genres: Vec<&str> = s["movie"]["genres"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g.as_str().unwrap())
            .collect();
        assert!(
            genres.iter().any(|g| own.contains(g)),
            "{} {:?} shares no genre with {:?}",
            s["movie"]["title"],
            genres,
            own
        );
        assert!(
            s["similarity"].as_f64().unwrap() > 0.0,
            "{} for {}: {s}",
            movie.title,
            movie.id
        );
        assert!(s["reason"].as_str().unwrap().starts_with("Shares"));
    }
}

#[tokio::test]
async fn min_votes_filters_neighbours() {
    let app = spawn_app().await;
    let (status, body) = app.get("/api/movies/1/similar?limit=20&min_votes=50").await;
    assert_eq!(status, 200);
    for s in body["similar"].as_array().unwrap() {
        assert!(s["movie"]["rating_count"].as_u64().unwrap() >= 50, "{s}");
    }
}

#[tokio::test]
async fn movie_has_everything_the_catalog_knows() {
    let app = spawn_app().await;
    let (status, m) = app.get("/api/movies/858").await;
    assert_eq!(status, 200);
    assert_eq!(m["title"], "The Godfather");
    assert_eq!(m["year"], 1972);
    assert_eq!(m["imdb_id"], "tt0068646");
    assert_eq!(m["tmdb_id"], 238);
    assert!(m["overview"].as_str().unwrap().contains("Corleone"), "{m}");
    assert!(!m["keywords"].as_array().unwrap().is_empty());
    assert!(m["rating_count"].as_u64().unwrap() > 100);
    assert_eq!(m["popularity_band"], "popular");
}

#[tokio::test]
async fn bad_ids_and_limits_are_json_errors() {
    let app = spawn_app().await;
    let (s, b) = app.get("/api/movies/abc").await;
    let e = assert_error(s, &b, 400, "bad_parameter");
    assert_eq!(e["parameter"], "id");
    let (s, b) = app.get("/api/movies/99999999").await;
    assert_error(s, &b, 404, "not_found");
    let (s, b) = app.get("/api/movies/1/similar?limit=100000").await;
    let e = assert_error(s, &b, 400, "bad_parameter");
    assert_eq!(e["parameter"], "limit");
    let (s, b) = app.get("/api/movies/1/similar?limit=-3").await;
    assert_error(s, &b, 400, "bad_parameter");
    let (s, b) = app.get("/api/movies/1/similar?min_votes=lots").await;
    let e = assert_error(s, &b, 400, "bad_parameter");
    assert_eq!(e["parameter"], "min_votes");
    let (s, b) = app.get("/api/no-such-route").await;
    assert_error(s, &b, 404, "not_found");
}

#[tokio::test]
async fn openapi_document_lists_every_route() {
    let app = spawn_app().await;
    let (status, doc) = app.get("/api/openapi.json").await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/health",
        "/api/movies/{id}",
        "/api/movies/{id}/similar",
        "/api/popular",
        "/api/genres",
        "/api/search",
        "/api/users/{id}/recommendations",
    ] {
        assert!(doc["paths"].get(path).is_some(), "missing {path}");
    }
}

#[tokio::test]
async fn health_reports_the_catalog() {
    let app = spawn_app().await;
    let (status, h) = app.get("/api/health").await;
    assert_eq!(status, 200);
    assert_eq!(h["status"], "ok");
    assert_eq!(h["movies"], 9742);
    assert_eq!(h["ratings"], 100836);
}

#[tokio::test]
async fn openapi_document_lists_the_closed_sets_of_words() {
    let app = spawn_app().await;
    let (_, doc) = app.get("/api/openapi.json").await;
    let values = |name: &str| -> Vec<String> {
        doc["components"]["schemas"][name]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("no enum schema {name}"))
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    let tmdb = values("TmdbStatus");
    for word in ["ok", "cached", "stale", "circuit_open", "no_tmdb_id"] {
        assert!(tmdb.contains(&word.to_string()), "{tmdb:?}");
    }
    assert!(values("SourceState").contains(&"layout_changed".to_string()));
    assert_eq!(values("Label"), ["positive", "negative"]);
    assert_eq!(values("ReviewSource"), ["imdb", "tmdb"]);
    assert_eq!(values("Hardware"), ["cpu", "cuda"]);
    assert_eq!(
        values("Model"),
        ["popular", "content", "mf", "ease", "hybrid"]
    );
    assert_eq!(
        values("PopularityBand"),
        ["popular", "known", "niche", "unrated"]
    );
}

/// "More like this" puts a film's series first and, for a popular film, films people have seen.
#[tokio::test]
async fn more_like_this_holds_the_series_and_known_films() {
    let a = shared_artifacts();
    let app = spawn_app().await;
    // The Matrix and its sequels; Star Wars IV with V and VI; Toy Story with 2 and 3.
    for (id, same_series) in [
        (2571u64, vec![6365u64, 6934]),
        (260, vec![1196, 1210]),
        (1, vec![3114, 78499]),
    ] {
        let (status, body) = app.get(&format!("/api/movies/{id}/similar?limit=10")).await;
        assert_eq!(status, 200, "{body}");
        let similar = body["similar"].as_array().unwrap();
        let ids: Vec<u64> = similar
            .iter()
            .map(|s| s["movie"]["id"].as_u64().unwrap())
            .collect();
        let titles: Vec<&str> = similar
            .iter()
            .map(|s| s["movie"]["title"].as_str().unwrap())
            .collect();
        for part in &same_series {
            assert!(ids.contains(part), "{id}: no {part} in {titles:?}");
        }
        let series_reasons = similar
            .iter()
            .filter(|s| s["reason"].as_str().unwrap().ends_with(" series"))
            .count();
        assert!(series_reasons >= same_series.len(), "{body}");
        let obscure = ids
            .iter()
            .filter(|&&m| a.catalog.get(m as u32).unwrap().rating_count < 5)
            .count();
        assert!(
            obscure <= 2,
            "{id}: {obscure} of 10 with < 5 ratings: {titles:?}"
        );
    }
}
