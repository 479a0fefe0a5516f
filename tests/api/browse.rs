//! GET /api/browse: filters, sorts and pages over the catalog; personal parts need a session.

use crate::helpers::{assert_error, spawn_app};
use reqwest::Method;
use serde_json::Value;

fn movies(body: &Value) -> &Vec<Value> {
    body["movies"].as_array().expect("movies")
}

#[tokio::test]
async fn filters_and_sorts_hold_for_every_film_listed() {
    let app = spawn_app().await;
    let (s, body) = app
        .get("/api/browse?genre=Comedy&decade=1990&min_rating=3.5&min_votes=20&sort=year&limit=50")
        .await;
    assert_eq!(s, 200, "{body}");
    let list = movies(&body);
    assert!(
        list.len() >= 10 && body["total"].as_u64().unwrap() >= list.len() as u64,
        "{body}"
    );
    let mut last_year = u64::MAX;
    for m in list {
        let year = m["year"].as_u64().unwrap();
        assert!((1990..2000).contains(&year), "{m}");
        assert!(year <= last_year, "newest first");
        last_year = year;
        assert!(
            m["genres"]
                .as_array()
                .unwrap()
                .iter()
                .any(|g| g == "Comedy"),
            "{m}"
        );
        assert!(
            m["rating_mean"].as_f64().unwrap() >= 3.5 && m["rating_count"].as_u64().unwrap() >= 20,
            "{m}"
        );
    }
    // Rating order (the weighted rating, so a film with one 5-star rating does not lead) and
    // paging: the second page continues the first.
    // Rating order (the weighted rating, so a film with one 5-star rating does not lead) and
    // paging: the second page continues the first.
    let (_, p1) = app.get("/api/browse?sort=rating&limit=5").await;
    let (_, p2) = app.get("/api/browse?sort=rating&limit=5&offset=5").await;
    assert_eq!(p1["next_offset"], 5);
    assert!(
        movies(&p1)
            .iter()
            .all(|m| m["rating_count"].as_u64().unwrap() >= 20),
        "{p1}"
    );
    let weighted: Vec<f64> = movies(&p1)
        .iter()
        .chain(movies(&p2))
        .map(|m| m["weighted_rating"].as_f64().unwrap())
        .collect();
    assert!(weighted.windows(2).all(|w| w[0] >= w[1]), "{weighted:?}");
    let (_, popular) = app.get("/api/browse?limit=3").await;
    assert_eq!(
        movies(&popular)[0]["id"],
        356,
        "the most rated film first: {popular}"
    );
}

#[tokio::test]
async fn bad_filters_are_named_and_personal_ones_need_a_session() {
    let app = spawn_app().await;
    for (query, parameter) in [
        ("genre=Nope", "genre"),
        ("decade=1995", "decade"),
        ("decade=abc", "decade"),
        ("min_rating=6", "min_rating"),
        ("min_rating=NaN", "min_rating"),
        ("sort=random", "sort"),
        ("min_audience=101", "min_audience"),
        ("min_audience=-5", "min_audience"),
        ("hide_rated=maybe", "hide_rated"),
        ("limit=0", "limit"),
    ] {
        let (s, body) = app.get(&format!("/api/browse?{query}")).await;
        assert_eq!(
            assert_error(s, &body, 400, "bad_parameter")["parameter"],
            parameter,
            "{query}"
        );
    }
    for query in ["hide_rated=true", "sort=predicted"] {
        let (s, body) = app.get(&format!("/api/browse?{query}")).await;
        assert_error(s, &body, 401, "unauthorized");
    }
}

#[tokio::test]
async fn a_member_can_hide_what_they_rated_and_sort_by_their_taste() {
    let app = spawn_app().await;
    let jo = app
        .signup("joan", &["Animation", "Children", "Comedy"])
        .await;
    for id in [1, 3114, 2355, 4886, 6377] {
        assert_eq!(app.rate(&jo, id, 5.0).await.0, 200);
    }
    let (s, _) = app
        .send(
            Method::PUT,
            "/api/me/not-interested/78499",
            Some(&jo.token),
            None,
        )
        .await;
    assert_eq!(s, 204);
    let (s, body) = app
        .send(
            Method::GET,
            "/api/browse?genre=Animation&hide_rated=true&limit=100",
            Some(&jo.token),
            None,
        )
        .await;
    assert_eq!(s, 200, "{body}");
    let ids: Vec<u64> = movies(&body)
        .iter()
        .map(|m| m["id"].as_u64().unwrap())
        .collect();
    for gone in [1, 3114, 2355, 4886, 6377, 78499] {
        assert!(!ids.contains(&gone), "{gone} listed");
    }
    let (s, body) = app
        .send(
            Method::GET,
            "/api/browse?sort=predicted&min_votes=30&limit=20",
            Some(&jo.token),
            None,
        )
        .await;
    assert_eq!(s, 200, "{body}");
    let animated = movies(&body)
        .iter()
        .filter(|m| {
            m["genres"]
                .as_array()
                .unwrap()
                .iter()
                .any(|g| g == "Animation")
        })
        .count();
    assert!(
        animated >= 5,
        "{animated} animated in the top 20 for an animation fan: {body}"
    );
}
