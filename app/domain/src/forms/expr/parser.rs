//! Tokens to a tree, by precedence climbing. From loosest to tightest: `or`, `and`,
//! `not`, comparisons (which do not chain: `a < b < c` is refused), `+ -`, `* /`, unary
//! minus, then literals, fields, calls and parentheses.

use super::{
    ast::{BinaryOp, Expr, ExprKind, UnaryOp},
    lexer::{lex, Lexed, Token},
    ExprError, Span, MAX_DEPTH,
};

/// Parses one whole expression.
pub fn parse(source: &str) -> Result<Expr, ExprError> {
    let tokens = lex(source)?;
    let end = source.chars().count();
    if tokens.is_empty() {
        return Err(ExprError::new(
            "The expression is empty.",
            Span::new(0, end),
        ));
    }
    let mut parser = Parser {
        tokens,
        pos: 0,
        depth: 0,
        end,
    };
    let expr = parser.expression(0)?;
    if let Some(extra) = parser.tokens.get(parser.pos) {
        return Err(ExprError::new(
            "Something is missing before this (an operator such as `and` or `+`?).",
            extra.span,
        ));
    }
    Ok(expr)
}

struct Parser {
    tokens: Vec<Lexed>,
    pos: usize,
    depth: usize,
    end: usize,
}

const NOT_PRECEDENCE: u8 = 3;
const COMPARISON_PRECEDENCE: u8 = 4;

fn binary(token: &Token) -> Option<(BinaryOp, u8)> {
    Some(match token {
        Token::Or => (BinaryOp::Or, 1),
        Token::And => (BinaryOp::And, 2),
        Token::Eq => (BinaryOp::Eq, COMPARISON_PRECEDENCE),
        Token::Ne => (BinaryOp::Ne, COMPARISON_PRECEDENCE),
        Token::Lt => (BinaryOp::Lt, COMPARISON_PRECEDENCE),
        Token::Le => (BinaryOp::Le, COMPARISON_PRECEDENCE),
        Token::Gt => (BinaryOp::Gt, COMPARISON_PRECEDENCE),
        Token::Ge => (BinaryOp::Ge, COMPARISON_PRECEDENCE),
        Token::Plus => (BinaryOp::Add, 5),
        Token::Minus => (BinaryOp::Sub, 5),
        Token::Star => (BinaryOp::Mul, 6),
        Token::Slash => (BinaryOp::Div, 6),
        _ => return None,
    })
}

impl Parser {
    fn peek(&self) -> Option<&Lexed> {
        self.tokens.get(self.pos)
    }

    fn at_end_span(&self) -> Span {
        Span::new(self.end, self.end)
    }

    fn deeper(&mut self, span: Span) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ExprError::new(
                format!("This expression nests more than {MAX_DEPTH} levels deep: simplify it."),
                span,
            ));
        }
        Ok(())
    }

    fn expression(&mut self, min_precedence: u8) -> Result<Expr, ExprError> {
        let here = self.peek().map_or(self.at_end_span(), |t| t.span);
        self.deeper(here)?;
        let mut lhs = self.prefix()?;
        while let Some((op, precedence)) = self.peek().and_then(|t| binary(&t.token)) {
            // Equal precedence stops here too: operators associate to the left.
            if precedence <= min_precedence {
                break;
            }
            let op_span = self.tokens[self.pos].span;
            self.pos += 1;
            let rhs = self.expression(precedence)?;
            if op.is_comparison() {
                if let ExprKind::Binary(inner, ..) = &lhs.kind {
                    if inner.is_comparison()
                        && lhs.span.end <= op_span.start
                        && !self.parenthesised(&lhs)
                    {
                        return Err(ExprError::new(
                            "Comparisons cannot be chained: write `a < b and b < c`.",
                            op_span,
                        ));
                    }
                }
            }
            let span = lhs.span.to(rhs.span);
            lhs = Expr {
                kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
                span,
            };
        }
        self.depth -= 1;
        Ok(lhs)
    }

    /// Whether `expr` was written in parentheses: its span then starts at a `(`.
    fn parenthesised(&self, expr: &Expr) -> bool {
        self.tokens
            .iter()
            .any(|t| t.token == Token::LParen && t.span.start == expr.span.start)
    }

    fn prefix(&mut self) -> Result<Expr, ExprError> {
        let Some(current) = self.peek().cloned() else {
            return Err(ExprError::new(
                "The expression ends too early: something is missing here.",
                self.at_end_span(),
            ));
        };
        match current.token {
            Token::Not => {
                self.pos += 1;
                let operand = self.expression(NOT_PRECEDENCE)?;
                let span = current.span.to(operand.span);
                Ok(Expr {
                    kind: ExprKind::Unary(UnaryOp::Not, Box::new(operand)),
                    span,
                })
            }
            Token::Minus => {
                self.pos += 1;
                self.deeper(current.span)?;
                let operand = self.prefix()?;
                self.depth -= 1;
                let span = current.span.to(operand.span);
                Ok(Expr {
                    kind: ExprKind::Unary(UnaryOp::Neg, Box::new(operand)),
                    span,
                })
            }
            _ => self.primary(),
        }
    }

    fn primary(&mut self) -> Result<Expr, ExprError> {
        let Some(current) = self.peek().cloned() else {
            return Err(ExprError::new(
                "The expression ends too early: something is missing here.",
                self.at_end_span(),
            ));
        };
        self.pos += 1;
        let leaf = |kind| {
            Ok(Expr {
                kind,
                span: current.span,
            })
        };
        match current.token {
            Token::Number(n) => leaf(ExprKind::Number(n)),
            Token::Text(text) => leaf(ExprKind::Text(text)),
            Token::True => leaf(ExprKind::Bool(true)),
            Token::False => leaf(ExprKind::Bool(false)),
            Token::Field(path) => leaf(ExprKind::Field(path)),
            Token::LParen => {
                let inner = self.expression(0)?;
                let close = self.expect_close(current.span)?;
                Ok(Expr {
                    kind: inner.kind,
                    span: current.span.to(close),
                })
            }
            Token::Ident(name) => {
                if self.peek().map(|t| &t.token) != Some(&Token::LParen) {
                    return Err(ExprError::new(
                        format!("`{name}` is not known: fields are written with a $ (such as ${name}), functions with parentheses (such as today())."),
                        current.span,
                    ));
                }
                let open = self.tokens[self.pos].span;
                self.pos += 1;
                let mut args = Vec::new();
                if self.peek().map(|t| &t.token) != Some(&Token::RParen) {
                    loop {
                        args.push(self.expression(0)?);
                        match self.peek().map(|t| &t.token) {
                            Some(Token::Comma) => self.pos += 1,
                            _ => break,
                        }
                    }
                }
                let close = self.expect_close(open)?;
                Ok(Expr {
                    kind: ExprKind::Call(name.to_ascii_lowercase(), args),
                    span: current.span.to(close),
                })
            }
            _ => Err(ExprError::new(
                "A value, field or function was expected here.",
                current.span,
            )),
        }
    }

    fn expect_close(&mut self, open: Span) -> Result<Span, ExprError> {
        match self.peek() {
            Some(Lexed {
                token: Token::RParen,
                span,
            }) => {
                let span = *span;
                self.pos += 1;
                Ok(span)
            }
            Some(other) => Err(ExprError::new(
                "A closing parenthesis `)` was expected here.",
                other.span,
            )),
            None => Err(ExprError::new("This parenthesis is never closed.", open)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(source: &str) -> String {
        parse(source)
            .unwrap_or_else(|e| panic!("{source}: {e}"))
            .to_string()
    }

    #[test]
    fn precedence_and_associativity() {
        assert_eq!(canonical("1 + 2 * 3"), "(1 + (2 * 3))");
        assert_eq!(canonical("1 - 2 - 3"), "((1 - 2) - 3)");
        assert_eq!(
            canonical("$a = 1 or $b = 2 and not $c"),
            "(($a = 1) or (($b = 2) and (not ($c))))"
        );
        assert_eq!(canonical("not $a = 1"), "(not (($a = 1)))");
        assert_eq!(canonical("-$x * 2"), "(-($x) * 2)");
        assert_eq!(
            canonical("if($a > 0, sum($g.n), 0)"),
            "if(($a > 0), sum($g.n), 0)"
        );
        assert_eq!(canonical("TODAY()"), "today()");
    }

    #[test]
    fn spans_cover_the_source() {
        let expr = parse("  $age >= 18").expect("parses");
        assert_eq!(expr.span, Span::new(2, 12));
        let call = parse("count($visits)").expect("parses");
        assert_eq!(call.span, Span::new(0, 14));
    }

    #[test]
    fn errors_say_what_and_where() {
        let cases = [
            ("", (0, 0), "empty"),
            ("1 +", (3, 3), "ends too early"),
            ("(1 + 2", (0, 1), "never closed"),
            ("1 2", (2, 3), "missing before"),
            ("age > 3", (0, 3), "$age"),
            ("1 < 2 < 3", (6, 7), "chained"),
            ("count($a,)", (9, 10), "expected"),
            ("* 2", (0, 1), "expected"),
        ];
        for (source, (start, end), words) in cases {
            let error = parse(source).expect_err(source);
            assert_eq!(error.span, Span::new(start, end), "{source}: {error}");
            assert!(error.message.contains(words), "{source}: {}", error.message);
        }
        assert!(
            parse("(1 < 2) = true").is_ok(),
            "parenthesised comparisons may be compared"
        );
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = format!("{}1{}", "(".repeat(100), ")".repeat(100));
        assert!(parse(&deep).unwrap_err().message.contains("nests"));
        assert!(parse(&"-".repeat(500)).is_err());
        assert!(parse(&"not ".repeat(300)).is_err());
        let ok = format!("{}1{}", "(".repeat(30), ")".repeat(30));
        assert!(parse(&ok).is_ok());
    }
}
