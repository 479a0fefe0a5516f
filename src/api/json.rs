//! JSON request bodies whose errors name the field at fault: `{"rating": "four"}` answers 400
//! with `parameter: "rating"`, where serde alone says only "invalid type ... at line 1 column
//! 15". The body is read by actix's JSON extractor first (size limit, content type, deadline:
//! `startup::json_error`), then typed here.

use super::ApiError;
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use std::future::Future;
use std::pin::Pin;

/// A typed JSON body.
pub(crate) struct JsonBody<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let value = web::Json::<serde_json::Value>::from_request(req, payload);
        Box::pin(async move {
            let web::Json(value) = value.await?;
            serde_path_to_error::deserialize(value)
                .map(JsonBody)
                .map_err(|e| typed_error(e).into())
        })
    }
}

fn typed_error(e: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = e.path().to_string();
    let message = e.into_inner().to_string();
    if path != "." {
        return ApiError::bad_parameter(&path, message);
    }
    // A missing field is reported at the level above it.
    match message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'))
    {
        Some(field) => ApiError::bad_parameter(field, format!("{field} is required")),
        None => ApiError::BadRequest(format!("invalid JSON body: {message}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Rating {
        rating: f32,
        genres: Option<Vec<String>>,
    }

    fn parameter(body: serde_json::Value) -> Option<String> {
        match serde_path_to_error::deserialize::<_, Rating>(body).map_err(typed_error) {
            Err(ApiError::BadParameter { name, .. }) => Some(name),
            _ => None,
        }
    }

    #[test]
    fn type_errors_name_the_field() {
        use serde_json::json;
        assert_eq!(
            parameter(json!({"rating": "four"})).as_deref(),
            Some("rating")
        );
        assert_eq!(parameter(json!({})).as_deref(), Some("rating"));
        assert_eq!(
            parameter(json!({"rating": 4, "genres": ["Drama", 7]})).as_deref(),
            Some("genres[1]")
        );
        assert_eq!(parameter(json!({"rating": 4})), None);
    }
}
