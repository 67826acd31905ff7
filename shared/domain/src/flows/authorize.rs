//! Authorising a request: one store round trip (session, account, profile and the deployment's
//! rights epoch together), then the session's timeouts and epoch, the account's activation, the
//! route's gate, and the caller's rights.
//!
//! Rights are kept on the profile, stamped with the rights epoch they were computed at. Every
//! change of a group's rights moves the epoch on in the same transaction, so a profile stamped
//! with an older epoch may hold a right its groups no longer give: its rights are then computed
//! afresh from its groups (a second round trip, through a cache of group rights per epoch kept by
//! the function instance) and stamped back on the profile for later requests. A member taken out
//! of a group has a new profile already. Either way the very next request sees the change, for a
//! group of any size, and the change itself writes no member.

use super::Deps;
use crate::activation::Activation;
use crate::ids::GroupId;
use crate::model::{AccessGroup, Profile, User};
use crate::permissions::{Actor, Permissions, Rights};
use crate::ports::Store;
use crate::session::{Access, Gate, Liveness, Session, SessionToken};
use crate::{Error, Result};
use std::collections::HashMap;
use std::sync::Mutex;

/// The signed-in caller.
#[derive(Clone, Debug)]
pub struct Principal {
    pub user: User,
    pub session: Session,
    pub source_ip: String,
    /// The caller's rights as of this request (see the module's notes).
    pub rights: Rights,
}

impl Principal {
    pub fn actor(&self) -> Actor {
        Actor {
            superuser: self.user.account.superuser,
            company: self.user.profile.as_ref().map(|p| p.company.id.clone()),
            rights: self.rights.clone(),
        }
    }
    pub fn profile(&self) -> Result<&Profile> {
        self.user.profile.as_ref().ok_or(Error::NotFound("profile"))
    }
    pub fn id(&self) -> &crate::ids::UserId {
        &self.user.account.id
    }
    /// The caller's session moved on to `gate` under a new secret (`Session::renewed`): the
    /// token goes into the answer's cookie once the store has made the move.
    pub fn moved_on<S: Store + ?Sized>(&self, deps: &Deps<S>, gate: Gate) -> (SessionToken, Session) {
        let token = SessionToken::generate(self.id().clone(), deps.entropy.as_ref());
        let to = self.session.renewed(&token, gate, deps.now());
        (token, to)
    }
}

/// Where a step left the session: its next gate and, when the session moved on, the new token
/// for the cookie (the one sent with the request no longer works).
#[derive(Debug)]
pub struct Step {
    pub next: Gate,
    pub token: Option<SessionToken>,
}

/// A group's rights and whether it is global; `None` for a group that is gone.
type GroupRights = Option<(Permissions, bool)>;

/// Group rights as read at one rights epoch, kept by a function instance across requests.
#[derive(Debug, Default)]
pub struct RightsCache {
    inner: Mutex<(u64, HashMap<GroupId, GroupRights>)>,
}

impl RightsCache {
    /// The cached rights of `ids` at `epoch` (`None` for a group not cached); a newer epoch
    /// forgets everything cached before it.
    fn get(&self, epoch: u64, ids: &[GroupId]) -> Vec<Option<GroupRights>> {
        let mut c = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if c.0 != epoch {
            *c = (epoch, HashMap::new());
        }
        ids.iter().map(|id| c.1.get(id).cloned()).collect()
    }
    /// Keeps groups read (strongly, after `epoch` was read) for requests at that epoch.
    fn put(&self, epoch: u64, read: &[(GroupId, GroupRights)]) {
        let mut c = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if c.0 == epoch {
            c.1.extend(read.iter().cloned());
        }
    }
}

/// The rights `profile` gives at rights epoch `epoch`: as stamped when the stamp is current;
/// otherwise computed afresh from its groups (deleted groups give nothing) and stamped back.
pub async fn rights_at<S: Store + ?Sized>(deps: &Deps<S>, profile: &Profile, epoch: u64) -> Result<Rights> {
    if profile.rights_epoch >= epoch {
        return Ok(profile.rights.clone());
    }
    let ids: Vec<GroupId> = profile.groups.iter().map(|g| g.id.clone()).collect();
    let cached = deps.rights.get(epoch, &ids);
    let missing: Vec<GroupId> = ids.iter().zip(&cached).filter(|(_, c)| c.is_none()).map(|(id, _)| id.clone()).collect();
    let mut known: HashMap<GroupId, GroupRights> = ids.iter().cloned().zip(cached).filter_map(|(id, c)| c.map(|c| (id, c))).collect();
    if !missing.is_empty() {
        let found: Vec<AccessGroup> = deps.store.find_groups(&profile.company.id, &missing).await?;
        let read: Vec<(GroupId, GroupRights)> = missing
            .iter()
            .map(|id| {
                let g = found.iter().find(|g| &g.id == id && g.company_id.as_ref().is_none_or(|c| c == &profile.company.id));
                (id.clone(), g.map(|g| (g.permissions.clone(), g.company_id.is_none())))
            })
            .collect();
        deps.rights.put(epoch, &read);
        known.extend(read);
    }
    let rights = Rights::from_groups(known.values().flatten().map(|(p, global)| (p, *global)));
    deps.store.stamp_rights(&profile.user_id, &rights, epoch, profile.version).await?;
    Ok(rights)
}

pub async fn authorize<S: Store + ?Sized>(
    deps: &Deps<S>,
    token: Option<&SessionToken>,
    access: Access,
    source_ip: &str,
) -> Result<Principal> {
    let token = token.ok_or(Error::Unauthenticated)?;
    let (session, user, epoch) = deps.store.load_session(&token.user_id, &token.digest()).await?.ok_or(Error::Unauthenticated)?;
    let now = deps.now();
    let liveness = session.check(user.account.epoch, now)?;
    let (start, end) = user.profile.as_ref().map(|p| (p.start_date, p.end_date)).unwrap_or_default();
    if !Activation::of(user.account.active, start, end, deps.today()).allows_sign_in() {
        // Deactivated or out of its dates since signing in: the session stops here.
        deps.store.delete_session(&session.user_id, &session.digest).await?;
        return Err(Error::Unauthenticated);
    }
    access.admits(session.gate)?;
    if liveness == Liveness::LiveTouch {
        deps.store.touch_session(&session, now).await?;
    }
    let rights = match &user.profile {
        Some(p) => rights_at(deps, p, epoch).await?,
        None => Rights::default(),
    };
    Ok(Principal { user, session, source_ip: source_ip.to_owned(), rights })
}
