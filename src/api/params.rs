//! Parsing query and path parameters into typed values, with errors that name the parameter.

use super::ApiError;
use crate::config::MAX_LIMIT;
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

/// `limit`, 1..=MAX_LIMIT.
pub fn limit(q: &HashMap<String, String>, default: usize) -> Result<usize, ApiError> {
    number(q, "limit", default, 1, MAX_LIMIT)
}
