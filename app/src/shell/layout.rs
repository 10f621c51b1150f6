use leptos::prelude::*;
use leptos_router::components::A;

/// Header, navigation, main area and footer shared by all pages.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <Header/>
        <crate::accounts::frame::VerifyBanner/>
        <main id="main" class="page">{children()}</main>
        <footer class="site-footer">
            <p>"Muster — open-source field operations. Build apps without code, run them anywhere, plan together."</p>
        </footer>
    }
}

#[component]
fn Header() -> impl IntoView {
    // On narrow screens the navigation folds behind a button; following one of its links
    // closes it again, so the next page is not hidden under an open menu.
    let menu_open = RwSignal::new(false);

    view! {
        <header class="site-header">
            <A href="/" attr:class="brand">
                <span class="brand-mark" aria-hidden="true">"M"</span>
                <span class="brand-name">"Muster"</span>
            </A>
            <button
                type="button"
                class="menu-toggle"
                aria-controls="site-nav"
                aria-expanded=move || menu_open.get().to_string()
                on:click=move |_| menu_open.update(|open| *open = !*open)
            >
                <span class="visually-hidden">"Menu"</span>
                <span class="menu-icon" aria-hidden="true"></span>
            </button>
            <nav id="site-nav" class="site-nav" class:open=move || menu_open.get() aria-label="Main"
                on:click=move |_| menu_open.set(false)>
                <A href="/" exact=true>"Home"</A>
                <A href="/status">"Status"</A>
                <crate::accounts::frame::AccountNav/>
            </nav>
        </header>
    }
}
