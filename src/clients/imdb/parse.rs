//! HTML to reviews, for the current IMDb layout, the older one and JSON-LD.

use super::UserReview;
use scraper::{ElementRef, Html, Selector};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ParseError {
    #[error("the IMDb reviews page has no reviews we can read and does not say it has none: its layout changed")]
    LayoutChanged,
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).expect("valid selector")
}

/// Entity-decoded (by the HTML parser), whitespace-normalised text.
fn text_of(e: ElementRef) -> String {
    e.text()
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn first_text(root: ElementRef, selector: &Selector) -> Option<String> {
    root.select(selector)
        .next()
        .map(text_of)
        .filter(|t| !t.is_empty())
}

/// "8/10", "8" -> 8.0
fn stars(s: &str) -> Option<f32> {
    s.split('/').next()?.trim().parse().ok()
}

fn is_explicitly_empty(doc: &Html, html: &str) -> bool {
    let lower = html.to_lowercase();
    lower.contains("no reviews")
        || lower.contains("be the first to review")
        || lower.contains("0 reviews")
        || doc
            .select(&sel(
                "[data-testid=tturv-empty-reviews], .review-container-empty",
            ))
            .next()
            .is_some()
}

pub fn parse_reviews(html: &str) -> Result<Vec<UserReview>, ParseError> {
    let doc = Html::parse_document(html);
    // Whichever reading finds the most reviews; on a tie JSON-LD, then the newer layout. A
    // page's JSON-LD can hold fewer reviews than its cards, and says nothing of spoilers.
    let mut out = Vec::new();
    for mut found in [json_ld(&doc), current_layout(&doc), older_layout(&doc)] {
        found.retain(|r| !r.text.is_empty());
        if found.len() > out.len() {
            out = found;
        }
    }
    if out.is_empty() && !is_explicitly_empty(&doc, html) {
        return Err(ParseError::LayoutChanged);
    }
    Ok(out)
}

/// `article.user-review-item` with `data-testid` parts (IMDb since 2024). A review marked as a
/// spoiler keeps its text in `review-spoiler-content`, after a "Spoiler" signpost, instead of
/// `review-overflow`.
fn current_layout(doc: &Html) -> Vec<UserReview> {
    let (item, card, body, spoiler_body, title, rating, author, date, link) = (
        sel("article.user-review-item"),
        sel("[data-testid=review-card-parent]"),
        sel("[data-testid=review-overflow] .ipc-html-content-inner-div"),
        sel("[data-testid=review-spoiler-content] .ipc-html-content-inner-div"),
        sel("[data-testid=review-summary] h3"),
        sel(".review-rating .ipc-rating-star--rating"),
        sel("[data-testid=author-link]"),
        sel("li.review-date"),
        sel("a[href^='/review/rw']"),
    );
    doc.select(&item)
        .map(|a| {
            let root = a.select(&card).next().unwrap_or(a);
            let spoiler_text = first_text(root, &spoiler_body);
            UserReview {
                author: first_text(root, &author),
                title: first_text(root, &title),
                spoiler: spoiler_text.is_some(),
                text: first_text(root, &body).or(spoiler_text).unwrap_or_default(),
                rating: first_text(root, &rating).as_deref().and_then(stars),
                date: first_text(root, &date),
                url: root
                    .select(&link)
                    .next()
                    .and_then(|l| l.value().attr("href"))
                    .map(|h| h.split('?').next().unwrap_or(h).to_string()),
            }
        })
        .collect()
}

/// `div.lister-item-content` (IMDb until 2024); a spoiler carries `span.spoiler-warning`.
fn older_layout(doc: &Html) -> Vec<UserReview> {
    let (item, body, title, rating, author, date, warning) = (
        sel("div.lister-item-content"),
        sel("div.text.show-more__control"),
        sel("a.title"),
        sel("span.rating-other-user-rating span"),
        sel("span.display-name-link"),
        sel("span.review-date"),
        sel("span.spoiler-warning"),
    );
    doc.select(&item)
        .map(|root| UserReview {
            spoiler: root.select(&warning).next().is_some(),
            author: first_text(root, &author),
            title: first_text(root, &title),
            text: first_text(root, &body).unwrap_or_default(),
            rating: first_text(root, &rating).as_deref().and_then(stars),
            date: first_text(root, &date),
            url: root
                .select(&title)
                .next()
                .and_then(|l| l.value().attr("href"))
                .map(|h| h.split('?').next().unwrap_or(h).to_string()),
        })
        .collect()
}

/// Reviews in `<script type="application/ld+json">` (schema.org Review objects).
fn json_ld(doc: &Html) -> Vec<UserReview> {
    let mut out = Vec::new();
    for script in doc.select(&sel("script[type='application/ld+json']")) {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&script.text().collect::<String>())
        else {
            continue;
        };
        collect_reviews(&v, &mut out);
    }
    out
}

fn collect_reviews(v: &serde_json::Value, out: &mut Vec<UserReview>) {
    match v {
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_reviews(x, out)),
        serde_json::Value::Object(o) => {
            if o.get("@type").and_then(|t| t.as_str()) == Some("Review") {
                let s = |k: &str| {
                    o.get(k)
                        .and_then(|x| x.as_str())
                        .map(|x| x.split_whitespace().collect::<Vec<_>>().join(" "))
                };
                out.push(UserReview {
                    author: o
                        .get("author")
                        .and_then(|a| a.get("name"))
                        .and_then(|n| n.as_str())
                        .map(String::from),
                    title: s("name"),
                    text: s("reviewBody")
                        .map(|t| html_unescape(&t))
                        .unwrap_or_default(),
                    rating: o
                        .get("reviewRating")
                        .and_then(|r| r.get("ratingValue"))
                        .and_then(|x| x.as_f64().or_else(|| x.as_str()?.parse().ok()))
                        .map(|x| x as f32),
                    date: s("dateCreated").or_else(|| s("datePublished")),
                    url: s("url"),
                    spoiler: false,
                });
            } else {
                o.values().for_each(|x| collect_reviews(x, out));
            }
        }
        _ => {}
    }
}

/// JSON-LD text may still carry HTML entities.
fn html_unescape(s: &str) -> String {
    let doc = Html::parse_fragment(s);
    doc.root_element().text().collect::<String>()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CURRENT: &str = r#"<html><body><section>
      <article class="user-review-item"><div data-testid="review-card-parent">
        <div class="review-rating"><span class="ipc-rating-star--rating">9</span><span>/10</span></div>
        <div data-testid="review-summary"><a href="/review/rw1234567/?ref_=tt_urv"><h3>A classic &amp; more</h3></a></div>
        <div data-testid="review-overflow"><div class="ipc-html-content-inner-div">Loved it &mdash; the ending&#39;s twist<br/>   works.</div></div>
        <ul><li><a data-testid="author-link" href="/user/ur1/">filmfan</a></li><li class="review-date">Jan 5, 2020</li></ul>
      </div></article>
      <article class="user-review-item"><div data-testid="review-card-parent">
        <div data-testid="review-summary"><h3>Meh</h3></div>
        <div data-testid="review-overflow"><div class="ipc-html-content-inner-div">Boring and far too long.</div></div>
        <a data-testid="author-link">critic2</a>
      </div></article></section></body></html>"#;

    const OLDER: &str = r#"<html><body><div class="lister-list">
      <div class="lister-item-content">
        <span class="rating-other-user-rating"><svg></svg><span>3</span><span class="point-scale">/10</span></span>
        <a href="/review/rw7654321/" class="title"> Not for me
</a>
        <div class="display-name-date"><span class="display-name-link"><a href="/user/ur2/">oldtimer</a></span><span class="review-date">12 March 2019</span></div>
        <div class="content"><div class="text show-more__control">Terrible pacing &amp; wooden acting.</div></div>
      </div></div></body></html>"#;

    #[test]
    fn parses_the_current_layout_with_entities_decoded() {
        let r = parse_reviews(CURRENT).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].title.as_deref(), Some("A classic & more"));
        assert_eq!(r[0].text, "Loved it — the ending's twist works.");
        assert_eq!(r[0].rating, Some(9.0));
        assert_eq!(r[0].author.as_deref(), Some("filmfan"));
        assert_eq!(r[0].date.as_deref(), Some("Jan 5, 2020"));
        assert_eq!(r[0].url.as_deref(), Some("/review/rw1234567/"));
        assert_eq!(r[1].rating, None);
    }

    #[test]
    fn parses_the_older_layout() {
        let r = parse_reviews(OLDER).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].text, "Terrible pacing & wooden acting.");
        assert_eq!(r[0].rating, Some(3.0));
        assert_eq!(r[0].title.as_deref(), Some("Not for me"));
        assert_eq!(r[0].author.as_deref(), Some("oldtimer"));
        assert_eq!(r[0].date.as_deref(), Some("12 March 2019"));
    }

    /// Spoiler cards keep their text elsewhere; all five cards come back, two flagged, though
    /// the page's JSON-LD holds only one review.
    #[test]
    fn spoiler_reviews_are_read_and_flagged() {
        let page = include_str!("../../../tests/fixtures/imdb/spoiler-layout.html");
        let r = parse_reviews(page).unwrap();
        assert_eq!(r.len(), 5, "{r:#?}");
        let flagged: Vec<&str> = r
            .iter()
            .filter(|x| x.spoiler)
            .map(|x| x.title.as_deref().unwrap())
            .collect();
        assert_eq!(flagged, ["The twist & everything after", "That ending"]);
        assert!(
            r[1].text.starts_with("The narrator and Tyler"),
            "{}",
            r[1].text
        );
        assert!(!r[1].text.contains("Reveal spoiler"), "{}", r[1].text);
        assert_eq!(r[3].rating, None);
        // The older layout's warning flags its spoilers too.
        let older = OLDER.replace(
            r#"<div class="content">"#,
            r#"<span class="spoiler-warning">Warning: Spoilers</span><div class="content">"#,
        );
        assert!(parse_reviews(&older).unwrap()[0].spoiler);
        assert!(!parse_reviews(OLDER).unwrap()[0].spoiler);
    }

    #[test]
    fn reads_json_ld() {
        let html = r#"<html><head><script type="application/ld+json">{"@context":"https://schema.org","@type":"Movie","review":[{"@type":"Review","author":{"@type":"Person","name":"ld"},"name":"Great","reviewBody":"Fun &amp; smart.","reviewRating":{"ratingValue":8}}]}</script></head><body></body></html>"#;
        let r = parse_reviews(html).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].text, "Fun & smart.");
        assert_eq!(r[0].rating, Some(8.0));
    }

    #[test]
    fn a_full_page_without_reviews_is_a_layout_change() {
        let page = format!(
            "<html><body><main>{}</main></body></html>",
            "<div class='something-new'>Review text here</div>".repeat(50)
        );
        assert_eq!(parse_reviews(&page), Err(ParseError::LayoutChanged));
        let empty = "<html><body><h1>User reviews</h1><p>Be the first to review</p></body></html>";
        assert_eq!(parse_reviews(empty), Ok(Vec::new()));
    }
}
