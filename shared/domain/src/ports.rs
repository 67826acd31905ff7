//! Ports: what the flows need from the outside, one small trait per capability. The DynamoDB
//! adapter implements them all; a flow asks only for what it uses.

use crate::Result;
use crate::email::Email;
use crate::filter::{StartKey, UserFilter};
use crate::ids::{CompanyId, EventId, GroupId, OrgItemId, UserId};
use crate::links::LinkKind;
use crate::mail::{MailLease, QueuedMail};
use crate::model::{
    AccessGroup, Account, AuditEvent, AuditTarget, CabinetSettings, Company, ItemKind, OrgItem, Profile, Source, TotpEnrolment,
    TotpPending, User,
};
use crate::permissions::Rights;
use crate::session::Session;
use async_trait::async_trait;
use jiff::Timestamp;
use jiff::civil::Date;

/// Something a profile refers to, counted while referred to so it cannot be deleted under it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefTarget {
    Company(CompanyId),
    Item(CompanyId, ItemKind, OrgItemId),
    /// A group as read at `version`: the write fails if it changed since, so rights computed
    /// from it are never stale.
    Group {
        company: Option<CompanyId>,
        id: GroupId,
        version: u64,
    },
}

/// A reference and the input field that made it (for the error if it is gone).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    pub field: String,
    pub target: RefTarget,
}

/// An edit of a user, as `AccountStore::update_user` saves it.
pub struct UserChange<'a> {
    pub before: &'a User,
    pub account: &'a Account,
    pub profile: &'a Profile,
    pub added: &'a [Reference],
    pub released: &'a [Reference],
    /// Groups kept from before: their versions are re-checked so the rights stay current.
    pub kept: &'a [Reference],
    /// An administrator resets the user's 2FA: the authenticator and backup codes go too.
    pub reset_two_factor: bool,
    /// Notices queued with the edit (the old address's for an email change, the user's for a
    /// password set by an administrator or a 2FA reset).
    pub mails: &'a [QueuedMail],
    /// The email changed: every live link, sent to the old address, is deleted with the edit.
    pub end_links: bool,
    /// How the edit moves the count of standing superusers (`superusers::delta`): a -1 is
    /// refused atomically when it would leave none standing.
    pub standing_superusers: i64,
    pub audit: &'a AuditEvent,
}

/// A user as a directory listing row: the profile with the account facts it needs.
#[derive(Clone, Debug)]
pub struct Listed {
    pub profile: Profile,
    pub email: Email,
    pub active: bool,
    pub staff: bool,
    pub superuser: bool,
    pub source: Source,
}

/// One page of a listing: at most one store page read; `next` resumes after it.
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<StartKey>,
    /// Items the store read to produce the page (before filtering).
    pub items_read: usize,
}

#[async_trait]
pub trait AccountStore: Send + Sync {
    async fn user_id_by_email(&self, email: &Email) -> Result<Option<UserId>>;
    async fn get_user(&self, id: &UserId) -> Result<Option<User>>;
    /// A new account without a profile; the email marker in the same transaction.
    async fn create_account(&self, account: &Account, audit: &AuditEvent) -> Result<()>;
    /// A new account with its profile, its references counted, in one transaction.
    async fn create_user(&self, account: &Account, profile: &Profile, refs: &[Reference], audit: &AuditEvent) -> Result<()>;
    /// A profile for an account that has none ("Use Existing User"), guarded by the account version;
    /// `released`: references the account held before (an import's memberships) let go of.
    async fn attach_profile(
        &self,
        account: &Account,
        profile: &Profile,
        refs: &[Reference],
        released: &[Reference],
        audit: &AuditEvent,
    ) -> Result<()>;
    /// Writes the profile's own fields, guarded by `expected_version` (its version before this write).
    async fn save_profile(&self, profile: &Profile, expected_version: u64, audit: Option<&AuditEvent>) -> Result<()>;
    async fn has_superuser(&self) -> Result<bool>;
    /// Keeps rights computed afresh on the profile, stamped with `epoch`, if the profile is still
    /// at `version` and stamped older: a shortcut for later requests, so losing the race to an
    /// edit is not an error. Writes nothing else, the version included.
    async fn stamp_rights(&self, user: &UserId, rights: &Rights, epoch: u64, version: u64) -> Result<()>;
    /// Saves the account (guarded by the version it was read at) with its notice and audit event;
    /// a conflict when it changed since.
    async fn save_account(&self, change: &AccountChange<'_>) -> Result<()>;
    /// Saves an edit of account and profile in one transaction, guarded by both versions as read
    /// in `before`: moves the email marker if the email changed, counts added references, releases
    /// removed ones, re-checks the versions of kept groups.
    async fn update_user(&self, change: &UserChange<'_>) -> Result<()>;
    /// Deletes the user's whole partition, the email marker, the superuser marker (refused for
    /// the last superuser) and releases what the profile referred to, keeping the audit event.
    async fn delete_user(&self, user: &User, released: &[Reference], audit: &AuditEvent) -> Result<()>;
    /// Sets (or with `None` removes) the photo key; answers the key it replaced.
    async fn set_avatar(&self, user: &UserId, key: Option<&str>, audit: &AuditEvent) -> Result<Option<String>>;
    /// Keeps the digest of a one-time first-admin setup token until `expires_at`.
    async fn put_setup_token(&self, digest: &str, expires_at: Timestamp) -> Result<()>;
    /// Spends a setup token: true once, if it exists and has not expired (one conditional delete).
    async fn take_setup_token(&self, digest: &str, now: Timestamp) -> Result<bool>;
    /// The user changes their own password, in one transaction: the account (guarded by
    /// `read_version`, with its new epoch ending every other session), the caller's session
    /// moved on (`keep.to`, on that epoch and its gate, under a new secret), the notice mail and
    /// the audit event.
    async fn change_password(
        &self,
        account: &Account,
        read_version: u64,
        keep: SessionMove<'_>,
        mail: Option<&QueuedMail>,
        audit: &AuditEvent,
    ) -> Result<()>;
}

/// A change of a user's 2FA saved with the account: the account as it will be (guarded by the
/// version it was read at), the notice mail and the audit event, in the same transaction.
/// An account saved under the version it was read at, with its notice and audit event.
pub struct AccountChange<'a> {
    pub account: &'a Account,
    pub read_version: u64,
    pub mail: Option<&'a QueuedMail>,
    pub audit: &'a AuditEvent,
}

/// A session moved on, under a new secret (`Session::renewed`): `from` is deleted (it must still
/// be there) and `to` written, in the same transaction as the step that moved it.
#[derive(Clone, Copy, Debug)]
pub struct SessionMove<'a> {
    pub from: &'a Session,
    pub to: &'a Session,
}

/// A session moved on in the same write that accepts a second factor.
pub type GateMove<'a> = Option<SessionMove<'a>>;

/// Authenticators and backup codes, in the user's partition.
#[async_trait]
pub trait TwoFactorStore: Send + Sync {
    /// Keeps a secret being set up (replacing an earlier one), with the audit event.
    async fn put_pending_totp(&self, user: &UserId, pending: &TotpPending, audit: &AuditEvent) -> Result<()>;
    async fn get_pending_totp(&self, user: &UserId) -> Result<Option<TotpPending>>;
    async fn get_totp(&self, user: &UserId) -> Result<Option<TotpEnrolment>>;
    /// Turns 2FA on: the pending secret (still there, unexpired at `now`) becomes `enrolment`, and
    /// the session moves on to its next gate, in one transaction. Conflict if the account changed
    /// or 2FA is already on.
    async fn enable_totp(&self, enrolment: &TotpEnrolment, now: Timestamp, change: &AccountChange<'_>, gate: GateMove<'_>) -> Result<()>;
    /// Turns 2FA off: the authenticator, backup codes and any pending secret are deleted.
    async fn disable_totp(&self, change: &AccountChange<'_>) -> Result<()>;
    /// Accepts a code's time step, only if it is later than the last one accepted (one conditional
    /// update), and moves the session on in the same transaction. False if it was not later.
    async fn accept_totp_step(&self, user: &UserId, step: i64, gate: GateMove<'_>) -> Result<bool>;
    /// Spends a backup code, only if it is still unspent (one conditional update), and moves the
    /// session on in the same transaction. False if it was not there.
    async fn spend_backup_code(&self, user: &UserId, digest: &str, gate: GateMove<'_>) -> Result<bool>;
    /// Replaces every backup code with `digests`, with the notice mail and the audit event.
    async fn replace_backup_codes(&self, user: &UserId, digests: &[String], mail: Option<&QueuedMail>, audit: &AuditEvent) -> Result<()>;
}

#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn put_session(&self, session: &Session, audit: &AuditEvent) -> Result<()>;
    /// Starts a session and saves `account` (its password rehashed at this sign-in) in the same
    /// transaction, the account only at `read_version`, with the audit events. False when the
    /// account changed since it was read: then nothing is written.
    async fn put_session_rehashed(&self, session: &Session, account: &Account, read_version: u64, audit: &[&AuditEvent]) -> Result<bool>;
    /// The session, its account and profile, and the deployment's rights epoch, in one round trip.
    async fn load_session(&self, user: &UserId, digest: &str) -> Result<Option<(Session, User, u64)>>;
    async fn touch_session(&self, session: &Session, now: Timestamp) -> Result<()>;
    /// Moves a session on under a new secret; `Unauthenticated` if it ended meanwhile.
    async fn move_session(&self, m: SessionMove<'_>) -> Result<()>;
    /// Whether there was such a session.
    async fn delete_session(&self, user: &UserId, digest: &str) -> Result<bool>;
    /// Every session item of the user, ended or not (timeouts and epoch are the caller's to
    /// check), in one Query on the user's partition, never a Scan.
    async fn list_sessions(&self, user: &UserId) -> Result<Vec<Session>>;
    /// Ends these sessions of the user (by digest, at most [`END_SESSIONS_MAX`]) with the audit
    /// event, in one transaction: each delete holds only while its session is still there. False
    /// when one was already gone; then nothing is written. No digests: nothing is written.
    async fn end_sessions(&self, user: &UserId, digests: &[String], audit: &AuditEvent) -> Result<bool>;
}

/// Most sessions [`SessionStore::end_sessions`] ends in one call: a transaction holds 100 items,
/// one of them the audit event.
pub const END_SESSIONS_MAX: usize = 99;

#[async_trait]
pub trait OrgStore: Send + Sync {
    async fn create_company(&self, company: &Company, audit: &AuditEvent) -> Result<()>;
    async fn get_company(&self, id: &CompanyId) -> Result<Option<Company>>;
    async fn list_companies(&self) -> Result<Vec<Company>>;
    async fn update_company(&self, company: &Company, expected_version: u64, audit: &AuditEvent) -> Result<()>;
    /// Refused (409 naming what refers to it) while anything belongs to or refers to the company.
    async fn delete_company(&self, id: &CompanyId, audit: &AuditEvent) -> Result<()>;

    /// A new item of an existing company (refused naming `company_id` if the company is gone).
    async fn create_item(&self, item: &OrgItem, refs: &[Reference], audit: &AuditEvent) -> Result<()>;
    async fn get_item(&self, company: &CompanyId, kind: ItemKind, id: &OrgItemId) -> Result<Option<OrgItem>>;
    async fn list_items(&self, company: &CompanyId, kind: ItemKind) -> Result<Vec<OrgItem>>;
    /// Many items of one company in one batch; missing ones are simply absent.
    async fn get_items(&self, company: &CompanyId, keys: &[(ItemKind, OrgItemId)]) -> Result<Vec<OrgItem>>;
    /// Groups by id, looked up among the company's groups and the global ones, in one batch.
    async fn find_groups(&self, company: &CompanyId, ids: &[GroupId]) -> Result<Vec<AccessGroup>>;
    /// The deployment's rights epoch (0 until a group's rights first change), read strongly.
    async fn rights_epoch(&self) -> Result<u64>;
    /// Saves a changed item; `refs` and `released` adjust what a role's groups refer to.
    async fn update_item(
        &self,
        item: &OrgItem,
        expected_version: u64,
        refs: &[Reference],
        released: &[Reference],
        audit: &AuditEvent,
    ) -> Result<()>;
    async fn delete_item(&self, item: &OrgItem, audit: &AuditEvent) -> Result<()>;

    async fn create_group(&self, group: &AccessGroup, audit: &AuditEvent) -> Result<()>;
    async fn get_group(&self, company: Option<&CompanyId>, id: &GroupId) -> Result<Option<AccessGroup>>;
    async fn list_groups(&self, company: Option<&CompanyId>) -> Result<Vec<AccessGroup>>;
    /// Saves a changed group and moves the rights epoch on, in one transaction.
    async fn update_group(&self, group: &AccessGroup, expected_version: u64, audit: &AuditEvent) -> Result<()>;
    /// Deletes a group no user or role refers to any more, moving the rights epoch on with it.
    async fn delete_group(&self, group: &AccessGroup, audit: &AuditEvent) -> Result<()>;

    async fn get_settings(&self, company: &CompanyId) -> Result<Option<CabinetSettings>>;
    async fn save_settings(&self, settings: &CabinetSettings, expected_version: u64, audit: &AuditEvent) -> Result<()>;
}

#[async_trait]
pub trait DirectoryStore: Send + Sync {
    /// One page of users, from the company's index (or the all-users index when `company` is
    /// `None`), sorted by last name, first name, id; filtered in the store; never a Scan.
    async fn list_users(
        &self,
        company: Option<&CompanyId>,
        filter: &UserFilter,
        today: Date,
        start: Option<StartKey>,
        limit: usize,
    ) -> Result<Page<Listed>>;
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn append(&self, event: &AuditEvent) -> Result<()>;
    /// Appends the event in a transaction shaped like sending a link (four items: the event and
    /// condition checks that write nothing), so a refused anonymous request costs what a granted
    /// one costs and its timing tells nothing.
    async fn append_padded(&self, event: &AuditEvent) -> Result<()>;
    /// Newest first.
    async fn list_audit(&self, target: &AuditTarget, limit: usize) -> Result<Vec<AuditEvent>>;
    /// The whole organisation's events of one UTC day, newest first, from the index by time (one
    /// Query a page, never a Scan), those whose action starts with `action` when given; at most
    /// `limit` events, reading at most `read_budget` items.
    async fn list_audit_day(&self, day: Date, action: Option<&str>, limit: usize, read_budget: usize) -> Result<Vec<AuditEvent>>;
}

/// Private objects (profile photos, exports) and short-lived links to them.
#[async_trait]
pub trait BlobStore: Send + Sync {
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str, disposition: Option<&str>) -> Result<()>;
    /// Deleting what is not there is not an error.
    async fn delete(&self, key: &str) -> Result<()>;
    /// A GET link valid for `valid_for`. It is signed at the real time, since the storage service
    /// checks it against its own clock; flows report the expiry from their clock.
    async fn presign_get(&self, key: &str, valid_for: jiff::SignedDuration) -> Result<String>;
    /// A PUT link valid for `valid_for`, for an upload straight to storage of exactly
    /// `content_length` bytes of `content_type`: both headers are signed, so storage refuses a
    /// body of any other size or type.
    async fn presign_put(&self, key: &str, content_type: &str, content_length: u64, valid_for: jiff::SignedDuration) -> Result<String>;
    /// The object's size in bytes (a HEAD, nothing read); `None` if there is none.
    async fn size(&self, key: &str) -> Result<Option<u64>>;
    /// Copies an object into a local file (streamed: memory stays flat); `false` if there is none.
    async fn download(&self, key: &str, to: &std::path::Path) -> Result<bool>;
    /// Stores a local file (streamed from disk).
    async fn put_file(&self, key: &str, from: &std::path::Path, content_type: &str) -> Result<()>;
}

/// A link as stored: which kind, the digest of its secret, when it expires.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredLink {
    pub kind: LinkKind,
    pub digest: String,
    pub expires_at: Timestamp,
}

/// One-time links: one live link per user and kind.
#[async_trait]
pub trait LinkStore: Send + Sync {
    /// The user's links of these kinds, in one round trip (expired ones too, until the store
    /// deletes them: expiry is the caller's to check).
    async fn links(&self, user: &UserId, kinds: &[LinkKind]) -> Result<Vec<StoredLink>>;
    /// Saves the link (replacing a live one of its kind) and queues its mail, with the audit
    /// event, in one transaction.
    async fn put_link(
        &self,
        user: &UserId,
        kind: LinkKind,
        digest: &str,
        expires_at: Timestamp,
        mail: &QueuedMail,
        audit: &AuditEvent,
    ) -> Result<()>;
    /// Spends a link in one transaction: deletes it if its digest matches and it has not expired,
    /// saves `account` (guarded by the version it was read at), queues `mail`, writes the audit.
    /// False when there was no such live link (then nothing is written).
    #[allow(clippy::too_many_arguments)]
    async fn spend_link(
        &self,
        user: &UserId,
        kind: LinkKind,
        digest: &str,
        now: Timestamp,
        account: Option<(&Account, u64)>,
        mail: Option<&QueuedMail>,
        audit: &AuditEvent,
    ) -> Result<bool>;
}

/// The mail queue. Reading it is a hint (an eventually consistent index that may still list mail
/// just sent or claimed); the claim, a conditional write, decides which mailer sends a mail.
#[async_trait]
pub trait MailStore: Send + Sync {
    async fn queue_mail(&self, mail: &QueuedMail, audit: Option<&AuditEvent>) -> Result<()>;
    /// Candidates for delivery, the oldest queued mail first, leaving out mail held by a lease
    /// still running at `now`.
    async fn pending_mail(&self, limit: usize, now: Timestamp) -> Result<Vec<QueuedMail>>;
    /// Claims a mail for sending under `lease`, in one conditional write: only while it is queued
    /// and no lease on it runs at `now`. The mail as the claim left it (read strongly), or `None`
    /// when it was sent or dead-lettered, or another mailer holds it.
    async fn claim_mail(&self, id: &EventId, lease: &MailLease, now: Timestamp) -> Result<Option<QueuedMail>>;
    /// Marks a mail sent, only under the lease its claim took (repeating it changes nothing).
    /// False when that claim was lost: the lease ran out and another mailer claimed the mail.
    async fn mail_sent(&self, id: &EventId, lease: &MailLease, now: Timestamp) -> Result<bool>;
    /// Counts a failed attempt under the lease its claim took and lets the mail go: back to the
    /// queue for a later round, or (`dead`) out of it for an administrator to see. False when
    /// that claim was lost (then nothing is written).
    async fn mail_failed(&self, id: &EventId, lease: &MailLease, attempts: u32, dead: bool, now: Timestamp) -> Result<bool>;
    /// Mail no longer goes to the address named by `address_key` (a keyed digest of it): it
    /// bounced for good or its owner complained. Saved with the audit event.
    async fn suppress_address(&self, address_key: &str, reason: &str, at: Timestamp, audit: &AuditEvent) -> Result<()>;
    /// Why and since when mail no longer goes to the address, if it does not.
    async fn suppressed(&self, address_key: &str) -> Result<Option<(String, Timestamp)>>;
    /// Lets mail go to the address again; whether it was suppressed.
    async fn clear_suppression(&self, address_key: &str, audit: &AuditEvent) -> Result<bool>;
}

/// Where mail goes: the adapter renders the message (MIME, in the mail's language) and sends it
/// (SES on AWS, the outbox locally). An error leaves the mail queued for a later round.
#[async_trait]
pub trait MailSender: Send + Sync {
    async fn send(&self, mail: &crate::mail::Mail, message_id: &str, queued_at: Timestamp) -> anyhow::Result<()>;
}

/// How guessable a new password is: the estimator with its dictionaries (common passwords, words,
/// names) lives in its own crate, linked only by the functions that set passwords.
pub trait PasswordStrength: Send + Sync {
    /// Why `password` is too easy to guess, with `context` (the user's own details, lower case)
    /// counting as guessable too; `None` when it is strong enough.
    fn weakness(&self, password: &str, context: &[&str]) -> Option<String>;
}

/// Reads an uploaded image in full: the decoder lives in its own crate, linked only by the
/// functions that take photos.
pub trait PhotoDecoder: Send + Sync {
    /// What the bytes are, decoding at most `max_side` pixels a side.
    fn decode(&self, bytes: &[u8], max_side: u32) -> crate::photo::Decoded;
}

/// Failure counts for throttling, per scope (see [`crate::throttle`]).
#[async_trait]
pub trait ThrottleStore: Send + Sync {
    /// The failures counted and when the last one was, if any are remembered.
    async fn failures(&self, scope: &str) -> Result<Option<(u32, Timestamp)>>;
    /// The same for several scopes, in one round trip, in order.
    async fn failures_of(&self, scopes: &[&str]) -> Result<Vec<Option<(u32, Timestamp)>>>;
    /// Counts an attempt as a failure before its secret is checked (a success clears it), if the
    /// count is still `seen` as read (`None`: nothing remembered). False when a concurrent attempt
    /// counted first: then this one is not checked, so a burst cannot outrun the count.
    async fn reserve_attempt(&self, scope: &str, seen: Option<u32>, now: Timestamp, forget_after: jiff::SignedDuration) -> Result<bool>;
    /// Counts one more failure (remembered `forget_after` from now); answers the new count.
    async fn record_failure(&self, scope: &str, now: Timestamp, forget_after: jiff::SignedDuration) -> Result<u32>;
    async fn clear_failures(&self, scope: &str) -> Result<()>;
    /// Counts one event against every cap in `caps`, all or none: each count is written only over
    /// the window as read and only while under its limit and spacing (conditional writes in one
    /// transaction), so concurrent requests never count past a cap. When one cap refuses, nothing
    /// is counted and the answer says which and why.
    async fn count_capped(&self, caps: &[crate::throttle::Cap], now: Timestamp) -> Result<crate::throttle::CapCount>;
}

/// Bringing accounts in (`flows::import_django`).
#[async_trait]
pub trait ImportStore: Send + Sync {
    /// The accounts these emails belong to (two batch reads: the email markers, then the
    /// accounts); emails no account has are simply absent.
    async fn accounts_by_emails(&self, emails: &[Email]) -> Result<Vec<Account>>;
    /// New accounts (no profile) in one transaction: each with its email marker, only while the
    /// email is free (`email_taken` otherwise, and nothing is written), the superuser markers,
    /// each group's member count moved once by `members`' total for it, the count of standing
    /// superusers moved once, and the audit event. The caller keeps it within 100 items.
    async fn import_accounts(&self, accounts: &[Account], members: &[(CompanyId, GroupId, i64)], audit: &AuditEvent) -> Result<()>;
}

/// Verifies a password against a Django hash whose format was checked
/// (`django_password::DjangoPassword::parse`). As slow as the hash asks: run it on the blocking pool.
pub trait DjangoVerifier: Send + Sync {
    fn verify(&self, password: &str, hash: &crate::django_password::DjangoHash) -> bool;
}

/// The directory connection's settings (one per deployment).
#[async_trait]
pub trait AdSettingsStore: Send + Sync {
    async fn get_ad_settings(&self) -> Result<Option<crate::active_directory::AdSettings>>;
    /// Saves the settings with the audit event: new when `expected_version` is `None` (refused if
    /// some exist), else only over that version (a stale write is a conflict).
    async fn save_ad_settings(
        &self,
        settings: &crate::active_directory::AdSettings,
        expected_version: Option<u64>,
        audit: &AuditEvent,
    ) -> Result<()>;
    /// Deletes the settings with the audit event; false when there were none.
    async fn delete_ad_settings(&self, audit: &AuditEvent) -> Result<bool>;
}

/// Accounts linked to directory entries by `objectGUID` (`ADGUID#<hex>` markers).
#[async_trait]
pub trait AdAccountStore: Send + Sync {
    /// The account linked to the entry with this GUID, if any (the marker may outlive a deleted
    /// account: the caller reads the user).
    async fn user_id_by_ad_guid(&self, guid: &str) -> Result<Option<UserId>> {
        Ok(self.ad_link(guid).await?.map(|(id, _)| id))
    }
    /// [`AdAccountStore::user_id_by_ad_guid`], and whether the marker is on the index of linked
    /// entries yet (markers written before the scheduled sync are not, until
    /// [`AdAccountStore::index_ad_guid`]).
    async fn ad_link(&self, guid: &str) -> Result<Option<(UserId, bool)>>;
    /// Puts an older GUID marker on the index of linked entries (if it still names `user`).
    async fn index_ad_guid(&self, guid: &str, user: &UserId) -> Result<()>;
    /// Every entry linked to an account, as (GUID, account): a Query of the index of linked
    /// entries, page after page (never a Scan).
    async fn ad_links(&self) -> Result<Vec<(String, UserId)>>;
    /// A new directory account with its email marker and GUID marker, and its cabinet profile
    /// with the profile's references counted when `profile` is given, in one transaction; `stale`
    /// names the deleted account a leftover GUID marker still points at.
    async fn create_ad_account(
        &self,
        account: &Account,
        profile: Option<(&Profile, &[Reference])>,
        guid: &str,
        stale: Option<&UserId>,
        audit: &AuditEvent,
    ) -> Result<()>;
    /// A profileless directory account refreshed from its entry: the account (guarded by
    /// `before`'s version) and, when the email changed, the email marker moved and the live links
    /// deleted, in one transaction (an email another account has is `email_taken`).
    async fn refresh_ad_account(&self, before: &Account, account: &Account, audit: &AuditEvent) -> Result<()>;
    /// Links an existing account to an entry: the account (guarded by `read_version`) and the GUID
    /// marker, in one transaction.
    async fn link_ad_account(&self, account: &Account, read_version: u64, guid: &str, audit: &AuditEvent) -> Result<()>;
}

/// Import jobs (`flows::import_job`), in their owner's partition.
#[async_trait]
pub trait ImportJobStore: Send + Sync {
    /// Saves a job: a new one only if none has its id (`expected` is `None`), else only while it
    /// still has the `expected` status. Answers whether it was saved (a job claimed by another
    /// run, or gone, is not).
    async fn save_job(&self, job: &crate::model::ImportJob, expected: Option<crate::model::ImportJobStatus>) -> Result<bool>;
    async fn get_job(&self, owner: &UserId, id: &str) -> Result<Option<crate::model::ImportJob>>;
}

/// Everything the store offers.
pub trait Store:
    AccountStore
    + SessionStore
    + OrgStore
    + DirectoryStore
    + AuditStore
    + LinkStore
    + MailStore
    + ThrottleStore
    + TwoFactorStore
    + AdSettingsStore
    + AdAccountStore
    + ImportStore
    + ImportJobStore
{
}
impl<T> Store for T where
    T: AccountStore
        + SessionStore
        + OrgStore
        + DirectoryStore
        + AuditStore
        + LinkStore
        + MailStore
        + ThrottleStore
        + TwoFactorStore
        + AdSettingsStore
        + AdAccountStore
        + ImportStore
        + ImportJobStore
{
}
