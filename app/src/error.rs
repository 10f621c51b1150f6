//! The error type every server function returns. It crosses the wire (serde), so the
//! browser gets the same typed error the server produced; its `Display` text is what
//! the user reads, written so they know what to do next. Internal details are logged
//! on the server under a reference the user can quote, and never sent.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum AppError {
    #[error("Muster cannot reach its database right now. Please try again in a moment.")]
    Unavailable,
    #[error("There is nothing at this address.")]
    NotFound,
    #[error("Something went wrong on our side (reference {reference}). Please try again; if it keeps happening, give this reference to your administrator.")]
    Internal { reference: String },
    /// The request never reached the server function or its answer could not be read
    /// (network down, malformed body, body too large).
    #[error("The request could not be completed: {0}")]
    Request(String),
}

impl AppError {
    /// The HTTP status this error is answered with. The one place that decides it.
    pub fn http_status(&self) -> u16 {
        match self {
            AppError::Unavailable => 503,
            AppError::NotFound => 404,
            AppError::Internal { .. } => 500,
            AppError::Request(_) => 400,
        }
    }
}

impl AppError {
    /// `NotFound`, with the response status set accordingly when on the server.
    pub fn not_found() -> Self {
        let error = AppError::NotFound;
        #[cfg(feature = "ssr")]
        error.set_response_status();
        error
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Request(value.to_string())
    }
}

#[cfg(feature = "ssr")]
mod server_side {
    use muster_platform::db::DbError;

    use super::AppError;

    impl From<DbError> for AppError {
        fn from(error: DbError) -> Self {
            let app_error = match &error {
                DbError::Unavailable(_) => {
                    tracing::warn!(%error, "database unavailable");
                    AppError::Unavailable
                }
                _ => {
                    let reference = error_reference();
                    tracing::error!(%error, %reference, "database error");
                    AppError::Internal { reference }
                }
            };
            app_error.set_response_status();
            app_error
        }
    }

    impl AppError {
        /// Makes the HTTP response of the current server function carry this error's
        /// status instead of the default 500.
        pub(crate) fn set_response_status(&self) {
            if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
                if let Ok(status) = http::StatusCode::from_u16(self.http_status()) {
                    response.set_status(status);
                }
            }
        }
    }

    /// A short reference that links what the user saw to the log line.
    fn error_reference() -> String {
        let id = uuid::Uuid::new_v4().simple().to_string();
        format!("E-{}", id[..8].to_uppercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_maps_to_a_status_and_an_actionable_message() {
        let cases = [
            (AppError::Unavailable, 503, "try again"),
            (AppError::NotFound, 404, "nothing at this address"),
            (
                AppError::Internal {
                    reference: "E-1".into(),
                },
                500,
                "E-1",
            ),
            (AppError::Request("boom".into()), 400, "boom"),
        ];
        for (error, status, fragment) in cases {
            assert_eq!(error.http_status(), status);
            assert!(error.to_string().contains(fragment), "{error}");
        }
    }

    #[test]
    fn errors_survive_the_wire() {
        let error = AppError::Internal {
            reference: "E-42".into(),
        };
        let bytes = error.ser();
        assert_eq!(AppError::de(bytes), error);
    }
}
