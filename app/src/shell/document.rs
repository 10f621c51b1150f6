use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags};

use crate::App;

/// The response header in which the shell hands the server the nonce Leptos gave this
/// page's inline scripts. The server's security-headers middleware turns it into the
/// page's Content-Security-Policy and removes it.
pub const SCRIPT_NONCE_HEADER: &str = "x-muster-script-nonce";

/// The HTML document the server renders around [`App`]. Only the server calls this.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    hand_nonce_to_server();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <meta name="description" content="Muster: build field data-capture apps without code, run them offline, plan together."/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                // Release builds name the stylesheet by its content hash.
                <HashedStylesheet options=options.clone() id="leptos"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[cfg(feature = "ssr")]
fn hand_nonce_to_server() {
    use http::{HeaderName, HeaderValue};
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&nonce) {
        response.insert_header(HeaderName::from_static(SCRIPT_NONCE_HEADER), value);
    }
}
