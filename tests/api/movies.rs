use crate::helpers::{assert_error, shared_artifacts, spawn_app, spawn_app_over, test_settings};
use cinesense::dataset::tmdb_snapshot::{self, SnapshotMovie};
use std::collections::HashSet;
use std::sync::Arc;

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
        // The reason names a genre both share ("Shares Comedy", "Also 1990s Comedy").
        let reason = s["reason"].as_str().unwrap();
        assert!(own.iter().any(|g| reason.contains(g)), "{reason}");
    }
}

/// "More like this" reads each film's co-watched films from the index instead of scoring every
/// film per request: the stored list must be the implicit model's own top 50 for someone who
/// watched only that film (the same scores, scaled so the best is 1), and empty for a film too
/// few have rated.
#[test]
fn stored_cowatched_films_are_the_implicit_models_top_50() {
    let a = shared_artifacts();
    let model = a
        .implicit
        .as_ref()
        .expect("the test index has an implicit model");
    let cowatched = a.cowatched.as_ref().expect("and co-watched films");
    let mut checked = 0;
    for row in (0..a.catalog.len()).step_by(7) {
        let stored = cowatched.of(row);
        if a.catalog.at(row).rating_count < 10 {
            assert!(stored.is_empty(), "row {row}");
            continue;
        }
        let scores = model.scores(&[row]);
        let mut best: Vec<f32> = scores
            .iter()
            .enumerate()
            .filter(|&(j, &s)| j != row && s > 0.0)
            .map(|(_, &s)| s)
            .collect();
        best.sort_by(|x, y| y.total_cmp(x));
        best.truncate(50);
        let max = best.first().copied().unwrap_or(0.0);
        let mut got: Vec<f32> = stored.iter().map(|&(_, s)| s).collect();
        got.sort_by(|x, y| y.total_cmp(x));
        let want: Vec<f32> = best.iter().map(|s| s / max).collect();
        assert_eq!(got, want, "row {row}");
        for &(j, s) in stored {
            assert_ne!(j as usize, row);
            assert_eq!(s, scores[j as usize] / max, "row {row}, film {j}");
        }
        checked += 1;
    }
    assert!(checked > 200, "only {checked} films checked");
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
    assert_eq!(values("ReviewSource"), ["imdb", "tmdb", "imdb_archive"]);
    assert!(values("SourceState").contains(&"pending".to_string()));
    assert_eq!(values("Hardware"), ["cpu", "cuda"]);
    assert_eq!(
        values("Model"),
        ["popular", "content", "mf", "ease", "ials", "hybrid"]
    );
    assert_eq!(
        values("PopularityBand"),
        ["popular", "known", "niche", "unrated"]
    );
    assert_eq!(
        values("BrowseSort"),
        ["popularity", "rating", "year", "predicted", "audience"]
    );
    // The lists the web app reads are the document's.
    let (status, options) = app.get("/api/options").await;
    assert_eq!(status, 200, "{options}");
    let listed = |key: &str| -> Vec<String> {
        options[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(listed("models"), values("Model"));
    assert_eq!(listed("sorts"), values("BrowseSort"));
    assert_eq!(listed("bands"), values("PopularityBand"));
    // Every value listed is accepted, and a value outside the set is a 400 naming them.
    for model in listed("models") {
        let (status, body) = app
            .get(&format!(
                "/api/users/1/recommendations?model={model}&limit=3"
            ))
            .await;
        assert_eq!(status, 200, "{model}: {body}");
        assert_eq!(body["model"], model.as_str());
    }
    let (status, body) = app.get("/api/browse?sort=shuffle").await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("popularity, rating, year, predicted, audience"));
}

/// Well-known films and other parts of their series (MovieLens ids), for "More like this".
const SERIES: [(u64, &[u64]); 60] = [
    (1, &[3114, 78499]),           // Toy Story
    (2571, &[6365, 6934]),         // The Matrix
    (260, &[1196, 1210]),          // Star Wars
    (858, &[1221, 2023]),          // The Godfather
    (1270, &[2011, 2012]),         // Back to the Future
    (1214, &[1200, 1320]),         // Alien
    (1240, &[589, 6537]),          // The Terminator
    (4993, &[5952, 7153]),         // The Lord of the Rings
    (4896, &[5816, 8368, 40815]),  // Harry Potter
    (1198, &[1291, 2115]),         // Raiders of the Lost Ark
    (480, &[1544, 4638]),          // Jurassic Park
    (1036, &[1370, 165]),          // Die Hard
    (4306, &[8360, 53121]),        // Shrek
    (6539, &[45722, 53125]),       // Pirates of the Caribbean
    (33794, &[58559, 91529]),      // Batman Begins
    (5349, &[8636, 52722]),        // Spider-Man
    (3793, &[6333, 45499]),        // X-Men
    (648, &[3623, 45186]),         // Mission: Impossible
    (5418, &[8665, 54286]),        // The Bourne Identity
    (6874, &[7438]),               // Kill Bill
    (4963, &[8984, 53322]),        // Ocean's Eleven
    (1580, &[5459, 94777]),        // Men in Black
    (586, &[2953, 1707]),          // Home Alone
    (6377, &[157296]),             // Finding Nemo
    (5218, &[44022, 69644]),       // Ice Age
    (79091, &[103335, 172547]),    // Despicable Me
    (59784, &[87222, 149406]),     // Kung Fu Panda
    (76093, &[112175]),            // How to Train Your Dragon
    (91500, &[106487, 116823]),    // The Hunger Games
    (59315, &[77561, 102125]),     // Iron Man
    (89745, &[122892, 122912]),    // The Avengers
    (112852, &[122918]),           // Guardians of the Galaxy
    (2000, &[2001, 2002]),         // Lethal Weapon
    (2716, &[2717]),               // Ghostbusters
    (1517, &[2683, 5481]),         // Austin Powers
    (1407, &[1717, 3273]),         // Scream
    (4886, &[103141]),             // Monsters, Inc.
    (8961, &[187541]),             // The Incredibles
    (215, &[8638]),                // Before Sunrise
    (1261, &[1215, 4105]),         // Evil Dead II
    (4369, &[6383, 46335, 67923]), // The Fast and the Furious
    (88140, &[110102, 122920]),    // Captain America
    (86332, &[106072, 122916]),    // Thor
    (98809, &[106489, 118696]),    // The Hobbit
    (63992, &[72407, 78772]),      // Twilight
    (45517, &[87876, 170957]),     // Cars
    (69122, &[86911, 102686]),     // The Hangover
    (3702, &[3703, 3704, 122882]), // Mad Max
    (1954, &[2409, 2410]),         // Rocky
    (2273, &[4701, 54648]),        // Rush Hour
    (46972, &[68793, 119155]),     // Night at the Museum
    (3948, &[30825]),              // Meet the Parents
    (1387, &[1388]),               // Jaws
    (2529, &[2530, 2533]),         // Planet of the Apes
    (3527, &[3697]),               // Predator
    (53996, &[69526, 87520]),      // Transformers
    (73017, &[91542]),             // Sherlock Holmes
    (541, &[176371]),              // Blade Runner
    (2003, &[2004]),               // Gremlins
    (4085, &[4084, 420]),          // Beverly Hills Cop
];

/// "More like this" holds another part of the series for nearly every well-known film, says
/// so in its reason, and shows films people have seen.
#[tokio::test]
async fn more_like_this_holds_the_series_and_known_films() {
    let a = shared_artifacts();
    let app = spawn_app().await;
    let mut missed = Vec::new();
    let mut too_obscure = Vec::new();
    for (id, same_series) in SERIES {
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
        let title = &a.catalog.get(id as u32).unwrap().title;
        if !same_series.iter().any(|part| ids.contains(part)) {
            missed.push(format!("{title}: {titles:?}"));
        }
        let obscure = ids
            .iter()
            .filter(|&&m| a.catalog.get(m as u32).unwrap().rating_count < 5)
            .count();
        if obscure > 2 {
            too_obscure.push(format!(
                "{title}: {obscure} of 10 with < 5 ratings: {titles:?}"
            ));
        }
    }
    assert!(
        missed.len() <= 3,
        "{} of 60 without their series: {missed:#?}",
        missed.len()
    );
    assert!(too_obscure.is_empty(), "{too_obscure:#?}");
    // The reason says why a part of the series is there.
    for (id, same_series) in [
        (2571u64, [6365u64, 6934]),
        (260, [1196, 1210]),
        (1, [3114, 78499]),
    ] {
        let (_, body) = app.get(&format!("/api/movies/{id}/similar?limit=10")).await;
        let similar = body["similar"].as_array().unwrap();
        for part in same_series {
            let s = similar
                .iter()
                .find(|s| s["movie"]["id"].as_u64() == Some(part))
                .unwrap_or_else(|| panic!("{id}: no {part} in {body}"));
            assert!(s["reason"].as_str().unwrap().ends_with(" series"), "{s}");
        }
    }
}

/// Where TMDB details were fetched, its collections say which films are one series: The Dark
/// Knight joins Batman Begins though no title word is shared, and Batman (1989), which shares
/// one, is another series.
#[tokio::test]
async fn tmdb_collections_decide_the_series() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = test_settings();
    s.index_dir = dir.path().join("index");
    s.tmdb_snapshot = dir.path().join("tmdb-snapshot.jsonl");
    let in_collection = |tmdb_id: u32, name: &str| SnapshotMovie {
        tmdb_id,
        collection: Some(name.to_string()),
        ..Default::default()
    };
    tmdb_snapshot::write(
        &s.tmdb_snapshot,
        vec![
            in_collection(272, "The Dark Knight Collection"),
            in_collection(155, "The Dark Knight Collection"),
            in_collection(49026, "The Dark Knight Collection"),
            in_collection(268, "Batman Collection"),
            in_collection(364, "Batman Collection"),
        ],
    )
    .unwrap();
    let artifacts = Arc::new(cinesense::index::load_or_build(&s, true).unwrap());
    assert_eq!(
        artifacts.catalog.get(58559).unwrap().collection.as_deref(),
        Some("The Dark Knight Collection")
    );
    let (index_dir, snapshot) = (s.index_dir.clone(), s.tmdb_snapshot.clone());
    let app = spawn_app_over(
        artifacts,
        move |s| {
            s.index_dir = index_dir;
            s.tmdb_snapshot = snapshot;
        },
        false,
    )
    .await;
    let (status, body) = app.get("/api/movies/33794/similar?limit=10").await;
    assert_eq!(status, 200, "{body}");
    let similar = body["similar"].as_array().unwrap();
    let reason_of = |id: u64| {
        similar
            .iter()
            .find(|x| x["movie"]["id"].as_u64() == Some(id))
            .map(|x| x["reason"].as_str().unwrap().to_string())
    };
    for part in [58559, 91529] {
        assert_eq!(
            reason_of(part).as_deref(),
            Some("Also in the Dark Knight series"),
            "{body}"
        );
    }
    assert!(
        reason_of(592).is_none_or(|r| !r.ends_with(" series")),
        "{body}"
    );
}
