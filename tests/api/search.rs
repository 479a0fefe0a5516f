use crate::helpers::{assert_error, spawn_app, TestApp};

async fn first_ids(app: &TestApp, q: &str) -> Vec<u64> {
    let path = format!("/api/search?q={}", urlencode(q));
    app.ids(&path, "/results", "/id").await
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn the_movie_people_mean_comes_first() {
    let app = spawn_app().await;
    for (q, id) in [
        ("toy", 1),
        ("toy story 2", 3114),
        ("godfater", 858),
        ("amelie", 4973),
        ("alien 1979", 1214),
        ("godfather", 858),
    ] {
        let ids = first_ids(&app, q).await;
        assert_eq!(ids.first(), Some(&id), "{q:?} -> {ids:?}");
    }
}

#[tokio::test]
async fn prefixes_and_typos_find_the_movie_in_the_top_3() {
    let app = spawn_app().await;
    for (q, id) in [("matr", 2571), ("shinning", 1258), ("star", 260)] {
        let ids = first_ids(&app, q).await;
        assert!(ids.iter().take(3).any(|i| *i == id), "{q:?} -> {ids:?}");
    }
}

#[tokio::test]
async fn accents_case_and_articles_fold() {
    let app = spawn_app().await;
    let ids = first_ids(&app, "AMÉLIE").await;
    assert_eq!(ids.first(), Some(&4973));
    // The original title is searchable too.
    let ids = first_ids(&app, "fabuleux destin").await;
    assert!(ids.contains(&4973), "{ids:?}");
    let ids = first_ids(&app, "the godfather").await;
    assert_eq!(ids.first(), Some(&858));
}

#[tokio::test]
async fn close_spellings_only_when_nothing_matches_as_typed() {
    let app = spawn_app().await;
    // "matr": the Matrix films, and no Mary Poppins or The Martian padding the list.
    let (_, body) = app.get("/api/search?q=matr&limit=8").await;
    let results = body["results"].as_array().unwrap();
    assert!(!results.is_empty());
    assert!(results.iter().all(|r| r["fuzzy"] == false), "{results:?}");
    assert!(
        results
            .iter()
            .all(|r| r["title"].as_str().unwrap().contains("Matrix")),
        "{results:?}"
    );
    // A typo with no match as typed gets its close spellings.
    let (_, body) = app.get("/api/search?q=matirx&limit=8").await;
    let results = body["results"].as_array().unwrap();
    assert!(results.iter().all(|r| r["fuzzy"] == true));
    assert_eq!(results[0]["id"], 2571, "{results:?}");
}

#[tokio::test]
async fn results_carry_what_the_dropdown_shows() {
    let app = spawn_app().await;
    let (status, body) = app.get("/api/search?q=matrix&limit=3").await;
    assert_eq!(status, 200);
    let r = &body["results"][0];
    assert_eq!(r["id"], 2571);
    assert_eq!(
        r["title"],
        "Matrix, The".replace("Matrix, The", "The Matrix")
    );
    assert_eq!(r["year"], 1999);
    assert!(r["genres"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g == "Sci-Fi"));
    assert!(body["results"].as_array().unwrap().len() <= 3);
}

#[tokio::test]
async fn syntax_characters_are_text_and_bad_input_is_a_400() {
    let app = spawn_app().await;
    for q in ["\"(:*", "-~", "star:wars", "(alien", "a*b\"c"] {
        let (status, body) = app.get(&format!("/api/search?q={}", urlencode(q))).await;
        assert_eq!(status, 200, "{q:?}: {body}");
        assert!(body["results"].is_array());
    }
    let (status, body) = app.get("/api/search?q=%20%20").await;
    assert_eq!(status, 200);
    assert_eq!(body["results"].as_array().unwrap().len(), 0);
    let (s, b) = app.get(&format!("/api/search?q={}", "a".repeat(201))).await;
    let e = assert_error(s, &b, 400, "bad_parameter");
    assert_eq!(e["parameter"], "q");
    let (s, b) = app.get("/api/search?q=toy&limit=51").await;
    assert_error(s, &b, 400, "bad_parameter");
    let (s, b) = app.get("/api/search?q=toy&limit=0").await;
    assert_error(s, &b, 400, "bad_parameter");
}
