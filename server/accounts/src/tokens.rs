//! Secrets sent by e-mail (verification, password reset, invitation links). The link
//! carries 256 random bits; the database keeps only their SHA-256, so a leaked table
//! opens no account.

use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::AccountsError;

pub const VERIFY_EMAIL_VALID_FOR: Duration = Duration::from_secs(48 * 3600);
pub const RESET_PASSWORD_VALID_FOR: Duration = Duration::from_secs(3600);
pub const INVITATION_VALID_FOR: Duration = Duration::from_secs(7 * 24 * 3600);

/// A fresh secret: the text for the link, and the hash to store.
pub struct Secret {
    pub token: String,
    pub hash: String,
}

impl Secret {
    pub fn generate() -> Result<Self, AccountsError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| AccountsError::Internal(format!("no randomness: {e}")))?;
        let token = hex::encode(bytes);
        Ok(Self {
            hash: hash(&token),
            token,
        })
    }
}

pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

pub fn expiry(valid_for: Duration) -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() + chrono::Duration::from_std(valid_for).unwrap_or(chrono::Duration::hours(1))
}

/// Why a link cannot be used, in words for the person who clicked it.
pub fn unusable_link(used: bool, expired: bool, request_again: &str) -> Option<String> {
    if used {
        Some(format!("This link has already been used. {request_again}"))
    } else if expired {
        Some(format!("This link has expired. {request_again}"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_and_only_their_hash_is_kept() {
        let a = Secret::generate().expect("secret");
        let b = Secret::generate().expect("secret");
        assert_ne!(a.token, b.token);
        assert_eq!(a.token.len(), 64);
        assert_eq!(hash(&a.token), a.hash);
        assert_ne!(a.hash, a.token);
    }
}
