//! Text made safe for spreadsheets. A cell that starts with `=`, `+`, `-` or `@` (or a
//! tab or carriage return) is read by Excel, LibreOffice and Google Sheets as a formula
//! when a CSV is opened: an answer typed in the field could then run one on the
//! builder's computer ("CSV injection"). Such cells get a leading `'`, which the
//! spreadsheet shows as text. A number is left alone: `-5` is a number, not a formula.

use std::borrow::Cow;

pub fn safe_cell(text: &str) -> Cow<'_, str> {
    let risky = text
        .chars()
        .next()
        .is_some_and(|c| matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r'));
    if risky && text.parse::<f64>().map_or(true, |n| !n.is_finite()) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_everything_else_is_untouched() {
        for risky in [
            "=1+1",
            "+1 555 0100",
            "-2+3",
            "@SUM(A1:A9)",
            "=HYPERLINK(\"http://x\")",
            "\t=1",
            "-inf",
            "-NaN",
        ] {
            assert_eq!(safe_cell(risky), format!("'{risky}"), "{risky}");
        }
        for plain in [
            "",
            "North gate",
            "-5",
            "-0.25",
            "+3",
            "1=1",
            "a@b.org",
            "'quoted",
        ] {
            assert_eq!(safe_cell(plain), plain, "{plain}");
        }
    }
}
