//! Checks of the values people type into account forms. Each check returns the message
//! shown under the field, so the browser and the server word problems the same way.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Lengths the account forms accept.
pub struct Limits;

impl Limits {
    pub const NAME_MAX: usize = 100;
    pub const ACCOUNT_NAME_MAX: usize = 80;
    /// RFC 5321's limit on a forward path.
    pub const EMAIL_MAX: usize = 254;
    pub const PASSWORD_MIN: usize = 10;
    /// Hashing cost grows with length; nobody needs more.
    pub const PASSWORD_MAX: usize = 128;
}

/// A message per form field (by the field's name), for every invalid value at once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors(pub BTreeMap<String, String>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn single(field: &str, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }

    /// Records `message` for `field` unless it already has one (the first problem of a
    /// field is the one to fix first).
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0
            .entry(field.to_owned())
            .or_insert_with(|| message.into());
    }

    /// Records the outcome of a check.
    pub fn check(&mut self, field: &str, outcome: Result<(), String>) {
        if let Err(message) = outcome {
            self.add(field, message);
        }
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was recorded.
    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

fn required_text(value: &str, what: &str, max: usize) -> Result<(), String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(format!("Enter {what}."));
    }
    if value.chars().count() > max {
        return Err(format!("Use at most {max} characters."));
    }
    if value.chars().any(char::is_control) {
        return Err("Remove line breaks and other control characters.".to_owned());
    }
    Ok(())
}

pub fn person_name(value: &str) -> Result<(), String> {
    required_text(value, "your name", Limits::NAME_MAX)
}

pub fn account_name(value: &str) -> Result<(), String> {
    required_text(
        value,
        "a name for the organisation",
        Limits::ACCOUNT_NAME_MAX,
    )
}

/// A deliberately plain check: one `@`, something before it, a dotted domain after it,
/// no spaces. Whether the address exists is proven by the verification mail.
pub fn email(value: &str) -> Result<(), String> {
    let value = value.trim();
    if value.is_empty() {
        return Err("Enter your e-mail address.".to_owned());
    }
    if value.len() > Limits::EMAIL_MAX {
        return Err(format!("Use at most {} characters.", Limits::EMAIL_MAX));
    }
    let malformed = || Err("Enter an e-mail address such as name@example.org.".to_owned());
    let Some((local, domain)) = value.rsplit_once('@') else {
        return malformed();
    };
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
    if local.is_empty()
        || local.contains('@')
        || value.chars().any(|c| c.is_whitespace() || c.is_control())
        || !domain_ok
    {
        return malformed();
    }
    Ok(())
}

/// The same address however it was typed: trimmed and lower-cased.
pub fn normalized_email(value: &str) -> String {
    value.trim().to_lowercase()
}

/// Length only; the server also refuses commonly used passwords.
pub fn password_length(value: &str) -> Result<(), String> {
    let length = value.chars().count();
    if length == 0 {
        return Err("Enter a password.".to_owned());
    }
    if length < Limits::PASSWORD_MIN {
        return Err(format!(
            "Use at least {} characters: a few unrelated words make a strong password.",
            Limits::PASSWORD_MIN
        ));
    }
    if length > Limits::PASSWORD_MAX {
        return Err(format!("Use at most {} characters.", Limits::PASSWORD_MAX));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for ok in [
            "a@b.co",
            " Ann.Lee+ops@Example.org ",
            "x@sub.domain-1.example",
        ] {
            assert_eq!(email(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "   ",
            "ann",
            "ann@",
            "@example.org",
            "ann@example",
            "a b@c.de",
            "a@b..de",
            "a@.de",
            "a@b.de.",
        ] {
            assert!(email(bad).is_err(), "{bad:?} accepted");
        }
        assert!(email(&format!("{}@example.org", "a".repeat(250))).is_err());
        assert_eq!(normalized_email(" Ann@Example.ORG "), "ann@example.org");
    }

    #[test]
    fn names_are_required_bounded_and_single_line() {
        assert!(person_name("Ann").is_ok());
        assert_eq!(person_name("  "), Err("Enter your name.".to_owned()));
        assert!(person_name(&"x".repeat(101)).is_err());
        assert!(
            account_name(&"é".repeat(80)).is_ok(),
            "counts characters, not bytes"
        );
        assert!(account_name("two\nlines").is_err());
    }

    #[test]
    fn passwords_have_a_minimum_and_maximum_length() {
        assert!(password_length("").is_err());
        assert!(password_length("short")
            .unwrap_err()
            .contains("at least 10"));
        assert!(password_length("ten chars!").is_ok());
        assert!(password_length(&"p".repeat(129)).is_err());
    }

    #[test]
    fn field_errors_keep_the_first_message_per_field() {
        let mut errors = FieldErrors::new();
        errors.check("email", email(""));
        errors.add("email", "second");
        errors.check("name", person_name("Ann"));
        assert_eq!(errors.get("email"), Some("Enter your e-mail address."));
        assert_eq!(errors.get("name"), None);
        assert!(errors.into_result().is_err());
        assert!(FieldErrors::new().into_result().is_ok());
    }
}
