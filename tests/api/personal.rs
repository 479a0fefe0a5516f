//! Ratings, watchlist, onboarding and personal recommendations through the API.

use crate::helpers::{assert_error, shared_artifacts, spawn_app, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::HashSet;

/// The `n` most-rated movies having every genre in `genres`.
fn most_rated(genres: &[&str], n: usize) -> Vec<u32> {
    let a = shared_artifacts();
    let mut movies: Vec<_> = a
        .catalog
        .movies()
        .iter()
        .filter(|m| genres.iter().all(|g| m.genres.iter().any(|x| x == g)))
        .collect();
    movies.sort_by_key(|m| std::cmp::Reverse(m.rating_count));
    movies.into_iter().take(n).map(|m| m.id).collect()
}

async fn recommendations(app: &TestApp, token: &str) -> Vec<Value> {
    let (s, b) = app
        .send(
            Method::GET,
            "/api/me/recommendations?limit=10",
            Some(token),
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    b["recommendations"].as_array().unwrap().clone()
}

fn count_with_genre(recs: &[Value], genre: &str) -> usize {
    recs.iter()
        .filter(|r| {
            r["movie"]["genres"]
                .as_array()
                .unwrap()
                .iter()
                .any(|g| g == genre)
        })
        .count()
}

#[tokio::test]
async fn five_horror_ratings_make_a_horror_top_10() {
    let app = spawn_app().await;
    let eve = app.signup("eve", &["Horror", "Sci-Fi", "Thriller"]).await;
    let rated = most_rated(&["Horror"], 5);
    for &id in &rated {
        assert_eq!(app.rate(&eve, id, 5.0).await.0, 200);
    }
    let recs = recommendations(&app, &eve.token).await;
    assert_eq!(recs.len(), 10);
    let horror = count_with_genre(&recs, "Horror");
    let titles: Vec<&str> = recs
        .iter()
        .map(|r| r["movie"]["title"].as_str().unwrap())
        .collect();
    assert!(horror >= 6, "{horror} horror movies in {titles:?}");
    for r in &recs {
        assert!(
            !rated.contains(&(r["movie"]["id"].as_u64().unwrap() as u32)),
            "rated movie came back"
        );
        assert!(!r["reason"].as_str().unwrap().is_empty());
        for part in ["content", "collaborative", "popularity", "genre"] {
            assert!(r["components"][part].is_number(), "{r}");
        }
    }
}

#[tokio::test]
async fn five_animated_family_ratings_make_mostly_animation() {
    let app = spawn_app().await;
    let kid = app
        .signup("kid", &["Animation", "Children", "Comedy"])
        .await;
    for id in most_rated(&["Animation", "Children"], 5) {
        assert_eq!(app.rate(&kid, id, 5.0).await.0, 200);
    }
    let recs = recommendations(&app, &kid.token).await;
    let animation = count_with_genre(&recs, "Animation");
    assert!(animation >= 6, "{animation} of 10 animated: {recs:?}");
    assert!(
        recs.iter().any(|r| r["reason"]
            .as_str()
            .unwrap()
            .starts_with("Because you rated")),
        "no content reason"
    );
}

#[tokio::test]
async fn rated_and_watchlisted_movies_never_come_back() {
    let app = spawn_app().await;
    let fay = app.signup("fay", &["Action", "Adventure", "Sci-Fi"]).await;
    let first = recommendations(&app, &fay.token).await;
    // With no ratings, recommendations stay within the chosen genres.
    for r in &first {
        let g: Vec<&str> = r["movie"]["genres"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g.as_str().unwrap())
            .collect();
        assert!(
            g.iter()
                .any(|x| ["Action", "Adventure", "Sci-Fi"].contains(x)),
            "{g:?}"
        );
    }
    let top: Vec<u64> = first
        .iter()
        .map(|r| r["movie"]["id"].as_u64().unwrap())
        .collect();
    assert_eq!(app.rate(&fay, top[0] as u32, 4.0).await.0, 200);
    let (s, _) = app
        .send(
            Method::PUT,
            &format!("/api/me/watchlist/{}", top[1]),
            Some(&fay.token),
            None,
        )
        .await;
    assert_eq!(s, 204);
    let again: Vec<u64> = recommendations(&app, &fay.token)
        .await
        .iter()
        .map(|r| r["movie"]["id"].as_u64().unwrap())
        .collect();
    assert!(
        !again.contains(&top[0]) && !again.contains(&top[1]),
        "{again:?}"
    );
    let (_, wl) = app
        .send(Method::GET, "/api/me/watchlist", Some(&fay.token), None)
        .await;
    assert_eq!(wl["entries"][0]["movie"]["id"], top[1]);
    // Predicted from the one rating there is.
    let p = wl["entries"][0]["predicted_rating"].as_f64().unwrap();
    assert!((0.5..=5.0).contains(&p), "{wl}");
    let (s, _) = app
        .send(
            Method::DELETE,
            &format!("/api/me/watchlist/{}", top[1]),
            Some(&fay.token),
            None,
        )
        .await;
    assert_eq!(s, 204);
}

#[tokio::test]
async fn invalid_ratings_write_nothing() {
    let app = spawn_app().await;
    let gus = app.signup("gus", &["Drama", "Crime", "War"]).await;
    for bad in [
        json!({"rating": 4.3}),
        json!({"rating": 0}),
        json!({"rating": 5.5}),
        json!({"rating": "five"}),
        json!({}),
    ] {
        let (s, b) = app
            .send(
                Method::PUT,
                "/api/me/ratings/858",
                Some(&gus.token),
                Some(bad.clone()),
            )
            .await;
        assert_eq!(s, 400, "{bad}: {b}");
        assert!(b["error"]["message"].is_string());
    }
    let (s, b) = app.rate(&gus, 99999999, 4.0).await;
    assert_error(s, &b, 404, "not_found");
    let (s, b) = app.rate(&gus, 0, 4.0).await;
    assert_eq!(s, 404, "{b}");
    let (s, b) = app
        .send(
            Method::PUT,
            "/api/me/ratings/abc",
            Some(&gus.token),
            Some(json!({"rating": 4.0})),
        )
        .await;
    assert_error(s, &b, 400, "bad_parameter");
    let (_, list) = app
        .send(Method::GET, "/api/me/ratings", Some(&gus.token), None)
        .await;
    assert_eq!(list["ratings"].as_array().unwrap().len(), 0, "{list}");
    // A valid one, changed, then removed.
    assert_eq!(app.rate(&gus, 858, 4.5).await.0, 200);
    assert_eq!(app.rate(&gus, 858, 3.5).await.1["rating"], 3.5);
    let (_, list) = app
        .send(Method::GET, "/api/me/ratings", Some(&gus.token), None)
        .await;
    assert_eq!(list["ratings"].as_array().unwrap().len(), 1);
    let (s, _) = app
        .send(
            Method::DELETE,
            "/api/me/ratings/858",
            Some(&gus.token),
            None,
        )
        .await;
    assert_eq!(s, 204);
    let (s, _) = app
        .send(
            Method::DELETE,
            "/api/me/ratings/858",
            Some(&gus.token),
            None,
        )
        .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn one_user_cannot_touch_anothers_data() {
    let app = spawn_app().await;
    let a = app.signup("alice", &["Drama", "Crime", "War"]).await;
    let b = app.signup("bruno", &["Drama", "Crime", "War"]).await;
    assert_eq!(app.rate(&a, 858, 5.0).await.0, 200);
    let (s, _) = app
        .send(Method::PUT, "/api/me/watchlist/1221", Some(&a.token), None)
        .await;
    assert_eq!(s, 204);
    let (_, theirs) = app
        .send(Method::GET, "/api/me/ratings", Some(&b.token), None)
        .await;
    assert_eq!(theirs["ratings"].as_array().unwrap().len(), 0);
    let (s, _) = app
        .send(Method::DELETE, "/api/me/ratings/858", Some(&b.token), None)
        .await;
    assert_eq!(s, 404);
    let (s, _) = app
        .send(
            Method::DELETE,
            "/api/me/watchlist/1221",
            Some(&b.token),
            None,
        )
        .await;
    assert_eq!(s, 404);
    let (_, mine) = app
        .send(Method::GET, "/api/me/ratings", Some(&a.token), None)
        .await;
    assert_eq!(mine["ratings"][0]["movie"]["id"], 858);
    let (_, wl) = app
        .send(Method::GET, "/api/me/watchlist", Some(&a.token), None)
        .await;
    assert_eq!(wl["entries"].as_array().unwrap().len(), 1);
}

/// "Not interested": the film leaves the user's recommendations from then on, the list says
/// so, and an undo brings it back. Rating a watchlisted film takes it off the watchlist.
#[tokio::test]
async fn not_interested_films_leave_the_recommendations() {
    let app = spawn_app().await;
    let ida = app.signup("ida", &["Action", "Adventure", "Sci-Fi"]).await;
    let first: Vec<u64> = recommendations(&app, &ida.token)
        .await
        .iter()
        .map(|r| r["movie"]["id"].as_u64().unwrap())
        .collect();
    let hidden = first[0];
    let path = format!("/api/me/not-interested/{hidden}");
    let (s, _) = app.send(Method::PUT, &path, Some(&ida.token), None).await;
    assert_eq!(s, 204);
    let again: Vec<u64> = recommendations(&app, &ida.token)
        .await
        .iter()
        .map(|r| r["movie"]["id"].as_u64().unwrap())
        .collect();
    assert!(!again.contains(&hidden), "{again:?}");
    let (_, list) = app
        .send(
            Method::GET,
            "/api/me/not-interested",
            Some(&ida.token),
            None,
        )
        .await;
    assert_eq!(list["movies"][0]["id"], hidden, "{list}");
    let (s, _) = app
        .send(Method::DELETE, &path, Some(&ida.token), None)
        .await;
    assert_eq!(s, 204);
    let (s, body) = app
        .send(Method::DELETE, &path, Some(&ida.token), None)
        .await;
    assert_error(s, &body, 404, "not_found");
    let (s, body) = app
        .send(
            Method::PUT,
            "/api/me/not-interested/abc",
            Some(&ida.token),
            None,
        )
        .await;
    assert_error(s, &body, 400, "bad_parameter");
    let (s, _) = app
        .send(Method::PUT, "/api/me/not-interested/1", None, None)
        .await;
    assert_eq!(s, 401);

    let (s, _) = app
        .send(
            Method::PUT,
            "/api/me/watchlist/1221",
            Some(&ida.token),
            None,
        )
        .await;
    assert_eq!(s, 204);
    let (s, rated) = app.rate(&ida, 1221, 4.5).await;
    assert_eq!(s, 200);
    assert_eq!(rated["removed_from_watchlist"], true, "{rated}");
    let (_, wl) = app
        .send(Method::GET, "/api/me/watchlist", Some(&ida.token), None)
        .await;
    assert!(wl["entries"].as_array().unwrap().is_empty(), "{wl}");
    let (_, rated) = app.rate(&ida, 1221, 4.0).await;
    assert_eq!(rated["removed_from_watchlist"], false, "{rated}");
}

#[tokio::test]
async fn onboarding_is_in_genre_spread_and_diverse() {
    let app = spawn_app().await;
    let hal = app.signup("hal", &["Horror", "Sci-Fi", "Thriller"]).await;
    let (s, b) = app
        .send(Method::GET, "/api/me/onboarding", Some(&hal.token), None)
        .await;
    assert_eq!(s, 200, "{b}");
    let movies = b["movies"].as_array().unwrap();
    assert_eq!(movies.len(), 20);
    let bands: HashSet<&str> = movies
        .iter()
        .map(|m| m["popularity_band"].as_str().unwrap())
        .collect();
    assert!(bands.contains("popular") && bands.len() >= 2, "{bands:?}");
    for m in movies {
        let g: Vec<&str> = m["genres"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g.as_str().unwrap())
            .collect();
        assert!(
            g.iter()
                .any(|x| ["Horror", "Sci-Fi", "Thriller"].contains(x)),
            "{g:?}"
        );
    }
    for genre in ["Horror", "Sci-Fi", "Thriller"] {
        let n = movies
            .iter()
            .filter(|m| m["genres"].as_array().unwrap().iter().any(|g| g == genre))
            .count();
        assert!(n >= 3, "{genre} under-represented");
    }
    // No two picks from one franchise.
    let a = shared_artifacts();
    let rows: Vec<usize> = movies
        .iter()
        .map(|m| {
            a.catalog
                .index_of(m["id"].as_u64().unwrap() as u32)
                .unwrap()
        })
        .collect();
    for &x in &rows {
        for &y in &rows {
            assert!(
                x == y || a.similarity.get(x, y).unwrap_or(0.0) <= 0.35,
                "{} ~ {}",
                a.catalog.at(x).title,
                a.catalog.at(y).title
            );
        }
    }
}

fn ids(recs: &[Value]) -> Vec<u64> {
    recs.iter()
        .map(|r| r["movie"]["id"].as_u64().unwrap())
        .collect()
}

fn count_with_any_genre(recs: &[Value], genres: &[&str]) -> usize {
    recs.iter()
        .filter(|r| {
            r["movie"]["genres"]
                .as_array()
                .unwrap()
                .iter()
                .any(|g| genres.contains(&g.as_str().unwrap()))
        })
        .count()
}

/// "For you" turns with the ratings: a new member's list follows five loved sci-fi films, its
/// reasons name them, and five loved dramas turn it again.
#[tokio::test]
async fn for_you_turns_with_the_ratings() {
    let app = spawn_app().await;
    let fan = app
        .signup("turning_fan", &["Crime", "Drama", "Thriller", "Sci-Fi"])
        .await;
    let before = recommendations(&app, &fan.token).await;

    // Star Wars, The Matrix, The Empire Strikes Back, Alien, Terminator 2; WALL·E disliked.
    let sci_fi = [260, 2571, 1196, 1214, 589];
    for id in sci_fi {
        assert_eq!(app.rate(&fan, id, 5.0).await.0, 200);
    }
    assert_eq!(app.rate(&fan, 60069, 1.5).await.0, 200);
    let after = recommendations(&app, &fan.token).await;
    let titles: Vec<&str> = after
        .iter()
        .map(|r| r["movie"]["title"].as_str().unwrap())
        .collect();
    let leaning = count_with_any_genre(&after, &["Sci-Fi", "Action", "Adventure"]);
    assert!(
        leaning >= 6,
        "{leaning} of 10 lean to what was loved: {titles:?}"
    );
    let kept = ids(&after)
        .iter()
        .filter(|id| ids(&before).contains(id))
        .count();
    assert!(kept <= 3, "{kept} of the earlier 10 remain: {titles:?}");
    let loved: Vec<String> = sci_fi
        .iter()
        .map(|&id| shared_artifacts().catalog.get(id).unwrap().title.clone())
        .collect();
    let naming = after
        .iter()
        .filter(|r| {
            let reason = r["reason"].as_str().unwrap();
            loved.iter().any(|t| reason.contains(t.as_str()))
        })
        .count();
    assert!(
        naming >= 5,
        "{naming} reasons name a loved film: {:?}",
        after.iter().map(|r| &r["reason"]).collect::<Vec<_>>()
    );

    // Shawshank, Schindler's List, One Flew Over the Cuckoo's Nest, Good Will Hunting,
    // American Beauty.
    for id in [318, 527, 1193, 1704, 2858] {
        assert_eq!(app.rate(&fan, id, 5.0).await.0, 200);
    }
    let turned = recommendations(&app, &fan.token).await;
    let titles: Vec<&str> = turned
        .iter()
        .map(|r| r["movie"]["title"].as_str().unwrap())
        .collect();
    let (dramas, earlier) = (
        count_with_genre(&turned, "Drama"),
        count_with_genre(&after, "Drama"),
    );
    assert!(
        dramas >= earlier + 3,
        "{dramas} dramas after loving five, {earlier} before: {titles:?}"
    );
    let kept = ids(&turned)
        .iter()
        .filter(|id| ids(&after).contains(id))
        .count();
    assert!(kept <= 6, "{kept} of the sci-fi 10 remain: {titles:?}");
}
