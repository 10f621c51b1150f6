//! Postgres write-ahead-log positions. The primary's LSN after a write, compared with
//! a replica's replay LSN, tells whether that replica already shows the write; this is
//! what read-your-writes routing is built on.

use std::{fmt, str::FromStr};

/// A WAL position (`pg_lsn`), ordered like the log itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Lsn(pub u64);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{0}` is not a WAL position (expected two hex numbers like `16/B374D848`)")]
pub struct InvalidLsn(String);

impl FromStr for Lsn {
    type Err = InvalidLsn;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidLsn(s.to_owned());
        let (hi, lo) = s.split_once('/').ok_or_else(invalid)?;
        let hi = u32::from_str_radix(hi, 16).map_err(|_| invalid())?;
        let lo = u32::from_str_radix(lo, 16).map_err(|_| invalid())?;
        Ok(Lsn((u64::from(hi) << 32) | u64::from(lo)))
    }
}

impl fmt::Display for Lsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:X}/{:X}", self.0 >> 32, self.0 & 0xFFFF_FFFF)
    }
}

/// Stored and sent in Postgres notation (`16/B374D848`): sessions, job payloads and
/// realtime events carry positions, and the browser hands them back.
impl serde::Serialize for Lsn {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Lsn {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl Lsn {
    /// A write whose position is not known (it could not be read after the commit). No
    /// replica can ever have replayed it, so reads that require it go to the primary.
    pub const UNKNOWN: Lsn = Lsn(u64::MAX);

    /// The newest of two positions a caller has seen, where a known position replaces
    /// [`Lsn::UNKNOWN`]: a write that came after an unknown one is past it.
    pub fn advanced_by(self, written: Lsn) -> Lsn {
        if self == Lsn::UNKNOWN {
            written
        } else {
            self.max(written)
        }
    }

    /// Bytes of WAL between `self` and an earlier position (0 if `earlier` is ahead).
    pub fn bytes_after(self, earlier: Lsn) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_postgres_notation() {
        let lsn: Lsn = "16/B374D848".parse().expect("valid");
        assert_eq!(lsn.0, 0x16_B374_D848);
        assert_eq!(lsn.to_string(), "16/B374D848");
        assert_eq!("0/0".parse::<Lsn>(), Ok(Lsn(0)));
    }

    #[test]
    fn orders_like_the_log() {
        let a: Lsn = "0/FFFFFFFF".parse().expect("valid");
        let b: Lsn = "1/0".parse().expect("valid");
        assert!(a < b);
        assert_eq!(b.bytes_after(a), 1);
        assert_eq!(a.bytes_after(b), 0);
    }

    #[test]
    fn a_known_write_replaces_an_unknown_one() {
        assert_eq!(Lsn(5).advanced_by(Lsn(3)), Lsn(5));
        assert_eq!(Lsn(3).advanced_by(Lsn(5)), Lsn(5));
        assert_eq!(Lsn::UNKNOWN.advanced_by(Lsn(3)), Lsn(3));
        assert_eq!(Lsn(3).advanced_by(Lsn::UNKNOWN), Lsn::UNKNOWN);
    }

    #[test]
    fn rejects_garbage() {
        for bad in ["", "16", "/1", "1/", "G/1", "1/2/3", "100000000/0"] {
            assert!(bad.parse::<Lsn>().is_err(), "{bad} should be rejected");
        }
    }
}
