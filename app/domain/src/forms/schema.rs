//! The form schema: one tree of fields shared by the builder, the runner and the server,
//! stored as JSON. Field ids are stable: labels, types and positions change, ids do not,
//! so expressions and submissions keep pointing at the same field.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A field's stable id: a letter, then letters, digits or `_`; at most 40 characters.
/// Expressions refer to it as `$id`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FieldId(pub String);

impl FieldId {
    pub const MAX_LENGTH: usize = 40;

    pub fn is_valid(&self) -> bool {
        let mut chars = self.0.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
            && self.0.len() <= Self::MAX_LENGTH
    }
}

impl std::fmt::Display for FieldId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Text shown to people, in the form's default language and optional translations
/// (keyed by language tag, such as `fr` or `pt-BR`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    pub text: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub translations: BTreeMap<String, String>,
}

impl Label {
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            translations: BTreeMap::new(),
        }
    }

    /// The text in `language`; the default text when there is no translation.
    pub fn text_in(&self, language: Option<&str>) -> &str {
        language
            .and_then(|language| self.translations.get(language))
            .filter(|text| !text.trim().is_empty())
            .unwrap_or(&self.text)
    }

    /// Whether `tag` is shaped like a language tag: a 2–3 letter language, then
    /// optional subtags of 2–8 letters or digits (`fr`, `pt-BR`, `sr-Latn`).
    pub fn is_language_tag(tag: &str) -> bool {
        let mut parts = tag.split('-');
        let language_ok = parts.next().is_some_and(|l| {
            (2..=3).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_lowercase())
        });
        language_ok
            && parts
                .all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
    }
}

/// A whole form.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Form {
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    pub id: FieldId,
    pub label: Label,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<Label>,
    #[serde(default)]
    pub required: bool,
    /// Shown only while this holds (an expression of type yes/no).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_if: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraint: Option<Constraint>,
    #[serde(flatten)]
    pub kind: Kind,
}

impl Field {
    /// A field with only the essentials: not required, no help, rules or conditions.
    pub fn new(id: FieldId, label: impl Into<String>, kind: Kind) -> Self {
        Self {
            id,
            label: Label::new(label),
            help: None,
            required: false,
            show_if: None,
            constraint: None,
            kind,
        }
    }
}

/// A rule the answer must satisfy, and what to tell the person when it does not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Constraint {
    /// A yes/no expression; `$.` is not special: refer to the field by its own id.
    pub expression: String,
    pub message: Label,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// What is stored and compared in expressions; stable like field ids.
    pub value: String,
    pub label: Label,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Kind {
    ShortText {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_length: Option<u32>,
    },
    LongText {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_length: Option<u32>,
    },
    Number {
        #[serde(default)]
        integer: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<f64>,
    },
    Date,
    Time,
    DateTime,
    SingleChoice {
        options: Vec<Choice>,
    },
    MultipleChoice {
        options: Vec<Choice>,
    },
    YesNo,
    Photo {
        max_count: u32,
        max_size_kib: u32,
    },
    Barcode,
    Location {
        /// Required accuracy in metres; a fix less accurate is refused.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        accuracy_m: Option<f64>,
    },
    Signature,
    /// Read-only text between the questions.
    Note,
    /// A value computed from other fields.
    Calculated {
        expression: String,
    },
    Section {
        children: Vec<Field>,
    },
    PageBreak,
    Repeat {
        children: Vec<Field>,
        #[serde(default)]
        min: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<u32>,
    },
}

impl Kind {
    /// The fields nested in a section or repeat group.
    pub fn children(&self) -> &[Field] {
        match self {
            Kind::Section { children } | Kind::Repeat { children, .. } => children,
            _ => &[],
        }
    }

    /// Whether people answer it (notes, sections and page breaks are not answered).
    pub fn holds_an_answer(&self) -> bool {
        !matches!(
            self,
            Kind::Note | Kind::Section { .. } | Kind::PageBreak | Kind::Repeat { .. }
        )
    }

    pub fn name(&self) -> &'static str {
        match self {
            Kind::ShortText { .. } => "short text",
            Kind::LongText { .. } => "long text",
            Kind::Number { .. } => "number",
            Kind::Date => "date",
            Kind::Time => "time",
            Kind::DateTime => "date and time",
            Kind::SingleChoice { .. } => "single choice",
            Kind::MultipleChoice { .. } => "multiple choice",
            Kind::YesNo => "yes/no",
            Kind::Photo { .. } => "photo",
            Kind::Barcode => "barcode/QR",
            Kind::Location { .. } => "GPS location",
            Kind::Signature => "signature",
            Kind::Note => "note",
            Kind::Calculated { .. } => "calculated value",
            Kind::Section { .. } => "section",
            Kind::PageBreak => "page break",
            Kind::Repeat { .. } => "repeat group",
        }
    }
}

impl Form {
    /// The languages the form's labels are translated into.
    pub fn languages(&self) -> std::collections::BTreeSet<String> {
        self.walk()
            .into_iter()
            .flat_map(|(field, _)| field.label.translations.keys().cloned())
            .collect()
    }

    /// Every field, depth first, with the repeat group it is in (if any).
    pub fn walk(&self) -> Vec<(&Field, Option<&FieldId>)> {
        fn visit<'a>(
            fields: &'a [Field],
            group: Option<&'a FieldId>,
            out: &mut Vec<(&'a Field, Option<&'a FieldId>)>,
        ) {
            for field in fields {
                out.push((field, group));
                let inner_group = match field.kind {
                    Kind::Repeat { .. } => Some(&field.id),
                    _ => group,
                };
                visit(field.kind.children(), inner_group, out);
            }
        }
        let mut out = Vec::new();
        visit(&self.fields, None, &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translations_fall_back_to_the_default_text() {
        let mut label = Label::new("Age");
        label.translations.insert("fr".into(), "Âge".into());
        label.translations.insert("de".into(), " ".into());
        assert_eq!(label.text_in(Some("fr")), "Âge");
        assert_eq!(
            label.text_in(Some("de")),
            "Age",
            "a blank translation is no translation"
        );
        assert_eq!(label.text_in(Some("es")), "Age");
        assert_eq!(label.text_in(None), "Age");
    }

    #[test]
    fn language_tags() {
        for good in ["fr", "pt-BR", "sr-Latn", "es-419", "gsw"] {
            assert!(Label::is_language_tag(good), "{good}");
        }
        for bad in [
            "",
            "f",
            "French",
            "FR",
            "pt_BR",
            "pt-",
            "en-US-x-averyveryverylong",
            "<b>",
        ] {
            assert!(!Label::is_language_tag(bad), "{bad}");
        }
    }
}
