//! The error type every server function returns. It crosses the wire (serde), so the
//! browser gets the same typed error the server produced; its `Display` text is what
//! the user reads, written so they know what to do next. Internal details are logged
//! on the server under a reference the user can quote, and never sent.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use muster_domain::{accounts::FieldErrors, forms::validate::Problem, plans::views::EditConflict};
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
    /// Values the user can correct; the form shows each message next to its field.
    #[error("Some of the values need your attention: see the messages next to the fields.")]
    Invalid(FieldErrors),
    #[error("Please sign in to continue.")]
    SignInRequired,
    /// Signed in, but this role or state does not allow it; the text says why.
    #[error("{0}")]
    Forbidden(String),
    #[error("Too many attempts. Please wait {retry_after_secs} seconds and try again.")]
    RateLimited { retry_after_secs: u64 },
    #[error("Muster is very busy right now. Please try again in a few seconds.")]
    Busy,
    /// Someone else changed it since it was loaded; reload to see their changes.
    #[error("{0}")]
    Conflict(String),
    /// A file of a type (or content) Muster does not take; the text says what it is.
    #[error("{0}")]
    Unsupported(String),
    /// It was here and is no more (an expired download); the text says what to do.
    #[error("{0}")]
    Gone(String),
    /// Larger than allowed; the text says the limit.
    #[error("{0}")]
    TooLarge(String),
    /// Someone saved the activity first: their values, to compare, merge or overwrite.
    #[error("Someone else changed this activity while you were editing it: compare their values with yours, then keep theirs or save yours over them.")]
    ActivityChanged(Box<EditConflict>),
    /// A form that cannot be published, with every problem.
    #[error("The form cannot be published yet: fix the {} problem(s) listed.", .0.len())]
    FormProblems(Vec<Problem>),
}

impl AppError {
    /// Whether trying again later may succeed (the network, the server's load), as
    /// opposed to an answer that will not change.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            AppError::Unavailable
                | AppError::Internal { .. }
                | AppError::Request(_)
                | AppError::RateLimited { .. }
                | AppError::Busy
        )
    }

    /// The HTTP status this error is answered with. The one place that decides it.
    pub fn http_status(&self) -> u16 {
        match self {
            AppError::Unavailable => 503,
            AppError::NotFound => 404,
            AppError::Internal { .. } => 500,
            AppError::Request(_) => 400,
            AppError::Invalid(_) => 422,
            AppError::SignInRequired => 401,
            AppError::Forbidden(_) => 403,
            AppError::RateLimited { .. } => 429,
            AppError::Busy => 503,
            AppError::Conflict(_) | AppError::ActivityChanged(_) => 409,
            AppError::FormProblems(_) => 422,
            AppError::Unsupported(_) => 415,
            AppError::TooLarge(_) => 413,
            AppError::Gone(_) => 410,
        }
    }

    /// The message for one form field, if this error has one.
    pub fn field(&self, name: &str) -> Option<String> {
        match self {
            AppError::Invalid(errors) => errors.get(name).map(str::to_owned),
            _ => None,
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
        let error = AppError::Request(value.to_string());
        // A body that does not decode is the caller's mistake (400), not ours (500).
        #[cfg(feature = "ssr")]
        error.set_response_status();
        error
    }
}

#[cfg(feature = "ssr")]
pub use server_side::internal;

#[cfg(feature = "ssr")]
mod server_side {
    use muster_accounts::AccountsError;
    use muster_context::ContextError;
    use muster_platform::db::DbError;

    use super::AppError;

    impl From<AccountsError> for AppError {
        fn from(error: AccountsError) -> Self {
            let app_error = match error {
                AccountsError::Invalid(fields) => AppError::Invalid(fields),
                AccountsError::NotSignedIn => AppError::SignInRequired,
                AccountsError::NotAMember => {
                    AppError::Forbidden("You are not a member of this account.".to_owned())
                }
                AccountsError::Forbidden(reason) => AppError::Forbidden(reason),
                AccountsError::NotFound => AppError::NotFound,
                AccountsError::RateLimited(wait) => AppError::RateLimited {
                    retry_after_secs: wait.as_secs().max(1),
                },
                AccountsError::Busy => AppError::Busy,
                AccountsError::Database(error) => return error.into(),
                AccountsError::Enqueue(_) | AccountsError::Internal(_) => {
                    let reference = error_reference();
                    tracing::error!(%error, %reference, "account operation failed");
                    AppError::Internal { reference }
                }
            };
            app_error.set_response_status();
            app_error
        }
    }

    impl From<ContextError> for AppError {
        fn from(error: ContextError) -> Self {
            let app_error = match error {
                ContextError::SignInRequired => AppError::SignInRequired,
                ContextError::NoAccount => AppError::Forbidden(
                    "You are not a member of any account. Create one on the Accounts page, or ask for an invitation.".to_owned(),
                ),
                ContextError::Accounts(error) => return error.into(),
                ContextError::Database(error) => return error.into(),
                ContextError::Session(_) | ContextError::Missing => return internal(error),
            };
            app_error.set_response_status();
            app_error
        }
    }

    impl From<muster_apps::AppsError> for AppError {
        fn from(error: muster_apps::AppsError) -> Self {
            use muster_apps::AppsError;
            let app_error = match error {
                AppsError::Invalid(fields) => AppError::Invalid(fields),
                AppsError::Problems(problems) => AppError::FormProblems(problems),
                AppsError::TooLarge(reason) => AppError::Invalid(muster_domain::accounts::FieldErrors::single("form", reason)),
                AppsError::Conflict { current_revision } => AppError::Conflict(format!(
                    "Someone saved this form in the meantime (now revision {current_revision}). Reload to see their changes."
                )),
                AppsError::NotFound => AppError::NotFound,
                AppsError::Accounts(error) => return error.into(),
                AppsError::Database(error) => return error.into(),
                AppsError::Internal(message) => return internal(message),
            };
            app_error.set_response_status();
            app_error
        }
    }

    impl From<muster_submissions::SubmissionsError> for AppError {
        fn from(error: muster_submissions::SubmissionsError) -> Self {
            use muster_submissions::SubmissionsError;
            let app_error = match error {
                SubmissionsError::Invalid(fields) => AppError::Invalid(fields),
                SubmissionsError::Malformed(reason) => AppError::Request(reason),
                SubmissionsError::Conflict => AppError::Conflict(
                    "This submission was already sent with other answers. Keep this copy by starting a new submission with its answers."
                        .to_owned(),
                ),
                SubmissionsError::NotFound => AppError::NotFound,
                SubmissionsError::Expired => AppError::Gone(
                    "This download has expired: export the submissions again.".to_owned(),
                ),
                SubmissionsError::BadQuery(error) => AppError::Request(error.message),
                SubmissionsError::Accounts(error) => return error.into(),
                SubmissionsError::Apps(error) => return error.into(),
                SubmissionsError::Database(error) => return error.into(),
                SubmissionsError::Media(error) => return error.into(),
                SubmissionsError::Queue(message)
                | SubmissionsError::Export(message)
                | SubmissionsError::Webhook(message) => {
                    return internal(message)
                }
            };
            app_error.set_response_status();
            app_error
        }
    }

    impl From<muster_media::MediaError> for AppError {
        fn from(error: muster_media::MediaError) -> Self {
            use muster_media::MediaError;
            let app_error = match error {
                MediaError::Unsupported(reason) => AppError::Unsupported(reason),
                MediaError::TooLarge(reason) => AppError::TooLarge(reason),
                MediaError::Malformed(reason) => AppError::Request(reason),
                MediaError::WrongOffset { received } => {
                    AppError::Conflict(format!("This upload continues from byte {received}."))
                }
                MediaError::Conflict => {
                    AppError::Conflict("This file id was already used for another file.".to_owned())
                }
                MediaError::Missing(reason) => AppError::Conflict(reason),
                MediaError::NotFound => AppError::NotFound,
                MediaError::Accounts(error) => return error.into(),
                MediaError::Database(error) => return error.into(),
                MediaError::Storage(error) => return internal(error),
                MediaError::Queue(message) => return internal(message),
            };
            app_error.set_response_status();
            app_error
        }
    }

    impl From<muster_plans::PlansError> for AppError {
        fn from(error: muster_plans::PlansError) -> Self {
            use muster_plans::PlansError;
            let app_error = match error {
                PlansError::Invalid(fields) => AppError::Invalid(fields),
                PlansError::NotFound => AppError::NotFound,
                PlansError::Forbidden(reason) => AppError::Forbidden(reason),
                PlansError::Changed(conflict) => AppError::ActivityChanged(conflict),
                PlansError::Refused(reason) => AppError::Conflict(reason),
                PlansError::Accounts(error) => return error.into(),
                PlansError::Database(error) => return error.into(),
                PlansError::Queue(message) => return internal(message),
            };
            app_error.set_response_status();
            app_error
        }
    }

    /// A failure the user cannot do anything about, logged under a reference they can
    /// quote.
    pub fn internal(error: impl std::fmt::Display) -> AppError {
        let reference = error_reference();
        tracing::error!(%error, %reference, "request failed");
        let app_error = AppError::Internal { reference };
        app_error.set_response_status();
        app_error
    }

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
                if let AppError::RateLimited { retry_after_secs } = self {
                    if let Ok(value) = http::HeaderValue::from_str(&retry_after_secs.to_string()) {
                        response.insert_header(http::header::RETRY_AFTER, value);
                    }
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
            (
                AppError::Invalid(FieldErrors::single("email", "x")),
                422,
                "messages next to the fields",
            ),
            (AppError::SignInRequired, 401, "sign in"),
            (
                AppError::Forbidden("Only owners can.".into()),
                403,
                "Only owners can.",
            ),
            (
                AppError::RateLimited {
                    retry_after_secs: 42,
                },
                429,
                "wait 42 seconds",
            ),
            (AppError::Busy, 503, "try again"),
            (
                AppError::Unsupported("This file is not an image.".into()),
                415,
                "not an image",
            ),
            (
                AppError::TooLarge("at most 20480 KiB".into()),
                413,
                "at most 20480 KiB",
            ),
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
        let invalid = AppError::Invalid(FieldErrors::single("password", "Too short."));
        let back = AppError::de(invalid.ser());
        assert_eq!(back.field("password").as_deref(), Some("Too short."));
        assert_eq!(back.field("email"), None);
    }
}
