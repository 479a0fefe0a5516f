//! The review panel's API: IMDb pages from a stand-in, classified by the committed model.

use crate::helpers::{captured_logs, shared_classifier, spawn_app_with_reviews};
use crate::stand_in::spawn_imdb_stand_in;
use cinesense::sentiment::{Classifier, Label};
use std::sync::atomic::Ordering;

#[tokio::test]
async fn fight_club_reviews_are_scraped_classified_and_cached() {
    let (imdb, hits) = spawn_imdb_stand_in();
    let app = spawn_app_with_reviews(move |s| s.imdb_base_url = imdb).await;
    let (status, body) = app.get("/api/movies/2959/reviews").await;
    assert_eq!(status, 200, "{body}");
    let imdb_source = body["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "imdb")
        .unwrap()
        .clone();
    assert_eq!(imdb_source["status"], "ok", "{body}");
    assert_eq!(imdb_source["count"], 3);
    let reviews = body["reviews"].as_array().unwrap();
    assert_eq!(reviews.len(), 3);
    let by_title = |t: &str| {
        reviews
            .iter()
            .find(|r| r["title"] == t)
            .unwrap_or_else(|| panic!("no {t}"))
    };
    let good = by_title("A masterpiece that gets better every time");
    assert_eq!(good["sentiment"]["label"], "positive", "{good}");
    assert!(
        good["text"].as_str().unwrap().contains("twist — I loved"),
        "entities decoded: {good}"
    );
    assert_eq!(good["rating"], 10.0);
    assert!(good["url"]
        .as_str()
        .unwrap()
        .ends_with("/review/rw0000001/"));
    let bad = by_title("Overrated & boring");
    assert_eq!(bad["sentiment"]["label"], "negative", "{bad}");
    assert!(bad["sentiment"]["score"].as_f64().unwrap() < 0.5);
    assert_eq!(
        body["summary"]["positive"].as_u64().unwrap()
            + body["summary"]["negative"].as_u64().unwrap(),
        3
    );
    assert_eq!(body["summary"]["positive"], 2);
    assert_eq!(body["cached"], false);
    // The second call is served from the cache: IMDb is not asked again.
    let (_, again) = app.get("/api/movies/2959/reviews").await;
    assert_eq!(again["cached"], true);
    assert_eq!(again["reviews"], body["reviews"]);
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_older_layout_still_parses() {
    let (imdb, _) = spawn_imdb_stand_in();
    let app = spawn_app_with_reviews(move |s| s.imdb_base_url = imdb).await;
    let (status, body) = app.get("/api/movies/1/reviews").await;
    assert_eq!(status, 200);
    let reviews = body["reviews"].as_array().unwrap();
    assert_eq!(reviews.len(), 2, "{body}");
    assert_eq!(
        reviews.iter().find(|r| r["author"] == "pixar_fan").unwrap()["sentiment"]["label"],
        "positive"
    );
    assert_eq!(
        reviews.iter().find(|r| r["author"] == "not_a_fan").unwrap()["sentiment"]["label"],
        "negative"
    );
}

#[tokio::test]
async fn a_full_page_without_reviews_is_reported_as_a_layout_change() {
    let (imdb, _) = spawn_imdb_stand_in();
    let app = spawn_app_with_reviews(move |s| s.imdb_base_url = imdb).await;
    let (status, body) = app.get("/api/movies/858/reviews").await;
    assert_eq!(status, 200, "{body}");
    let imdb_source = body["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "imdb")
        .unwrap()
        .clone();
    assert_eq!(imdb_source["status"], "layout_changed", "{body}");
    assert!(imdb_source["message"]
        .as_str()
        .unwrap()
        .contains("layout changed"));
    assert!(
        captured_logs().contains("layout changed"),
        "the failure must be logged"
    );
    // An explicit "no reviews" page is an empty success, not an error.
    let (_, body) = app.get("/api/movies/1221/reviews").await;
    let imdb_source = body["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "imdb")
        .unwrap()
        .clone();
    assert_eq!(imdb_source["status"], "ok", "{body}");
    assert_eq!(imdb_source["count"], 0);
}

#[test]
fn a_batch_scores_like_one_by_one() {
    let c = shared_classifier();
    let texts: Vec<String> = [
        "Wonderful.",
        "A tedious, overlong and badly acted film that I would not recommend to anyone at all.",
        "It was fine, I guess, though the middle drags and the ending is rushed.",
        "Brilliant!",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let batch = c.classify(&texts).unwrap();
    for (t, b) in texts.iter().zip(&batch) {
        let one = c.classify(std::slice::from_ref(t)).unwrap()[0];
        assert!(
            (one.score - b.score).abs() < 1e-4,
            "{t}: {} vs {}",
            one.score,
            b.score
        );
        assert_eq!(one.label, b.label);
    }
    assert_eq!(batch[0].label, Label::Positive);
    assert_eq!(batch[1].label, Label::Negative);
}

/// 20 review requests whose clients gave up still fetched one by one, and the next user waited
/// 100 s. Now at most 8 movies' reviews are fetched at once and the rest are told at once to
/// come back (503 with Retry-After), whatever IMDb does.
#[tokio::test]
async fn review_fetches_are_bounded_and_the_rest_told_to_come_back() {
    // An IMDb that takes connections and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let imdb = format!("http://{}", silent.local_addr().unwrap());
    let app = spawn_app_with_reviews(move |s| {
        s.imdb_base_url = imdb;
        s.imdb_timeout = std::time::Duration::from_secs(30);
    })
    .await;
    let ids: Vec<u32> = crate::helpers::shared_artifacts()
        .catalog
        .movies()
        .iter()
        .filter(|m| m.imdb_id.is_some())
        .skip(100)
        .take(12)
        .map(|m| m.id)
        .collect();
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(3))
        .build()
        .unwrap();
    let mut requests = tokio::task::JoinSet::new();
    for id in ids {
        let (client, url) = (
            client.clone(),
            format!("{}/api/movies/{id}/reviews", app.address),
        );
        requests.spawn(async move {
            let resp = client.get(url).send().await.ok()?;
            let retry_after = resp.headers().get("retry-after").is_some();
            let body: serde_json::Value = resp.json().await.ok()?;
            Some((retry_after, body))
        });
    }
    let answers = requests.join_all().await;
    let busy: Vec<_> = answers.iter().flatten().collect();
    assert_eq!(busy.len(), 4, "{busy:?}");
    for (retry_after, body) in busy {
        assert!(retry_after, "{body}");
        assert_eq!(body["error"]["code"], "unavailable", "{body}");
    }
    drop(silent);
}

/// A page with spoiler cards: every card comes back, spoilers flagged and counted in the split.
#[tokio::test]
async fn spoiler_reviews_are_served_flagged_and_counted() {
    let (imdb, _) = spawn_imdb_stand_in();
    let app = spawn_app_with_reviews(move |s| s.imdb_base_url = imdb).await;
    let (status, body) = app.get("/api/movies/296/reviews").await;
    assert_eq!(status, 200, "{body}");
    let reviews = body["reviews"].as_array().unwrap();
    assert_eq!(reviews.len(), 5, "{body}");
    let spoilers = reviews.iter().filter(|r| r["spoiler"] == true).count();
    assert_eq!(spoilers, 2, "{body}");
    let summary = &body["summary"];
    assert_eq!(
        summary["positive"].as_u64().unwrap() + summary["negative"].as_u64().unwrap(),
        5,
        "{body}"
    );
}

/// Classified reviews become the movie's audience sentiment: on its page, on its cards, and
/// in browse's sort and filter; fewer than 5 reviews are not enough to show.
#[tokio::test]
async fn audience_sentiment_reaches_cards_pages_and_browse() {
    let (imdb, _) = spawn_imdb_stand_in();
    let app = spawn_app_with_reviews(move |s| s.imdb_base_url = imdb).await;
    let (_, before) = app.get("/api/movies/296").await;
    assert!(before["audience"].is_null(), "{before}");
    let (_, none) = app.get("/api/browse?min_audience=0").await;
    assert_eq!(none["total"], 0, "{none}");

    let (_, reviews) = app.get("/api/movies/296/reviews").await;
    let positive = reviews["summary"]["positive"].as_u64().unwrap();
    let percent = (100.0 * positive as f64 / 5.0).round() as u64;
    // Fight Club's 3 reviews are classified too, but 3 say too little.
    let (_, _) = app.get("/api/movies/2959/reviews").await;

    let (_, page) = app.get("/api/movies/296").await;
    assert_eq!(page["audience"]["reviews"], 5, "{page}");
    assert_eq!(page["audience"]["positive_percent"], percent, "{page}");
    let (_, fight_club) = app.get("/api/movies/2959").await;
    assert!(fight_club["audience"].is_null(), "{fight_club}");

    let (status, sorted) = app.get("/api/browse?sort=audience&limit=3").await;
    assert_eq!(status, 200, "{sorted}");
    assert_eq!(sorted["movies"][0]["id"], 296, "{sorted}");
    assert_eq!(sorted["movies"][0]["audience"]["reviews"], 5);
    assert!(sorted["movies"][1]["audience"].is_null());
    let (_, kept) = app.get("/api/browse?min_audience=0").await;
    assert_eq!(kept["total"], 1, "{kept}");
    let (_, strict) = app
        .get(&format!("/api/browse?min_audience={}", percent + 1))
        .await;
    assert_eq!(strict["total"], 0, "{strict}");
}

/// `cinesense reviews --top 3`: the three most rated movies are fetched and classified once;
/// a second run finds them fresh and skips them (resumable), and the server then shows them.
#[test]
fn reviews_top_classifies_the_most_rated_and_resumes() {
    let (imdb, hits) = spawn_imdb_stand_in();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("top.sqlite");
    let run = || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_cinesense"))
            .args(["reviews", "--top", "3", "--quiet"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("IMDB_BASE_URL", &imdb)
            .env("DATABASE_URL", &db)
            .env("CINESENSE_INDEX_DIR", dir.path().join("index"))
            .env("TMDB_API_KEY", "")
            .env("TMDB_READ_TOKEN", "")
            .env("SENTIMENT_DEVICE", "cpu")
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    // Forrest Gump, Shawshank (not in the stand-in: IMDb answers 404) and Pulp Fiction.
    let first = run();
    assert_eq!(first["candidates"], 3, "{first}");
    assert_eq!(first["already_fresh"], 0, "{first}");
    assert_eq!(first["classified"], 1, "{first}");
    assert_eq!(first["reviews"], 5, "{first}");
    assert_eq!(first["failed"], 2, "{first}");
    let asked = hits.load(Ordering::SeqCst);
    let second = run();
    assert_eq!(second["already_fresh"], 1, "{second}");
    assert_eq!(second["classified"], 0, "{second}");
    // The two that failed are asked again; Pulp Fiction's one page is not.
    assert_eq!(
        hits.load(Ordering::SeqCst),
        2 * asked - 1,
        "Pulp Fiction fetched again"
    );

    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_cinesense"))
        .args(["reviews", "--top", "0"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
