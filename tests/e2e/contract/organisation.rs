//! OrgStore: companies, their items and access groups, counted while referred to.

use super::{Fx, conflict};
use secboard_domain::Error;
use secboard_domain::model::ItemKind;
use secboard_domain::ports::{AccountStore, OrgStore, RefTarget, Reference};
use secboard_domain::text::Name;
use secboard_tests::TestApp;

#[tokio::test]
async fn a_department_is_not_deleted_while_a_user_refers_to_it() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let company = fx.company("Acme").await;
    let dep = fx.item(&company, ItemKind::Department, "Security");
    t.store.create_item(&dep, &[], &fx.audit()).await.unwrap();
    let held = Reference { field: "department_id".into(), target: RefTarget::Item(company.id.clone(), dep.kind, dep.id.clone()) };
    let (account, _) = fx.user("d@example.com", &company, std::slice::from_ref(&held)).await;

    let e = t.store.delete_item(&dep, &fx.audit()).await.unwrap_err();
    assert_eq!(conflict(e), (None, "this department is still referred to by 1 user(s)".into()));
    assert!(t.store.get_item(&company.id, dep.kind, &dep.id).await.unwrap().is_some());

    let user = t.store.get_user(&account.id).await.unwrap().unwrap();
    t.store.delete_user(&user, &[held], &fx.audit()).await.unwrap();
    t.store.delete_item(&dep, &fx.audit()).await.expect("released with the user");
    assert!(t.store.get_item(&company.id, dep.kind, &dep.id).await.unwrap().is_none());
}

#[tokio::test]
async fn a_company_is_not_deleted_while_anything_belongs_to_it() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let company = fx.company("Acme").await;
    let pos = fx.item(&company, ItemKind::Position, "Engineer");
    t.store.create_item(&pos, &[], &fx.audit()).await.unwrap();
    let group = fx.group(Some(&company), "Risk");
    t.store.create_group(&group, &fx.audit()).await.unwrap();

    let e = t.store.delete_company(&company.id, &fx.audit()).await.unwrap_err();
    assert_eq!(conflict(e).1, "this company still has 2 department(s), position(s), role(s), quiz(zes) or access group(s)");

    t.store.delete_item(&pos, &fx.audit()).await.unwrap();
    t.store.delete_group(&group, &fx.audit()).await.unwrap();
    t.store.delete_company(&company.id, &fx.audit()).await.unwrap();
    assert!(t.store.get_company(&company.id).await.unwrap().is_none());
    assert!(matches!(t.store.delete_company(&company.id, &fx.audit()).await, Err(Error::NotFound(_))));
}

#[tokio::test]
async fn nothing_is_created_in_a_company_that_is_not_there() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let missing = fx.unsaved_company("Gone");
    let e = t.store.create_item(&fx.item(&missing, ItemKind::Quiz, "Q1"), &[], &fx.audit()).await;
    assert!(matches!(e, Err(Error::NotFound("company"))), "{e:?}");
    let e = t.store.create_group(&fx.group(Some(&missing), "G"), &fx.audit()).await;
    assert!(matches!(e, Err(Error::NotFound("company"))), "{e:?}");
    assert!(t.store.list_items(&missing.id, ItemKind::Quiz).await.unwrap().is_empty());
    assert!(t.store.list_groups(Some(&missing.id)).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_reference_to_a_group_that_changed_since_it_was_read_is_refused() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let company = fx.company("Acme").await;
    let mut group = fx.group(None, "Global auditors");
    t.store.create_group(&group, &fx.audit()).await.unwrap();
    let as_read = Reference { field: "groups[0]".into(), target: RefTarget::Group { company: None, id: group.id.clone(), version: 1 } };

    group.name = Name::parse("name", "Auditors").unwrap();
    group.version = 2;
    t.store.update_group(&group, 1, &fx.audit()).await.unwrap();
    let e = t.store.update_group(&group, 1, &fx.audit()).await.unwrap_err();
    assert_eq!(conflict(e).0.as_deref(), Some("version"), "a stale update is refused too");

    let mut account = fx.account("g@example.com");
    account.has_profile = true;
    let profile = fx.profile(&account, &company, "G");
    let e = t.store.create_user(&account, &profile, &[as_read], &fx.audit()).await.unwrap_err();
    assert_eq!(conflict(e), (Some("groups[0]".into()), "this access group changed or was deleted meanwhile; reload and try again".into()));
    assert!(t.store.get_user(&account.id).await.unwrap().is_none());
    assert_eq!(t.store.get_group(None, &group.id).await.unwrap().unwrap().name.as_str(), "Auditors");
}

#[tokio::test]
async fn every_change_of_a_group_moves_the_rights_epoch_on_in_its_own_transaction() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let company = fx.company("Acme").await;
    // A fresh table starts at the rights' derivation version (no change of rights yet).
    let start = t.store.rights_epoch().await.unwrap();
    assert_eq!(start, secboard_domain::permissions::RIGHTS_DERIVATION);
    let mut group = fx.group(Some(&company), "Readers");
    t.store.create_group(&group, &fx.audit()).await.unwrap();
    assert_eq!(t.store.rights_epoch().await.unwrap(), start, "a new group has no members yet");
    group.version = 2;
    t.store.update_group(&group, 1, &fx.audit()).await.unwrap();
    assert_eq!(t.store.rights_epoch().await.unwrap(), start + 1);
    let e = t.store.update_group(&group, 1, &fx.audit()).await.unwrap_err();
    assert_eq!(conflict(e).0.as_deref(), Some("version"));
    assert_eq!(t.store.rights_epoch().await.unwrap(), start + 1, "a refused change moves nothing");
    t.store.delete_group(&group, &fx.audit()).await.unwrap();
    assert_eq!(t.store.rights_epoch().await.unwrap(), start + 2);
}

#[tokio::test]
async fn rights_are_stamped_back_only_on_the_profile_as_read_and_only_forward() {
    use secboard_domain::permissions::{Action, Module, Rights, Scope};
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let company = fx.company("Acme").await;
    let (account, profile) = fx.user("r@example.com", &company, &[]).await;
    let view = Rights([("users.view".to_owned(), Scope::Company)].into());
    t.store.stamp_rights(&account.id, &view, 3, profile.version).await.unwrap();
    let got = t.store.get_user(&account.id).await.unwrap().unwrap().profile.unwrap();
    assert_eq!((got.rights.scope(Module::Users, Action::View), got.rights_epoch, got.version), (Some(Scope::Company), 3, profile.version));
    // Older stamps and stale versions write nothing, and are not errors.
    t.store.stamp_rights(&account.id, &Rights::default(), 2, profile.version).await.unwrap();
    t.store.stamp_rights(&account.id, &Rights::default(), 4, profile.version + 1).await.unwrap();
    let got = t.store.get_user(&account.id).await.unwrap().unwrap().profile.unwrap();
    assert_eq!((got.rights, got.rights_epoch), (view, 3));
}
