//! Parsing MovieLens titles: "Godfather, The (1972)" becomes the display title "The Godfather",
//! the year 1972, and any original/alternative title in parentheses.

/// A MovieLens title split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParsedTitle {
    pub title: String,
    pub original_title: Option<String>,
    pub year: Option<u16>,
}

/// Articles MovieLens moves to the end ("Matrix, The"), across the languages in the catalog.
const ARTICLES: &[&str] = &[
    "The", "A", "An", "Les", "Le", "La", "L'", "Il", "I", "Lo", "Gli", "Das", "Der", "Die", "Den",
    "Det", "El", "Los", "Las", "Un", "Une", "Una", "O", "Os", "As", "De", "Het", "Ett", "En",
];

/// Moves a trailing article to the front: "Godfather, The" -> "The Godfather".
pub(crate) fn move_article_to_front(title: &str) -> String {
    let title = title.trim();
    if let Some(pos) = title.rfind(", ") {
        let (head, tail) = (&title[..pos], &title[pos + 2..]);
        if let Some(article) = ARTICLES.iter().find(|a| **a == tail) {
            return if article.ends_with('\'') {
                format!("{article}{head}")
            } else {
                format!("{article} {head}")
            };
        }
    }
    title.to_string()
}

/// Splits "Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)" into its parts.
pub(crate) fn parse_title(raw: &str) -> ParsedTitle {
    let mut rest = raw.trim();
    let mut year = None;
    if let Some(stripped) = rest.strip_suffix(')') {
        if let Some(open) = stripped.rfind('(') {
            let inner = stripped[open + 1..].trim();
            // "(1995)" and the odd "(2007-)" range
            let digits: String = inner.chars().take_while(|c| c.is_ascii_digit()).collect();
            if digits.len() == 4 && inner.len() <= 9 {
                year = digits.parse().ok();
                rest = stripped[..open].trim_end();
            }
        }
    }
    let mut original_title = None;
    if let Some(stripped) = rest.strip_suffix(')') {
        if let Some(open) = find_matching_open(stripped) {
            let head = stripped[..open].trim_end();
            if !head.is_empty() {
                let inner = stripped[open + 1..].trim();
                let inner = inner.strip_prefix("a.k.a. ").unwrap_or(inner);
                original_title = Some(move_article_to_front(inner));
                rest = head;
            }
        }
    }
    ParsedTitle {
        title: move_article_to_front(rest),
        original_title,
        year,
    }
}

/// Index of the '(' matching the ')' that was just stripped from the end of `s`.
fn find_matching_open(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in s.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' if depth == 0 => return Some(i),
            '(' => depth -= 1,
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_the_article_and_reads_the_year() {
        let p = parse_title("Godfather, The (1972)");
        assert_eq!(p.title, "The Godfather");
        assert_eq!(p.year, Some(1972));
        assert_eq!(p.original_title, None);
    }

    #[test]
    fn reads_the_original_title() {
        let p = parse_title("Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)");
        assert_eq!(p.title, "Amelie");
        assert_eq!(
            p.original_title.as_deref(),
            Some("Le Fabuleux destin d'Amélie Poulain")
        );
        let p = parse_title("Seven (a.k.a. Se7en) (1995)");
        assert_eq!(p.original_title.as_deref(), Some("Se7en"));
        let p = parse_title("Avventura, L' (1960)");
        assert_eq!(p.title, "L'Avventura");
    }

    #[test]
    fn keeps_titles_without_year() {
        let p = parse_title("Babylon 5");
        assert_eq!(p.title, "Babylon 5");
        assert_eq!(p.year, None);
        let p = parse_title("Hyena Road (2015) ");
        assert_eq!(p.year, Some(2015));
    }
}
