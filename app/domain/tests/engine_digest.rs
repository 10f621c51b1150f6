//! The form engine gives the same answers in the browser (WASM) as on the server
//! (native): thousands of generated forms and answers are evaluated — visibility,
//! calculations, messages, and whether the submission is accepted — and the results
//! are reduced to one digest. Natively (`cargo test`) and in WASM under Node
//! (`scripts/test`, with wasm-bindgen-test-runner) the digest must equal the one in
//! `engine_digest.txt`; so both builds agree with each other, case for case.
//!
//! Changed the engine on purpose? Run `MUSTER_UPDATE_ENGINE_DIGEST=1 cargo test -p
//! muster-domain --test engine_digest` to record the new digest, and say why in the
//! commit.

use std::fmt::Write as _;

use chrono::NaiveDate;
use muster_domain::forms::{
    fill::evaluate_document,
    schema::{Choice, Constraint, Field, FieldId, Form, Kind, Label},
    submission::{check, Answer, Document},
};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const CASES: u64 = 3_000;
const RECORDED: &str = include_str!("engine_digest.txt");

/// xorshift64*: the same sequence on every platform, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

fn choices() -> Vec<Choice> {
    ["a", "b", "c"]
        .iter()
        .map(|v| Choice {
            value: (*v).to_owned(),
            label: Label::new(v.to_uppercase()),
        })
        .collect()
}

/// Numbers as people type them, and things that are not numbers.
const NUMBERS: &[&str] = &[
    "0",
    "1",
    "5",
    "7",
    "12",
    "-3",
    "2.5",
    "0.1",
    "1e3",
    "99.999",
    "120",
    "121",
    "abc",
    "",
    " 4 ",
    "1/3",
    "3.14159",
    "-0",
    "1000000000000000000",
];
const TEXTS: &[&str] = &[
    "",
    "a",
    "b",
    "North gate",
    "nobody",
    "ünïcödé",
    "x y z",
    "abcdefghijkl",
];
const DATES: &[&str] = &[
    "2026-12-01",
    "2026-02-29",
    "2024-02-29",
    "1999-12-31",
    "12/01/2026",
    "",
];
const FILES: &[&str] = &[
    "1b4e28ba-2fa1-11d2-883f-0016d3cca427 900 image/png",
    "1b4e28ba-2fa1-11d2-883f-0016d3cca427 2000 image/jpeg",
    "1b4e28ba-2fa1-11d2-883f-0016d3cca427 900 image/jpeg\n00000000-0000-4000-8000-000000000001 3000 image/webp",
    "1b4e28ba-2fa1-11d2-883f-0016d3cca427 900 image/gif",
    "photo.jpg",
    "",
];
const TIMES: &[&str] = &["09:30", "23:59", "24:00", "7:5", ""];

fn number_kind(rng: &mut Rng) -> Kind {
    Kind::Number {
        integer: rng.chance(40),
        min: rng.chance(50).then(|| rng.below(10) as f64 - 2.0),
        max: rng.chance(50).then(|| 10.0 + rng.below(200) as f64 / 2.0),
        step: None,
    }
}

fn simple_kind(rng: &mut Rng) -> Kind {
    match rng.below(11) {
        9 => Kind::Photo {
            max_count: 1 + rng.below(2) as u32,
            max_size_kib: 1 + rng.below(3) as u32,
        },
        10 => Kind::Signature,
        8 => Kind::Location {
            accuracy_m: rng.chance(60).then(|| 5.0 + rng.below(30) as f64),
        },
        0 | 1 => number_kind(rng),
        2 => Kind::ShortText {
            max_length: rng.chance(50).then(|| 3 + rng.below(8) as u32),
        },
        3 => Kind::Date,
        4 => Kind::Time,
        5 => Kind::YesNo,
        6 => Kind::SingleChoice { options: choices() },
        _ => Kind::MultipleChoice { options: choices() },
    }
}

fn is_number(field: &Field) -> bool {
    matches!(field.kind, Kind::Number { .. })
}

/// An expression over fields defined before (so publishing would allow it).
fn calculation(rng: &mut Rng, numbers: &[String], groups: &[(String, String)]) -> String {
    let n = |rng: &mut Rng| {
        if numbers.is_empty() {
            "2".to_owned()
        } else {
            format!("${}", rng.pick(numbers))
        }
    };
    match rng.below(7) {
        0 => format!("{} + {} * 2", n(rng), n(rng)),
        1 => format!("round({} / 3, 2)", n(rng)),
        2 => format!("if({} > 10, {}, 0 - {})", n(rng), n(rng), n(rng)),
        3 => format!("min({}, {})", n(rng), n(rng)),
        4 if !groups.is_empty() => {
            let (group, field) = rng.pick(groups);
            format!("sum(${group}.{field}) / 7")
        }
        5 if !groups.is_empty() => format!("count(${})", rng.pick(groups).0),
        _ => format!("{} - 0.1", n(rng)),
    }
}

fn form(rng: &mut Rng) -> Form {
    let mut fields = Vec::new();
    let mut numbers: Vec<String> = Vec::new();
    let mut groups: Vec<(String, String)> = Vec::new();
    for index in 0..(2 + rng.below(8)) {
        let id = format!("f{index}");
        let mut field = match rng.below(10) {
            0 => {
                let children: Vec<Field> = (0..(1 + rng.below(3)))
                    .map(|c| {
                        let mut child = Field::new(
                            FieldId(format!("f{index}_{c}")),
                            format!("Child {c}"),
                            simple_kind(rng),
                        );
                        child.required = rng.chance(30);
                        if c > 0 && rng.chance(30) {
                            // A condition inside a row reads that row.
                            child.show_if = Some(format!("$f{index}_0 != 'a'"));
                        }
                        child
                    })
                    .collect();
                if let Some(number) = children.iter().find(|c| is_number(c)) {
                    groups.push((id.clone(), number.id.0.clone()));
                }
                let min = rng.below(2) as u32;
                Field::new(
                    FieldId(id.clone()),
                    "Group",
                    Kind::Repeat {
                        children,
                        min,
                        max: rng.chance(70).then(|| min + 1 + rng.below(3) as u32),
                    },
                )
            }
            1 => {
                let expression = calculation(rng, &numbers, &groups);
                Field::new(
                    FieldId(id.clone()),
                    "Calculated",
                    Kind::Calculated { expression },
                )
            }
            2 => Field::new(
                FieldId(id.clone()),
                "Section",
                Kind::Section {
                    children: vec![Field::new(
                        FieldId(format!("f{index}_in")),
                        "Inside",
                        simple_kind(rng),
                    )],
                },
            ),
            _ => Field::new(
                FieldId(id.clone()),
                format!("Question {index}"),
                simple_kind(rng),
            ),
        };
        field.required = field.kind.holds_an_answer() && rng.chance(35);
        if !numbers.is_empty() && rng.chance(25) {
            field.show_if = Some(format!("${} > {}", rng.pick(&numbers), rng.below(15)));
        }
        if is_number(&field) && rng.chance(25) {
            field.constraint = Some(Constraint {
                expression: format!("${id} != 5"),
                message: Label::new("Not five."),
            });
        }
        if is_number(&field) || matches!(field.kind, Kind::Calculated { .. }) {
            numbers.push(id);
        }
        fields.push(field);
    }
    Form { fields }
}

fn answer(rng: &mut Rng, kind: &Kind) -> String {
    let text = match kind {
        Kind::Number { .. } => *rng.pick(NUMBERS),
        Kind::Date => *rng.pick(DATES),
        Kind::Time => *rng.pick(TIMES),
        Kind::YesNo => *rng.pick(&["yes", "no", "maybe", ""]),
        Kind::SingleChoice { .. } => *rng.pick(&["a", "b", "c", "d", ""]),
        Kind::MultipleChoice { .. } => *rng.pick(&["a", "a\nc", "b\nc\na", "", "z"]),
        Kind::Location { .. } => *rng.pick(&[
            "52.370216 4.895168 12",
            "52.370216 4.895168 40",
            "-33.9 18.4",
            "91 0",
            "north",
            "",
        ]),
        Kind::Photo { .. } | Kind::Signature => *rng.pick(FILES),
        _ => *rng.pick(TEXTS),
    };
    text.to_owned()
}

fn answers_for(rng: &mut Rng, fields: &[Field]) -> Document {
    let mut document = Document::default();
    for field in fields {
        match &field.kind {
            Kind::Repeat { children, .. } => {
                let rows = (0..rng.below(4))
                    .map(|_| answers_for(rng, children))
                    .collect();
                document
                    .answers
                    .insert(field.id.clone(), Answer::Rows(rows));
            }
            Kind::Section { children } => {
                let inside = answers_for(rng, children);
                document.answers.extend(inside.answers);
            }
            kind if kind.holds_an_answer() && rng.chance(85) => {
                document.set_text(field.id.clone(), answer(rng, kind));
            }
            _ => {}
        }
    }
    document
}

/// FNV-1a, 64 bits: a digest both builds compute alike.
fn fnv(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// How many cases had something hidden, calculated, a message, and were accepted: the
/// generator must exercise every part of the engine, or the digest proves little.
#[derive(Default)]
struct Coverage {
    hidden: u64,
    calculated: u64,
    messages: u64,
    accepted: u64,
    rows: u64,
}

fn digest() -> (String, Coverage) {
    let mut coverage = Coverage::default();
    let mut rng = Rng(0x4d75_7374_6572_2121);
    let now = NaiveDate::from_ymd_opt(2026, 12, 2)
        .and_then(|d| d.and_hms_opt(9, 30, 0))
        .expect("a valid time");
    let mut hash = 0xcbf2_9ce4_8422_2325;
    for _ in 0..CASES {
        let form = form(&mut rng);
        let document = answers_for(&mut rng, &form.fields);
        let evaluation = evaluate_document(&form, &document, now);
        let verdict = check(&form, &document, now);
        coverage.hidden += u64::from(!evaluation.hidden.is_empty());
        coverage.calculated += u64::from(!evaluation.calculated.is_empty());
        coverage.messages += u64::from(!evaluation.messages.is_empty());
        coverage.accepted += u64::from(verdict.is_ok());
        coverage.rows += u64::from(
            evaluation
                .messages
                .keys()
                .chain(evaluation.calculated.keys())
                .any(|k| k.contains('.')),
        );
        let mut line = String::new();
        let mut hidden: Vec<_> = evaluation.hidden.into_iter().collect();
        hidden.sort();
        let mut calculated: Vec<_> = evaluation.calculated.into_iter().collect();
        calculated.sort();
        let mut messages: Vec<_> = evaluation.messages.into_iter().collect();
        messages.sort();
        let _ = write!(line, "{hidden:?}|{calculated:?}|{messages:?}|{verdict:?}");
        hash = fnv(hash, line.as_bytes());
    }
    (format!("{hash:016x}"), coverage)
}

#[test]
fn the_engine_gives_the_recorded_answers_on_every_platform() {
    let (found, coverage) = digest();
    for (what, count) in [
        ("something hidden", coverage.hidden),
        ("a calculation", coverage.calculated),
        ("a message", coverage.messages),
        ("no problem at all", coverage.accepted),
        ("an answer in a row", coverage.rows),
    ] {
        assert!(
            count >= CASES / 20,
            "only {count} of {CASES} cases had {what}"
        );
    }
    #[cfg(not(target_arch = "wasm32"))]
    if std::env::var_os("MUSTER_UPDATE_ENGINE_DIGEST").is_some() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/engine_digest.txt");
        std::fs::write(path, format!("{found}\n")).expect("write the digest");
        return;
    }
    assert_eq!(
        found,
        RECORDED.trim(),
        "the engine's answers changed on {} (see this file's header)",
        if cfg!(target_arch = "wasm32") {
            "WASM"
        } else {
            "native"
        }
    );
}
