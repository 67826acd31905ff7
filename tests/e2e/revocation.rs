//! Revoked rights stop at once: a right taken from a group, or a member taken from a group, is
//! gone on the member's very next request, for a group of any size and under concurrent edits of
//! its members, and the group change itself writes no member's profile.

use futures::future::join_all;
use secboard_tests::*;
use serde_json::json;

const MEMBERS: usize = 500;

async fn version(t: &TestApp, id: &str) -> u64 {
    let r = t.get(&format!("/api/users/{id}")).await;
    assert_eq!(r.status, 200, "{r:?}");
    r.body["profile"]["version"].as_u64().unwrap()
}

#[tokio::test]
async fn a_right_taken_from_a_group_of_500_stops_on_every_members_next_request_under_concurrent_edits() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let g = t.group(Some(&c), "Directory readers", json!({ "view": true, "edit": true })).await;
    let mut ids = vec![];
    for chunk in (0..MEMBERS).collect::<Vec<_>>().chunks(50) {
        let made = join_all(chunk.iter().map(|i| {
            t.user(json!({ "email": format!("m{i}@acme.test"), "first_name": "Mem", "last_name": format!("Ber{i}"), "company_id": c, "groups": [g] }))
        }))
        .await;
        for r in made {
            assert_eq!(r.status, 201, "{r:?}");
            ids.push(r.id());
        }
    }
    // A few members signed in, spread over the group.
    let mut signed_in = vec![];
    for i in [0, MEMBERS / 2, MEMBERS - 1] {
        t.set_password(&ids[i], "member password 1").await;
        let mut cookie = t.sign_in(&format!("m{i}@acme.test"), "member password 1").await;
        let done = t.step("POST", "/api/me/complete", Some(json!({})), &mut cookie).await;
        assert_eq!(done.status, 200, "{done:?}");
        assert_eq!(t.request("GET", "/api/users", None, Some(&cookie)).await.status, 200);
        signed_in.push(cookie);
    }
    let before: Vec<u64> = join_all(ids.iter().map(|id| version(&t, id))).await;
    let x = &ids[7];
    let read_before_change = before[7];

    // The right goes while an administrator edits twenty other members at the same moment.
    let group_version = t.get(&format!("/api/org/companies/{c}/groups")).await.body[0]["version"].as_u64().unwrap();
    let edits = join_all((100..120).map(|i| {
        let id = ids[i].clone();
        let v = before[i];
        let t = &t;
        async move { t.patch(&format!("/api/users/{id}"), json!({ "version": v, "phone": "+44 20 7946 0958" })).await }
    }));
    let group_path = format!("/api/org/companies/{c}/groups/{g}");
    let change = t.patch(&group_path, json!({ "version": group_version, "permissions": { "users": { "edit": true } } }));
    let (edits, change) = tokio::join!(edits, change);
    assert_eq!(change.status, 200, "{change:?}");
    for r in &edits {
        assert!(r.status == 200 || (r.status == 409 && r.field() == Some("groups[0]")), "{r:?}");
    }

    // Every signed-in member's next request is without the right, every time.
    for cookie in &signed_in {
        for _ in 0..3 {
            let r = t.request("GET", "/api/users", None, Some(cookie)).await;
            assert_eq!(r.status, 403, "{r:?}");
            assert_eq!(r.body["right"], "users.view");
        }
    }
    // The change wrote no member: profiles nobody edited keep their version.
    let after: Vec<u64> = join_all(ids.iter().map(|id| version(&t, id))).await;
    for (i, (b, a)) in before.iter().zip(&after).enumerate() {
        if !(100..120).contains(&i) {
            assert_eq!(b, a, "member {i} was rewritten by the group change");
        }
    }
    // So an edit read before the change is not refused as stale because of it.
    let r = t.patch(&format!("/api/users/{x}"), json!({ "version": read_before_change, "first_name": "Still" })).await;
    assert_eq!(r.status, 200, "{r:?}");
}

#[tokio::test]
async fn a_member_taken_out_of_a_group_loses_its_rights_on_the_next_request() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let g = t.group(Some(&c), "Readers", json!({ "view": true })).await;
    let (id, cookie) = t.member(&c, "reader@acme.test", &[&g]).await;
    assert_eq!(t.request("GET", "/api/users", None, Some(&cookie)).await.status, 200);
    let r = t.patch(&format!("/api/users/{id}"), json!({ "version": version(&t, &id).await, "groups": [] })).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(t.request("GET", "/api/users", None, Some(&cookie)).await.status, 403);
    // And given back, on the next request too.
    let r = t.patch(&format!("/api/users/{id}"), json!({ "version": version(&t, &id).await, "groups": [g] })).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(t.request("GET", "/api/users", None, Some(&cookie)).await.status, 200);
}

#[tokio::test]
async fn a_right_given_to_a_group_or_a_global_group_works_on_the_next_request() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let g = t.group(Some(&c), "Nothing yet", json!({})).await;
    let (_, cookie) = t.member(&c, "later@acme.test", &[&g]).await;
    assert_eq!(t.request("GET", "/api/users", None, Some(&cookie)).await.status, 403);
    let v = t.get(&format!("/api/org/companies/{c}/groups")).await.body[0]["version"].as_u64().unwrap();
    let r =
        t.patch(&format!("/api/org/companies/{c}/groups/{g}"), json!({ "version": v, "permissions": { "users": { "view": true } } })).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(t.request("GET", "/api/users", None, Some(&cookie)).await.status, 200);
    // A global group's right, given after the member's sign-in, reaches every company.
    let global = t.group(None, "Auditors", json!({})).await;
    let other = t.company("Other").await;
    let (id2, cookie2) = t.member(&other, "auditor@other.test", &[&global]).await;
    let _ = id2;
    assert_eq!(t.request("GET", &format!("/api/users?company={c}"), None, Some(&cookie2)).await.status, 403);
    let v = t.get("/api/org/groups").await.body[0]["version"].as_u64().unwrap();
    let r = t.patch(&format!("/api/org/groups/{global}"), json!({ "version": v, "permissions": { "users": { "view": true } } })).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(t.request("GET", &format!("/api/users?company={c}"), None, Some(&cookie2)).await.status, 200);
}

#[tokio::test]
async fn rights_stamped_under_an_older_derivation_are_derived_afresh() {
    use aws_sdk_dynamodb::types::AttributeValue;
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let g = t.group(Some(&c), "Readers", json!({ "view": true, "show_link": true })).await;
    let (id, cookie) = t.member(&c, "reader@acme.test", &[&g]).await;
    let rights = |r: &secboard_tests::Reply| r.body["rights"].clone();
    let me = t.request("GET", "/api/me", None, Some(&cookie)).await;
    assert!(rights(&me).to_string().contains("show_link"), "{me:?}");
    // The stamp an older derivation made: rights without show_link, at the epoch stored then
    // (the stored counter, before the derivation's version was added to it).
    let stored = t.raw_get("RIGHTS", "EPOCH").await.and_then(|i| i.get("n").and_then(|n| n.as_n().ok()).map(|n| n.to_owned()));
    t.raw_update(
        &format!("USER#{id}"),
        "PROFILE",
        "SET rights = :v",
        AttributeValue::M([("users.view".to_owned(), AttributeValue::S("company".into()))].into()),
    )
    .await;
    t.raw_update(&format!("USER#{id}"), "PROFILE", "SET rights_epoch = :v", AttributeValue::N(stored.unwrap_or_else(|| "0".into()))).await;
    let me = t.request("GET", "/api/me", None, Some(&cookie)).await;
    assert_eq!(me.status, 200, "{me:?}");
    assert!(rights(&me).to_string().contains("show_link"), "derived afresh, not the old stamp: {me:?}");
}

#[tokio::test]
async fn authorisation_is_one_round_trip_except_the_first_request_after_a_rights_change() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let g = t.group(Some(&c), "Readers", json!({ "view": true })).await;
    let (_, cookie) = t.member(&c, "reader@acme.test", &[&g]).await;
    let ops_of = |path: &'static str| {
        let (t, cookie) = (&t, cookie.clone());
        async move {
            let before = t.store.operations().len();
            let r = t.request("GET", path, None, Some(&cookie)).await;
            assert_eq!(r.status, 200, "{r:?}");
            t.store.operations()[before..].to_vec()
        }
    };
    let steady = ops_of("/api/me").await;
    assert_eq!(ops_of("/api/me").await, steady, "the same reads every time");
    let v = t.get(&format!("/api/org/companies/{c}/groups")).await.body[0]["version"].as_u64().unwrap();
    let r = t
        .patch(
            &format!("/api/org/companies/{c}/groups/{g}"),
            json!({ "version": v, "permissions": { "users": { "view": true, "export": true } } }),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let first = ops_of("/api/me").await;
    let extra: Vec<&String> = {
        let mut rest = steady.clone();
        first
            .iter()
            .filter(|o| match rest.iter().position(|s| s == *o) {
                Some(i) => {
                    rest.remove(i);
                    false
                }
                None => true,
            })
            .collect()
    };
    assert_eq!(extra, ["BatchGetItem", "UpdateItem"], "the groups read afresh, the rights stamped back: {first:?}");
    assert_eq!(ops_of("/api/me").await, steady, "then one round trip again");
}
