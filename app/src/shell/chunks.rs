//! Pages that arrive as their own piece of WASM. `cargo leptos build --split` cuts the
//! bundle at each of these routes, so a page downloads the shell (layout, session,
//! realtime client) and its own code, not every page's: a field worker opening
//! `/run/{app}` on a slow phone does not pay for the form builder.
//!
//! Every build of the site must be split (`build --split`, `watch --split`; the
//! scripts do): an unsplit bundle asks for a split loader that does not exist, and no
//! page hydrates. The server says so at start-up (`startup::warn_if_not_split`).
//!
//! The home page and "not found" stay in the shell: they are the first thing anyone
//! sees and are small.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

/// One route per page: a unit struct the router builds before the page's code has
/// arrived (pages load their own data, so there is nothing to prefetch alongside).
macro_rules! page_chunks {
    ($($(#[$doc:meta])* $route:ident => $page:path;)*) => {$(
        $(#[$doc])*
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_route: Self) -> AnyView {
                $page().into_any()
            }
        }
    )*};
}

page_chunks! {
    Status => crate::status::StatusPage;
    DevMail => crate::dev_mail::DevMailPage;
    SignUp => crate::accounts::SignUpPage;
    SignIn => crate::accounts::SignInPage;
    ForgotPassword => crate::accounts::ForgotPasswordPage;
    ResetPassword => crate::accounts::ResetPasswordPage;
    VerifyEmail => crate::accounts::VerifyEmailPage;
    Invitation => crate::accounts::InvitationPage;
    Account => crate::accounts::AccountPage;
    Members => crate::accounts::MembersPage;
    Audit => crate::accounts::AuditPage;
    ApiTokens => crate::accounts::ApiTokensPage;
    Apps => crate::builder::AppsPage;
    Builder => crate::builder::BuilderPage;
    Submissions => crate::submissions::SubmissionsPage;
    Submission => crate::submissions::SubmissionPage;
    SubmissionsMap => crate::submissions::SubmissionsMapPage;
    Webhooks => crate::submissions::WebhooksPage;
    Launcher => crate::runner::LauncherPage;
    Runner => crate::runner::RunnerPage;
    Projects => crate::plans::ProjectsPage;
    Plan => crate::plans::PlanPage;
    Activity => crate::plans::ActivityPage;
    CallIns => crate::plans::CallInsPage;
    CallIn => crate::plans::CallInPage;
    Catalog => crate::plans::CatalogPage;
}
