use leptos::prelude::*;
use leptos_meta::Title;
use muster_domain::accounts::{views::MemberView, Capability, Role};

use super::LoadError;
use crate::accounts::{
    api::{load_members, ChangeRole, InviteMember, RemoveMember, RevokeInvitation},
    form::{Field, FormAlert, Outcome},
};

#[component]
pub fn MembersPage() -> impl IntoView {
    let invite = ServerAction::<InviteMember>::new();
    let change = ServerAction::<ChangeRole>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let revoke = ServerAction::<RevokeInvitation>::new();
    // Reloads after every change, whoever made it.
    let page = Resource::new(
        move || {
            (
                invite.version().get(),
                change.version().get(),
                remove.version().get(),
                revoke.version().get(),
            )
        },
        |_| load_members(),
    );
    let invite_outcome: Outcome = invite.value().into();
    let change_outcome: Outcome = change.value().into();
    let remove_outcome: Outcome = remove.value().into();
    let revoke_outcome: Outcome = revoke.value().into();

    view! {
        <Title text="Members"/>
        <section class="members-page" aria-labelledby="members-title">
            <h1 id="members-title">"Members"</h1>
            <FormAlert outcome=change_outcome/>
            <FormAlert outcome=remove_outcome/>
            <FormAlert outcome=revoke_outcome/>
            {move || matches!(change_outcome.get(), Some(Ok(()))).then(|| view! {
                <p role="status" data-testid="role-saved">"Role changed."</p>
            })}
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || page.get().map(|result| match result {
                    Err(error) => view! { <LoadError error/> }.into_any(),
                    Ok(page) => {
                        let manager = page.your_role.can(Capability::ManageMembers);
                        let you = page.you.clone();
                        let your_role = page.your_role;
                        view! {
                            <table class="data-table" data-testid="members">
                                <thead><tr><th>"Name"</th><th>"E-mail"</th><th>"Role"</th><th><span class="visually-hidden">"Actions"</span></th></tr></thead>
                                <tbody>
                                    {page.members.into_iter().map(|member| {
                                        let is_you = member.user_id == you;
                                        view! { <MemberRow member is_you manager your_role change remove/> }
                                    }).collect_view()}
                                </tbody>
                            </table>
                            {manager.then(|| view! {
                                <h2>"Invite someone"</h2>
                                <ActionForm action=invite attr:novalidate=true attr:class="invite-form">
                                    <Field label="E-mail address" name="email" kind="email" outcome=invite_outcome/>
                                    <div class="field">
                                        <label for="invite-role">"Invite as"</label>
                                        <select id="invite-role" name="role">
                                            {Role::ALL.into_iter().filter(|role| your_role.may_invite(*role).is_ok()).map(|role| view! {
                                                <option value=role.as_str() selected=role == Role::Member>{role.label()} " — " {role.description()}</option>
                                            }).collect_view()}
                                        </select>
                                    </div>
                                    <FormAlert outcome=invite_outcome/>
                                    <button type="submit" class="button">"Send invitation"</button>
                                </ActionForm>
                                {move || matches!(invite_outcome.get(), Some(Ok(()))).then(|| view! { <p role="status" data-testid="invitation-sent">"Invitation sent."</p> })}
                                <h2>"Open invitations"</h2>
                                <ul class="plain-list" data-testid="invitations">
                                    {page.invitations.into_iter().map(|invitation| view! {
                                        <li>
                                            {invitation.email} " · " {invitation.role.label()}
                                            " · expires " {invitation.expires_at.format("%Y-%m-%d").to_string()}
                                            <ActionForm action=revoke attr:class="inline-form">
                                                <input type="hidden" name="invitation_id" value=invitation.id/>
                                                <button type="submit" class="link-button">"Revoke"</button>
                                            </ActionForm>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            })}
                        }.into_any()
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn MemberRow(
    member: MemberView,
    is_you: bool,
    manager: bool,
    your_role: Role,
    change: ServerAction<ChangeRole>,
    remove: ServerAction<RemoveMember>,
) -> impl IntoView {
    // Only roles this manager may hand out to this member are offered.
    let choices: Vec<Role> = Role::ALL
        .into_iter()
        .filter(|role| {
            *role == member.role
                || your_role
                    .may_change(member.role, Some(*role), usize::MAX)
                    .is_ok()
        })
        .collect();
    let editable = manager && choices.len() > 1;
    let role_field_id = format!("role-{}", member.user_id);
    let role_label = format!("Role of {}", member.name);
    let change_user_id = member.user_id.clone();
    let remove_user_id = member.user_id.clone();
    let remove_label = if is_you { "Leave" } else { "Remove" };
    view! {
        <tr data-testid="member-row" data-email=member.email.clone()>
            <td>{member.name} {is_you.then_some(" (you)")}</td>
            <td>{member.email.clone()}</td>
            <td>
                {if editable {
                    view! {
                        <ActionForm action=change attr:class="inline-form">
                            <input type="hidden" name="user_id" value=change_user_id/>
                            <label class="visually-hidden" for=role_field_id.clone()>{role_label}</label>
                            <select id=role_field_id name="role" data-testid="role-select">
                                {choices.into_iter().map(|role| view! {
                                    <option value=role.as_str() selected=role == member.role>{role.label()}</option>
                                }).collect_view()}
                            </select>
                            <button type="submit" class="link-button">"Change role"</button>
                        </ActionForm>
                    }.into_any()
                } else {
                    view! { <span data-testid="member-role">{member.role.label()}</span> }.into_any()
                }}
            </td>
            <td>
                {(manager || is_you).then(|| view! {
                    <ActionForm action=remove attr:class="inline-form">
                        <input type="hidden" name="user_id" value=remove_user_id.clone()/>
                        <button type="submit" class="link-button danger">{remove_label}</button>
                    </ActionForm>
                })}
            </td>
        </tr>
    }
}
