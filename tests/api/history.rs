//! A member's history in and out: POST /api/me/import (Letterboxd and IMDb exports),
//! GET /api/me/diary and its CSV, GET /api/me/marks and GET /api/me/home, on the store the
//! suite runs on (SQLite, or PostgreSQL with CINESENSE_TEST_STORE=postgres).

use crate::helpers::{assert_error, spawn_app, Account, TestApp};
use reqwest::Method;
use serde_json::Value;
use std::collections::HashMap;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/history");

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{name}")).expect("fixture")
}

async fn import(app: &TestApp, who: &Account, body: impl Into<reqwest::Body>) -> (u16, Value) {
    let resp = app
        .client
        .post(format!("{}/api/me/import", app.address))
        .bearer_auth(&who.token)
        .header("Content-Type", "text/csv")
        .body(body)
        .send()
        .await
        .expect("sent");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// movie id -> stars of the member's ratings.
async fn ratings(app: &TestApp, who: &Account) -> HashMap<u64, f64> {
    let (status, body) = app
        .send(Method::GET, "/api/me/marks", Some(&who.token), None)
        .await;
    assert_eq!(status, 200, "{body}");
    body["ratings"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.parse().unwrap(), v.as_f64().unwrap()))
        .collect()
}

#[tokio::test]
async fn a_letterboxd_export_comes_in_once() {
    let app = spawn_app().await;
    let who = app.signup("boxd_fan", &["Drama", "Sci-Fi", "Comedy"]).await;
    // On the watchlist before: rated by the import, it leaves.
    app.send(
        Method::PUT,
        "/api/me/watchlist/2571",
        Some(&who.token),
        None,
    )
    .await;
    let (status, body) = import(&app, &who, fixture("letterboxd-ratings.csv")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["format"], "letterboxd");
    assert_eq!(body["imported"], 6, "{body}");
    assert_eq!(body["already_rated"], 0);
    // The film nobody has made, named by its line.
    assert_eq!(
        body["unmatched"],
        serde_json::json!([{"row": 8, "title": "A Film Nobody Has Made", "year": 2031}])
    );
    let mine = ratings(&app, &who).await;
    // The Matrix, Amélie (MovieLens: "Amelie"), the quoted "The Good, the Bad and the Ugly",
    // Se7en (an a.k.a. title), Star Wars (before the colon), Léon.
    let expected = [
        (2571, 5.0),
        (4973, 4.5),
        (1201, 4.0),
        (47, 4.5),
        (260, 3.5),
        (293, 4.0),
    ];
    assert_eq!(mine, expected.into_iter().collect::<HashMap<u64, f64>>());
    let (_, marks) = app
        .send(Method::GET, "/api/me/marks", Some(&who.token), None)
        .await;
    assert_eq!(marks["watchlist"], serde_json::json!([]));
    // The diary keeps the file's dates, newest first.
    let (_, diary) = app
        .send(Method::GET, "/api/me/diary", Some(&who.token), None)
        .await;
    assert_eq!(diary["total"], 6);
    assert_eq!(diary["entries"][0]["movie"]["id"], 293);
    assert_eq!(diary["entries"][0]["rated_at"], 1_681_171_200); // 2023-04-11
                                                                // The same file again changes nothing.
    let (status, again) = import(&app, &who, fixture("letterboxd-ratings.csv")).await;
    assert_eq!(status, 200);
    assert_eq!(
        (again["imported"].as_u64(), again["already_rated"].as_u64()),
        (Some(0), Some(6))
    );
    assert_eq!(ratings(&app, &who).await.len(), 6);
}

#[tokio::test]
async fn a_letterboxd_diary_keeps_the_latest_watch_and_skips_unrated_entries() {
    let app = spawn_app().await;
    let who = app
        .signup("diary_fan", &["Drama", "Sci-Fi", "Comedy"])
        .await;
    let (status, body) = import(&app, &who, fixture("letterboxd-diary.csv")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["imported"], 1);
    assert_eq!(body["without_rating"], 1);
    assert_eq!(ratings(&app, &who).await, HashMap::from([(2959, 4.5)]));
}

#[tokio::test]
async fn an_imdb_export_with_a_byte_order_mark_and_ten_point_ratings() {
    let app = spawn_app().await;
    let who = app.signup("imdb_fan", &["Drama", "Crime", "Western"]).await;
    let file = fixture("imdb-ratings.csv");
    assert!(
        file.starts_with(&[0xef, 0xbb, 0xbf]),
        "the fixture keeps IMDb's BOM"
    );
    let (status, body) = import(&app, &who, file).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["format"], "imdb");
    assert_eq!(body["imported"], 4);
    assert_eq!(body["unmatched"][0]["title"], "Breaking Bad");
    assert_eq!(body["unmatched"][0]["row"], 6);
    let expected = [(318, 5.0), (858, 4.5), (1201, 4.0), (296, 3.5)];
    assert_eq!(
        ratings(&app, &who).await,
        expected.into_iter().collect::<HashMap<u64, f64>>()
    );
}

#[tokio::test]
async fn a_bad_file_is_refused_naming_its_line_and_nothing_is_half_imported() {
    let app = spawn_app().await;
    let who = app
        .signup("bad_files", &["Drama", "Sci-Fi", "Comedy"])
        .await;
    let header = "Const,Your Rating,Date Rated,Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,Genres,Num Votes,Release Date,Directors\n";
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (Vec::new(), "line 1"),
        (b"\xef\xbb\xbf\n\n".to_vec(), "line 1"),
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR garbage".to_vec(), "UTF-8"),
        (b"hello,world\n1,2\n".to_vec(), "line 1"),
        (header.as_bytes().to_vec(), "line 2"),
        // A good first row, then a rating IMDb never gives: the whole file is refused.
        (format!("{header}tt0111161,10,2024-01-05,The Shawshank Redemption,,Movie,9.3,142,1994,Drama,1,1994-09-23,\ntt0068646,11,2024-01-06,The Godfather,,Movie,9.2,175,1972,Drama,1,1972-03-14,\n").into_bytes(), "line 3"),
        (format!("{header}tt0111161,10,05/01/2024,The Shawshank Redemption,,Movie,9.3,142,1994,Drama,1,1994-09-23,\n").into_bytes(), "line 2"),
        (b"Date,Name,Year,Letterboxd URI,Rating\n2023-01-01,The Matrix,1999,x,6\n".to_vec(), "line 2"),
    ];
    for (body, names) in cases {
        let (status, err) = import(&app, &who, body.clone()).await;
        let detail = assert_error(status, &err, 400, "bad_parameter");
        let message = detail["message"].as_str().unwrap();
        assert!(
            message.contains(names),
            "{message:?} should name {names:?} for {:?}",
            String::from_utf8_lossy(&body)
        );
    }
    assert!(ratings(&app, &who).await.is_empty(), "nothing came in");
    // Not CSV: refused before reading (a cross-site form cannot send text/csv).
    let resp = app
        .client
        .post(format!("{}/api/me/import", app.address))
        .bearer_auth(&who.token)
        .header("Content-Type", "text/plain")
        .body(fixture("letterboxd-ratings.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    // Logged out.
    let resp = app
        .client
        .post(format!("{}/api/me/import", app.address))
        .header("Content-Type", "text/csv")
        .body(fixture("letterboxd-ratings.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
}

/// An IMDb export of every film of the catalog that has an IMDb id, and then some again,
/// 10,000 rows in all.
fn ten_thousand_rows(app: &TestApp) -> (String, usize) {
    let links = std::fs::read_to_string(
        app.settings
            .data_dir
            .join("movielens-ml-latest-small/links.csv"),
    )
    .or_else(|_| std::fs::read_to_string(app.settings.data_dir.join("links.csv")))
    .expect("links.csv");
    let ids: Vec<String> = links
        .lines()
        .skip(1)
        .filter_map(|l| {
            l.split(',')
                .nth(1)
                .filter(|i| !i.is_empty())
                .map(String::from)
        })
        .collect();
    let mut out = String::from("Const,Your Rating,Date Rated,Title,Original Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,Genres,Num Votes,Release Date,Directors\n");
    for i in 0..10_000 {
        let id = &ids[i % ids.len()];
        let stars = 1 + (i * 7) % 10;
        out.push_str(&format!(
            "tt{id},{stars},2020-01-{:02},\"Film, number {i}\",,https://www.imdb.com/title/tt{id},Movie,7.0,100,1999,Drama,1000,1999-01-01,Someone\n",
            1 + i % 28
        ));
    }
    (out, ids.len().min(10_000))
}

#[tokio::test]
async fn ten_thousand_rows_in_one_go() {
    let app = spawn_app().await;
    let who = app
        .signup("big_history", &["Drama", "Sci-Fi", "Comedy"])
        .await;
    let (file, films) = ten_thousand_rows(&app);
    assert!(file.len() > 600_000, "{} bytes", file.len());
    let started = std::time::Instant::now();
    let (status, body) = import(&app, &who, file.clone()).await;
    eprintln!(
        "10,000 rows ({} KB) imported in {:?}",
        file.len() / 1000,
        started.elapsed()
    );
    assert_eq!(status, 200, "{body}");
    let imported = body["imported"].as_u64().unwrap() as usize;
    // Every distinct film the catalog holds, once.
    assert!(
        imported > 9_000 && imported <= films,
        "{imported} of {films}"
    );
    let (_, diary) = app
        .send(Method::GET, "/api/me/diary?limit=1", Some(&who.token), None)
        .await;
    assert_eq!(diary["total"].as_u64().unwrap() as usize, imported);
    // Bigger than 5 MiB: refused whole.
    let huge = file.repeat(8);
    let (status, err) = import(&app, &who, huge).await;
    assert_error(status, &err, 413, "payload_too_large");
    // Every other route keeps its small limit.
    let resp = app
        .client
        .put(format!("{}/api/me/ratings/1", app.address))
        .bearer_auth(&who.token)
        .header("Content-Type", "application/json")
        .body(format!(
            "{{\"rating\": 4, \"pad\": \"{}\"}}",
            "x".repeat(100_000)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 413);
}

#[tokio::test]
async fn the_diary_sorts_filters_and_exports_what_imports_again() {
    let app = spawn_app().await;
    let who = app
        .signup("diary_export", &["Drama", "Sci-Fi", "Comedy"])
        .await;
    import(&app, &who, fixture("letterboxd-ratings.csv")).await;
    let ids = |body: &Value| -> Vec<u64> {
        body["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["movie"]["id"].as_u64().unwrap())
            .collect()
    };
    let (_, by_rating) = app
        .send(
            Method::GET,
            "/api/me/diary?sort=rating",
            Some(&who.token),
            None,
        )
        .await;
    assert_eq!(ids(&by_rating)[0], 2571);
    let (_, by_title) = app
        .send(
            Method::GET,
            "/api/me/diary?sort=title",
            Some(&who.token),
            None,
        )
        .await;
    assert_eq!(ids(&by_title)[0], 4973, "Amelie first: {by_title}");
    let (_, nineties) = app
        .send(
            Method::GET,
            "/api/me/diary?decade=1990",
            Some(&who.token),
            None,
        )
        .await;
    let mut got = ids(&nineties);
    got.sort();
    assert_eq!(got, vec![47, 293, 2571]);
    let (_, western) = app
        .send(
            Method::GET,
            "/api/me/diary?genre=Western",
            Some(&who.token),
            None,
        )
        .await;
    assert_eq!(ids(&western), vec![1201]);
    let (status, err) = app
        .send(
            Method::GET,
            "/api/me/diary?sort=stars",
            Some(&who.token),
            None,
        )
        .await;
    assert_error(status, &err, 400, "bad_parameter");

    let resp = app
        .client
        .get(format!("{}/api/me/diary.csv", app.address))
        .bearer_auth(&who.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let csv = resp.text().await.unwrap();
    assert!(
        csv.starts_with("Title,Year,Rating,WatchedDate,imdbID,tmdbID\n"),
        "{csv}"
    );
    assert!(
        csv.contains("\"The Good, the Bad and the Ugly\"") || csv.contains("Good, the Bad"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 7);
    // Another member imports the export and has the same ratings.
    let other = app
        .signup("diary_import", &["Drama", "Sci-Fi", "Comedy"])
        .await;
    let (status, body) = import(&app, &other, csv).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["format"], "diary");
    assert_eq!(ratings(&app, &other).await, ratings(&app, &who).await);
}

#[tokio::test]
async fn home_rows_for_a_member_with_ten_ratings() {
    let app = spawn_app().await;
    let who = app
        .signup("home_rows", &["Sci-Fi", "Action", "Drama"])
        .await;
    let loved = [
        (2571, 5.0),
        (260, 5.0),
        (318, 4.5),
        (1, 4.0),
        (296, 4.0),
        (858, 3.0),
        (4973, 2.5),
        (356, 3.5),
        (2959, 4.0),
        (47, 3.0),
    ];
    for (id, stars) in loved {
        assert_eq!(app.rate(&who, id, stars).await.0, 200);
    }
    app.send(
        Method::PUT,
        "/api/me/watchlist/1196",
        Some(&who.token),
        None,
    )
    .await;
    app.send(
        Method::PUT,
        "/api/me/not-interested/2628",
        Some(&who.token),
        None,
    )
    .await;
    let (status, body) = app
        .send(Method::GET, "/api/me/home", Some(&who.token), None)
        .await;
    assert_eq!(status, 200, "{body}");
    let rows = body["rows"].as_array().unwrap();
    let kinds: Vec<&str> = rows.iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds[0], "top_picks");
    let because: Vec<&Value> = rows
        .iter()
        .filter(|r| r["kind"] == "because_you_loved")
        .collect();
    assert!(because.len() >= 2, "{kinds:?}");
    let seeds: Vec<u64> = because
        .iter()
        .map(|r| r["seed"]["id"].as_u64().unwrap())
        .collect();
    // Both rated 5: the later one (Star Wars) first.
    assert_eq!(
        seeds[..2],
        [260, 2571],
        "the best rated, latest first: {seeds:?}"
    );
    assert!(seeds
        .iter()
        .all(|s| loved.iter().any(|l| l.0 == *s as u32 && l.1 >= 4.0)));
    assert!(
        kinds.contains(&"watchlist") && kinds.contains(&"new_in_genre"),
        "{kinds:?}"
    );
    // No film twice across rows (the watchlist row shows the watchlist), none rated or
    // turned down.
    let mut seen = std::collections::HashSet::new();
    for r in rows {
        for m in r["movies"].as_array().unwrap() {
            let id = m["movie"]["id"].as_u64().unwrap();
            assert!(seen.insert(id), "{id} twice");
            assert!(
                !loved.iter().any(|l| l.0 as u64 == id),
                "rated {id} suggested"
            );
            assert_ne!(id, 2628);
        }
    }
    // The discover lists leave out what the member rated or turned down.
    let (_, popular) = app
        .send(
            Method::GET,
            "/api/popular?limit=20&hide_rated=true",
            Some(&who.token),
            None,
        )
        .await;
    let ids: Vec<u64> = popular["movies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids.len(), 20);
    assert!(!ids.contains(&318) && !ids.contains(&858), "{ids:?}");
    let (_, gems) = app
        .send(
            Method::GET,
            "/api/hidden-gems?hide_rated=true",
            Some(&who.token),
            None,
        )
        .await;
    assert!(!gems["movies"].as_array().unwrap().is_empty());
    let (status, _) = app.get("/api/popular?hide_rated=true").await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn hidden_gems_are_not_famous_and_onboarding_has_no_shorts() {
    let app = spawn_app().await;
    let (status, body) = app.get("/api/hidden-gems?limit=30").await;
    assert_eq!(status, 200);
    let gems = body["movies"].as_array().unwrap();
    assert!(gems.len() >= 8, "{}", gems.len());
    let (_, popular) = app.get("/api/popular?limit=20").await;
    let famous: Vec<&Value> = popular["movies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["id"])
        .collect();
    for g in gems {
        assert!(
            !famous.contains(&&g["id"]),
            "{} is among the 20 most popular",
            g["title"]
        );
        assert!(g["popularity_band"] != "popular", "{g}");
        // Logan (2017) is new; Once Upon a Time in the West, A Streetcar Named Desire, High
        // Noon, On the Waterfront and Doctor Zhivago are famous for films of their time.
        let id = g["id"].as_u64().unwrap();
        assert!(![168252, 1209, 1104, 1283, 1945, 2067].contains(&id), "{g}");
    }
    let who = app
        .signup("no_shorts", &["Animation", "Children", "Comedy"])
        .await;
    let (_, body) = app
        .send(
            Method::GET,
            "/api/me/onboarding?limit=100",
            Some(&who.token),
            None,
        )
        .await;
    let titles: Vec<&str> = body["movies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["title"].as_str().unwrap())
        .collect();
    assert!(
        !titles
            .iter()
            .any(|t| t.contains("BURN-E") || t.contains("Presto") || t.contains("La Luna")),
        "{titles:?}"
    );
}

#[tokio::test]
async fn imax_is_not_a_genre() {
    let app = spawn_app().await;
    let (_, body) = app.get("/api/genres").await;
    let names: Vec<&str> = body["genres"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert!(
        !names.contains(&"IMAX") && !names.contains(&"(no genres listed)"),
        "{names:?}"
    );
    let (_, interstellar) = app.get("/api/movies/109487").await;
    assert!(!interstellar["genres"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g == "IMAX"));
    let (_, similar) = app.get("/api/movies/109487/similar?limit=12").await;
    for s in similar["similar"].as_array().unwrap() {
        assert!(!s["reason"].as_str().unwrap().contains("IMAX"), "{s}");
    }
}

#[tokio::test]
async fn more_like_this_names_what_films_share() {
    let app = spawn_app().await;
    for id in [2571, 4973, 109487, 318, 1] {
        let (_, body) = app.get(&format!("/api/movies/{id}/similar?limit=10")).await;
        let reasons: Vec<&str> = body["similar"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["reason"].as_str().unwrap())
            .collect();
        let bare = reasons
            .iter()
            .filter(|r| r.starts_with("Fans of") && !r.contains(" · "))
            .count();
        assert!(bare <= 3, "{id}: {reasons:?}");
        assert!(
            !reasons.iter().any(|r| r.contains("People who watched")),
            "{reasons:?}"
        );
    }
}

#[tokio::test]
async fn a_path_outside_the_app_gets_the_app_with_status_404() {
    let app = spawn_app().await;
    let resp = app
        .client
        .get(format!("{}/does/not/exist", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(resp.text().await.unwrap().contains("/app.js"));
    // The API keeps its JSON 404.
    let (status, body) = app.get("/api/does-not-exist").await;
    assert_error(status, &body, 404, "not_found");
}
