//! A rating that got a 2xx is on disk: kill -9 the real server right after, restart it, and
//! the rating is still there. On SQLite and on PostgreSQL.

#[path = "common/server.rs"]
mod server;

use server::{free_port, start, wait_healthy};

#[tokio::test]
async fn an_acknowledged_rating_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    survives_kill_9(&dir.path().join("store.sqlite").display().to_string()).await;
}

#[tokio::test]
async fn an_acknowledged_rating_survives_kill_9_on_postgres() {
    if let Some(db) = cinesense::store::scratch::ScratchDatabase::create("durability") {
        survives_kill_9(&db.url).await;
    }
}

async fn survives_kill_9(db: &str) {
    cinesense::clients::install_crypto_provider();
    let client = reqwest::Client::new();

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = start(db, port);
    wait_healthy(&client, &base).await;
    let signup: serde_json::Value = client
        .post(format!("{base}/api/users"))
        .json(&serde_json::json!({"username": "ivy", "password": "a good password", "genres": ["Drama", "Crime", "War"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = signup["token"].as_str().unwrap().to_string();
    let resp = client
        .put(format!("{base}/api/me/ratings/858"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"rating": 4.5}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    server.kill().unwrap(); // SIGKILL: no shutdown, no flush
    server.wait().unwrap();

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = start(db, port);
    wait_healthy(&client, &base).await;
    let ratings: serde_json::Value = client
        .get(format!("{base}/api/me/ratings"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(ratings["ratings"][0]["movie"]["id"], 858, "{ratings}");
    assert_eq!(ratings["ratings"][0]["rating"], 4.5);
}
