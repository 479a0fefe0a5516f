//! Films of one series from their titles: "The Matrix" and "The Matrix Reloaded", "Toy Story" and
//! "Toy Story 2", "Star Wars: Episode IV - A New Hope" and "Star Wars: Episode V - ...",
//! "The Terminator" and "Terminator 2: Judgment Day". TMDB's collections would say it better;
//! titles are what every MovieLens release has.

/// Words of a title that name its series: lower case, without a leading article, cut at a
/// subtitle (":" or " - "), without trailing part numbers ("2", "II", "Part 3").
pub(crate) fn series_words(title: &str) -> Vec<String> {
    let head = title
        .split(':')
        .next()
        .unwrap_or(title)
        .split(" - ")
        .next()
        .unwrap_or(title);
    let mut words: Vec<String> = head
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect();
    if matches!(words.first().map(String::as_str), Some("the" | "a" | "an")) {
        words.remove(0);
    }
    while let Some(last) = words.last() {
        let numeral = is_part_number(last) || matches!(last.as_str(), "part" | "chapter");
        if numeral && words.len() > 1 {
            words.pop();
        } else {
            break;
        }
    }
    words
}

/// "2", "II", "iv": a sequel's number at the end of a title.
fn is_part_number(word: &str) -> bool {
    let w = word.to_lowercase();
    w.chars().all(|c| c.is_ascii_digit())
        || matches!(
            w.as_str(),
            "ii" | "iii" | "iv" | "v" | "vi" | "vii" | "viii" | "ix" | "x"
        )
}

/// The series a title belongs to, as people say it after "the": "Matrix", "Star Wars",
/// "Toy Story", "Rocky".
pub(crate) fn series_name(title: &str) -> String {
    let head = title.split(':').next().unwrap_or(title);
    let head = head.split(" - ").next().unwrap_or(head).trim();
    let mut words: Vec<&str> = head.split_whitespace().collect();
    if words.first().is_some_and(|w| w.eq_ignore_ascii_case("the")) {
        words.remove(0);
    }
    while words.len() > 1 && words.last().is_some_and(|w| is_part_number(w)) {
        words.pop();
    }
    words.join(" ")
}

/// The series of a TMDB collection, said the same way: "The Dark Knight Collection" -> "Dark
/// Knight".
pub(crate) fn collection_series_name(collection: &str) -> String {
    let name = collection.trim();
    series_name(name.strip_suffix(" Collection").unwrap_or(name))
}

/// What two films' series words say about them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Series {
    /// Nothing: different titles.
    Unrelated,
    /// One title starts with the other ("The Matrix", "The Matrix Reloaded"), and that start is
    /// specific enough (two words, or one of six letters or more). Titles alone mislead here
    /// ("Waiting to Exhale" and "Waiting..."): trust it where the films are also alike.
    Prefix,
    /// The same words ("Alien" and "Alien: Resurrection", "Rocky" and "Rocky II").
    Same,
}

pub(crate) fn series(a: &[String], b: &[String]) -> Series {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let specific = short.len() >= 2 || short.first().is_some_and(|w| w.chars().count() >= 6);
    if short.is_empty() {
        Series::Unrelated
    } else if short == long {
        Series::Same
    } else if specific && long.starts_with(short) {
        Series::Prefix
    } else {
        Series::Unrelated
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tmdb_collection_names_its_series() {
        assert_eq!(
            collection_series_name("The Dark Knight Collection"),
            "Dark Knight"
        );
        assert_eq!(
            collection_series_name("Indiana Jones Collection"),
            "Indiana Jones"
        );
        assert_eq!(collection_series_name("Alien"), "Alien");
    }

    fn together(a: &str, b: &str) -> bool {
        series(&series_words(a), &series_words(b)) != Series::Unrelated
    }

    #[test]
    fn sequels_and_prequels_are_found() {
        assert!(together("The Matrix", "The Matrix Reloaded"));
        assert!(together("Toy Story", "Toy Story 2"));
        assert!(together("The Terminator", "Terminator 2: Judgment Day"));
        assert!(together(
            "Star Wars: Episode IV - A New Hope",
            "Star Wars: Episode V - The Empire Strikes Back"
        ));
        assert!(together("The Godfather", "The Godfather: Part II"));
        assert!(together("Die Hard", "Die Hard: With a Vengeance"));
        assert!(together("Alien", "Alien: Resurrection"));
        assert!(together("Rocky", "Rocky II"));
        assert_eq!(series_name("Terminator 2: Judgment Day"), "Terminator");
        assert_eq!(series_name("The Godfather: Part II"), "Godfather");
        assert_eq!(series_name("Rocky II"), "Rocky");
    }

    #[test]
    fn a_shared_short_word_is_not_a_series() {
        assert!(!together("Up", "Up in the Air"));
        assert!(!together("Alien", "Aliens"));
        assert!(!together("Heat", "Heat Wave"));
        assert!(!together("The Matrix", "The Shawshank Redemption"));
        // A prefix alone is only a hint.
        assert_eq!(
            series(
                &series_words("Waiting to Exhale"),
                &series_words("Waiting...")
            ),
            Series::Prefix
        );
    }
}
