//! `/apps/{app}/submissions`: an app's submissions, a page at a time. Everything the
//! table shows — filters, order, columns, which page — is in the address, so a
//! filtered view can be bookmarked or sent to a colleague; the filter form is a plain
//! GET form (it works before the page is interactive), enhanced to navigate in place.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, A},
    hooks::{use_location, use_params_map},
};
use muster_domain::submissions::{
    query::{Cursor, Order, ReviewStatus, TableQuery},
    views::{ExportView, SubmissionsTable},
};

use super::api::{load_export, load_submissions, start_export};
use crate::accounts::pages::LoadError;
use crate::realtime::client::use_topic;

#[component]
pub fn SubmissionsPage() -> impl IntoView {
    let params = use_params_map();
    let location = use_location();
    let app_id = move || params.with(|p| p.get("id").unwrap_or_default());
    let search = move || super::address_query(&location.search.get());
    let page = Resource::new(
        move || (app_id(), search()),
        |(app, query)| load_submissions(app, query),
    );
    view! {
        <Title text="Submissions"/>
        <section aria-labelledby="submissions-title" class="submissions-page">
            <h1 id="submissions-title">"Submissions"</h1>
            <p class="page-links">
                <A href=move || format!("/apps/{}/build", app_id())>"Back to the builder"</A>
                " · "
                <A href=move || format!("/apps/{}/submissions", app_id())>"Clear the filters"</A>
            </p>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || page.get().map(|result| match result {
                    Err(error) => view! { <LoadError error/> }.into_any(),
                    Ok(table) => {
                        // The server read the same address: it parses here too.
                        let query = TableQuery::parse(&search()).unwrap_or_default();
                        view! { <TableView app=app_id() table query/> }.into_any()
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn TableView(app: String, table: SubmissionsTable, query: TableQuery) -> impl IntoView {
    let base = format!("/apps/{app}/submissions");
    let link = {
        let base = base.clone();
        move |query: &TableQuery| match query.to_query() {
            q if q.is_empty() => base.clone(),
            q => format!("{base}?{q}"),
        }
    };
    let next = table.next.as_deref().and_then(Cursor::decode).map(|after| {
        link(&TableQuery {
            after: Some(after),
            ..query.clone()
        })
    });
    let first = query.after.is_some().then(|| link(&query.first_page()));
    let reordered = |order: Order| {
        link(&TableQuery {
            order,
            after: None,
            ..query.clone()
        })
    };
    let headings: Vec<String> = table
        .shown
        .iter()
        .filter_map(|id| table.columns.iter().find(|c| &c.field == id))
        .map(|c| c.heading())
        .collect();
    let rows = table.rows.clone();
    view! {
        <Filters action=base.clone() table=table.clone() query=query.clone()/>
        <p class="page-links">
            <A href=format!("/apps/{app}/map?{}", query.first_page().to_query())>"Show these on a map"</A>
            " · "
            <A href=format!("/apps/{app}/webhooks")>"Webhooks"</A>
        </p>
        <Exports app=app.clone() query=query.first_page().to_query()/>
        <p class="table-order">
            "Order: "
            {match query.order {
                Order::NewestFirst => view! {
                    <strong>"newest first"</strong>" · "<A href=reordered(Order::OldestFirst)>"oldest first"</A>
                }.into_any(),
                Order::OldestFirst => view! {
                    <A href=reordered(Order::NewestFirst)>"newest first"</A>" · "<strong>"oldest first"</strong>
                }.into_any(),
            }}
        </p>
        {if rows.is_empty() {
            view! {
                <p class="muted" data-testid="no-submissions">
                    {if query.filter == Default::default() && query.after.is_none() {
                        "Nothing has been submitted yet."
                    } else {
                        "No submissions match these filters."
                    }}
                </p>
            }.into_any()
        } else {
            view! {
                <div class="table-scroll">
                    <table class="data-table" data-testid="submissions">
                        <thead>
                            <tr>
                                <th scope="col">"Received (UTC)"</th>
                                <th scope="col">"By"</th>
                                <th scope="col">"Version"</th>
                                <th scope="col">"Status"</th>
                                {headings.into_iter().map(|h| view! { <th scope="col">{h}</th> }).collect_view()}
                            </tr>
                        </thead>
                        <tbody>
                            {rows.into_iter().map(|row| {
                                let s = row.summary;
                                view! {
                                    <tr data-testid="submission-row" data-id=s.id.clone()>
                                        <td><A href=format!("/apps/{app}/submissions/{}", s.id)>{s.received_at.format("%Y-%m-%d %H:%M:%S").to_string()}</A></td>
                                        <td>{s.submitted_by.unwrap_or_else(|| "a former member".into())}</td>
                                        <td>{s.version}</td>
                                        <td data-testid="review-status">{s.review.label()}</td>
                                        {row.cells.into_iter().map(|cell| view! { <td>{cell}</td> }).collect_view()}
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any()
        }}
        <nav class="pager" aria-label="Pages">
            {first.map(|href| view! { <A href=href>"First page"</A> })}
            {next.map(|href| view! { <A href=href attr:data-testid="next-page">"Next page"</A> })}
        </nav>
    }
}

/// The filter form: a GET form whose fields are the address's parameters.
#[component]
fn Filters(action: String, table: SubmissionsTable, query: TableQuery) -> impl IntoView {
    let filter = query.filter.clone();
    let date = |day: Option<chrono::NaiveDate>| day.map(|d| d.to_string()).unwrap_or_default();
    let (field, value) = filter
        .field
        .as_ref()
        .map(|m| (m.field.0.clone(), m.value.clone()))
        .unwrap_or_default();
    let shown = table.shown.clone();
    let text_columns: Vec<_> = table
        .columns
        .iter()
        .filter(|c| c.cell == muster_domain::submissions::columns::CellKind::Text)
        .cloned()
        .collect();
    view! {
        <Form method="GET" action=action>
            <fieldset class="table-filters">
                <legend>"Filters"</legend>
                <label>"Received from" <input type="date" name="from" value=date(filter.from)/></label>
                <label>"to" <input type="date" name="to" value=date(filter.to)/></label>
                <label>"Status"
                    <select name="status">
                        <option value="" selected=filter.status.is_none()>"Any"</option>
                        {ReviewStatus::ALL.into_iter().map(|s| view! {
                            <option value=s.as_str() selected=filter.status == Some(s)>{s.label()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>"Submitted by"
                    <select name="by">
                        <option value="" selected=filter.submitter.is_none()>"Anyone"</option>
                        {table.submitters.iter().map(|m| view! {
                            <option value=m.id.clone() selected=filter.submitter.as_deref() == Some(m.id.as_str())>{m.name.clone()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>"Version"
                    <select name="version">
                        <option value="" selected=filter.version.is_none()>"Any"</option>
                        {table.versions.iter().map(|v| view! {
                            <option value=v.to_string() selected=filter.version == Some(*v)>{format!("v{v}")}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>"Answer to"
                    <select name="field">
                        <option value="" selected=field.is_empty()>"(choose a question)"</option>
                        {text_columns.iter().map(|c| view! {
                            <option value=c.field.0.clone() selected=c.field.0 == field>{c.heading()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>"is exactly" <input type="text" name="value" value=value/></label>
                <label>"Text answers contain" <input type="search" name="q" value=filter.text.clone().unwrap_or_default()/></label>
                {(query.order == Order::OldestFirst).then(|| view! { <input type="hidden" name="order" value="oldest"/> })}
                <details class="column-chooser">
                    <summary>"Columns"</summary>
                    {table.columns.iter().map(|c| view! {
                        <label class="choice">
                            <input type="checkbox" name="columns" value=c.field.0.clone() checked=shown.contains(&c.field)/>
                            {c.heading()}
                        </label>
                    }).collect_view()}
                </details>
                <button type="submit">"Apply"</button>
            </fieldset>
        </Form>
    }
}

/// The export links. A small export downloads at once; a large one is prepared by a
/// job, whose progress shows live until its download link appears. Before the page is
/// interactive the links download directly (streamed, whatever the size).
#[component]
fn Exports(app: String, query: String) -> impl IntoView {
    let running = RwSignal::new(None::<ExportView>);
    let start = {
        let (app, query) = (app.clone(), query.clone());
        Action::new(move |(format, href): &(&'static str, String)| {
            let (app, query, format, href) =
                (app.clone(), query.clone(), format.to_string(), href.clone());
            async move {
                start_export(app, format, query)
                    .await
                    .map(|export| (export, href))
            }
        })
    };
    Effect::new(move |_| match start.value().get() {
        Some(Ok((Some(export), _))) => running.set(Some(export)),
        Some(Ok((None, href))) => {
            #[cfg(feature = "hydrate")]
            if let Some(window) = web_sys::window() {
                let _ = window.location().set_href(&href);
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = href;
        }
        _ => {}
    });
    view! {
        <p class="page-links">
            "Download these as "
            {["csv", "xlsx", "geojson"].into_iter().map(|format| {
                let href = format!("/api/apps/{app}/export/{format}?{query}");
                let clicked = href.clone();
                view! {
                    <a href=href download data-testid=format!("export-{format}") on:click=move |event| {
                        event.prevent_default();
                        start.dispatch((format, clicked.clone()));
                    }>{format.to_uppercase()}</a>" "
                }
            }).collect_view()}
        </p>
        {move || start.value().get().and_then(Result::err).map(|error| view! { <p class="field-error" role="alert">{error.to_string()}</p> })}
        {move || running.get().map(|export| view! { <ExportProgress export/> })}
    }
}

#[component]
fn ExportProgress(export: ExportView) -> impl IntoView {
    let id = export.id.clone();
    let current = RwSignal::new(export);
    let feed = use_topic(&format!("export:{id}"));
    Effect::new(move |_| {
        if let Some(Ok(update)) = feed
            .last_event
            .get()
            .map(serde_json::from_value::<ExportView>)
        {
            current.set(update);
        }
    });
    // Progress made before the subscription (or while disconnected) is read once.
    let reload = Resource::new(
        move || (feed.subscriptions.get(), feed.refetches.get()),
        move |_| load_export(id.clone()),
    );
    Effect::new(move |_| {
        if let Some(Ok(update)) = reload.get() {
            if update.rows_done >= current.get_untracked().rows_done {
                current.set(update);
            }
        }
    });
    view! {
        <div class="export-progress" data-testid="export-progress" role="status">
            {move || {
                let export = current.get();
                let total = export.rows_total.unwrap_or(0).max(export.rows_done);
                view! {
                    <p>{format!("Preparing the {} export: {} of {} rows.", export.format.to_uppercase(), export.rows_done, total)}</p>
                    <progress max=total.max(1) value=export.rows_done data-status=export.status.clone()></progress>
                    {export.download.clone().map(|href| view! {
                        <p>
                            <a href=href download data-testid="export-download">{format!("Download the {}", export.format.to_uppercase())}</a>
                            {export.expires_at.map(|at| format!(" (until {})", at.format("%Y-%m-%d %H:%M UTC")))}
                        </p>
                    })}
                    {export.error.clone().map(|error| view! { <p class="field-error">{format!("The export failed: {error}")}</p> })}
                }
            }}
        </div>
    }
}
