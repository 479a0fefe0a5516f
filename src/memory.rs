//! The process's memory as the kernel counts it (Linux `/proc/self`): the peak resident set
//! since the start or the last reset, which `build` reports per stage and benchmarks print.
//! Elsewhere both answer nothing.

/// Peak resident memory (VmHWM) in MiB; 0 where the kernel does not say.
pub fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// Starts the peak over from the memory in use now ("5" to clear_refs, Linux 4.0+).
pub fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}
