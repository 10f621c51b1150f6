//! The photo and signature questions. Their answer names files kept on the device
//! (`muster_domain::forms::media`); the engine holds the question's count and size, so
//! a photo too large is refused here, before anything is sent.

use leptos::{ev, html, prelude::*};
use muster_domain::forms::media::{self, MediaRef};

use super::fill::Filling;

/// Shows kept file `id` once the device has found it.
#[component]
fn Kept(id: String, label: String) -> impl IntoView {
    let url = RwSignal::new(String::new());
    #[cfg(feature = "hydrate")]
    {
        let user = expect_context::<Filling>().user_id.get_value();
        let id = id.clone();
        leptos::task::spawn_local(async move {
            url.set(super::files::url(&user, &id).await);
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = &id;
    view! {
        {move || {
            let src = url.get();
            if src.is_empty() {
                view! { <span class="run-media-missing">{label.clone()}</span> }.into_any()
            } else {
                view! { <img class="run-media-thumb" src=src alt=label.clone()/> }.into_any()
            }
        }}
    }
}

/// Takes photos with the camera (or from the gallery), shows them, removes them.
pub fn photos(
    input_id: &str,
    max_count: u32,
    answer: impl Fn() -> String + Clone + Send + Sync + 'static,
    set: impl Fn(String) + Clone + Send + Sync + 'static,
    touch: impl Fn(ev::FocusEvent) + Clone + Send + Sync + 'static,
) -> AnyView {
    let filling = expect_context::<Filling>();
    let busy = RwSignal::new(false);
    let trouble = RwSignal::new(None::<String>);
    let files = {
        let answer = answer.clone();
        move || media::parse(&answer()).unwrap_or_default()
    };
    let add = {
        let (answer, set) = (answer.clone(), set.clone());
        move |event: ev::Event| {
            let input: leptos::web_sys::HtmlInputElement = event_target(&event);
            #[cfg(feature = "hydrate")]
            {
                let Some(list) = input.files() else { return };
                let picked: Vec<web_sys::File> =
                    (0..list.length()).filter_map(|i| list.item(i)).collect();
                input.set_value("");
                let (answer, set) = (answer.clone(), set.clone());
                busy.set(true);
                trouble.set(None);
                let user = filling.user_id.get_value();
                let max_px = filling.photo_max_px;
                leptos::task::spawn_local(async move {
                    let mut kept = media::parse(&answer()).unwrap_or_default();
                    for file in picked {
                        match super::files::keep_photo(&user, &file, max_px).await {
                            Ok(reference) => kept.push(reference),
                            Err(reason) => trouble.set(Some(format!(
                                "This photo could not be kept on the device ({reason})."
                            ))),
                        }
                    }
                    set(media::to_answer(&kept));
                    busy.set(false);
                });
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = (&input, &answer, &set, filling);
        }
    };
    let remove = move |id: String| {
        let kept: Vec<MediaRef> = media::parse(&answer())
            .unwrap_or_default()
            .into_iter()
            .filter(|f| f.id != id)
            .collect();
        set(media::to_answer(&kept));
    };
    let full = {
        let files = files.clone();
        move || files().len() >= max_count as usize
    };
    view! {
        <div class="run-media">
            <ul class="run-media-list">
                {move || files().into_iter().enumerate().map(|(index, file)| {
                    let id = file.id.clone();
                    let remove = remove.clone();
                    let label = format!("Photo {}", index + 1);
                    view! {
                        <li data-testid="photo">
                            <Kept id=file.id.clone() label=label.clone()/>
                            <button type="button" class="button" on:click=move |_| remove(id.clone())>
                                {format!("Remove {}", label.to_lowercase())}
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <input id=input_id.to_owned() type="file" accept="image/jpeg,image/png,image/webp" capture="environment"
                multiple={max_count > 1} class="run-media-input" disabled=move || busy.get() || full()
                on:change=add on:blur=touch/>
            <p class="field-hint">
                {move || if busy.get() { "Keeping the photo…".to_owned() } else if max_count == 1 { "Take one photo.".to_owned() } else { format!("Take up to {max_count} photos.") }}
            </p>
            {move || trouble.get().map(|t| view! { <p class="field-error" role="alert">{t}</p> })}
        </div>
    }
    .into_any()
}

/// A signature drawn with a finger, pen or mouse, kept as an image.
pub fn signature(
    input_id: &str,
    answer: impl Fn() -> String + Clone + Send + Sync + 'static,
    set: impl Fn(String) + Clone + Send + Sync + 'static,
) -> AnyView {
    let filling = expect_context::<Filling>();
    let canvas = NodeRef::<html::Canvas>::new();
    let trouble = RwSignal::new(None::<String>);
    let kept = {
        let answer = answer.clone();
        move || {
            media::parse(&answer())
                .unwrap_or_default()
                .into_iter()
                .next()
        }
    };
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(canvas) = canvas.get() {
            super::files::signature_pad(&canvas);
        }
    });
    let keep = {
        let set = set.clone();
        move |_| {
            #[cfg(feature = "hydrate")]
            {
                let Some(element) = canvas.get_untracked() else {
                    return;
                };
                let set = set.clone();
                let user = filling.user_id.get_value();
                leptos::task::spawn_local(async move {
                    match super::files::keep_signature(&user, &element).await {
                        Ok(Some(reference)) => {
                            trouble.set(None);
                            set(media::to_answer(&[reference]));
                        }
                        Ok(None) => trouble.set(Some("Sign in the box first.".to_owned())),
                        Err(reason) => trouble.set(Some(format!(
                            "The signature could not be kept on the device ({reason})."
                        ))),
                    }
                });
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = (&set, filling);
        }
    };
    let clear = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(element) = canvas.get_untracked() {
            super::files::clear_signature(&element);
        }
        set(String::new());
    };
    let input_id = input_id.to_owned();
    view! {
        <div class="run-signature">
            {move || match kept() {
                Some(file) => view! {
                    <div data-testid="signature-kept"><Kept id=file.id label="Signature".to_owned()/></div>
                }.into_any(),
                None => view! {
                    <canvas id=input_id.clone() node_ref=canvas class="run-signature-pad" aria-label="Sign here"></canvas>
                    <button type="button" class="button" on:click=keep.clone()>"Keep signature"</button>
                }.into_any(),
            }}
            <button type="button" class="button" on:click=clear>"Clear"</button>
            {move || trouble.get().map(|t| view! { <p class="field-error" role="alert">{t}</p> })}
        </div>
    }
    .into_any()
}
