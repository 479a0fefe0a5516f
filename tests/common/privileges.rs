//! Running a program as another user. File permissions do not hold for root (CI runs as root),
//! and PostgreSQL refuses to run as root, so as root the tests start such programs through
//! `setpriv` as an ordinary user.

use std::ffi::OsStr;
use std::process::Command;

pub fn is_root() -> bool {
    unsafe { libc::geteuid() == 0 }
}

/// `program` as `user`:`group` when we are root, else as ourselves.
pub fn as_user(user: &str, group: &str, program: impl AsRef<OsStr>) -> Command {
    if is_root() {
        let mut c = Command::new("setpriv");
        c.arg(format!("--reuid={user}"))
            .arg(format!("--regid={group}"))
            .args(["--clear-groups", "--"])
            .arg(program);
        c
    } else {
        Command::new(program)
    }
}
