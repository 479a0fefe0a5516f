//! "More like this" reasons in words: what two movies share.

use super::tfidf::is_housekeeping;
use crate::dataset::Movie;

/// What two movies share, in words: "Shares Animation, Children · toy, rivalry".
pub(crate) fn shared_reason(a: &Movie, b: &Movie) -> String {
    let genres: Vec<&str> = a
        .genres
        .iter()
        .filter(|g| b.genres.contains(g))
        .map(String::as_str)
        .collect();
    let lower = |v: &[String]| v.iter().map(|s| s.to_lowercase()).collect::<Vec<_>>();
    let (bk, bt) = (lower(&b.keywords), lower(&b.tags));
    let mut themes: Vec<String> = lower(&a.keywords)
        .into_iter()
        .filter(|k| bk.contains(k) && !is_housekeeping(k))
        .collect();
    for t in lower(&a.tags) {
        if bt.contains(&t) && !themes.contains(&t) {
            themes.push(t);
        }
    }
    themes.truncate(4);
    match (genres.is_empty(), themes.is_empty()) {
        (false, false) => format!("Shares {} · {}", genres.join(", "), themes.join(", ")),
        (false, true) => format!("Shares {}", genres.join(", ")),
        (true, false) => format!("Shares {}", themes.join(", ")),
        (true, true) => "Similar story and title".to_string(),
    }
}
