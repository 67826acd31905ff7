//! Contract tests per store port: each port's promises, called on the `DynamoStore` directly over
//! a fresh table, on the embedded dynoxide engine or on moto (`SECBOARD_TEST_DYNAMODB`). A test
//! that needs concurrent writes has `concurrent` in its name, so the moto run can leave it out.

mod accounts;
mod audit;
mod directory;
mod links;
mod mail_queue;
mod organisation;
mod sessions;
mod throttle;
mod two_factor;

use jiff::Timestamp;
use jiff::civil::Date;
use secboard_domain::Error;
use secboard_domain::clock::{Clock, OsEntropy};
use secboard_domain::email::Email;
use secboard_domain::ids::{CompanyId, EventId, GroupId, OrgItemId, UserId};
use secboard_domain::mail::QueuedMail;
use secboard_domain::model::{AccessGroup, Account, AuditEvent, AuditTarget, Company, Credential, ItemKind, OrgItem, Profile, Ref};
use secboard_domain::ports::{AccountStore, OrgStore, RefTarget, Reference};
use secboard_domain::text::Name;
use secboard_tests::{ADMIN_EMAIL, TestApp};

/// Builds the domain values the ports take, with ids and times from the test's clock.
pub struct Fx<'a> {
    pub t: &'a TestApp,
}

impl Fx<'_> {
    pub fn now(&self) -> Timestamp {
        self.t.clock.now()
    }

    pub fn user_id(&self) -> UserId {
        UserId::new(self.t.clock.as_ref(), &OsEntropy)
    }

    pub fn account(&self, email: &str) -> Account {
        Account::new(self.user_id(), Email::parse("email", email).unwrap(), Credential::None, self.now())
    }

    pub fn profile(&self, account: &Account, company: &Company, last_name: &str) -> Profile {
        Profile {
            user_id: account.id.clone(),
            company: Ref { id: company.id.clone(), name: company.name.as_str().to_owned() },
            first_name: Name::parse("first_name", "Test").unwrap(),
            last_name: Name::parse("last_name", last_name).unwrap(),
            phone: None,
            department: None,
            position: None,
            roles: vec![],
            groups: vec![],
            quizzes: vec![],
            colour: None,
            start_date: None,
            end_date: None,
            language: None,
            completed: false,
            rights: Default::default(),
            rights_epoch: 0,
            avatar_key: None,
            version: 1,
            created_at: self.now(),
        }
    }

    pub fn event(&self, action: &str, target: AuditTarget) -> AuditEvent {
        AuditEvent {
            id: EventId::new(self.t.clock.as_ref(), &OsEntropy),
            at: self.now(),
            actor: None,
            action: action.to_owned(),
            target,
            detail: serde_json::json!({}),
            source_ip: None,
        }
    }

    pub fn audit(&self) -> AuditEvent {
        self.event("contract.test", AuditTarget::Global)
    }

    pub fn mail(&self, user: Option<&UserId>) -> QueuedMail {
        QueuedMail {
            id: EventId::new(self.t.clock.as_ref(), &OsEntropy),
            user: user.cloned(),
            kind: "contract".to_owned(),
            queued_at: self.now(),
            sealed: vec![1, 2, 3],
            attempts: 0,
        }
    }

    /// A company as the domain makes it, not yet saved.
    pub fn unsaved_company(&self, name: &str) -> Company {
        Company {
            id: CompanyId::new(self.t.clock.as_ref(), &OsEntropy),
            name: Name::parse("name", name).unwrap(),
            version: 1,
            created_at: self.now(),
        }
    }

    pub async fn company(&self, name: &str) -> Company {
        let company = self.unsaved_company(name);
        self.t.store.create_company(&company, &self.audit()).await.unwrap();
        company
    }

    pub fn item(&self, company: &Company, kind: ItemKind, name: &str) -> OrgItem {
        OrgItem {
            id: OrgItemId::new(self.t.clock.as_ref(), &OsEntropy),
            company_id: company.id.clone(),
            kind,
            name: Name::parse("name", name).unwrap(),
            groups: vec![],
            version: 1,
            created_at: self.now(),
        }
    }

    pub fn group(&self, company: Option<&Company>, name: &str) -> AccessGroup {
        AccessGroup {
            id: GroupId::new(self.t.clock.as_ref(), &OsEntropy),
            company_id: company.map(|c| c.id.clone()),
            name: Name::parse("name", name).unwrap(),
            permissions: Default::default(),
            directory_sync: false,
            version: 1,
            created_at: self.now(),
        }
    }

    /// A user with a profile in `company`, holding `refs`, saved through the port.
    pub async fn user(&self, email: &str, company: &Company, refs: &[Reference]) -> (Account, Profile) {
        let mut account = self.account(email);
        account.has_profile = true;
        let profile = self.profile(&account, company, "User");
        let mut refs = refs.to_vec();
        refs.push(Reference { field: "company_id".into(), target: RefTarget::Company(company.id.clone()) });
        self.t.store.create_user(&account, &profile, &refs, &self.audit()).await.unwrap();
        (account, profile)
    }

    /// The first administrator the test app made: a superuser.
    pub async fn admin(&self) -> Account {
        let id = self.t.store.user_id_by_email(&Email::parse("e", ADMIN_EMAIL).unwrap()).await.unwrap().expect("the first admin");
        self.t.store.get_user(&id).await.unwrap().unwrap().account
    }
}

pub fn date(s: &str) -> Date {
    s.parse().unwrap()
}

/// The field and message of a conflict (or of invalid input).
pub fn conflict(e: Error) -> (Option<String>, String) {
    match e {
        Error::Conflict { field, message, .. } => (field, message),
        Error::Invalid { field, message } => (Some(field), message),
        other => panic!("expected a conflict, got {other:?}"),
    }
}
