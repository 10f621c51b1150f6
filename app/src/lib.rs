//! Muster's Leptos application, compiled twice: natively with `ssr` (rendered by the
//! server, with server functions that reach the platform) and to WASM with `hydrate`
//! (made interactive in the browser).
//!
//! Modules are grouped by feature; each feature keeps its page components, its
//! server functions (`api`) and its shared types together.

pub mod accounts;
pub mod builder;
pub mod dev_mail;
pub mod error;
pub mod home;
pub mod maps;
pub mod realtime;
#[cfg(feature = "ssr")]
pub mod request;
pub mod runner;
pub mod shell;
pub mod status;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    ParamSegment, SsrMode, StaticSegment,
};

pub use shell::document::shell;

/// The root component: every page of Muster is a route in here. Pages whose HTTP status
/// depends on their data (401 signed out, 403 not allowed) render with
/// `SsrMode::Async`, so the status is known before the first byte is sent.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    realtime::client::provide_realtime();
    accounts::frame::provide_session();

    view! {
        <Title formatter=|page: String| if page.is_empty() { "Muster".to_owned() } else { format!("{page} · Muster") }/>
        <Router>
            <shell::layout::Layout>
                <Routes fallback=shell::not_found::NotFound>
                    <Route path=StaticSegment("") view=home::HomePage/>
                    <Route path=StaticSegment("status") view=status::StatusPage/>
                    <Route path=(StaticSegment("dev"), StaticSegment("mail")) view=dev_mail::DevMailPage/>
                    <Route path=StaticSegment("signup") view=accounts::SignUpPage/>
                    <Route path=StaticSegment("signin") view=accounts::SignInPage/>
                    <Route path=StaticSegment("forgot-password") view=accounts::ForgotPasswordPage/>
                    <Route path=StaticSegment("reset-password") view=accounts::ResetPasswordPage/>
                    <Route path=StaticSegment("verify-email") view=accounts::VerifyEmailPage/>
                    <Route path=(StaticSegment("invitations"), StaticSegment("accept")) view=accounts::InvitationPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("account") view=accounts::AccountPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("account"), StaticSegment("members")) view=accounts::MembersPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("account"), StaticSegment("audit")) view=accounts::AuditPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("apps") view=builder::AppsPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("apps"), ParamSegment("id"), StaticSegment("build")) view=builder::BuilderPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("apps"), ParamSegment("id"), StaticSegment("submissions")) view=runner::SubmissionsPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("apps"), ParamSegment("id"), StaticSegment("submissions"), ParamSegment("submission")) view=runner::SubmissionPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("run") view=runner::LauncherPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("run"), ParamSegment("id")) view=runner::RunnerPage ssr=SsrMode::Async/>
                </Routes>
            </shell::layout::Layout>
        </Router>
    }
}
