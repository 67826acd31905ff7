//! The directory: one page of users by filter, within the caller's company scope, and one user.
//!
//! Cost of a page: one Query on the company's index (or the all-users index for a caller whose
//! right is global and who names no company), `Limit` = page size, so at most `per_page` items
//! are read; filters apply in the store, so a page may come back short, with a cursor to go on.

use super::Deps;
use super::authorize::Principal;
use super::views::{AdminUserView, UserView, link_avatar};
use crate::filter::{RawFilter, UserFilter, decode_cursor, encode_cursor, parse_page_size};
use crate::ids::CompanyId;
use crate::ids::UserId;
use crate::permissions::{Action, Module, Reach};
use crate::ports::BlobStore;
use crate::{Error, Result};
use serde::Serialize;

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct UserPage {
    pub users: Vec<UserView>,
    /// Pass back as `cursor` for the next page; absent on the last one.
    pub next_cursor: Option<String>,
    /// Items the store read for this page (the cost of a page).
    pub items_read: usize,
}

/// The company a listing reads, by the caller's reach for `action`: the one the filter names (if
/// within reach, else 404), the caller's own for a company-scoped right (set on the filter, so
/// its cursor binds to it), or all companies (`None`) for a global one.
pub fn scope_filter(p: &Principal, filter: &mut UserFilter, action: Action) -> Result<Option<CompanyId>> {
    match (&filter.company, p.actor().reach(Module::Users, action)?) {
        (Some(c), r) if r.covers(c) => Ok(Some(c.clone())),
        (Some(_), _) => Err(Error::NotFound("company")),
        (None, Reach::One(c)) => {
            filter.company = Some(c.clone());
            Ok(Some(c))
        }
        (None, Reach::All) => Ok(None),
    }
}

/// One page, each row's photo as a short-lived link.
pub async fn list(
    deps: &Deps,
    blobs: &dyn BlobStore,
    p: &Principal,
    raw: &RawFilter,
    per_page: Option<&str>,
    cursor: Option<&str>,
) -> Result<UserPage> {
    let mut filter = raw.parse()?;
    let per_page = parse_page_size(per_page)?;
    let company = scope_filter(p, &mut filter, Action::View)?;
    let start = cursor.filter(|c| !c.is_empty()).map(|c| decode_cursor(&deps.key, c, &filter)).transpose()?;
    let page = deps.store.list_users(company.as_ref(), &filter, deps.today(), start, per_page).await?;
    let today = deps.today();
    let mut users = Vec::with_capacity(page.items.len());
    for listed in &page.items {
        let mut view = UserView::of_listed(listed, today);
        link_avatar(&mut view.profile, listed.profile.avatar_key.as_deref(), blobs).await?;
        users.push(view);
    }
    Ok(UserPage { users, next_cursor: page.next.as_ref().map(|k| encode_cursor(&deps.key, k, &filter)), items_read: page.items_read })
}

/// One user, if within the caller's scope (outside it the user does not exist: 404), the photo
/// as a short-lived link.
pub async fn get(deps: &Deps, blobs: &dyn BlobStore, p: &Principal, id: &str) -> Result<AdminUserView> {
    let id = UserId::parse("id", id).map_err(|_| Error::NotFound("user"))?;
    let reach = p.actor().reach(Module::Users, Action::View)?;
    let user = deps.store.get_user(&id).await?.ok_or(Error::NotFound("user"))?;
    let visible = match (&reach, &user.profile) {
        (Reach::All, _) => true,
        (Reach::One(c), Some(profile)) => &profile.company.id == c,
        (Reach::One(_), None) => false,
    };
    if !visible {
        return Err(Error::NotFound("user"));
    }
    let key = user.profile.as_ref().and_then(|p| p.avatar_key.as_deref());
    let mut view = AdminUserView::of(&user, deps.today());
    link_avatar(&mut view.user.profile, key, blobs).await?;
    let address = super::mail_feedback::address_key(deps, user.account.email.as_str());
    view.mail_suppressed = deps.store.suppressed(&address).await?.map(|(reason, _)| reason);
    Ok(view)
}
