//! Parsing query and path parameters into typed values, with errors that name the parameter.

use super::ApiError;
use crate::config::MAX_LIMIT;
use crate::dataset::Catalog;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::HashMap;
use std::str::FromStr;

/// The raw query string as a map; typed parsing happens per parameter below.
pub type Query = actix_web::web::Query<HashMap<String, String>>;

/// A MovieLens id from a path segment: digits only ("+1" and " 1" are not ids).
pub fn id(name: &str, raw: &str) -> Result<u32, ApiError> {
    let digits = !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit());
    digits
        .then(|| raw.parse::<u32>().ok())
        .flatten()
        .ok_or_else(|| {
            ApiError::bad_parameter(
                name,
                format!("path parameter `{name}` must be a positive integer id, got {raw:?}"),
            )
        })
}

/// An optional number parameter within `range`, else `default`.
pub(crate) fn number<T>(
    q: &HashMap<String, String>,
    name: &str,
    default: T,
    min: T,
    max: T,
) -> Result<T, ApiError>
where
    T: FromStr + PartialOrd + Copy + std::fmt::Display,
{
    let Some(raw) = q.get(name) else {
        return Ok(default);
    };
    let v: T = raw.trim().parse().map_err(|_| {
        ApiError::bad_parameter(
            name,
            format!(
                "query parameter `{name}` must be a number between {min} and {max}, got {raw:?}"
            ),
        )
    })?;
    // NaN compares with nothing, so a range check alone would let it through.
    if v.partial_cmp(&v).is_none() || v < min || v > max {
        return Err(ApiError::bad_parameter(
            name,
            format!("query parameter `{name}` must be between {min} and {max}, got {v}"),
        ));
    }
    Ok(v)
}

/// The names serde gives a closed set's values, in order: what the API accepts and lists.
pub(crate) fn names<T: Serialize>(all: &[T]) -> Vec<String> {
    all.iter()
        .filter_map(|v| match serde_json::to_value(v) {
            Ok(serde_json::Value::String(s)) => Some(s),
            _ => None,
        })
        .collect()
}

/// An optional parameter from a closed set (`all`), by its serde name, any case; None when
/// absent or empty.
pub(crate) fn choice<T: DeserializeOwned + Serialize>(
    q: &HashMap<String, String>,
    name: &str,
    all: &[T],
) -> Result<Option<T>, ApiError> {
    let Some(raw) = q.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    serde_json::from_value(serde_json::Value::String(raw.to_lowercase()))
        .map(Some)
        .map_err(|_| {
            ApiError::bad_parameter(
                name,
                format!(
                    "query parameter `{name}` must be one of {}, got {raw:?}",
                    names(all).join(", ")
                ),
            )
        })
}

/// `limit`, 1..=MAX_LIMIT.
pub fn limit(q: &HashMap<String, String>, default: usize) -> Result<usize, ApiError> {
    number(q, "limit", default, 1, MAX_LIMIT)
}

/// `genre`: a name from /api/genres, as the catalog spells it; None when absent or empty.
pub(crate) fn genre(
    q: &HashMap<String, String>,
    catalog: &Catalog,
) -> Result<Option<String>, ApiError> {
    match q.get("genre").map(|g| g.trim()).filter(|g| !g.is_empty()) {
        Some(g) if catalog.genres().iter().any(|x| x == g) => Ok(Some(g.to_string())),
        Some(g) => Err(ApiError::bad_parameter(
            "genre",
            format!("query parameter `genre` must be a name from /api/genres, got {g:?}"),
        )),
        None => Ok(None),
    }
}

/// `decade`: the first year of a decade (1990); None when absent.
pub(crate) fn decade(q: &HashMap<String, String>) -> Result<Option<u16>, ApiError> {
    if !q.contains_key("decade") {
        return Ok(None);
    }
    let d: u16 = number(q, "decade", 1990, 1870, 2030)?;
    if !d.is_multiple_of(10) {
        return Err(ApiError::bad_parameter(
            "decade",
            format!("query parameter `decade` must be the first year of a decade, got {d}"),
        ));
    }
    Ok(Some(d))
}

/// A true/false parameter (`1` and `0` too); false when absent.
pub(crate) fn flag(q: &HashMap<String, String>, name: &str) -> Result<bool, ApiError> {
    match q.get(name).map(|v| v.trim()) {
        None | Some("") | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") => Ok(true),
        Some(v) => Err(ApiError::bad_parameter(
            name,
            format!("query parameter `{name}` must be true or false, got {v:?}"),
        )),
    }
}
