//! "Refresh from AD" in the Edit dialog (`POST /api/users/{id}/directory-refresh`): an
//! administrator who may edit the user has the directory read again now, rather than at the
//! user's next sign-in. Kept apart from [`super::ad_refresh`], which sign-in uses, so the flows
//! import each other without a circle.

use super::Deps;
use super::ad_refresh::{Asked, DirectoryState, apply_entry, connection, mirror_state, unavailable};
use super::authorize::Principal;
use super::update_user::user_to_change;
use super::views::AdminUserView;
use crate::active_directory::AdClient;
use crate::model::Credential;
use crate::permissions::Action;
use crate::ports::Store;
use crate::{Error, Result};

/// "Refresh from AD" in the Edit dialog: re-reads the entry linked to the account (by
/// `objectGUID`, through the service account), mirrors its disabled state (or its deletion) and
/// refreshes the profile from it. The rights are an edit's; 409 for an account that is not from
/// the directory, or while no directory is set up.
pub async fn refresh_from_directory<S: Store + ?Sized>(
    deps: &Deps<S>,
    client: &dyn AdClient,
    p: &Principal,
    id: &str,
) -> Result<AdminUserView> {
    let user = user_to_change(deps, p, id, Action::Edit).await?;
    let guid = match &user.account.credential {
        Credential::Directory { guid, .. } if !guid.is_empty() => guid.clone(),
        _ => {
            return Err(Error::conflict("id", "this account is not from the directory: there is nothing to refresh it from")
                .coded("not_from_directory"));
        }
    };
    let Some((settings, conn)) = connection(deps).await? else {
        return Err(Error::conflict("id", "no directory is set up to refresh from").coded("directory_off"));
    };
    let mut session = client.open(&conn).await.map_err(unavailable)?;
    let found = session.find_by_guid(&guid).await.map_err(unavailable)?;
    drop(session);
    let asked = Asked { actor: Some(p.id()), source_ip: Some(&p.source_ip) };
    let user = match found {
        None => mirror_state(deps, user, DirectoryState::Deleted, asked).await?,
        Some(entry) => {
            let state = if entry.disabled { DirectoryState::Disabled } else { DirectoryState::Enabled };
            let user = mirror_state(deps, user, state, asked).await?;
            apply_entry(deps, user, &entry, settings.sync_groups, asked).await?
        }
    };
    Ok(AdminUserView::of(&user, deps.today()))
}
