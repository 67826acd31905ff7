// Organisation: companies; each company's departments, positions, platform roles (with the groups
// each carries), quizzes, access groups (with a grid of per-module rights) and cabinet settings;
// global access groups. Deleting something still referenced shows who refers to it.
import { api, Problem, query } from "../api.js";
import { t } from "../i18n.js";
import { h, field, input, select, values, clearErrors, showProblem, say, dialog, confirmDialog } from "../dom.js";
import { can } from "../rights.js";
import { fullName } from "./users.js";

const KINDS = ["departments", "positions", "roles", "quizzes"];
const MODULES = ["users", "org"];
const RIGHTS = ["view", "add", "edit", "delete", "export", "show_link"];
const SENDERS = ["reset", "first_access", "first_login", "notifications"];
const enc = encodeURIComponent;

export async function orgScreen(view, me, companyId) {
  const companies = await api.get("/api/org/companies");
  const list = h("ul", { class: "companies" });
  for (const c of companies) {
    list.append(h("li", {}, h("a", { href: "#/org/" + c.id, "aria-current": c.id === companyId ? "page" : false, text: c.name })));
  }
  const side = h("section", { class: "card" }, h("h2", { text: t("org.companies") }), list);
  if (can(me, "org", "add") && me.rights.org.add === "all") {
    side.append(nameForm("org.add_company", async (name) => {
      const c = await api.post("/api/org/companies", { name });
      location.hash = "#/org/" + c.id;
    }));
  }
  const main = h("div", { class: "org-main" });
  view.append(h("div", { class: "org" }, side, main));
  if (companyId) {
    const company = companies.find((c) => c.id === companyId);
    if (company) await companyPage(main, me, company);
    else main.append(h("p", { class: "error", role: "alert", text: t("problem.not_found") }));
  } else if (me.rights.org.view === "all") {
    main.append(await groupsSection(me, null));
  } else if (companies.length) {
    location.replace("#/org/" + companies[0].id);
  }
}

/** A one-field form: a name and an Add button. */
function nameForm(labelKey, onAdd, extra) {
  const f = h("form", { class: "inline", novalidate: true },
    field(labelKey, input("name", { required: true, maxlength: 200 })), extra || null, h("button", { class: "primary", text: t("action.add") }));
  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearErrors(f);
    try { await onAdd(f.name.value.trim(), values(f)); f.reset(); } catch (e) { showProblem(e, f); }
  });
  return f;
}

/** Draws a company's page into `main`: built aside, then swapped in whole, the newest drawing winning. */
async function companyPage(main, me, company) {
  const token = (main.dataset.drawing = String(Number(main.dataset.drawing || 0) + 1));
  const page = h("div", {});
  await drawCompany(page, me, company, () => companyPage(main, me, company));
  if (main.dataset.drawing === token) main.replaceChildren(...page.childNodes);
}

async function drawCompany(main, me, company, rerender) {
  const c = company.id;
  const title = h("div", { class: "title-row" }, h("h2", { text: company.name }));
  if (can(me, "org", "edit", c)) {
    title.append(h("button", { type: "button", text: t("action.rename"), onclick: async () => {
      const name = await askName("org.rename_company", company.name);
      if (!name) return;
      try { Object.assign(company, await api.patch(`/api/org/companies/${enc(c)}`, { name, version: company.version })); location.reload(); } catch (e) { showProblem(e); }
    } }));
  }
  if (can(me, "org", "delete", c) && me.rights.org.delete === "all") {
    title.append(h("button", { type: "button", class: "danger", text: t("action.delete"), onclick: async () => {
      if (!(await confirmDialog("org.delete_company", "org.delete_text", { name: company.name }, "action.delete"))) return;
      try { await api.del(`/api/org/companies/${enc(c)}`); location.hash = "#/org"; } catch (e) { showProblem(e); }
    } }));
  }
  main.append(h("section", { class: "card" }, title));
  const groups = await api.get(`/api/org/companies/${enc(c)}/groups`).catch(() => []);
  const global = await api.get("/api/org/groups").catch(() => []);
  const roleGroups = [...groups, ...global.filter((g) => g.global)];
  for (const kind of KINDS) main.append(await itemsSection(me, company, kind, roleGroups, rerender));
  // A new or changed group is offered to the roles too: the whole page is drawn again.
  main.append(await groupsSection(me, company, rerender));
  if (can(me, "org", "view", c)) main.append(await settingsSection(me, company));
}

async function askName(titleKey, current) {
  return dialog(titleKey, (close) => {
    const f = h("form", {}, field("field.name", input("name", { value: current || "", required: true })),
      h("div", { class: "buttons" }, h("button", { class: "primary", text: t("action.save") }),
        h("button", { type: "button", text: t("action.cancel"), onclick: () => close(null) })));
    f.addEventListener("submit", (ev) => { ev.preventDefault(); close(f.name.value.trim()); });
    return f;
  });
}

function groupChecks(all, chosen) {
  const set = new Set(chosen || []);
  const fs = h("fieldset", { class: "field checks", dataset: { field: "groups" } }, h("legend", { text: t("org.role_groups") }));
  for (const g of all) fs.append(h("label", { class: "check" }, h("input", { type: "checkbox", name: "groups", value: g.id, checked: set.has(g.id), dataset: { many: "" } }), " ", g.name));
  if (!all.length) fs.append(h("p", { class: "muted", text: t("form.none_yet") }));
  fs.append(h("span", { class: "field-error", role: "alert" }));
  return fs;
}

/** Who refers to something that cannot be deleted: the users the list's filter finds. */
async function referrers(company, filterKey, id) {
  if (!filterKey) return [];
  const page = await api.get("/api/users" + query({ company: company.id, [filterKey]: id, per_page: 10 })).catch(() => null);
  return page ? page.users : [];
}

async function deleteWithReferrers(path, company, filterKey, item, done) {
  if (!(await confirmDialog("org.delete_item", "org.delete_text", { name: item.name }, "action.delete"))) return;
  try {
    await api.del(path);
    await done();
  } catch (e) {
    if (!(e instanceof Problem) || e.code !== "still_referred") { showProblem(e); return; }
    const users = await referrers(company, filterKey, item.id);
    // How many refer to it (the problem's counts), then the users themselves where the list can find them.
    const counts = [["users", "org.referred_users"], ["roles", "org.referred_roles"]]
      .filter(([k]) => e.body[k] > 0).map(([k, key]) => h("li", { text: t(key, { count: e.body[k] }) }));
    await dialog("org.still_referred", (close) => h("div", {},
      h("p", { text: t("org.still_referred_text", { name: item.name }) }),
      counts.length ? h("ul", { class: "referred-counts" }, ...counts) : h("p", { text: t("problem.still_referred") }),
      users.length ? h("ul", {}, ...users.map((u) => h("li", {}, h("a", { href: "#/users/" + u.id, onclick: () => close(), text: `${fullName(u)} <${u.email}>` })))) : null,
      h("div", { class: "buttons" }, h("button", { type: "button", text: t("action.close"), onclick: () => close() }))), { name: item.name });
  }
}

const FILTER_OF = { departments: "department", positions: "position", groups: "group" };

async function itemsSection(me, company, kind, roleGroups, rerender) {
  const c = company.id;
  const box = h("section", { class: "card", id: "org-" + kind }, h("h3", { text: t("org." + kind) }));
  const list = await api.get(`/api/org/companies/${enc(c)}/${kind}`).catch(() => []);
  const tbody = h("tbody");
  const names = (ids) => (ids || []).map((id) => (roleGroups.find((g) => g.id === id) || { name: "?" }).name).join(", ");
  for (const item of list) {
    const acts = h("td", { class: "actions" });
    if (can(me, "org", "edit", c)) {
      acts.append(h("button", { type: "button", text: t("action.edit"), "aria-label": t("action.edit_named", { name: item.name }), onclick: async () => {
        const body = await dialog("org.edit_item", (close) => {
          const f = h("form", { novalidate: true }, field("field.name", input("name", { value: item.name, required: true })),
            kind === "roles" ? groupChecks(roleGroups, item.groups) : null,
            h("div", { class: "buttons" }, h("button", { class: "primary", text: t("action.save") }), h("button", { type: "button", text: t("action.cancel"), onclick: () => close(null) })));
          f.addEventListener("submit", (ev) => { ev.preventDefault(); close(values(f)); });
          return f;
        }, { name: item.name });
        if (!body) return;
        try { await api.patch(`/api/org/companies/${enc(c)}/${kind}/${enc(item.id)}`, { ...body, version: item.version }); await rerender(); } catch (e) { showProblem(e); }
      } }));
    }
    if (can(me, "org", "delete", c)) {
      acts.append(h("button", { type: "button", class: "danger", text: t("action.delete"), "aria-label": t("action.delete_named", { name: item.name }),
        onclick: () => deleteWithReferrers(`/api/org/companies/${enc(c)}/${kind}/${enc(item.id)}`, company, FILTER_OF[kind], item, rerender) }));
    }
    tbody.append(h("tr", {}, h("td", { text: item.name }), kind === "roles" ? h("td", { text: names(item.groups) }) : null, acts));
  }
  if (list.length) {
    box.append(h("table", {}, h("thead", {}, h("tr", {}, h("th", { scope: "col", text: t("field.name") }),
      kind === "roles" ? h("th", { scope: "col", text: t("org.role_groups") }) : null, h("th", { scope: "col", text: t("sessions.action") }))), tbody));
  } else box.append(h("p", { class: "muted", text: t("form.none_yet") }));
  if (can(me, "org", "add", c)) {
    box.append(nameForm("org.add_" + kind, async (name, v) => {
      await api.post(`/api/org/companies/${enc(c)}/${kind}`, kind === "roles" ? { name, groups: v.groups || [] } : { name });
      say(t("org.added", { name }));
      await rerender();
    }, kind === "roles" ? groupChecks(roleGroups, []) : null));
  }
  return box;
}

/** The rights grid: modules by rights, a checkbox each (named `module.right`). */
function rightsGrid(perms, disabled) {
  const tbody = h("tbody");
  for (const m of MODULES) {
    tbody.append(h("tr", {}, h("th", { scope: "row", text: t("module." + m) }),
      ...RIGHTS.map((r) => h("td", {}, h("input", { type: "checkbox", name: `${m}.${r}`, checked: !!(perms[m] && perms[m][r]), disabled,
        "aria-label": t("rights.cell", { module: t("module." + m), right: t("right." + r) }) })))));
  }
  return h("div", { class: "field table-wrap", dataset: { field: "permissions" } }, h("table", { class: "grid-rights" },
    h("caption", { text: t("org.rights") }),
    h("thead", {}, h("tr", {}, h("td", {}), ...RIGHTS.map((r) => h("th", { scope: "col", text: t("right." + r) })))), tbody),
    h("span", { class: "field-error", role: "alert" }));
}

function permissionsOf(f) {
  const out = {};
  for (const m of MODULES) {
    out[m] = {};
    for (const r of RIGHTS) out[m][r] = !!f.elements[`${m}.${r}`].checked;
  }
  return out;
}

async function groupsSection(me, company, redraw) {
  const c = company && company.id;
  const base = c ? `/api/org/companies/${enc(c)}/groups` : "/api/org/groups";
  const box = h("section", { class: "card", id: c ? "org-groups" : "org-global-groups" }, h("h3", { text: t(c ? "org.groups" : "org.global_groups") }));
  const all = await api.get(base).catch(() => []);
  const list = c ? all : all.filter((g) => g.global);
  const mayEdit = c ? can(me, "org", "edit", c) : me.rights.org.edit === "all";
  const mayAdd = c ? can(me, "org", "add", c) : me.rights.org.add === "all";
  const mayDelete = c ? can(me, "org", "delete", c) : me.rights.org.delete === "all";
  const rerender = redraw || (async () => box.replaceWith(await groupsSection(me, company)));
  const path = (g) => (c ? `${base}/${enc(g.id)}` : `/api/org/groups/${enc(g.id)}`);
  // Group sync trusts the directory's group names with a group's rights: only a superuser marks
  // a group as synced (the API refuses anyone else).
  const syncCheck = (checked) => me.superuser
    ? h("div", { class: "field", dataset: { field: "directory_sync" } }, h("label", { class: "check" },
      h("input", { type: "checkbox", name: "directory_sync", checked }), " ", t("org.directory_sync")), h("span", { class: "field-error", role: "alert" }))
    : null;
  for (const g of list) {
    const mark = g.directory_sync ? h("span", { class: "badge", title: t("org.synced_title"), text: t("org.synced") }) : null;
    const f = h("form", { class: "group", novalidate: true, "aria-label": g.name }, h("h4", { text: g.name }, " ", mark), rightsGrid(g.permissions, !mayEdit),
      mayEdit ? syncCheck(g.directory_sync) : null);
    if (mayEdit) {
      f.append(h("div", { class: "buttons" }, h("button", { class: "primary", text: t("action.save"), "aria-label": t("action.save_named", { name: g.name }) }),
        mayDelete ? h("button", { type: "button", class: "danger", text: t("action.delete"), "aria-label": t("action.delete_named", { name: g.name }),
          onclick: () => deleteWithReferrers(path(g), company, c ? "group" : null, g, rerender) }) : null));
      f.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        clearErrors(f);
        const body = { permissions: permissionsOf(f), version: g.version };
        if (me.superuser) body.directory_sync = f.elements.directory_sync.checked;
        try { await api.patch(path(g), body); say(t("org.saved", { name: g.name })); await rerender(); } catch (e) { showProblem(e, f); }
      });
    }
    box.append(f);
  }
  if (!list.length) box.append(h("p", { class: "muted", text: t("form.none_yet") }));
  if (mayAdd) {
    const f = h("form", { class: "group", novalidate: true }, h("h4", { text: t("org.new_group") }),
      field("org.group_name", input("name", { required: true })), rightsGrid({}, false), syncCheck(false),
      h("div", { class: "buttons" }, h("button", { class: "primary", text: t("org.add_group") })));
    f.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      clearErrors(f);
      const body = { name: f.name.value.trim(), permissions: permissionsOf(f) };
      if (me.superuser) body.directory_sync = f.elements.directory_sync.checked;
      try { await api.post(base, body); say(t("org.added", { name: body.name })); await rerender(); } catch (e) { showProblem(e, f); }
    });
    box.append(f);
  }
  return box;
}

async function settingsSection(me, company) {
  const c = company.id;
  const s = await api.get(`/api/org/companies/${enc(c)}/settings`);
  const mayEdit = can(me, "org", "edit", c);
  const f = h("form", { novalidate: true, id: "settings" },
    h("p", { text: s.control_word_set ? t("settings.word_set") : t("settings.word_unset") }),
    field("settings.control_word", input("control_word", { type: "password", autocomplete: "new-password", disabled: !mayEdit })),
    h("div", { class: "field", dataset: { field: "clear_word" } }, h("label", { class: "check" }, h("input", { type: "checkbox", name: "clear_word", disabled: !mayEdit || !s.control_word_set }), " ", t("settings.clear_word"))),
    ...SENDERS.map((k) => field("settings.sender." + k, input("senders." + k, { type: "email", value: (s.senders || {})[k] || "", disabled: !mayEdit }))),
    field("settings.default_language", select("default_language", [["en", "English"], ["uk", "Українська"], ["ru", "Русский"]], s.default_language, { disabled: !mayEdit })),
    mayEdit ? h("div", { class: "buttons" }, h("button", { class: "primary", text: t("action.save") })) : null);
  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearErrors(f);
    const v = values(f);
    const senders = {};
    for (const k of SENDERS) senders[k] = v["senders." + k] || null;
    const body = { senders, default_language: v.default_language, version: s.version };
    if (v.clear_word) body.control_word = "";
    else if (v.control_word) body.control_word = v.control_word;
    try { await api.put(`/api/org/companies/${enc(c)}/settings`, body); say(t("settings.saved")); f.closest("section").replaceWith(await settingsSection(me, company)); } catch (e) { showProblem(e, f); }
  });
  return h("section", { class: "card", id: "org-settings" }, h("h3", { text: t("settings.title") }), f);
}
