//! Settings are read from the environment (and `.env`) once, checked, and a bad one stops every
//! command with a message that names it and exit code 2.

use std::process::Command;

fn cinesense(env: &[(&str, &str)], args: &[&str]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cinesense"));
    cmd.args(args)
        .current_dir(dir.path())
        .env("RUST_LOG", "warn");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_blend_and_device_settings_stop_with_exit_code_2() {
    for (name, value) in [
        ("BLEND_GENRE", "1.5"),
        ("BLEND_PRIOR_HALF_AT", "0"),
        ("BLEND_POPULARITY_FLOOR", "lots"),
        ("BLEND_MF", "1.5"),
        ("SENTIMENT_DEVICE", "tpu"),
    ] {
        let (code, stderr) = cinesense(&[(name, value)], &["build", "--quiet"]);
        assert_eq!(code, 2, "{name}={value}: {stderr}");
        assert!(stderr.contains(name), "{name}={value}: {stderr}");
    }
}
