//! The plan's timeline: activities as bars on a time axis, in lanes by location or by
//! role. Organisers drag a bar to move it and drag its edges to resize it (mouse, pen or
//! finger: pointer events), or focus it and use the arrow keys (shift + arrows change
//! the duration). Only what is on screen is drawn (`timeline::Lane::visible`), so a
//! plan of thousands of activities scrolls as smoothly as a small one. The geometry is
//! `muster_domain::plans::timeline`.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use leptos::prelude::*;
use muster_domain::plans::{
    timeline::{dragged, nudged, ticks, visible_lanes, Axis, DragMode, Lane, Zoom},
    views::PlanView,
};

use super::{
    api::reschedule_activity,
    format,
    plan_page::{reloader, PendingMoves},
};
use crate::error::AppError;

const TRACK_PX: f64 = 34.0;
const LANE_GAP_PX: f64 = 8.0;
const LABEL_PX: f64 = 160.0;
/// Drawn beyond the viewport on each side, so a quick scroll shows no gaps.
const OVERSCAN_PX: f64 = 400.0;

#[derive(Clone, Copy, PartialEq, Eq)]
enum GroupBy {
    Location,
    Role,
}

/// A bar being dragged: which, how, from where.
#[derive(Clone, Copy, PartialEq)]
struct Drag {
    pointer: i32,
    mode: DragMode,
    origin_x: f64,
    dx: f64,
}

/// The lanes of `plan` grouped as asked, each with its bars on tracks; activities in no
/// group come last, in a lane of their own. Empty lanes are left out. One pass over the
/// activities: thousands of them at hundreds of places group in linear time.
fn lanes(plan: &PlanView, group: GroupBy) -> Vec<Lane> {
    type Bar = (String, DateTime<Utc>, DateTime<Utc>);
    // The empty key is the lane of activities in no group.
    let mut grouped: HashMap<&str, Vec<Bar>> = HashMap::new();
    for a in &plan.activities {
        let bar = (a.id.clone(), a.starts_at, a.ends_at());
        match group {
            GroupBy::Location => grouped
                .entry(a.location_id.as_deref().unwrap_or(""))
                .or_default()
                .push(bar),
            GroupBy::Role if a.needs.is_empty() => grouped.entry("").or_default().push(bar),
            GroupBy::Role => {
                for (n, need) in a.needs.iter().enumerate() {
                    // Two lines of one role put the activity in its lane once.
                    if a.needs[..n]
                        .iter()
                        .all(|earlier| earlier.role_id != need.role_id)
                    {
                        grouped.entry(&need.role_id).or_default().push(bar.clone());
                    }
                }
            }
        }
    }
    let (groups, ungrouped): (Vec<(&str, &str)>, &str) = match group {
        GroupBy::Location => (
            plan.locations
                .iter()
                .map(|l| (l.id.as_str(), l.name.as_str()))
                .collect(),
            "No location yet",
        ),
        GroupBy::Role => (
            plan.roles
                .iter()
                .map(|r| (r.id.as_str(), r.name.as_str()))
                .collect(),
            "No roles needed",
        ),
    };
    groups
        .into_iter()
        .chain([("", ungrouped)])
        .filter_map(|(key, label)| {
            let bars = grouped.remove(key)?;
            Some(Lane::new(key.to_owned(), label.to_owned(), bars))
        })
        .collect()
}

/// Where each lane starts, from the top.
fn lane_tops(lanes: &[Lane]) -> Vec<f64> {
    let mut top = 0.0;
    lanes
        .iter()
        .map(|lane| {
            let here = top;
            top += lane.tracks as f64 * TRACK_PX + LANE_GAP_PX;
            here
        })
        .collect()
}

#[component]
pub fn TimelineView(plan: RwSignal<PlanView>) -> impl IntoView {
    let zoom = RwSignal::new(Zoom::Day);
    let group = RwSignal::new(GroupBy::Location);
    let scroll = RwSignal::new((0.0_f64, 0.0_f64));
    let viewport = RwSignal::new((1200.0_f64, 600.0_f64));
    let drag = RwSignal::new(None::<(String, Drag)>);
    let trouble = RwSignal::new(None::<String>);
    let reload = reloader(plan);
    let scroller = NodeRef::<leptos::html::Div>::new();

    let lanes = Memo::new(move |_| plan.with(|p| lanes(p, group.get())));
    let tops = Memo::new(move |_| lanes.with(|l| lane_tops(l)));
    // The axis starts at the first instant of the project's first day.
    let bounds = Memo::new(move |_| plan.with(|p| p.project.span.bounds(&p.zone)));
    let axis = Memo::new(move |_| Axis {
        origin: bounds.get().0,
        zoom: zoom.get(),
    });
    let width = move || axis.get().x(bounds.get().1) + LABEL_PX;
    let height = move || {
        tops.with(|t| t.last().copied().unwrap_or(0.0))
            + lanes.with(|l| l.last().map_or(0.0, |lane| lane.tracks as f64 * TRACK_PX))
            + 40.0
    };

    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(element) = scroller.get() {
            viewport.set((
                f64::from(element.client_width()),
                f64::from(element.client_height()),
            ));
        }
    });
    let on_scroll = move |_| {
        if let Some(element) = scroller.get_untracked() {
            scroll.set((
                f64::from(element.scroll_left()),
                f64::from(element.scroll_top()),
            ));
            viewport.set((
                f64::from(element.client_width()),
                f64::from(element.client_height()),
            ));
        }
    };

    // Which bars are on screen: (lane index, bar index) pairs, and the visible time span.
    let window = Memo::new(move |_| {
        let (left, top) = scroll.get();
        let (view_width, view_height) = viewport.get();
        let axis = axis.get();
        let from = axis.at(left - LABEL_PX - OVERSCAN_PX);
        let to = axis.at(left + view_width + OVERSCAN_PX);
        lanes.with(|lanes| {
            let shown = visible_lanes(lanes, top - 40.0, view_height + 80.0, TRACK_PX, LANE_GAP_PX);
            let mut bars = Vec::new();
            for index in shown.clone() {
                for bar in lanes[index].visible(from, to) {
                    bars.push((index, bar));
                }
            }
            (shown, bars, from, to)
        })
    });

    // One save per activity at a time: a move made while the last is on its way (keys
    // pressed in a row, a drag right after one) is sent after it, based on the version
    // that save produced; of several such moves the latest wins. Sent at once, it would
    // carry the version before and be refused as someone else's change. Until the last
    // is saved, reloads keep showing the move (PendingMoves).
    let pending = use_context::<PendingMoves>()
        .unwrap_or_else(|| PendingMoves(StoredValue::new(HashMap::new())));
    let sending = StoredValue::new(HashSet::<String>::new());
    let save = Callback::new(
        move |(id, starts_at, minutes): (String, DateTime<Utc>, i64)| {
            let Some((project, version)) =
                plan.with_untracked(|p| p.activity(&id).map(|a| (p.project.id.clone(), a.version)))
            else {
                return;
            };
            pending.0.update_value(|moves| {
                moves.insert(id.clone(), (starts_at, minutes));
            });
            // Shown at once; the server's answer (or the reload) settles it.
            plan.update(|p| pending.apply_to(p, &id));
            if !sending
                .try_update_value(|s| s.insert(id.clone()))
                .unwrap_or(false)
            {
                return; // sent when the save on its way is answered
            }
            let reload = reload.clone();
            leptos::task::spawn_local(async move {
                let mut version = version;
                // The move being sent; the loop ends once the server has the latest.
                let mut sent = (starts_at, minutes);
                loop {
                    match reschedule_activity(project.clone(), id.clone(), sent.0, sent.1, version)
                        .await
                    {
                        Ok(saved) => {
                            trouble.set(None);
                            version = saved.version;
                            // The next move, from here or after the chain, is based on
                            // this version; the times shown stay the latest move's.
                            plan.update(|p| {
                                if let Some(a) = p.activities.iter_mut().find(|a| a.id == id) {
                                    if saved.version > a.version {
                                        *a = saved;
                                    }
                                }
                                pending.apply_to(p, &id);
                            });
                        }
                        Err(AppError::ActivityChanged(theirs)) => {
                            trouble.set(Some(format!(
                                "{} changed “{}” meanwhile: the timeline shows their version now. Move it again if you still want to.",
                                theirs.saved_by.unwrap_or_else(|| "Someone".to_owned()),
                                theirs.current.name
                            )));
                            break;
                        }
                        Err(error) => {
                            trouble.set(Some(
                                error
                                    .field("starts_at")
                                    .or_else(|| error.field("duration_minutes"))
                                    .unwrap_or_else(|| error.to_string()),
                            ));
                            break;
                        }
                    }
                    match pending.0.with_value(|moves| moves.get(&id).copied()) {
                        Some(latest) if latest != sent => sent = latest,
                        _ => break,
                    }
                }
                pending.0.update_value(|moves| {
                    moves.remove(&id);
                });
                sending.update_value(|s| {
                    s.remove(&id);
                });
                reload();
            });
        },
    );

    // Keyed: a bar keeps its element while it is dragged or the plan reloads (a pointer
    // capture survives, and only what changed is touched).
    let shown_bars = move || {
        let (_, shown, _, _) = window.get();
        lanes.with(|lanes| {
            shown
                .into_iter()
                .map(|(lane, bar)| {
                    (
                        lanes[lane].bars[bar].activity_id.clone(),
                        lane,
                        lanes[lane].bars[bar].track,
                    )
                })
                .collect::<Vec<_>>()
        })
    };
    let bars = BarContext {
        plan,
        axis,
        tops,
        drag,
        zoom,
        save,
    };

    let on_move = move |event: leptos::ev::PointerEvent| {
        drag.update(|current| {
            if let Some((_, d)) = current {
                if d.pointer == event.pointer_id() {
                    d.dx = f64::from(event.client_x()) - d.origin_x;
                }
            }
        });
    };
    let on_up = move |event: leptos::ev::PointerEvent| {
        let Some((id, d)) = drag.get_untracked() else {
            return;
        };
        if d.pointer != event.pointer_id() {
            return;
        }
        drag.set(None);
        let axis = axis.get_untracked();
        let Some(activity) = plan.with_untracked(|p| p.activity(&id).cloned()) else {
            return;
        };
        let (starts_at, minutes) = dragged(
            activity.starts_at,
            activity.duration_minutes,
            d.mode,
            d.dx,
            &axis,
        );
        if (starts_at, minutes) != (activity.starts_at, activity.duration_minutes) {
            save.run((id, starts_at, minutes));
        }
    };
    let on_cancel = move |_| drag.set(None);

    let axis_ticks = move || {
        let (_, _, from, to) = window.get();
        let axis = axis.get();
        plan.with(|p| ticks(&axis, from, to, &p.zone))
            .into_iter()
            .map(|tick| view! {
                <span class="timeline-tick" class:day=tick.day style=format!("left:{:.1}px", LABEL_PX + tick.x)>{tick.label}</span>
            })
            .collect_view()
    };
    let lane_labels = move || {
        let (shown, _, _, _) = window.get();
        let tops = tops.get();
        lanes.with(|lanes| {
            shown
                .map(|index| view! {
                    <div class="timeline-lane" style=format!("top:{:.1}px;height:{:.1}px", tops[index], lanes[index].tracks as f64 * TRACK_PX)>
                        <span class="timeline-lane-label">{lanes[index].label.clone()}</span>
                    </div>
                })
                .collect_view()
        })
    };

    view! {
        <div class="timeline" data-testid="timeline">
            <div class="timeline-controls">
                <div role="group" aria-label="Zoom">
                    {Zoom::ALL.into_iter().map(|z| view! {
                        <button type="button" class="button secondary" aria-pressed=move || (zoom.get() == z).to_string()
                            on:click=move |_| zoom.set(z)>{z.label()}</button>
                    }).collect_view()}
                </div>
                <label>
                    "Rows: "
                    <select on:change=move |event| group.set(if event_target_value(&event) == "role" { GroupBy::Role } else { GroupBy::Location })>
                        <option value="location">"by location"</option>
                        <option value="role">"by role"</option>
                    </select>
                </label>
                {move || plan.with(|p| p.viewer.organiser).then(|| view! {
                    <p class="muted">"Drag a bar to move it, its ends to change its length; or focus it and use the arrow keys (with Shift to change the length)."</p>
                })}
            </div>
            {move || trouble.get().map(|message| view! { <p class="alert" role="alert" data-testid="timeline-trouble">{message}</p> })}
            <div class="timeline-scroll" node_ref=scroller on:scroll=on_scroll
                on:pointermove=on_move on:pointerup=on_up on:pointercancel=on_cancel>
                <div class="timeline-canvas" style=move || format!("width:{:.0}px;height:{:.0}px", width(), height())>
                    <div class="timeline-axis">{axis_ticks}</div>
                    <div class="timeline-lanes">{lane_labels}</div>
                    <div class="timeline-bars">
                        <For each=shown_bars key=|bar| bar.clone() let:bar>
                            <Bar context=bars activity_id=bar.0 lane=bar.1 track=bar.2/>
                        </For>
                    </div>
                </div>
            </div>
        </div>
    }
}

/// What every bar reads.
#[derive(Clone, Copy)]
struct BarContext {
    plan: RwSignal<PlanView>,
    axis: Memo<Axis>,
    tops: Memo<Vec<f64>>,
    drag: RwSignal<Option<(String, Drag)>>,
    zoom: RwSignal<Zoom>,
    save: Callback<(String, DateTime<Utc>, i64)>,
}

#[component]
fn Bar(context: BarContext, activity_id: String, lane: usize, track: usize) -> impl IntoView {
    let BarContext {
        plan,
        axis,
        tops,
        drag,
        zoom,
        save,
    } = context;
    let id = StoredValue::new(activity_id);
    let organiser = plan.with_untracked(|p| p.viewer.organiser);
    // Where the bar is: the stored times, or where a drag has taken it so far.
    let placed = Memo::new(move |_| {
        let activity = plan.with(|p| {
            id.with_value(|id| p.activity(id).map(|a| (a.starts_at, a.duration_minutes)))
        })?;
        let dragging = drag.with(|d| {
            d.as_ref()
                .filter(|(d, _)| id.with_value(|id| d == id))
                .map(|(_, d)| *d)
        });
        Some(match dragging {
            Some(d) => dragged(activity.0, activity.1, d.mode, d.dx, &axis.get()),
            None => activity,
        })
    });
    let style = move || {
        let Some((starts_at, minutes)) = placed.get() else {
            return String::new();
        };
        let axis = axis.get();
        let top = tops.with(|t| t.get(lane).copied().unwrap_or(0.0)) + track as f64 * TRACK_PX;
        format!(
            "left:{:.1}px;top:{top:.1}px;width:{:.1}px;height:{:.0}px",
            LABEL_PX + axis.x(starts_at),
            axis.width(minutes).max(6.0),
            TRACK_PX - 6.0
        )
    };
    let name = move || {
        plan.with(|p| {
            id.with_value(|id| p.activity(id).map(|a| a.name.clone()))
                .unwrap_or_default()
        })
    };
    let label = move || {
        let Some((starts_at, minutes)) = placed.get() else {
            return String::new();
        };
        plan.with(|p| {
            format!(
                "{}, {} – {}",
                name(),
                format::day_and_time(&p.zone, starts_at),
                format::time(&p.zone, starts_at + Duration::minutes(minutes))
            )
        })
    };
    let dragging =
        move || drag.with(|d| d.as_ref().is_some_and(|(d, _)| id.with_value(|id| d == id)));
    // Too narrow for handles at both ends: the whole bar moves it (Shift + arrows resize).
    let narrow = move || {
        placed
            .get()
            .is_some_and(|(_, minutes)| axis.get().width(minutes) < 36.0)
    };
    let start_drag = move |mode: DragMode| {
        move |event: leptos::ev::PointerEvent| {
            if !organiser || event.button() != 0 {
                return;
            }
            event.stop_propagation();
            event.prevent_default();
            #[cfg(feature = "hydrate")]
            if let Some(target) = event
                .current_target()
                .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
            {
                let _ = target.set_pointer_capture(event.pointer_id());
            }
            drag.set(Some((
                id.get_value(),
                Drag {
                    pointer: event.pointer_id(),
                    mode,
                    origin_x: f64::from(event.client_x()),
                    dx: 0.0,
                },
            )));
        }
    };
    let key = move |event: leptos::ev::KeyboardEvent| {
        if !organiser {
            return;
        }
        let Some(a) = plan.with_untracked(|p| id.with_value(|id| p.activity(id).cloned())) else {
            return;
        };
        if let Some((starts_at, minutes)) = nudged(
            a.starts_at,
            a.duration_minutes,
            &event.key(),
            event.shift_key(),
            zoom.get_untracked(),
        ) {
            event.prevent_default();
            save.run((a.id.clone(), starts_at, minutes));
        }
    };
    view! {
        <div
            class="timeline-bar"
            class:dragging=dragging
            class:narrow=narrow
            role="button"
            tabindex="0"
            aria-label=label
            title=label
            data-testid="timeline-bar"
            data-activity=id.get_value()
            style=style
            on:pointerdown=start_drag(DragMode::Move)
            on:keydown=key
        >
            {organiser.then(|| view! { <span class="bar-handle start" data-testid="bar-start" on:pointerdown=start_drag(DragMode::ResizeStart)></span> })}
            <span class="bar-name">{name}</span>
            {organiser.then(|| view! { <span class="bar-handle end" data-testid="bar-end" on:pointerdown=start_drag(DragMode::ResizeEnd)></span> })}
        </div>
    }
}
