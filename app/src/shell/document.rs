use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags};

use crate::App;

/// The HTML document the server renders around [`App`]. Only the server calls this.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <meta name="description" content="Muster: build field data-capture apps without code, run them offline, plan together."/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                // Installable: the runner's home screen icon and offline start page.
                <link rel="manifest" href="/manifest.webmanifest"/>
                <meta name="theme-color" content="#1f5f8b"/>
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
