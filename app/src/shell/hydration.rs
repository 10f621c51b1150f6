//! The moment the whole page is interactive. With lazy routes the page's own code
//! arrives after the shell's, and its server-rendered text is taken over as it stands:
//! a signal the shell changes before then (the realtime connection opening, say) would
//! leave the page showing the server's value for good. Work that changes shared state
//! waits here until the entry point says hydration is done.

#[cfg(feature = "hydrate")]
use std::cell::RefCell;

#[cfg(feature = "hydrate")]
thread_local! {
    /// `Some` until hydration is done: what waits for it.
    static WAITING: RefCell<Option<Vec<Box<dyn FnOnce()>>>> = RefCell::new(Some(Vec::new()));
}

/// Runs `then` once the page is hydrated (at once if it already is).
#[cfg(feature = "hydrate")]
pub fn after_hydration(then: impl FnOnce() + 'static) {
    let then: Box<dyn FnOnce()> = Box::new(then);
    let now = WAITING.with(|waiting| match waiting.borrow_mut().as_mut() {
        Some(list) => {
            list.push(then);
            None
        }
        None => Some(then),
    });
    if let Some(then) = now {
        then();
    }
}

/// Called by the entry point (`frontend`) when the page, lazy routes included, is
/// hydrated.
#[cfg(feature = "hydrate")]
pub fn finished() {
    let waiting = WAITING.with(|waiting| waiting.borrow_mut().take());
    for then in waiting.into_iter().flatten() {
        then();
    }
}
