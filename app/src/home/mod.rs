//! The landing page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text=""/>
        <section class="hero">
            <h1>"Field operations, without code"</h1>
            <p class="lead">
                "Muster lets your team design data-capture apps in the browser, send them to the field, "
                "route every submission to the right people, and plan the work together."
            </p>
        </section>
        <section class="pillars" aria-label="What Muster does">
            <article class="pillar">
                <h2>"Build"</h2>
                <p>"Drag fields onto a form — text, numbers, photos, barcodes, GPS, signatures — add rules and calculations, and design the review workflow behind it."</p>
            </article>
            <article class="pillar">
                <h2>"Run"</h2>
                <p>"Field workers fill forms on their phones, online or offline. Nothing they submit is lost or sent twice."</p>
            </article>
            <article class="pillar">
                <h2>"Plan"</h2>
                <p>"Plan activities, places, times and the roles they need, and see your colleagues' changes as they make them."</p>
            </article>
        </section>
        <p class="home-status-link">
            "Running this installation? " <A href="/status">"Check its status"</A> "."
        </p>
    }
}
