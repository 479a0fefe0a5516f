//! `cinesense sentiment classify`: JSON lines in, one JSON line out per input, in order; bad
//! input is an error line for that input, not a crash.

use std::io::Write;
use std::process::{Command, Stdio};

#[test]
fn classify_follows_the_line_contract() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut child = Command::new(env!("CARGO_BIN_EXE_cinesense"))
        .args(["sentiment", "classify"])
        .current_dir(root)
        .env("RUST_LOG", "warn")
        .env("SENTIMENT_DEVICE", "cpu")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let input = concat!(
        "{\"text\": \"An absolute delight, I loved every minute.\"}\n",
        "{\"text\": \"\"}\n",
        "not json\n",
        "{\"text\": \"Awful. Boring, ugly and a waste of money.\"}\n",
    );
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["label"], "positive");
    assert!(lines[0]["score"].as_f64().unwrap() > 0.5);
    assert_eq!(lines[1]["error"], "empty text");
    assert!(lines[2]["error"]
        .as_str()
        .unwrap()
        .starts_with("invalid JSON"));
    assert_eq!(lines[3]["label"], "negative");
    assert!(lines[3]["score"].as_f64().unwrap() < 0.5);
}
