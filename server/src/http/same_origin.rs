//! Cross-site request forgery protection. Leptos server functions do no CSRF check of
//! their own, so every state-changing request (anything but GET, HEAD, OPTIONS) must
//! prove it comes from one of our own pages: `Sec-Fetch-Site: same-origin`, or an
//! `Origin` whose host is the host the request was sent to. Browsers set both headers
//! themselves and pages cannot forge them.

use axum::{
    extract::Request,
    http::{header, HeaderMap, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

pub async fn require_same_origin(request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    // The REST API is called with a token in a header, which a cross-site page cannot
    // make a browser send; it never acts on the session cookie.
    let api = request
        .uri()
        .path()
        .starts_with(&format!("{}/", crate::api::PREFIX));
    if safe || api || is_same_origin(request.headers()) {
        next.run(request).await
    } else {
        (
            StatusCode::FORBIDDEN,
            "This request did not come from a Muster page (cross-site requests are refused). Reload the page and try again.",
        )
            .into_response()
    }
}

/// Whether the request's own headers show it was made by a page of this site.
pub fn is_same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return site == "same-origin";
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .and_then(|origin| origin.split_once("://").map(|(_, rest)| rest));
    matches!((host, origin_host), (Some(host), Some(origin_host)) if host.eq_ignore_ascii_case(origin_host))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn same_origin_requests_pass() {
        assert!(is_same_origin(&headers(&[(
            "sec-fetch-site",
            "same-origin"
        )])));
        assert!(is_same_origin(&headers(&[
            ("host", "muster.example:3000"),
            ("origin", "https://muster.example:3000")
        ])));
    }

    #[test]
    fn cross_site_or_unproven_requests_are_refused() {
        assert!(!is_same_origin(&headers(&[
            ("sec-fetch-site", "cross-site"),
            ("host", "a"),
            ("origin", "http://a")
        ])));
        assert!(!is_same_origin(&headers(&[(
            "sec-fetch-site",
            "same-site"
        )])));
        assert!(!is_same_origin(&headers(&[
            ("host", "muster.example"),
            ("origin", "https://evil.example")
        ])));
        assert!(!is_same_origin(&headers(&[
            ("host", "muster.example"),
            ("origin", "null")
        ])));
        assert!(
            !is_same_origin(&headers(&[("host", "muster.example")])),
            "no proof at all"
        );
    }
}
