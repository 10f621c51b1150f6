//! Database positions that realtime events carry (Postgres notation, `16/B374D848`).
//! The browser keeps the newest one it has received in a cookie, which the server's
//! request context reads: a refetch triggered by an event then reads at least as far
//! as the write that event announced, even from a replica.

/// The cookie the server reads (`muster_context::SEEN_COOKIE`).
pub const SEEN_COOKIE: &str = "muster_seen";

/// A position as a number that orders like the log, or `None` if malformed.
pub fn parse(text: &str) -> Option<u64> {
    let (hi, lo) = text.split_once('/')?;
    let hi = u32::from_str_radix(hi, 16).ok()?;
    let lo = u32::from_str_radix(lo, 16).ok()?;
    Some((u64::from(hi) << 32) | u64::from(lo))
}

/// Whether `candidate` is a well-formed position past `current` (or there is none yet).
pub fn is_newer(candidate: &str, current: Option<&str>) -> bool {
    match (parse(candidate), current.and_then(parse)) {
        (Some(candidate), Some(current)) => candidate > current,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_positions_like_the_log() {
        assert!(is_newer("1/0", Some("0/FFFFFFFF")));
        assert!(!is_newer("0/FFFFFFFF", Some("1/0")));
        assert!(!is_newer("1/0", Some("1/0")));
        assert!(is_newer("0/10", None));
    }

    #[test]
    fn never_keeps_a_malformed_position() {
        assert!(!is_newer("garbage", None));
        assert!(!is_newer("1/zz", Some("0/1")));
        assert!(is_newer("0/2", Some("garbage")));
    }
}
