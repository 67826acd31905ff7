//! The directory: one page of users by filter, within the caller's company scope, and one user.
//!
//! Cost of a page: Queries on the company's index (or the all-users index for a caller whose
//! right is global and who names no company). Filters apply in the store, so one index page can
//! hold fewer matches than asked: the page is filled from further index pages, each with `Limit`
//! = the rows still wanted (so no row is read past the cursor), until it is full, the index ends,
//! or the read budget (`READ_BUDGET` times the page size, `MAX_QUERIES` Queries) is spent; then
//! it says it stopped short (`complete: false`) and the cursor goes on from there.

use super::Deps;
use super::authorize::Principal;
use super::views::{AdminUserView, UserView, link_avatar};
use crate::filter::{RawFilter, UserFilter, decode_cursor, encode_cursor, parse_page_size};
use crate::ids::CompanyId;
use crate::ids::UserId;
use crate::permissions::{Action, Module, Reach};
use crate::ports::BlobStore;
use crate::ports::Store;
use crate::{Error, Result};
use serde::Serialize;

/// A page reads at most this many times its size in index items while filling itself.
pub const READ_BUDGET: usize = 5;
/// And makes at most this many Queries.
pub const MAX_QUERIES: usize = 8;

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct UserPage {
    pub users: Vec<UserView>,
    /// Pass back as `cursor` for the next page; absent on the last one.
    pub next_cursor: Option<String>,
    /// Items the store read for this page (the cost of a page).
    pub items_read: usize,
    /// False when the read budget ran out before the page was full while more may match:
    /// the cursor goes on from where reading stopped.
    pub complete: bool,
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
pub async fn list<S: Store + ?Sized>(
    deps: &Deps<S>,
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
    let today = deps.today();
    let (items, next, items_read) = fill(deps, company.as_ref(), &filter, start, per_page).await?;
    let mut users = Vec::with_capacity(items.len());
    for listed in &items {
        let mut view = UserView::of_listed(listed, today);
        link_avatar(&mut view.profile, listed.profile.avatar_key.as_deref(), blobs).await?;
        users.push(view);
    }
    let complete = users.len() >= per_page || next.is_none();
    Ok(UserPage { users, next_cursor: next.as_ref().map(|k| encode_cursor(&deps.key, k, &filter)), items_read, complete })
}

/// Reads index pages until `per_page` rows match, the index ends, or the budget is spent. Each
/// Query's `Limit` is the number of rows still wanted, so it never returns more than fit and its
/// own last key is exactly where the next page starts.
async fn fill<S: Store + ?Sized>(
    deps: &Deps<S>,
    company: Option<&CompanyId>,
    filter: &UserFilter,
    mut start: Option<crate::filter::StartKey>,
    per_page: usize,
) -> Result<(Vec<crate::ports::Listed>, Option<crate::filter::StartKey>, usize)> {
    let budget = per_page * READ_BUDGET;
    let (mut items, mut read) = (Vec::with_capacity(per_page), 0);
    for _ in 0..MAX_QUERIES {
        let want = (per_page - items.len()).min(budget - read);
        let page = deps.store.list_users(company, filter, deps.today(), start, want).await?;
        read += page.items_read;
        items.extend(page.items);
        start = page.next;
        if items.len() >= per_page || start.is_none() || read >= budget {
            break;
        }
    }
    Ok((items, start, read))
}

/// One user, if within the caller's scope (outside it the user does not exist: 404), the photo
/// as a short-lived link.
pub async fn get<S: Store + ?Sized>(deps: &Deps<S>, blobs: &dyn BlobStore, p: &Principal, id: &str) -> Result<AdminUserView> {
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
