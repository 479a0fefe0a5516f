use crate::helpers::{assert_error, spawn_app};

#[tokio::test]
async fn popular_horror_is_horror_sorted_by_weighted_rating() {
    let app = spawn_app().await;
    let (status, body) = app.get("/api/popular?genre=Horror&limit=20").await;
    assert_eq!(status, 200);
    let movies = body["movies"].as_array().unwrap();
    assert_eq!(movies.len(), 20);
    let mut last = f64::MAX;
    for m in movies {
        assert!(
            m["genres"]
                .as_array()
                .unwrap()
                .iter()
                .any(|g| g == "Horror"),
            "{m}"
        );
        let wr = m["weighted_rating"].as_f64().unwrap();
        assert!(wr <= last + 1e-9);
        last = wr;
    }
}

#[tokio::test]
async fn few_perfect_ratings_rank_below_many_good_ones() {
    // In the catalog: a movie rated 5.0 by two people must rank below one rated by hundreds.
    let app = spawn_app().await;
    let (_, body) = app.get("/api/popular?limit=100").await;
    let top = body["movies"].as_array().unwrap();
    assert!(
        top.iter()
            .all(|m| m["rating_count"].as_u64().unwrap() >= 10),
        "obscure movie in the top 100"
    );
    let a = crate::helpers::shared_artifacts();
    let few = a
        .catalog
        .movies()
        .iter()
        .find(|m| m.rating_count == 2 && m.rating_mean == 5.0)
        .expect("a 2x5.0 movie");
    let many = a
        .catalog
        .movies()
        .iter()
        .find(|m| m.rating_count >= 250 && m.rating_mean >= 4.2)
        .expect("a much rated movie");
    assert!(
        few.weighted_rating < many.weighted_rating,
        "{} vs {}",
        few.weighted_rating,
        many.weighted_rating
    );
}

#[tokio::test]
async fn hidden_gems_are_niche() {
    let app = spawn_app().await;
    let (status, body) = app.get("/api/popular?band=niche&limit=10").await;
    assert_eq!(status, 200);
    for m in body["movies"].as_array().unwrap() {
        assert_eq!(m["popularity_band"], "niche");
    }
}

#[tokio::test]
async fn genres_and_bad_filters() {
    let app = spawn_app().await;
    let (status, body) = app.get("/api/genres").await;
    assert_eq!(status, 200);
    let names: Vec<&str> = body["genres"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Horror") && names.contains(&"Sci-Fi"));
    assert!(!names.contains(&"(no genres listed)"));
    let (s, b) = app.get("/api/popular?genre=Nope").await;
    let e = assert_error(s, &b, 400, "bad_parameter");
    assert_eq!(e["parameter"], "genre");
    let (s, b) = app.get("/api/popular?band=famous").await;
    assert_error(s, &b, 400, "bad_parameter");
    let (s, b) = app.get("/api/popular?limit=0").await;
    assert_error(s, &b, 400, "bad_parameter");
}
