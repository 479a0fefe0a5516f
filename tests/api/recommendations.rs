use crate::helpers::{assert_error, shared_artifacts, spawn_app};
use std::collections::HashSet;

#[tokio::test]
async fn every_model_excludes_what_the_user_rated() {
    let a = shared_artifacts();
    let u = a.ratings.user_index(1).unwrap();
    let rated: HashSet<u64> = a
        .ratings
        .of_user(u)
        .map(|r| a.catalog.at(r.item as usize).id as u64)
        .collect();
    let app = spawn_app().await;
    for model in ["popular", "content", "mf", "ease", "hybrid"] {
        let (status, body) = app
            .get(&format!(
                "/api/users/1/recommendations?model={model}&limit=20"
            ))
            .await;
        assert_eq!(status, 200, "{body}");
        let recs = body["recommendations"].as_array().unwrap();
        assert_eq!(recs.len(), 20);
        for r in recs {
            let id = r["movie"]["id"].as_u64().unwrap();
            assert!(!rated.contains(&id), "{model} recommended rated movie {id}");
            assert!(!r["reason"].as_str().unwrap().is_empty());
        }
        if model == "mf" || model == "hybrid" {
            let p = recs[0]["predicted_rating"].as_f64().unwrap();
            assert!((0.5..=5.0).contains(&p));
        }
    }
}

#[tokio::test]
async fn unknown_users_and_models_are_errors() {
    let app = spawn_app().await;
    let (s, b) = app.get("/api/users/999999/recommendations").await;
    assert_error(s, &b, 404, "not_found");
    let (s, b) = app.get("/api/users/1/recommendations?model=magic").await;
    let e = assert_error(s, &b, 400, "bad_parameter");
    assert_eq!(e["parameter"], "model");
    let msg = e["message"].as_str().unwrap();
    for name in ["popular", "content", "mf", "ease", "hybrid"] {
        assert!(msg.contains(name), "{msg}");
    }
    let (s, b) = app.get("/api/users/x/recommendations").await;
    assert_error(s, &b, 400, "bad_parameter");
}

/// BLEND_* settings reach both recommendation paths: with the popularity floor at 1, every
/// list is ranked by popularity alone, for a MovieLens user and for a member alike.
#[tokio::test]
async fn the_blend_settings_reach_every_recommendation_path() {
    let app = crate::helpers::spawn_app_with(|s| s.blend.popularity_floor = 1.0).await;
    let popularity_weight = |body: &serde_json::Value| {
        body["recommendations"][0]["weights"]["popularity"]
            .as_f64()
            .unwrap()
    };
    let (status, body) = app
        .get("/api/users/1/recommendations?model=hybrid&limit=5")
        .await;
    assert_eq!(status, 200, "{body}");
    assert!((popularity_weight(&body) - 1.0).abs() < 1e-6, "{body}");

    let me = app.signup("blend_fan", &["Drama", "Comedy", "Crime"]).await;
    let (status, _) = app.rate(&me, 1, 5.0).await;
    assert_eq!(status, 200);
    let (status, body) = app
        .send(
            reqwest::Method::GET,
            "/api/me/recommendations?limit=5",
            Some(&me.token),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["ratings"], 1);
    assert!((popularity_weight(&body) - 1.0).abs() < 1e-6, "{body}");

    // With the default blend, the same member's list is mostly personal.
    let app = crate::helpers::spawn_app().await;
    let (_, body) = app
        .get("/api/users/1/recommendations?model=hybrid&limit=5")
        .await;
    assert!(popularity_weight(&body) < 0.5, "{body}");
}

/// A member's list scores the MF part only for the films whose other parts leave them a chance
/// (`hybrid::recommend`); it must rank exactly as scoring every film would: the same films, the
/// same scores, the same order, for members with a few ratings and with many, with signup
/// genres and without, and for the single models.
#[test]
fn the_pruned_ranking_is_the_exhaustive_one() {
    use cinesense::models::collab::fold_in::{fold_in, DEFAULT_FOLD_IN_REG};
    use cinesense::models::hybrid::{recommend, score_rows, BlendParams, Model, Profile, Signals};
    let a = crate::helpers::shared_artifacts();
    let signals = Signals {
        catalog: &a.catalog,
        similarity: &a.similarity,
        mf: &a.mf,
        implicit: a.implicit.as_ref(),
        popularity: &a.popularity_scores,
        params: BlendParams::default(),
    };
    let genres = ["Comedy".to_string(), "Sci-Fi".to_string()];
    let mut checked = 0;
    for u in (0..a.ratings.n_users()).step_by(20) {
        let all: Vec<(usize, f32)> = a
            .ratings
            .of_user(u)
            .map(|r| (r.item as usize, r.value))
            .collect();
        for n in [0, 3, 20, all.len()] {
            let ratings = &all[..n.min(all.len())];
            let vector =
                (!ratings.is_empty()).then(|| fold_in(&a.mf, ratings, DEFAULT_FOLD_IN_REG));
            for picked in [&genres[..], &[]] {
                let profile = Profile {
                    ratings,
                    genres: picked,
                    vector: vector.as_ref(),
                };
                let exclude: std::collections::HashSet<usize> =
                    ratings.iter().map(|r| r.0).collect();
                for model in [Model::Hybrid, Model::Mf, Model::Popular] {
                    let pruned = recommend(&signals, &profile, model, &exclude, 20);
                    // Every candidate scored, ranked the same way.
                    let only_genres = ratings.is_empty() && !picked.is_empty();
                    let candidates: Vec<usize> = (0..a.catalog.len())
                        .filter(|r| !exclude.contains(r))
                        .filter(|&r| {
                            !only_genres
                                || a.catalog.at(r).genres.iter().any(|g| picked.contains(g))
                        })
                        .collect();
                    let mut every = score_rows(&signals, &profile, model, &candidates);
                    every.sort_by(|x, y| y.score.total_cmp(&x.score).then(x.row.cmp(&y.row)));
                    let want: Vec<(usize, f32)> =
                        every[..20].iter().map(|s| (s.row, s.score)).collect();
                    let got: Vec<(usize, f32)> = pruned.iter().map(|s| (s.row, s.score)).collect();
                    assert_eq!(
                        got, want,
                        "user {u}, {n} ratings, genres {picked:?}, {model:?}"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 500, "{checked}");
}
