//! GET /api/options: the closed sets the API takes as parameters (models, browse orders,
//! popularity bands), named as the API names them, so the web app lists them from here
//! instead of repeating them. The OpenAPI document describes the same enums.

use crate::dataset::PopularityBand;
use crate::models::hybrid::Model;
use crate::services::browse::BrowseSort;
use actix_web::HttpResponse;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub(crate) struct OptionsResponse {
    /// `model` of /api/users/{id}/recommendations.
    pub models: Vec<Model>,
    /// `sort` of /api/browse.
    pub sorts: Vec<BrowseSort>,
    /// `band` of /api/popular.
    pub bands: Vec<PopularityBand>,
}

/// Every value of every closed set the API takes.
#[utoipa::path(get, path = "/api/options", responses((status = 200, body = OptionsResponse)))]
pub async fn options() -> HttpResponse {
    HttpResponse::Ok().json(OptionsResponse {
        models: Model::ALL.to_vec(),
        sorts: BrowseSort::ALL.to_vec(),
        bands: PopularityBand::ALL.to_vec(),
    })
}
