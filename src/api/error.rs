//! The one error type of the API, rendered as `{"error": {"code": "...", "message": "..."}}`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, thiserror::Error)]
pub(crate) enum ApiError {
    /// A query or path parameter that does not parse or is out of range; names the parameter.
    #[error("{message}")]
    BadParameter { name: String, message: String },
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    /// The path is there, not with this method; `allow` lists the ones it takes.
    #[error("{message}")]
    MethodNotAllowed { message: String, allow: String },
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The request body did not arrive in time.
    #[error("{0}")]
    RequestTimeout(String),
    #[error("{0}")]
    Unavailable(String),
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after_seconds: u64,
    },
    /// The server is at its limit for this kind of work: 503 with Retry-After.
    #[error("{message}")]
    Busy {
        message: String,
        retry_after_seconds: u64,
    },
    /// Logged in full, shown to the client as a generic message.
    #[error("internal error")]
    Internal(anyhow::Error),
}

/// How long a client is told to wait when the database is out of reach.
const STORE_RETRY_SECONDS: u64 = 5;

/// A failure below the API: the database out of reach is 503 with Retry-After (the client
/// may try again; a balancer's readiness check sees it too), anything else 500.
impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        let unavailable = crate::services::store_unavailable(&e);
        crate::metrics::request_failure(unavailable);
        if unavailable {
            log::warn!("{e:#}");
            ApiError::Busy {
                message: "your films can't be reached just now; try again in a few seconds".into(),
                retry_after_seconds: STORE_RETRY_SECONDS,
            }
        } else {
            ApiError::Internal(e)
        }
    }
}

impl ApiError {
    pub(crate) fn bad_parameter(name: &str, message: impl Into<String>) -> Self {
        ApiError::BadParameter {
            name: name.to_string(),
            message: message.into(),
        }
    }

    fn code(&self) -> ErrorCode {
        match self {
            ApiError::BadParameter { .. } => ErrorCode::BadParameter,
            ApiError::BadRequest(_) => ErrorCode::BadRequest,
            ApiError::NotFound(_) => ErrorCode::NotFound,
            ApiError::MethodNotAllowed { .. } => ErrorCode::MethodNotAllowed,
            ApiError::Unauthorized(_) => ErrorCode::Unauthorized,
            ApiError::Conflict(_) => ErrorCode::Conflict,
            ApiError::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            ApiError::RequestTimeout(_) => ErrorCode::RequestTimeout,
            ApiError::TooManyRequests { .. } => ErrorCode::TooManyRequests,
            ApiError::Unavailable(_) | ApiError::Busy { .. } => ErrorCode::Unavailable,
            ApiError::Internal(_) => ErrorCode::Internal,
        }
    }
}

/// What kind of error an answer is, for programs to branch on.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ErrorCode {
    BadParameter,
    BadRequest,
    NotFound,
    MethodNotAllowed,
    Unauthorized,
    Conflict,
    PayloadTooLarge,
    RequestTimeout,
    TooManyRequests,
    Unavailable,
    Internal,
}

/// The JSON body of every error.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ErrorDetail {
    pub code: ErrorCode,
    pub message: String,
    /// The offending parameter, for `bad_parameter`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadParameter { .. } | ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) | ApiError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(e) = self {
            log::error!("internal error: {e:#}");
        }
        let mut response = HttpResponse::build(self.status_code());
        if let ApiError::TooManyRequests {
            retry_after_seconds,
            ..
        }
        | ApiError::Busy {
            retry_after_seconds,
            ..
        } = self
        {
            response.insert_header((
                actix_web::http::header::RETRY_AFTER,
                retry_after_seconds.to_string(),
            ));
        }
        if let ApiError::MethodNotAllowed { allow, .. } = self {
            response.insert_header((actix_web::http::header::ALLOW, allow.clone()));
        }
        response.json(ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message: self.to_string(),
                parameter: match self {
                    ApiError::BadParameter { name, .. } => Some(name.clone()),
                    _ => None,
                },
            },
        })
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        ApiError::Internal(anyhow::anyhow!("worker thread: {e}"))
    }
}
