//! Source text to tokens, with character spans.

use super::{ExprError, Span, MAX_LENGTH};

#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    Number(f64),
    Text(String),
    Ident(String),
    /// `$a` or `$group.a`.
    Field(Vec<String>),
    LParen,
    RParen,
    Comma,
    Plus,
    Minus,
    Star,
    Slash,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    Not,
    True,
    False,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Lexed {
    pub token: Token,
    pub span: Span,
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

pub fn lex(source: &str) -> Result<Vec<Lexed>, ExprError> {
    let chars: Vec<char> = source.chars().collect();
    if chars.len() > MAX_LENGTH {
        return Err(ExprError::new(
            format!("An expression can be at most {MAX_LENGTH} characters long."),
            Span::new(MAX_LENGTH, chars.len()),
        ));
    }
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let single = |token: Token| Some(token);
        let simple = match c {
            '(' => single(Token::LParen),
            ')' => single(Token::RParen),
            ',' => single(Token::Comma),
            '+' => single(Token::Plus),
            '-' => single(Token::Minus),
            '*' => single(Token::Star),
            '/' => single(Token::Slash),
            '=' => single(Token::Eq),
            _ => None,
        };
        if let Some(token) = simple {
            i += 1;
            tokens.push(Lexed {
                token,
                span: Span::new(start, i),
            });
            continue;
        }
        let next = chars.get(i + 1).copied();
        let token = match c {
            '!' if next == Some('=') => {
                i += 2;
                Token::Ne
            }
            '<' if next == Some('=') => {
                i += 2;
                Token::Le
            }
            '<' if next == Some('>') => {
                i += 2;
                Token::Ne
            }
            '<' => {
                i += 1;
                Token::Lt
            }
            '>' if next == Some('=') => {
                i += 2;
                Token::Ge
            }
            '>' => {
                i += 1;
                Token::Gt
            }
            '"' | '\'' => {
                let quote = c;
                i += 1;
                let mut text = String::new();
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(ExprError::new(
                                format!("This text has no closing {quote}."),
                                Span::new(start, chars.len()),
                            ))
                        }
                        Some('\\') if chars.get(i + 1).is_some() => {
                            text.push(chars[i + 1]);
                            i += 2;
                        }
                        Some(&ch) if ch == quote => {
                            i += 1;
                            break;
                        }
                        Some(&ch) => {
                            text.push(ch);
                            i += 1;
                        }
                    }
                }
                Token::Text(text)
            }
            '$' => {
                i += 1;
                let mut path = Vec::new();
                loop {
                    let part_start = i;
                    while chars.get(i).is_some_and(|&ch| is_ident_char(ch)) {
                        i += 1;
                    }
                    if part_start == i || !is_ident_start(chars[part_start]) {
                        return Err(ExprError::new(
                            "After $ comes a field id, such as $age.",
                            Span::new(start, i.max(start + 1)),
                        ));
                    }
                    path.push(chars[part_start..i].iter().collect());
                    if chars.get(i) == Some(&'.')
                        && chars.get(i + 1).is_some_and(|&ch| is_ident_start(ch))
                    {
                        i += 1;
                    } else {
                        break;
                    }
                }
                if path.len() > 2 {
                    return Err(ExprError::new(
                        "A field reference has at most two parts: $group.field.",
                        Span::new(start, i),
                    ));
                }
                Token::Field(path)
            }
            c if c.is_ascii_digit() || (c == '.' && next.is_some_and(|n| n.is_ascii_digit())) => {
                while chars.get(i).is_some_and(|ch| ch.is_ascii_digit()) {
                    i += 1;
                }
                if chars.get(i) == Some(&'.')
                    && chars.get(i + 1).is_some_and(|ch| ch.is_ascii_digit())
                {
                    i += 1;
                    while chars.get(i).is_some_and(|ch| ch.is_ascii_digit()) {
                        i += 1;
                    }
                }
                let text: String = chars[start..i].iter().collect();
                match text.parse::<f64>() {
                    Ok(number) if number.is_finite() => Token::Number(number),
                    _ => {
                        return Err(ExprError::new(
                            "This number is too large.",
                            Span::new(start, i),
                        ));
                    }
                }
            }
            c if is_ident_start(c) => {
                while chars.get(i).is_some_and(|&ch| is_ident_char(ch)) {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                match word.to_ascii_lowercase().as_str() {
                    "and" => Token::And,
                    "or" => Token::Or,
                    "not" => Token::Not,
                    "true" => Token::True,
                    "false" => Token::False,
                    _ => Token::Ident(word),
                }
            }
            other => {
                return Err(ExprError::new(
                    format!("`{other}` has no meaning here."),
                    Span::new(start, start + 1),
                ));
            }
        };
        tokens.push(Lexed {
            token,
            span: Span::new(start, i),
        });
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(source: &str) -> Vec<Token> {
        lex(source)
            .expect("lexes")
            .into_iter()
            .map(|l| l.token)
            .collect()
    }

    #[test]
    fn tokens_and_character_spans() {
        assert_eq!(
            kinds("$age >= 18.5 and $g.x != 'it\\'s'"),
            [
                Token::Field(vec!["age".into()]),
                Token::Ge,
                Token::Number(18.5),
                Token::And,
                Token::Field(vec!["g".into(), "x".into()]),
                Token::Ne,
                Token::Text("it's".into()),
            ]
        );
        // Spans count characters, so text with accents does not shift them.
        let lexed = lex("\"été\" = $a").expect("lexes");
        assert_eq!(lexed[2].span, Span::new(8, 10));
    }

    #[test]
    fn errors_point_at_the_problem() {
        assert_eq!(lex("1 + \"open").unwrap_err().span, Span::new(4, 9));
        assert_eq!(lex("$ + 1").unwrap_err().span.start, 0);
        assert_eq!(lex("2 # 3").unwrap_err().span, Span::new(2, 3));
        assert!(lex("$a.b.c").is_err());
        assert!(lex(&"1".repeat(400)).is_err(), "overflows to infinity");
    }
}
