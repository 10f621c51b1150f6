//! What browsers are told this site's pages may do. Every response says
//! `nosniff`; every HTML page gets a Content-Security-Policy that lets only this
//! origin's scripts run (plus the hydration script, by its per-response nonce, and
//! WebAssembly compilation), may not be framed, and leaks no paths in `Referer`.
//! Over https, browsers are also told to use nothing else (HSTS).
//!
//! The nonce is made here, before the page is rendered, and handed to Leptos through
//! the request ([`provide_page_nonce`]): the policy and the page's scripts cannot
//! disagree. (Handing it back from the page through the response's headers lost it on
//! some responses, and the page then never hydrated.)

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use http::{header, HeaderMap, HeaderValue};
use leptos::{
    nonce::Nonce,
    prelude::{provide_context, use_context},
};

#[derive(Debug, Clone)]
pub struct SecurityPolicy {
    /// The Content-Security-Policy up to where a page's nonce goes, and after it: built
    /// once, so a response only splices its nonce in.
    before_nonce: String,
    after_nonce: String,
    https: bool,
}

impl SecurityPolicy {
    /// `dev_reload_port`: the live-reload socket of `cargo leptos watch`, which listens
    /// on a port of its own and must be reachable from its pages. `tile_origin`: the
    /// server maps load their tiles from, when it is not this one.
    pub fn new(https: bool, dev_reload_port: Option<u32>, tile_origin: Option<&str>) -> Self {
        let images = match tile_origin {
            Some(origin) => format!("'self' data: blob: {origin}"),
            None => "'self' data: blob:".to_owned(),
        };
        let connect = match dev_reload_port {
            Some(port) => format!("'self' ws://127.0.0.1:{port} ws://localhost:{port}"),
            None => "'self'".to_owned(),
        };
        // Inline style attributes stay allowed: components position drop lines and
        // drag ghosts with them, and styles cannot run code.
        Self {
            before_nonce: "default-src 'self'; script-src 'self'".to_owned(),
            after_nonce: format!(
                " 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
                 img-src {images}; connect-src {connect}; font-src 'self'; \
                 object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
            ),
            https,
        }
    }

    /// The policy of one page. Without a nonce no inline script may run at all.
    pub fn content_security_policy(&self, nonce: Option<&str>) -> String {
        let (before, after) = (&self.before_nonce, &self.after_nonce);
        match nonce {
            Some(nonce) => format!("{before} 'nonce-{nonce}'{after}"),
            None => format!("{before}{after}"),
        }
    }

    fn apply(&self, headers: &mut HeaderMap, nonce: &Nonce) {
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        if self.https {
            headers.insert(
                header::STRICT_TRANSPORT_SECURITY,
                HeaderValue::from_static("max-age=31536000; includeSubDomains"),
            );
        }
        if !is_html(headers) {
            return;
        }
        if let Ok(policy) = HeaderValue::from_str(&self.content_security_policy(Some(nonce))) {
            headers.insert(header::CONTENT_SECURITY_POLICY, policy);
        }
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        );
    }
}

fn is_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"))
}

pub async fn add(
    State(policy): State<Arc<SecurityPolicy>>,
    mut request: Request,
    next: Next,
) -> Response {
    let nonce = Nonce::new();
    request.extensions_mut().insert(nonce.clone());
    let mut response = next.run(request).await;
    policy.apply(response.headers_mut(), &nonce);
    response
}

/// Gives the page being rendered the nonce its response's policy names. Part of the
/// context every page render gets; Leptos's own (random) nonce is replaced.
pub fn provide_page_nonce() {
    let nonce = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Nonce>().cloned());
    if let Some(nonce) = nonce {
        provide_context(nonce);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_tiles_may_come_from_the_configured_server_only() {
        let policy = SecurityPolicy::new(false, None, Some("https://tiles.example.org"))
            .content_security_policy(None);
        assert!(
            policy.contains("img-src 'self' data: blob: https://tiles.example.org;"),
            "{policy}"
        );
        let scripts = policy
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap_or("");
        assert!(!scripts.contains("tiles.example.org"), "{policy}");
    }

    #[test]
    fn pages_allow_only_own_scripts_and_the_nonced_hydration_script() {
        let policy = SecurityPolicy::new(false, None, None).content_security_policy(Some("abc"));
        assert!(
            policy.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval';"),
            "{policy}"
        );
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
        let scripts = policy
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap_or("");
        assert!(
            !scripts.contains("unsafe-inline") && !scripts.contains("'unsafe-eval'"),
            "{policy}"
        );
        assert!(!policy.contains("ws://"), "{policy}");
        let without = SecurityPolicy::new(false, None, None).content_security_policy(None);
        assert!(
            without.contains("script-src 'self' 'wasm-unsafe-eval';"),
            "{without}"
        );
    }

    #[test]
    fn the_dev_loop_may_reach_its_live_reload_socket() {
        let policy = SecurityPolicy::new(false, Some(3001), None).content_security_policy(None);
        assert!(
            policy.contains("connect-src 'self' ws://127.0.0.1:3001 ws://localhost:3001;"),
            "{policy}"
        );
    }

    #[test]
    fn only_html_gets_the_page_headers() {
        let policy = SecurityPolicy::new(true, None, None);
        let mut html = HeaderMap::new();
        html.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        policy.apply(&mut html, &Nonce::from_value("n0nce"));
        assert!(html[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap_or("")
            .contains("'nonce-n0nce'"));
        assert_eq!(html[header::X_FRAME_OPTIONS], "DENY");
        assert!(html.contains_key(header::STRICT_TRANSPORT_SECURITY));

        let mut wasm = HeaderMap::new();
        wasm.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/wasm"),
        );
        SecurityPolicy::new(false, None, None).apply(&mut wasm, &Nonce::from_value("n0nce"));
        assert_eq!(wasm[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert!(!wasm.contains_key(header::CONTENT_SECURITY_POLICY));
        assert!(!wasm.contains_key(header::STRICT_TRANSPORT_SECURITY));
    }
}
