//! A member's history in and out: the diary (every film they rated, with dates), its CSV
//! export, and the import of a Letterboxd or IMDb export.

use super::auth::AuthUser;
use super::params::{self, Query};
use super::{blocking, ApiError, AppState, MovieSummary};
use crate::services::diary::{self, DiaryFilter, DiarySort};
use crate::services::history::{HistoryFormat, ImportFailure};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

/// The largest file `POST /api/me/import` takes (every other route keeps 64 KiB).
pub(crate) const IMPORT_LIMIT: usize = 5 * 1024 * 1024;

#[derive(Serialize, ToSchema)]
pub(crate) struct DiaryEntry {
    pub movie: MovieSummary,
    pub rating: f32,
    /// When it was rated (Unix seconds): the date of the import's row for imported films.
    pub rated_at: i64,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct DiaryResponse {
    pub entries: Vec<DiaryEntry>,
    /// Films that match the filters, in all.
    pub total: usize,
    pub next_offset: Option<usize>,
}

fn diary_query(q: &Query, state: &AppState) -> Result<(DiaryFilter, DiarySort), ApiError> {
    let filter = DiaryFilter {
        genre: params::genre(q, &state.artifacts.catalog)?,
        decade: params::decade(q)?,
    };
    let sort = params::choice(q, "sort", &DiarySort::ALL)?.unwrap_or(DiarySort::Date);
    Ok((filter, sort))
}

/// Every film the member rated, a page at a time.
#[utoipa::path(get, path = "/api/me/diary",
    params(("sort" = Option<DiarySort>, Query, description = "date (default, newest first) | rating | title"),
           ("genre" = Option<String>, Query, description = "a name from /api/genres"),
           ("decade" = Option<u16>, Query, description = "first year of a decade, e.g. 1990"),
           ("limit" = Option<usize>, Query, description = "1..=100, default 50"),
           ("offset" = Option<usize>, Query, description = "default 0")),
    responses((status = 200, body = DiaryResponse), (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody)))]
pub(crate) async fn diary(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query,
) -> Result<HttpResponse, ApiError> {
    let (filter, sort) = diary_query(&query, &state)?;
    let limit = params::limit(&query, 50)?;
    let offset: usize = params::number(&query, "offset", 0, 0, 10_000_000)?;
    let uid = user.0.id;
    let ratings = blocking(&state, move |s| Ok(s.members.ratings(uid)?)).await?;
    let catalog = &state.artifacts.catalog;
    let all = diary::diary(ratings, catalog, &filter, sort);
    let total = all.len();
    let entries: Vec<DiaryEntry> = all
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|(row, r)| DiaryEntry {
            movie: state.summary(catalog.at(row)),
            rating: r.rating,
            rated_at: r.updated_at,
        })
        .collect();
    let next_offset = (offset + entries.len() < total).then_some(offset + entries.len());
    Ok(HttpResponse::Ok().json(DiaryResponse {
        entries,
        total,
        next_offset,
    }))
}

/// The diary as a CSV file (Title, Year, Rating, WatchedDate, imdbID, tmdbID: the columns
/// Letterboxd's importer reads), with the same filters and order.
#[utoipa::path(get, path = "/api/me/diary.csv",
    params(("sort" = Option<DiarySort>, Query, description = "as /api/me/diary"),
           ("genre" = Option<String>, Query, description = "as /api/me/diary"),
           ("decade" = Option<u16>, Query, description = "as /api/me/diary")),
    responses((status = 200, content_type = "text/csv", body = String), (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody)))]
pub(crate) async fn diary_csv(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query,
) -> Result<HttpResponse, ApiError> {
    let (filter, sort) = diary_query(&query, &state)?;
    let uid = user.0.id;
    let ratings = blocking(&state, move |s| Ok(s.members.ratings(uid)?)).await?;
    let catalog = &state.artifacts.catalog;
    let csv = diary::to_csv(&diary::diary(ratings, catalog, &filter, sort), catalog);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"cinesense-diary.csv\"",
        ))
        .body(csv))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct UnmatchedRow {
    /// The line of the file (the header is line 1).
    pub row: usize,
    pub title: String,
    pub year: Option<u16>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct ImportResponse {
    /// letterboxd | imdb | diary (cinesense's own export)
    pub format: HistoryFormat,
    /// Films rated now.
    pub imported: u64,
    /// Films already rated here: their rating stays.
    pub already_rated: u64,
    /// Rows logged without a rating (a Letterboxd diary's "watched").
    pub without_rating: u64,
    /// Rows no film of the catalog fits.
    pub unmatched: Vec<UnmatchedRow>,
}

/// Reads the body up to `IMPORT_LIMIT`.
async fn read_body(payload: web::Payload) -> Result<web::Bytes, ApiError> {
    match payload.to_bytes_limited(IMPORT_LIMIT).await {
        Err(_) => Err(ApiError::PayloadTooLarge(format!(
            "the file is larger than {} MiB",
            IMPORT_LIMIT >> 20
        ))),
        Ok(Err(e))
            if e.as_error::<actix_web::error::PayloadError>()
                .is_some_and(super::body::timed_out) =>
        {
            Err(ApiError::RequestTimeout(format!(
                "the file did not arrive within {} s",
                super::body::BODY_DEADLINE.as_secs()
            )))
        }
        Ok(Err(e)) => Err(ApiError::BadRequest(format!(
            "the file could not be read: {e}"
        ))),
        Ok(Ok(body)) => Ok(body),
    }
}

/// Import a Letterboxd export (ratings.csv or diary.csv) or an IMDb ratings export, sent as
/// `text/csv`. Matched films are rated in one transaction (IMDb's 1-10 become half stars);
/// films already rated keep their rating, so sending the same file again changes nothing.
#[utoipa::path(post, path = "/api/me/import", request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportResponse), (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody), (status = 413, body = super::ErrorBody)))]
pub(crate) async fn import(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    // Only text/csv: a type a cross-site form cannot send.
    let csv = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("text/csv"));
    if !csv {
        return Err(ApiError::BadRequest(
            "send the export as the request body with Content-Type: text/csv".into(),
        ));
    }
    let body = read_body(payload).await?;
    let text = String::from_utf8(body.to_vec()).map_err(|e| {
        ApiError::bad_parameter(
            "file",
            format!(
                "the file is not UTF-8 text (byte {} is not)",
                e.utf8_error().valid_up_to()
            ),
        )
    })?;
    let uid = user.0.id;
    let report = blocking(&state, move |s| {
        s.history
            .import(uid, &text, &s.artifacts.catalog)
            .map_err(|f| match f {
                ImportFailure::File(e) => ApiError::bad_parameter("file", e.to_string()),
                ImportFailure::Store(e) => e.into(),
            })
    })
    .await?;
    Ok(HttpResponse::Ok().json(ImportResponse {
        format: report.format,
        imported: report.imported,
        already_rated: report.already_rated,
        without_rating: report.without_rating,
        unmatched: report
            .unmatched
            .into_iter()
            .map(|u| UnmatchedRow {
                row: u.line,
                title: u.title,
                year: u.year,
            })
            .collect(),
    }))
}
