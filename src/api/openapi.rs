//! GET /api/openapi.json: the OpenAPI 3 document, generated from the handlers' annotations and
//! the response types, so it cannot drift from the code.

use actix_web::HttpResponse;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "cinesense",
        description = "Movie search, more-like-this and recommendations."
    ),
    paths(
        super::health::health,
        super::health::ready,
        super::movies::movie,
        super::movies::similar,
        super::reviews::reviews,
        super::popular::popular,
        super::popular::hidden_gems,
        super::browse::browse_catalog,
        super::popular::genres,
        super::options::options,
        super::search::search,
        super::users::recommendations,
        super::accounts::signup,
        super::accounts::login,
        super::accounts::logout,
        super::accounts::current,
        super::accounts::me,
        super::accounts::delete_me,
        super::me::onboarding,
        super::me::ratings,
        super::me::put_rating,
        super::me::delete_rating,
        super::watchlist::list,
        super::watchlist::add,
        super::watchlist::remove,
        super::not_interested::list,
        super::not_interested::add,
        super::not_interested::remove,
        super::me::recommendations,
        super::me::marks,
        super::me::home,
        super::diary::diary,
        super::diary::diary_csv,
        super::diary::import,
    ),
    components(schemas(
        super::ErrorBody,
        crate::dataset::Movie,
        crate::dataset::PopularityBand,
        crate::models::hybrid::Model,
        crate::services::browse::BrowseSort,
        crate::services::diary::DiarySort
    ))
)]
pub(crate) struct ApiDoc;

pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
