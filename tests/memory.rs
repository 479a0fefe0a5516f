//! The server's memory as an operator measures it: the real `serve` process's peak resident
//! set (VmHWM in /proc) read from outside while a crowd logs in.

#[path = "common/server.rs"]
mod server;

use server::{free_port, start, wait_healthy};

/// Peak resident memory of process `pid` so far, in MiB.
fn peak_rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .expect("VmHWM");
    kb / 1024.0
}

/// 200 logins at once with unknown usernames took the server to 3.8 GiB and it stayed there
/// (issue 26, finding 1): each blocking thread kept its own 19 MiB of argon2 memory. Now the
/// hashing gate's buffers are all there is.
#[tokio::test]
async fn two_hundred_parallel_logins_stay_under_a_gib() {
    if !cfg!(target_os = "linux") {
        eprintln!("SKIPPED: reads /proc");
        return;
    }
    cinesense::clients::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = start(&dir.path().join("store.sqlite").display().to_string(), port);
    let client = reqwest::Client::new();
    wait_healthy(&client, &base).await;
    let started = peak_rss_mib(server.id());
    // From 200 addresses (127.0.0.0/8 all reaches loopback), so that no address reaches the
    // login throttle's limit and every login is hashed.
    let logins: Vec<_> = (0..200u8)
        .map(|i| {
            let client = reqwest::Client::builder()
                .local_address(Some(std::net::IpAddr::from([127, 0, 1, i])))
                .build()
                .unwrap();
            let url = format!("{base}/api/sessions");
            tokio::spawn(async move {
                client
                    .post(url)
                    .json(&serde_json::json!({"username": format!("ghost{i}"), "password": "not the password"}))
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
            })
        })
        .collect();
    for l in logins {
        assert_eq!(l.await.unwrap().expect("answered"), 401);
    }
    let peak = peak_rss_mib(server.id());
    server.kill().ok();
    server.wait().ok();
    eprintln!(
        "serve: peak RSS {started:.0} MiB when ready, {peak:.0} MiB after 200 parallel logins"
    );
    assert!(peak < 1024.0, "peak RSS {peak:.0} MiB");
}
