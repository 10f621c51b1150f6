//! Muster's Leptos application, compiled twice: natively with `ssr` (rendered by the
//! server, with server functions that reach the platform) and to WASM with `hydrate`
//! (made interactive in the browser).
//!
//! Modules are grouped by feature; each feature keeps its page components, its
//! server functions (`api`) and its shared types together.

// Lazy routes hydrate asynchronously: the async block of a deep page's view nests
// deeper than the default limit of 128 when the compiler computes its layout.
#![recursion_limit = "256"]

pub mod accounts;
pub mod builder;
pub mod dev_mail;
pub mod error;
pub mod home;
pub mod maps;
pub mod plans;
pub mod realtime;
#[cfg(feature = "ssr")]
pub mod request;
pub mod runner;
pub mod shell;
pub mod status;
pub mod submissions;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    Lazy, ParamSegment, SsrMode, StaticSegment,
};
use shell::chunks;

pub use shell::document::shell;

/// The root component: every page of Muster is a route in here. Pages whose HTTP status
/// depends on their data (401 signed out, 403 not allowed) render with
/// `SsrMode::Async`, so the status is known before the first byte is sent. All but the
/// home page load their code as a separate chunk (`shell::chunks`).
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
                    <Route path=StaticSegment("status") view={Lazy::<chunks::Status>::new()}/>
                    <Route path=(StaticSegment("dev"), StaticSegment("mail")) view={Lazy::<chunks::DevMail>::new()}/>
                    <Route path=StaticSegment("signup") view={Lazy::<chunks::SignUp>::new()}/>
                    <Route path=StaticSegment("signin") view={Lazy::<chunks::SignIn>::new()}/>
                    <Route path=StaticSegment("forgot-password") view={Lazy::<chunks::ForgotPassword>::new()}/>
                    <Route path=StaticSegment("reset-password") view={Lazy::<chunks::ResetPassword>::new()}/>
                    <Route path=StaticSegment("verify-email") view={Lazy::<chunks::VerifyEmail>::new()}/>
                    <Route path=(StaticSegment("invitations"), StaticSegment("accept")) view={Lazy::<chunks::Invitation>::new()} ssr=SsrMode::Async/>
                    <Route path=StaticSegment("account") view={Lazy::<chunks::Account>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("account"), StaticSegment("members")) view={Lazy::<chunks::Members>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("account"), StaticSegment("audit")) view={Lazy::<chunks::Audit>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("account"), StaticSegment("api-tokens")) view={Lazy::<chunks::ApiTokens>::new()} ssr=SsrMode::Async/>
                    <Route path=StaticSegment("apps") view={Lazy::<chunks::Apps>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("apps"), ParamSegment("id"), StaticSegment("build")) view={Lazy::<chunks::Builder>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("apps"), ParamSegment("id"), StaticSegment("submissions")) view={Lazy::<chunks::Submissions>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("apps"), ParamSegment("id"), StaticSegment("submissions"), ParamSegment("submission")) view={Lazy::<chunks::Submission>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("apps"), ParamSegment("id"), StaticSegment("map")) view={Lazy::<chunks::SubmissionsMap>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("apps"), ParamSegment("id"), StaticSegment("webhooks")) view={Lazy::<chunks::Webhooks>::new()} ssr=SsrMode::Async/>
                    <Route path=StaticSegment("run") view={Lazy::<chunks::Launcher>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("run"), ParamSegment("id")) view={Lazy::<chunks::Runner>::new()} ssr=SsrMode::Async/>
                    <Route path=StaticSegment("projects") view={Lazy::<chunks::Projects>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("projects"), ParamSegment("id")) view={Lazy::<chunks::Plan>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("projects"), ParamSegment("id"), StaticSegment("activities"), ParamSegment("activity")) view={Lazy::<chunks::Activity>::new()} ssr=SsrMode::Async/>
                    <Route path=StaticSegment("call-ins") view={Lazy::<chunks::CallIns>::new()} ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("call-ins"), ParamSegment("id")) view={Lazy::<chunks::CallIn>::new()} ssr=SsrMode::Async/>
                    <Route path=StaticSegment("roles-and-locations") view={Lazy::<chunks::Catalog>::new()} ssr=SsrMode::Async/>
                </Routes>
            </shell::layout::Layout>
        </Router>
    }
}
