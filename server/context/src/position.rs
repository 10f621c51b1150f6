//! Where a caller's reads must start: the position of their last write, kept in the
//! session, and the position of the newest event their browser received (a co-editor's
//! write), which the browser hands back in a cookie.

use axum::http::{header, HeaderMap};
use muster_platform::db::Lsn;

/// Set by the browser's realtime client (`muster_app::realtime::position`) to the
/// position of the newest event it saw, so the refetch the event triggers reads at
/// least that far. It can only make the caller's own reads fresher (or send them to the
/// primary): it grants nothing.
pub const SEEN_COOKIE: &str = "muster_seen";

/// The position in the request's [`SEEN_COOKIE`], if any is well-formed.
pub(crate) fn from_cookie(headers: &HeaderMap) -> Option<Lsn> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, _)| *name == SEEN_COOKIE)
        .filter_map(|(_, value)| value.parse::<Lsn>().ok())
        .max()
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(cookie: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(cookie).expect("header"),
        );
        headers
    }

    #[test]
    fn reads_the_position_among_other_cookies() {
        assert_eq!(
            from_cookie(&headers("a=1; muster_seen=16/B374D848; b=2")),
            Some("16/B374D848".parse().expect("lsn"))
        );
    }

    #[test]
    fn ignores_a_missing_or_malformed_position() {
        assert_eq!(from_cookie(&HeaderMap::new()), None);
        assert_eq!(from_cookie(&headers("muster_seen=nonsense")), None);
        assert_eq!(from_cookie(&headers("other_muster_seen=1/0")), None);
    }
}
