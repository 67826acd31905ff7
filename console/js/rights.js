// What the caller may do, as GET /api/me tells it: per module, each right held and where
// ("company": the caller's own company; "all": every company). Superusers hold every right.

/** The scope of `module.action`, if held. */
export function right(me, module, action) {
  return me && me.rights && me.rights[module] ? me.rights[module][action] : undefined;
}

/** Whether the caller holds `module.action` over `companyId` (any company when omitted). */
export function can(me, module, action, companyId) {
  const scope = right(me, module, action);
  if (scope === "all") return true;
  if (scope !== "company") return false;
  return !companyId || (me.profile && me.profile.company && me.profile.company.id === companyId);
}
