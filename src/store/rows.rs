//! Values in and out of a statement, and the mapping from a row to a record, once for every
//! backend. Each backend turns its own types into `Value`s and back.

use super::query::Query;
use crate::records::{Audience, User, UserRating};
use anyhow::{anyhow, Result};

/// One parameter or column.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value {
    Int(i64),
    Real(f64),
    Text(String),
    Null,
}

pub(super) type Row = Vec<Value>;

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<u32> for Value {
    fn from(v: u32) -> Self {
        Value::Int(v as i64)
    }
}

impl From<usize> for Value {
    fn from(v: usize) -> Self {
        Value::Int(v as i64)
    }
}

impl From<f32> for Value {
    fn from(v: f32) -> Self {
        Value::Real(v as f64)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_string())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}

/// Column `i` of `row` as an integer.
pub(super) fn int(row: &[Value], i: usize) -> Result<i64> {
    match row.get(i) {
        Some(Value::Int(v)) => Ok(*v),
        other => Err(anyhow!("column {i}: expected an integer, got {other:?}")),
    }
}

/// Column `i` as a number (an integer column reads as one too).
pub(super) fn real(row: &[Value], i: usize) -> Result<f64> {
    match row.get(i) {
        Some(Value::Real(v)) => Ok(*v),
        Some(Value::Int(v)) => Ok(*v as f64),
        other => Err(anyhow!("column {i}: expected a number, got {other:?}")),
    }
}

/// Column `i` as text.
pub(super) fn text(row: &[Value], i: usize) -> Result<String> {
    match row.get(i) {
        Some(Value::Text(v)) => Ok(v.clone()),
        other => Err(anyhow!("column {i}: expected text, got {other:?}")),
    }
}

/// A movie id column.
fn movie_id(row: &[Value], i: usize) -> Result<u32> {
    let v = int(row, i)?;
    u32::try_from(v).map_err(|_| anyhow!("column {i}: {v} is not a movie id"))
}

/// id, username, genres (JSON), created at.
pub(super) fn user(row: &[Value]) -> Result<User> {
    Ok(User {
        id: int(row, 0)?,
        username: text(row, 1)?,
        genres: serde_json::from_str(&text(row, 2)?).unwrap_or_default(),
        created_at: int(row, 3)?,
    })
}

/// movie id, stars, updated at.
pub(super) fn rating(row: &[Value]) -> Result<UserRating> {
    Ok(UserRating {
        movie_id: movie_id(row, 0)?,
        rating: real(row, 1)? as f32,
        updated_at: int(row, 2)?,
    })
}

/// movie id, added at.
pub(super) fn listed(row: &[Value]) -> Result<(u32, i64)> {
    Ok((movie_id(row, 0)?, int(row, 1)?))
}

/// movie id, positive, reviews, fetched at.
pub(super) fn audience(row: &[Value]) -> Result<(u32, Audience)> {
    let count = |i| -> Result<u32> {
        let v = int(row, i)?;
        u32::try_from(v).map_err(|_| anyhow!("column {i}: {v} is not a count"))
    };
    Ok((
        movie_id(row, 0)?,
        Audience {
            positive: count(1)?,
            reviews: count(2)?,
            fetched_at: int(row, 3)?,
        },
    ))
}

/// The one value of a row that has one column (a count, a new id).
pub(super) fn single(rows: &[Row], q: Query) -> Result<i64> {
    rows.first()
        .map(|r| int(r, 0))
        .unwrap_or_else(|| Err(anyhow!("{q:?} returned no row")))
}
