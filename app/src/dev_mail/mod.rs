//! `/dev/mail`: the development outbox. With `MUSTER_DEV_OUTBOX=1` (set by
//! `scripts/run` and `scripts/test`) mail is stored instead of sent, and this page shows
//! it, so sign-up and sign-in links can be followed without a mail server. Without it
//! the page does not exist (404): the mails hold sign-in links.

mod api;

pub use api::{load_dev_mail, DevMail};

use leptos::prelude::*;
use leptos_meta::Title;

use crate::error::AppError;

#[component]
pub fn DevMailPage() -> impl IntoView {
    let refreshes = RwSignal::new(0u32);
    let mails = Resource::new(move || refreshes.get(), |_| load_dev_mail());

    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || mails.get().map(|result| match result {
                Err(AppError::NotFound) => view! { <crate::shell::not_found::NotFound/> }.into_any(),
                Err(error) => view! { <p class="alert" role="alert">{error.to_string()}</p> }.into_any(),
                Ok(mails) => view! {
                    <Title text="Development outbox"/>
                    <section class="dev-mail" aria-labelledby="dev-mail-title">
                        <div class="status-heading">
                            <h1 id="dev-mail-title">"Development outbox"</h1>
                            <button type="button" class="button" on:click=move |_| refreshes.update(|n| *n += 1)>
                                "Refresh"
                            </button>
                        </div>
                        <p class="muted">"Mail is stored here instead of being sent. Newest first."</p>
                        <MailList mails/>
                    </section>
                }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn MailList(mails: Vec<DevMail>) -> impl IntoView {
    if mails.is_empty() {
        return view! { <p data-testid="outbox-empty">"No mail yet."</p> }.into_any();
    }
    mails
        .into_iter()
        .map(|mail| {
            let links = links_in(&mail.body_text);
            view! {
                <article class="mail" data-testid="mail">
                    <h2 class="mail-subject">{mail.subject}</h2>
                    <p class="muted">
                        "To " <span data-testid="mail-to">{mail.to}</span>
                        " · " {mail.stored_at.format("%Y-%m-%d %H:%M:%S UTC").to_string()}
                    </p>
                    <pre class="mail-body">{mail.body_text}</pre>
                    <ul class="mail-links">
                        {links.into_iter().map(|href| view! {
                            <li><a data-testid="mail-link" href=href.clone()>{href.clone()}</a></li>
                        }).collect_view()}
                    </ul>
                </article>
            }
        })
        .collect_view()
        .into_any()
}

/// The http(s) links in a plain-text body, in order, so they can be clicked.
pub fn links_in(text: &str) -> Vec<String> {
    text.split_whitespace()
        // Brackets and sentence punctuation around a link are not part of it.
        .map(|word| word.trim_start_matches(['<', '(', '"', '\'']))
        .filter(|word| word.starts_with("http://") || word.starts_with("https://"))
        .map(|word| {
            word.trim_end_matches(['.', ',', ';', ':', ')', '>', '!', '?', '"', '\''])
                .to_owned()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::links_in;

    #[test]
    fn finds_links_and_drops_trailing_punctuation() {
        let body = "Welcome!\nConfirm at https://muster.example/verify?t=abc. Or see <http://x.test/a>, thanks";
        assert_eq!(
            links_in(body),
            ["https://muster.example/verify?t=abc", "http://x.test/a"]
        );
    }

    #[test]
    fn text_without_links_has_none() {
        assert!(links_in("no links here, only ftp://old.example").is_empty());
    }
}
