//! The `cinesense` binary: parses the command line and hands over to `cli::run`.

mod cli;

use clap::Parser;

fn main() {
    tune_allocator();
    let cli = cli::Cli::parse();
    std::process::exit(cli::run(cli));
}

/// Keeps glibc from returning large blocks to the OS after every tensor op: BERT inference and
/// training allocate and free big buffers constantly, and the page faults cost ~20% of the time.
fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 30);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
    }
}
