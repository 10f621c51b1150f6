//! Invitations and roles: who may invite, change and remove whom; the last owner stays;
//! changes take effect on the next request.

use crate::support::{
    browser::{field_error, ids, mailed_token, verified_user, Browser},
    TestApp, TestDatabase,
};

/// Invites `email` with `role`; the invitee signs up and accepts.
pub async fn join(
    app: &TestApp,
    inviter: &Browser,
    name: &str,
    email: &str,
    role: &str,
) -> Browser {
    let (status, body) = inviter
        .call("invite_member", &[("email", email), ("role", role)])
        .await;
    assert_eq!(status, 200, "invite {email}: {body}");
    let token = mailed_token(app, email, "invited you").await;
    let member = Browser::new(app);
    let (status, body) = member.sign_up(name, email, &format!("{name} alone")).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = member.call("accept_invitation", &[("token", &token)]).await;
    assert_eq!(status, 200, "accept {email}: {body}");
    member
}

/// The member's id, once `browser`'s reads show them (they joined with their own write).
async fn member_id(browser: &Browser, email: &str) -> String {
    let page = browser
        .call_until("load_members", &[], |page| {
            page["members"]
                .to_string()
                .contains(&format!("\"{email}\""))
        })
        .await;
    page["members"]
        .as_array()
        .expect("members")
        .iter()
        .find(|m| m["email"] == email)
        .and_then(|m| m["user_id"].as_str())
        .unwrap_or_else(|| panic!("{email} is a member: {page}"))
        .to_owned()
}

#[tokio::test]
async fn an_invitation_joins_with_its_role_and_its_link_works_once() {
    let db = TestDatabase::create().await;
    let app = super::app(&db).await;
    let owner = verified_user(&app, "Olga", "olga@example.org", "Acme").await;
    owner
        .call(
            "invite_member",
            &[("email", "bo@example.org"), ("role", "admin")],
        )
        .await;
    let token = mailed_token(&app, "bo@example.org", "Olga invited you to Acme").await;

    let bo = Browser::new(&app);
    let (status, preview) = bo.call("load_invitation", &[("token", &token)]).await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["account_name"], "Acme");
    assert_eq!(preview["role"], "admin");
    assert_eq!(preview["invited_by"], "Olga");
    let (status, _) = bo.call("accept_invitation", &[("token", &token)]).await;
    assert_eq!(status, 401, "accepting needs an account");

    bo.sign_up("Bo", "bo@example.org", "Bo alone").await;
    let (status, body) = bo.call("accept_invitation", &[("token", &token)]).await;
    assert_eq!(status, 200, "{body}");
    let session = bo.session().await;
    assert_eq!(
        session["account"]["name"], "Acme",
        "switched to the account joined"
    );
    assert_eq!(session["account"]["role"], "admin");
    assert_eq!(session["accounts"].as_array().map(Vec::len), Some(2));

    let (status, body) = Browser::new(&app)
        .call("load_invitation", &[("token", &token)])
        .await;
    assert_eq!(status, 422);
    assert!(
        field_error(&body, "token").contains("already been used"),
        "{body}"
    );

    // The invitee's write reaches the owner's reads once the replica has it.
    let log = owner
        .call_until("load_audit_log", &[], |log| {
            log.to_string().contains("invitation.accepted")
        })
        .await;
    let actions: Vec<&str> = log
        .as_array()
        .expect("log")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"invitation.sent") && actions.contains(&"invitation.accepted"),
        "{actions:?}"
    );
}

#[tokio::test]
async fn revoked_and_expired_invitations_cannot_be_used() {
    let db = TestDatabase::create().await;
    let app = super::app(&db).await;
    let owner = verified_user(&app, "Olga", "olga@example.org", "Acme").await;
    owner
        .call(
            "invite_member",
            &[("email", "cy@example.org"), ("role", "member")],
        )
        .await;
    let cy_token = mailed_token(&app, "cy@example.org", "invited you").await;
    let (_, page) = owner.call("load_members", &[]).await;
    let invitation = page["invitations"][0]["id"]
        .as_str()
        .expect("open invitation")
        .to_owned();
    assert_eq!(
        owner
            .call("revoke_invitation", &[("invitation_id", &invitation)])
            .await
            .0,
        200
    );
    let (status, body) = Browser::new(&app)
        .call("load_invitation", &[("token", &cy_token)])
        .await;
    assert_eq!(status, 422);
    assert!(field_error(&body, "token").contains("withdrawn"), "{body}");

    owner
        .call(
            "invite_member",
            &[("email", "di@example.org"), ("role", "member")],
        )
        .await;
    let di_token = mailed_token(&app, "di@example.org", "invited you").await;
    sqlx::query("UPDATE invitations SET expires_at = now() - interval '1 second' WHERE email_normalized = 'di@example.org'")
        .execute(app.platform.db.migration_pool())
        .await
        .expect("age the invitation");
    let di = Browser::new(&app);
    di.sign_up("Di", "di@example.org", "Di alone").await;
    let (status, body) = di.call("accept_invitation", &[("token", &di_token)]).await;
    assert_eq!(status, 422);
    assert!(field_error(&body, "token").contains("expired"), "{body}");
    assert_ne!(di.session().await["account"]["name"], "Acme");
}

#[tokio::test]
async fn members_and_builders_can_neither_manage_members_nor_read_the_audit_log() {
    let db = TestDatabase::create().await;
    let app = super::app(&db).await;
    let owner = verified_user(&app, "Olga", "olga@example.org", "Acme").await;
    let (owner_id, _) = ids(&owner).await;
    let member = join(&app, &owner, "Mo", "mo@example.org", "member").await;
    let builder = join(&app, &owner, "Bea", "bea@example.org", "builder").await;
    let bea_id = member_id(&owner, "bea@example.org").await;

    for (who, browser) in [("member", &member), ("builder", &builder)] {
        for (function, form) in [
            (
                "invite_member",
                vec![("email", "x@example.org"), ("role", "member")],
            ),
            (
                "change_role",
                vec![("user_id", owner_id.as_str()), ("role", "member")],
            ),
            ("remove_member", vec![("user_id", owner_id.as_str())]),
            (
                "change_role",
                vec![("user_id", bea_id.as_str()), ("role", "admin")],
            ),
            ("load_audit_log", vec![]),
        ] {
            let (status, body) = browser.call(function, &form).await;
            assert_eq!(status, 403, "{who} calling {function}: {body}");
            assert!(body["Forbidden"].is_string(), "{body}");
        }
        let (status, page) = browser.call("load_members", &[]).await;
        assert_eq!(status, 200, "{who} may see the members");
        assert_eq!(
            page["invitations"].as_array().map(Vec::len),
            Some(0),
            "but not the invitations"
        );
    }
    let (_, page) = owner.call("load_members", &[]).await;
    assert_eq!(
        page["members"].as_array().map(Vec::len),
        Some(3),
        "nothing changed: {page}"
    );
}

#[tokio::test]
async fn admins_manage_members_but_not_owners() {
    let db = TestDatabase::create().await;
    let app = super::app(&db).await;
    let owner = verified_user(&app, "Olga", "olga@example.org", "Acme").await;
    let (owner_id, acme) = ids(&owner).await;
    let admin = join(&app, &owner, "Al", "al@example.org", "admin").await;
    let member = join(&app, &owner, "Mo", "mo@example.org", "member").await;
    // The admin confirms their address before inviting.
    let token = mailed_token(&app, "al@example.org", "Confirm").await;
    assert_eq!(
        admin.call("verify_email", &[("token", &token)]).await.0,
        200
    );
    let mo_id = member_id(&owner, "mo@example.org").await;

    let (status, _) = admin
        .call(
            "invite_member",
            &[("email", "new@example.org"), ("role", "owner")],
        )
        .await;
    assert_eq!(status, 403, "admins cannot create owners");
    assert_eq!(
        admin
            .call(
                "invite_member",
                &[("email", "new@example.org"), ("role", "builder")]
            )
            .await
            .0,
        200
    );
    assert_eq!(
        admin
            .call("change_role", &[("user_id", &owner_id), ("role", "admin")])
            .await
            .0,
        403
    );
    assert_eq!(
        admin
            .call("remove_member", &[("user_id", &owner_id)])
            .await
            .0,
        403
    );
    assert_eq!(
        admin
            .call("change_role", &[("user_id", &mo_id), ("role", "builder")])
            .await
            .0,
        200
    );
    assert_eq!(
        member.session().await["account"]["role"],
        "builder",
        "effective on the next request"
    );

    assert_eq!(
        admin.call("remove_member", &[("user_id", &mo_id)]).await.0,
        200
    );
    let session = member.session().await;
    assert_ne!(
        session["account"]["id"],
        acme.as_str(),
        "moved to their own account: {session}"
    );
    let (status, _) = member
        .call("switch_account", &[("account_id", &acme)])
        .await;
    assert_eq!(status, 403, "no way back in");
    let (status, _) = admin
        .call("change_role", &[("user_id", &owner_id), ("role", "owner")])
        .await;
    assert_eq!(status, 200, "no change is no violation");
}

#[tokio::test]
async fn the_last_owner_can_neither_leave_nor_step_down() {
    let db = TestDatabase::create().await;
    let app = super::app(&db).await;
    let owner = verified_user(&app, "Olga", "olga@example.org", "Acme").await;
    let (owner_id, _) = ids(&owner).await;
    let (status, body) = owner
        .call("change_role", &[("user_id", &owner_id), ("role", "admin")])
        .await;
    assert_eq!(status, 403);
    assert!(
        body["Forbidden"]
            .as_str()
            .unwrap_or_default()
            .contains("at least one owner"),
        "{body}"
    );
    assert_eq!(
        owner
            .call("remove_member", &[("user_id", &owner_id)])
            .await
            .0,
        403
    );

    let admin = join(&app, &owner, "Al", "al@example.org", "admin").await;
    let al_id = member_id(&owner, "al@example.org").await;
    assert_eq!(
        owner
            .call("change_role", &[("user_id", &al_id), ("role", "owner")])
            .await
            .0,
        200
    );
    assert_eq!(
        owner
            .call("remove_member", &[("user_id", &owner_id)])
            .await
            .0,
        200,
        "another owner exists now"
    );
    assert_eq!(admin.session().await["account"]["role"], "owner");
    // Olga's leaving reaches Al's reads once the replica has it.
    let log = admin
        .call_until("load_audit_log", &[], |log| {
            log.to_string().contains("member.left")
        })
        .await;
    let actions: Vec<&str> = log
        .as_array()
        .expect("log")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        &actions[..2],
        ["member.left", "member.role_changed"],
        "{log}"
    );
}

#[tokio::test]
async fn account_pages_answer_with_the_status_of_what_they_show() {
    let db = TestDatabase::create().await;
    let app = super::app(&db).await;
    let owner = verified_user(&app, "Olga", "olga@example.org", "Acme").await;
    let member = join(&app, &owner, "Mo", "mo@example.org", "member").await;
    let page = |browser: &Browser, path: &str| {
        let request = browser.http.get(app.url(path));
        async move {
            let response = request.send().await.expect("page");
            (
                response.status().as_u16(),
                response.text().await.expect("html"),
            )
        }
    };
    let (status, html) = page(&Browser::new(&app), "/account/members").await;
    assert_eq!(status, 401);
    assert!(html.contains("Please sign in"), "{html}");
    let (status, html) = page(&member, "/account/audit").await;
    assert_eq!(status, 403);
    assert!(
        html.contains("Not allowed") && !html.contains("invitation.sent"),
        "{html}"
    );
    // Mo's joining reaches Olga's reads once the replica has it.
    owner
        .call_until("load_audit_log", &[], |log| {
            log.to_string().contains("invitation.accepted")
        })
        .await;
    let (status, html) = page(&owner, "/account/audit").await;
    assert_eq!(status, 200);
    assert!(html.contains("invitation.accepted"), "{html}");
    let (status, html) = page(&member, "/account/members").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("olga@example.org") && !html.contains("Send invitation"),
        "{html}"
    );
}
