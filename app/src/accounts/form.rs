//! Pieces every account form uses: a labelled field with its own error message, the
//! form-wide alert, and leaving the page once a form succeeded.

use leptos::{either::Either, prelude::*};

use crate::error::AppError;

/// The latest result of a form's action, as the fields read it.
pub type Outcome = Signal<Option<Result<(), AppError>>>;

/// A labelled input. Its message comes from the server's answer (the same rules run
/// there for every client), and is tied to the input for screen readers.
#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    outcome: Outcome,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional)] hint: &'static str,
    #[prop(optional, into)] value: Option<String>,
    /// Tells apart same-named fields of two forms on one page (`field-{form}-{name}`).
    #[prop(optional)]
    form: &'static str,
    /// The value, for a field the page also fills in (a point picked on a map).
    #[prop(optional)]
    bind: Option<RwSignal<String>>,
) -> impl IntoView {
    let id = if form.is_empty() {
        format!("field-{name}")
    } else {
        format!("field-{form}-{name}")
    };
    let error_id = format!("{id}-error");
    let message = move || {
        outcome
            .get()
            .and_then(|result| result.err())
            .and_then(|error| error.field(name))
    };
    let invalid = move || message().is_some().to_string();
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            {match bind {
                Some(bound) => Either::Left(view! {
                    <input id=id name=name type=kind autocomplete=autocomplete bind:value=bound
                        aria-invalid=invalid aria-describedby=error_id.clone()/>
                }),
                None => Either::Right(view! {
                    <input id=id name=name type=kind autocomplete=autocomplete value=value
                        aria-invalid=invalid aria-describedby=error_id.clone()/>
                }),
            }}
            {(!hint.is_empty()).then(|| view! { <p class="field-hint">{hint}</p> })}
            <p class="field-error" id=error_id data-testid=format!("error-{name}")>{message}</p>
        </div>
    }
}

/// The error that belongs to no single field (rate limit, server down, forbidden).
#[component]
pub fn FormAlert(outcome: Outcome) -> impl IntoView {
    move || {
        outcome.get().and_then(|result| result.err()).and_then(|error| match error {
            AppError::Invalid(fields) if fields.get("token").is_some() => Some(
                view! { <p class="alert" role="alert">{fields.get("token").map(str::to_owned)}</p> }
                    .into_any(),
            ),
            AppError::Invalid(_) => None,
            error => Some(view! { <p class="alert" role="alert">{error.to_string()}</p> }.into_any()),
        })
    }
}

/// Loads `path` as a new page once `outcome` succeeded: the whole frame (who is signed
/// in, which account) is rendered afresh.
pub fn leave_on_success(outcome: Outcome, path: impl Fn() -> String + 'static) {
    Effect::new(move |_| {
        if matches!(outcome.get(), Some(Ok(()))) {
            let _ = window().location().set_href(&path());
        }
    });
}

/// A `next` query parameter, if it is a path on this site (never another site).
pub fn local_path(next: Option<String>, fallback: &str) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path
        }
        _ => fallback.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn next_must_stay_on_this_site() {
        assert_eq!(
            local_path(Some("/account/members".into()), "/"),
            "/account/members"
        );
        assert_eq!(local_path(Some("//evil.example".into()), "/"), "/");
        assert_eq!(local_path(Some("https://evil.example".into()), "/"), "/");
        assert_eq!(local_path(Some("/\\evil.example".into()), "/"), "/");
        assert_eq!(local_path(None, "/account"), "/account");
    }
}
