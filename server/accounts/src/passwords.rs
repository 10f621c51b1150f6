//! Which new passwords are acceptable: the shared length rule, and not one of the
//! passwords attackers try first (zxcvbn's estimate, fed with the user's own name and
//! address so "ann.lee2024" is weak for Ann Lee).

use muster_domain::accounts::fields;

/// Fewer than ~10^8 guesses (zxcvbn score 0 or 1) is refused: that covers the lists of
/// common passwords and their obvious variations.
const MIN_SCORE: zxcvbn::Score = zxcvbn::Score::Two;

pub fn check_new(password: &str, name: &str, email: &str) -> Result<(), String> {
    fields::password_length(password)?;
    let local_part = email.split('@').next().unwrap_or_default();
    let estimate = zxcvbn::zxcvbn(password, &[name, email, local_part, "muster"]);
    if estimate.score() >= MIN_SCORE {
        return Ok(());
    }
    let hint = estimate
        .feedback()
        .and_then(|feedback| feedback.warning())
        .map(|warning| format!(" ({warning})"))
        .unwrap_or_default();
    Err(format!(
        "This password is too common or easy to guess{hint}. Try a few unrelated words."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_and_personal_passwords_are_refused() {
        for weak in [
            "password123",
            "qwertyuiop",
            "1234567890",
            "iloveyou12",
            "ann.lee2024",
        ] {
            assert!(
                check_new(weak, "Ann Lee", "ann.lee@example.org").is_err(),
                "{weak} accepted"
            );
        }
    }

    #[test]
    fn long_unrelated_words_pass() {
        assert_eq!(
            check_new("copper lantern orbit mouse", "Ann Lee", "ann@example.org"),
            Ok(())
        );
    }

    #[test]
    fn length_is_checked_first() {
        assert!(check_new("Xk9!", "Ann", "a@b.co")
            .unwrap_err()
            .contains("at least 10"));
    }
}
