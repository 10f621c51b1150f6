//! The account pages, one module per page (or pair of closely related pages).

mod account;
mod api_tokens;
mod audit;
mod invitation;
mod members;
mod password;
mod sign_in;
mod sign_up;
mod verify;

pub use account::AccountPage;
pub use api_tokens::ApiTokensPage;
pub use audit::AuditPage;
pub use invitation::InvitationPage;
pub use members::MembersPage;
pub use password::{ForgotPasswordPage, ResetPasswordPage};
pub use sign_in::SignInPage;
pub use sign_up::SignUpPage;
pub use verify::VerifyEmailPage;

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_location};

use crate::error::AppError;

/// What a page shows instead of its content when loading it failed: a way to sign in,
/// why the role does not allow it, or what went wrong.
#[component]
pub fn LoadError(error: AppError) -> impl IntoView {
    // Also when the error did not come from a server function (signed out: no session).
    #[cfg(feature = "ssr")]
    error.set_response_status();
    let location = use_location();
    match error {
        AppError::SignInRequired => {
            let here = format!(
                "{}{}",
                location.pathname.get_untracked(),
                location.search.get_untracked()
            );
            let href = format!("/signin?next={}", super::encode(&here));
            view! {
                <section class="message-page" data-testid="sign-in-required">
                    <h1>"Please sign in"</h1>
                    <p>"You need to be signed in to see this page."</p>
                    <p><A href=href attr:class="button">"Sign in"</A></p>
                </section>
            }
            .into_any()
        }
        AppError::Forbidden(reason) => view! {
            <section class="message-page" data-testid="forbidden">
                <h1>"Not allowed"</h1>
                <p>{reason}</p>
                <p><A href="/account">"Back to your account"</A></p>
            </section>
        }
        .into_any(),
        error => view! { <p class="alert" role="alert">{error.to_string()}</p> }.into_any(),
    }
}
