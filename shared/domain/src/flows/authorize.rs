//! Authorising a request: one store round trip (session, account and profile together), then the
//! session's timeouts and epoch, the account's activation, and the route's gate.

use super::Deps;
use crate::activation::Activation;
use crate::model::{Profile, User};
use crate::permissions::Actor;
use crate::session::{Access, Liveness, Session, SessionToken};
use crate::{Error, Result};

/// The signed-in caller.
#[derive(Clone, Debug)]
pub struct Principal {
    pub user: User,
    pub session: Session,
    pub source_ip: String,
}

impl Principal {
    pub fn actor(&self) -> Actor {
        let profile = self.user.profile.as_ref();
        Actor {
            superuser: self.user.account.superuser,
            company: profile.map(|p| p.company.id.clone()),
            rights: profile.map(|p| p.rights.clone()).unwrap_or_default(),
        }
    }
    pub fn profile(&self) -> Result<&Profile> {
        self.user.profile.as_ref().ok_or(Error::NotFound("profile"))
    }
    pub fn id(&self) -> &crate::ids::UserId {
        &self.user.account.id
    }
}

pub async fn authorize(deps: &Deps, token: Option<&SessionToken>, access: Access, source_ip: &str) -> Result<Principal> {
    let token = token.ok_or(Error::Unauthenticated)?;
    let (session, user) = deps.store.load_session(&token.user_id, &token.digest()).await?.ok_or(Error::Unauthenticated)?;
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
    Ok(Principal { user, session, source_ip: source_ip.to_owned() })
}
