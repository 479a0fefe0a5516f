use crate::helpers::{assert_error, spawn_app};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn signup_sets_a_safe_cookie_and_returns_no_secrets() {
    let app = spawn_app().await;
    let resp = app
        .client
        .post(format!("{}/api/users", app.address))
        .json(&json!({"username": "ann", "password": "a good password", "genres": ["Horror", "Sci-Fi", "thriller"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    let cookie = resp
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.starts_with("cinesense_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let text = resp.text().await.unwrap();
    assert!(!text.contains("argon2"), "password hash leaked: {text}");
    let body: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        body["user"]["genres"],
        json!(["Horror", "Sci-Fi", "Thriller"])
    );
    // The bearer token works for API clients, and /api/me shows no token or hash.
    let token = body["token"].as_str().unwrap();
    let (status, me) = app.send(Method::GET, "/api/me", Some(token), None).await;
    assert_eq!(status, 200);
    assert_eq!(me["username"], "ann");
    let me_text = me.to_string();
    assert!(
        !me_text.contains(token) && !me_text.contains("argon2") && !me_text.contains("password")
    );
}

#[tokio::test]
async fn bad_signups_are_400s_or_409_and_write_nothing() {
    let app = spawn_app().await;
    app.signup("taken", &["Horror", "Comedy", "Drama"]).await;
    let before = app.store.count_users().unwrap();
    for (body, param) in [
        (
            json!({"username": "x", "password": "a good password", "genres": ["Horror", "Comedy", "Drama"]}),
            "username",
        ),
        (
            json!({"username": "bad name", "password": "a good password", "genres": ["Horror", "Comedy", "Drama"]}),
            "username",
        ),
        (
            json!({"username": "bob", "password": "short", "genres": ["Horror", "Comedy", "Drama"]}),
            "password",
        ),
        (
            json!({"username": "bob", "password": "a good password", "genres": ["Horror", "Comedy"]}),
            "genres",
        ),
        (
            json!({"username": "bob", "password": "a good password", "genres": ["Horror", "Comedy", "Nope"]}),
            "genres",
        ),
        (
            json!({"username": "bob", "password": "a good password", "genres": ["Horror", "horror", "Comedy"]}),
            "genres",
        ),
    ] {
        let (s, b) = app.send(Method::POST, "/api/users", None, Some(body)).await;
        let e = assert_error(s, &b, 400, "bad_parameter");
        assert_eq!(e["parameter"], param, "{b}");
    }
    let (s, b) = app.send(Method::POST, "/api/users", None, Some(json!({"username": "TAKEN", "password": "a good password", "genres": ["Horror", "Comedy", "Drama"]}))).await;
    assert_error(s, &b, 409, "conflict");
    let (s, b) = app
        .send(
            Method::POST,
            "/api/users",
            None,
            Some(json!({"username": "bob"})),
        )
        .await;
    let err = assert_error(s, &b, 400, "bad_parameter");
    assert_eq!(err["parameter"], "password", "a missing field is named");
    assert_eq!(app.store.count_users().unwrap(), before);
}

#[tokio::test]
async fn login_logout_and_repeated_failures() {
    let app = spawn_app().await;
    app.signup("carol", &["Comedy", "Drama", "Romance"]).await;
    let (s, b) = app
        .send(
            Method::POST,
            "/api/sessions",
            None,
            Some(json!({"username": "carol", "password": "a good password"})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let token = b["token"].as_str().unwrap().to_string();
    let (s, _) = app
        .send(Method::DELETE, "/api/sessions", Some(&token), None)
        .await;
    assert_eq!(s, 204);
    let (s, b) = app.send(Method::GET, "/api/me", Some(&token), None).await;
    assert_error(s, &b, 401, "unauthorized");

    for _ in 0..5 {
        let (s, b) = app
            .send(
                Method::POST,
                "/api/sessions",
                None,
                Some(json!({"username": "carol", "password": "wrong password"})),
            )
            .await;
        assert_error(s, &b, 401, "unauthorized");
    }
    let resp = app
        .client
        .post(format!("{}/api/sessions", app.address))
        .json(&json!({"username": "carol", "password": "wrong password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 429);
    assert!(resp.headers().get("retry-after").is_some());
    // Even the right password waits while the lock lasts.
    let (s, _) = app
        .send(
            Method::POST,
            "/api/sessions",
            None,
            Some(json!({"username": "carol", "password": "a good password"})),
        )
        .await;
    assert_eq!(s, 429);
}

#[tokio::test]
async fn me_routes_need_a_session() {
    let app = spawn_app().await;
    for (m, path) in [
        (Method::GET, "/api/me"),
        (Method::GET, "/api/me/ratings"),
        (Method::PUT, "/api/me/ratings/1"),
        (Method::GET, "/api/me/watchlist"),
        (Method::GET, "/api/me/recommendations"),
        (Method::GET, "/api/me/onboarding"),
        (Method::DELETE, "/api/me"),
    ] {
        let (s, b) = app
            .send(
                m.clone(),
                path,
                Some("not-a-real-token"),
                Some(json!({"rating": 4.0})),
            )
            .await;
        assert_error(s, &b, 401, "unauthorized");
        let (s, _) = app.send(m, path, None, Some(json!({"rating": 4.0}))).await;
        assert_eq!(s, 401, "{path}");
    }
}

#[tokio::test]
async fn deleting_the_account_removes_everything() {
    let app = spawn_app().await;
    let dan = app.signup("dan", &["Action", "Adventure", "Sci-Fi"]).await;
    assert_eq!(app.rate(&dan, 260, 5.0).await.0, 200);
    let (s, _) = app
        .send(Method::DELETE, "/api/me", Some(&dan.token), None)
        .await;
    assert_eq!(s, 204);
    let (s, _) = app
        .send(Method::GET, "/api/me/ratings", Some(&dan.token), None)
        .await;
    assert_eq!(s, 401);
    let (s, _) = app
        .send(
            Method::POST,
            "/api/sessions",
            None,
            Some(json!({"username": "dan", "password": "a good password"})),
        )
        .await;
    assert_eq!(s, 401);
    assert_eq!(app.store.count_users().unwrap(), 0);
}

/// 40 wrong passwords sent at once: the check and the count are one step, so only the first
/// five are answered 401 and the rest wait (429). Before, all 40 got 401.
#[tokio::test]
async fn parallel_wrong_passwords_cannot_slip_past_the_limit() {
    let app = spawn_app().await;
    app.signup("dave", &["Comedy", "Drama", "Romance"]).await;
    let mut tries = tokio::task::JoinSet::new();
    for _ in 0..40 {
        let (client, url) = (app.client.clone(), format!("{}/api/sessions", app.address));
        tries.spawn(async move {
            let body = json!({"username": "dave", "password": "wrong password"});
            let resp = client.post(url).json(&body).send().await.unwrap();
            resp.status().as_u16()
        });
    }
    let statuses: Vec<u16> = tries.join_all().await;
    let unauthorized = statuses.iter().filter(|&&s| s == 401).count();
    let waiting = statuses.iter().filter(|&&s| s == 429).count();
    assert_eq!((unauthorized, waiting), (5, 35), "{statuses:?}");
}

/// Six wrong passwords for a victim's name from one address do not lock the victim out: the
/// right password from another address gets in, while the guesser still waits.
#[tokio::test]
async fn a_strangers_guesses_do_not_lock_the_owner_out() {
    let app = spawn_app().await;
    app.signup("erin", &["Comedy", "Drama", "Romance"]).await;
    for _ in 0..6 {
        app.send(
            Method::POST,
            "/api/sessions",
            None,
            Some(json!({"username": "erin", "password": "wrong password"})),
        )
        .await;
    }
    let login = json!({"username": "erin", "password": "a good password"});
    let (s, _) = app
        .send(Method::POST, "/api/sessions", None, Some(login.clone()))
        .await;
    assert_eq!(s, 429, "the guessing address waits");
    // The owner, on another address (127.0.0.2 reaches the server on 127.0.0.1 on Linux).
    let owner = reqwest::Client::builder()
        .local_address(Some("127.0.0.2".parse().unwrap()))
        .build()
        .unwrap();
    let resp = owner
        .post(format!("{}/api/sessions", app.address))
        .json(&login)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
}

/// Served over HTTPS (COOKIE_SECURE=true), the session cookie is Secure; on plain HTTP it
/// cannot be, or browsers would drop it.
#[tokio::test]
async fn the_session_cookie_is_secure_where_the_site_is() {
    for secure in [true, false] {
        let app = crate::helpers::spawn_app_with(|s| s.cookie_secure = secure).await;
        let resp = app
            .client
            .post(format!("{}/api/users", app.address))
            .json(&json!({"username": "hana", "password": "a good password", "genres": ["Horror", "Sci-Fi", "Thriller"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 201);
        let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_string();
        assert_eq!(cookie.contains("Secure"), secure, "{cookie}");
        assert!(cookie.contains("HttpOnly"), "{cookie}");
    }
}

/// A username or password signup would refuse cannot log in, and is refused before the store:
/// a NUL or 3,000 characters answered 500 on PostgreSQL (`invalid byte sequence`, `index row
/// size exceeds`). Same answer as a wrong password, on both stores.
#[tokio::test]
async fn login_input_is_checked_before_the_store() {
    let app = spawn_app().await;
    app.signup("dora", &["Comedy", "Drama", "Romance"]).await;
    let long = "d".repeat(3_000);
    let long_password = "p".repeat(5_000);
    for (username, password) in [
        ("do\u{0}ra", "a good password"),
        ("dora\u{0}", "a good password"),
        (long.as_str(), "a good password"),
        ("dora", long_password.as_str()),
        ("d", "a good password"),
        ("<script>", "a good password"),
    ] {
        let (s, b) = app
            .send(
                Method::POST,
                "/api/sessions",
                None,
                Some(json!({"username": username, "password": password})),
            )
            .await;
        assert_error(s, &b, 401, "unauthorized");
    }
    // The owner still logs in: none of it counted against "dora".
    let (s, b) = app
        .send(
            Method::POST,
            "/api/sessions",
            None,
            Some(json!({"username": "dora", "password": "a good password"})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
}

/// The passwords a guesser tries first are refused at signup, naming the parameter (issue 26,
/// finding 6).
#[tokio::test]
async fn signup_refuses_the_commonest_passwords_and_the_username() {
    let app = spawn_app().await;
    for weak in [
        "password",
        "12345678",
        "        ",
        "Password1",
        "qwertyuiop",
        "erin_reads",
        "xxxxxxxx",
    ] {
        let (s, b) = app
            .send(
                Method::POST,
                "/api/users",
                None,
                Some(json!({"username": "erin_reads", "password": weak, "genres": ["Comedy", "Drama", "Romance"]})),
            )
            .await;
        let e = assert_error(s, &b, 400, "bad_parameter");
        assert_eq!(e["parameter"], "password", "{weak:?}: {b}");
    }
    app.signup("erin_reads", &["Comedy", "Drama", "Romance"])
        .await;
}

/// A login from `via` (a client bound to that local address) carrying `forwarded_for`.
async fn login_via(
    app: &crate::helpers::TestApp,
    via: &str,
    forwarded_for: Option<&str>,
    username: &str,
    password: &str,
) -> u16 {
    let client = reqwest::Client::builder()
        .local_address(Some(via.parse().unwrap()))
        .build()
        .unwrap();
    let mut req = client
        .post(format!("{}/api/sessions", app.address))
        .json(&json!({"username": username, "password": password}));
    if let Some(f) = forwarded_for {
        req = req.header("X-Forwarded-For", f);
    }
    req.send().await.unwrap().status().as_u16()
}

/// Behind a balancer every request comes from its address. With the balancer in
/// TRUSTED_PROXIES a stranger's guesses count against the stranger's forwarded address, so the
/// owner still gets in; before, five guesses through the balancer locked everyone out. From a
/// peer that is not trusted the header is ignored: a guesser can't dodge the count with it.
#[tokio::test]
async fn behind_a_trusted_proxy_a_strangers_guesses_do_not_lock_the_owner_out() {
    let app = crate::helpers::spawn_app_with(|s| {
        s.trusted_proxies = "127.0.0.1".parse().unwrap();
    })
    .await;
    app.signup("owner", &["Comedy", "Drama", "Romance"]).await;
    let balancer = "127.0.0.1";
    for _ in 0..6 {
        login_via(
            &app,
            balancer,
            Some("203.0.113.9"),
            "owner",
            "wrong password",
        )
        .await;
    }
    assert_eq!(
        login_via(
            &app,
            balancer,
            Some("203.0.113.9"),
            "owner",
            "a good password"
        )
        .await,
        429,
        "the stranger waits"
    );
    assert_eq!(
        login_via(
            &app,
            balancer,
            Some("198.51.100.4"),
            "owner",
            "a good password"
        )
        .await,
        200,
        "the owner, through the same balancer, gets in"
    );
    // 127.0.0.3 is not trusted: its X-Forwarded-For counts for nothing.
    for n in 0..5 {
        let claimed = format!("192.0.2.{n}");
        login_via(&app, "127.0.0.3", Some(&claimed), "owner", "wrong password").await;
    }
    assert_eq!(
        login_via(
            &app,
            "127.0.0.3",
            Some("192.0.2.200"),
            "owner",
            "wrong password"
        )
        .await,
        429,
        "a made-up header does not reset the count"
    );
}

/// One guess for many accounts from one address (password spraying): after 20 failures from
/// it, whatever the usernames, it waits; before, 20 accounts x 4 guesses got 80 answers of 401.
#[tokio::test]
async fn guessing_across_many_usernames_from_one_address_is_held_up() {
    let app = spawn_app().await;
    let mut statuses = Vec::new();
    for account in 0..20 {
        for _ in 0..2 {
            let username = format!("member{account}");
            statuses.push(login_via(&app, "127.0.0.4", None, &username, "Summer2024!").await);
        }
    }
    assert_eq!(
        statuses.iter().filter(|&&s| s == 401).count(),
        20,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|&&s| s == 429).count(),
        20,
        "{statuses:?}"
    );
    // Another address is not held up.
    assert_eq!(
        login_via(&app, "127.0.0.5", None, "member1", "Summer2024!").await,
        401
    );
}

/// Signups from one address are limited (SIGNUPS_PER_ADDRESS); another address still signs up.
#[tokio::test]
async fn signups_from_one_address_are_limited() {
    let app = crate::helpers::spawn_app_with(|s| s.signups_per_address = 3).await;
    let signup = |via: &'static str, name: String| {
        let url = format!("{}/api/users", app.address);
        async move {
            let client = reqwest::Client::builder()
                .local_address(Some(via.parse().unwrap()))
                .build()
                .unwrap();
            let body = json!({"username": name, "password": "a good password", "genres": ["Comedy", "Drama", "Romance"]});
            let resp = client.post(url).json(&body).send().await.unwrap();
            (
                resp.status().as_u16(),
                resp.headers().contains_key("retry-after"),
            )
        }
    };
    let mut statuses = Vec::new();
    for n in 0..5 {
        statuses.push(signup("127.0.0.6", format!("signer{n}")).await);
    }
    assert_eq!(
        statuses,
        [
            (201, false),
            (201, false),
            (201, false),
            (429, true),
            (429, true)
        ]
    );
    assert_eq!(signup("127.0.0.7", "elsewhere".into()).await.0, 201);
    assert_eq!(app.store.count_users().unwrap(), 4);
}
