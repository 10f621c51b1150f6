//! The built site's `/pkg` files: the WASM bundle, its JavaScript glue and the styles.
//!
//! Release builds name them by content hash (`LEPTOS_HASH_FILES=true`), so a name never
//! changes meaning and browsers may keep it for a year without asking again. Unhashed
//! names (debug builds, `cargo leptos watch`) are revalidated on every use. Release
//! builds also compress every file once (`cargo leptos build --release --precompress`
//! writes `.br` and `.gz` beside it): those are sent as they are, never compressed per
//! request.

use std::path::PathBuf;

use axum::{extract::Request, middleware::Next, response::Response, Router};
use http::{header, HeaderValue, StatusCode};
use tower_http::services::ServeDir;

/// Serves the files of `dir` (the site's pkg directory).
pub fn service(dir: PathBuf) -> Router {
    Router::new()
        .fallback_service(ServeDir::new(dir).precompressed_br().precompressed_gzip())
        .layer(axum::middleware::from_fn(cache_control))
}

async fn cache_control(request: Request, next: Next) -> Response {
    let hashed = is_content_hashed(request.uri().path());
    let mut response = next.run(request).await;
    if response.status() == StatusCode::OK || response.status() == StatusCode::NOT_MODIFIED {
        let value = if hashed {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    response
}

/// cargo-leptos names a hashed file `name.HASH.ext`, HASH being 22 characters of
/// unpadded base64url (an MD5). The unhashed split-loader placeholder is 22 `_`.
fn is_content_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let mut parts = name.rsplitn(3, '.');
    let (Some(_ext), Some(hash), Some(stem)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !stem.is_empty()
        && hash.len() == 22
        && hash
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && hash.bytes().any(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::is_content_hashed;

    #[test]
    fn recognises_cargo_leptos_hashed_names() {
        assert!(is_content_hashed("/muster.Qb3xZ9-_aT4kLm0pWc7rYw.wasm"));
        assert!(is_content_hashed("muster.Qb3xZ9-_aT4kLm0pWc7rYw.js"));
        assert!(!is_content_hashed("/muster.js"));
        assert!(!is_content_hashed("/muster_bg.wasm"));
        assert!(!is_content_hashed(
            "/__wasm_split.______________________.js"
        ));
        assert!(!is_content_hashed("/muster.short.css"));
        assert!(!is_content_hashed("/.Qb3xZ9-_aT4kLm0pWc7rYw.js"));
    }
}
