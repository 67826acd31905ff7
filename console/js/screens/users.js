// Users: the list with every filter of the manual, cursor paging, Export to Excel with the active
// filters, and "Create user" for those who may add.
import { api, query } from "../api.js";
import { t, date, number } from "../i18n.js";
import { h, field, input, select, values, clearErrors, showProblem, say, contrastOn } from "../dom.js";
import { can } from "../rights.js";
import { createUserDialog } from "./user-form.js";

const STATUSES = ["active", "inactive", "profile_completed", "staff"];
const EMPLOYMENT = ["currently_active", "future", "past", "no_dates"];

/** Companies the caller may read (an empty list when none). */
export async function companies() {
  return api.get("/api/org/companies").catch(() => []);
}

/** A company's items of one kind (departments, positions, roles, quizzes, groups). */
export async function items(companyId, kind) {
  return companyId ? api.get(`/api/org/companies/${encodeURIComponent(companyId)}/${kind}`).catch(() => []) : [];
}

export const fullName = (u) => {
  const p = u.profile || {};
  return [p.first_name, p.last_name].filter(Boolean).join(" ") || u.email;
};

export async function usersScreen(view, me) {
  const cos = await companies();
  const company = select("company", [["", t("users.any_company")], ...cos.map((c) => [c.id, c.name])]);
  const department = select("department", [["", t("users.any_department")]], "", { disabled: true });
  const position = select("position", [["", t("users.any_position")]], "", { disabled: true });
  const group = select("group", [["", t("users.any_group")]]);
  const fillGroups = async () => {
    const [own, global] = await Promise.all([items(company.value, "groups"), api.get("/api/org/groups").catch(() => [])]);
    const seen = new Set();
    group.replaceChildren(h("option", { value: "", text: t("users.any_group") }));
    for (const g of [...own, ...global]) {
      if (seen.has(g.id)) continue;
      seen.add(g.id);
      group.append(h("option", { value: g.id, text: g.global ? `${g.name} (${t("org.global")})` : g.name }));
    }
  };
  company.addEventListener("change", async () => {
    for (const [sel, kind, any] of [[department, "departments", "users.any_department"], [position, "positions", "users.any_position"]]) {
      sel.replaceChildren(h("option", { value: "", text: t(any) }));
      for (const i of await items(company.value, kind)) sel.append(h("option", { value: i.id, text: i.name }));
      sel.disabled = !company.value;
    }
    await fillGroups();
  });
  const filters = h("form", { class: "filters", role: "search", "aria-label": t("users.filters") },
    field("users.search", input("search", { type: "search", maxlength: 100 })),
    field("field.company", company),
    field("field.department", department),
    field("field.position", position),
    field("users.group", group),
    field("field.status", select("status", [["", t("users.any_status")], ...STATUSES.map((s) => [s, t("status." + s)])])),
    field("users.employment", select("employment", [["", t("users.any_employment")], ...EMPLOYMENT.map((s) => [s, t("employment." + s)])])),
    field("users.date_from", input("date_from", { type: "date" })),
    field("users.date_to", input("date_to", { type: "date" })),
    field("users.per_page", select("per_page", [10, 25, 50, 100].map((n) => [String(n), String(n)]), "25")),
    h("div", { class: "buttons" },
      h("button", { class: "primary", text: t("users.filter") }),
      h("button", { type: "reset", text: t("users.clear") }),
      can(me, "users", "export") ? h("button", { type: "button", id: "export", text: t("users.export") }) : null));
  const exportBox = h("p", { class: "export", role: "status" });
  const tbody = h("tbody");
  const table = h("table", { class: "users" },
    h("caption", { class: "visually-hidden", text: t("nav.users") }),
    h("thead", {}, h("tr", {}, ...["field.name", "field.email", "field.company", "field.department", "field.position", "field.status", "users.groups"].map((k) => h("th", { scope: "col", text: t(k) })))),
    tbody);
  const summary = h("p", { class: "summary", role: "status" });
  const prev = h("button", { type: "button", text: t("users.previous") });
  const next = h("button", { type: "button", text: t("users.next") });
  const pager = h("nav", { class: "pager", "aria-label": t("users.paging") }, prev, h("span", { class: "page-no" }), next);

  view.append(h("section", { class: "card" },
    h("div", { class: "title-row" }, h("h2", { text: t("nav.users") }),
      can(me, "users", "add") ? h("button", { type: "button", class: "primary", id: "create-user", text: t("users.create"),
        onclick: async () => { const made = await createUserDialog(me); if (made) location.hash = "#/users/" + made.id; } }) : null,
      can(me, "users", "add") ? h("a", { href: "#/users/import", class: "button", text: t("users.import") }) : null),
    filters, exportBox, summary, h("div", { class: "table-wrap" }, table), pager));

  // Cursor paging: the cursors of the pages before this one, to go back.
  let cursors = [];
  let current = null;
  let nextCursor = null;
  // The first load keeps the message the screen opened with (a flash such as "... was deleted.");
  // later loads (filtering, paging) clear whatever the last one said.
  let first = true;
  async function load() {
    clearErrors(filters);
    if (!first) say("");
    first = false;
    const f = values(filters);
    let page;
    try {
      page = await api.get("/api/users" + query({ ...f, cursor: current }));
    } catch (e) { showProblem(e, filters); return; }
    tbody.textContent = "";
    for (const u of page.users) tbody.append(row(u));
    if (!page.users.length) tbody.append(h("tr", {}, h("td", { colspan: 7, text: t("users.none") })));
    nextCursor = page.next_cursor || null;
    // The API stops filling a page when its read budget is spent: say so, Next goes on.
    summary.textContent = t("users.shown", { count: page.users.length }) + (page.complete === false ? " " + t("users.short") : "");
    pager.querySelector(".page-no").textContent = t("users.page", { page: number(cursors.length + 1) });
    prev.disabled = !cursors.length;
    next.disabled = !nextCursor;
  }
  filters.addEventListener("submit", (ev) => { ev.preventDefault(); cursors = []; current = null; load(); });
  filters.addEventListener("reset", () => setTimeout(() => { department.disabled = position.disabled = true; cursors = []; current = null; load(); }));
  next.addEventListener("click", () => { cursors.push(current); current = nextCursor; load(); });
  prev.addEventListener("click", () => { current = cursors.pop() || null; load(); });
  const exp = filters.querySelector("#export");
  if (exp) exp.addEventListener("click", async () => {
    const f = values(filters);
    delete f.per_page;
    exportBox.textContent = t("users.exporting");
    try {
      const r = await api.post("/api/users/export", f);
      exportBox.replaceChildren(t("users.exported", { count: r.rows }), " ",
        h("a", { href: r.url, download: r.file_name || "users.xlsx", text: t("users.download", { file: r.file_name || "users.xlsx" }) }));
    } catch (e) { exportBox.textContent = ""; showProblem(e, filters); }
  });
  await fillGroups();
  await load();
}

function row(u) {
  const p = u.profile || {};
  const tr = h("tr", {});
  if (p.colour) {
    tr.classList.add("coloured", contrastOn(p.colour));
    tr.style.setProperty("--row-colour", p.colour);
  }
  const name = h("td", {}, h("a", { href: "#/users/" + u.id, text: fullName(u) }),
    u.source === "ad" ? h("span", { class: "badge", title: t("users.ad_title"), text: t("users.ad") }) : null);
  const groups = (p.groups || []).map((g) => g.name).join(", ");
  tr.append(name, h("td", { text: u.email }), h("td", { text: (p.company || {}).name || "" }),
    h("td", { text: (p.department || {}).name || "" }), h("td", { text: (p.position || {}).name || "" }),
    h("td", { text: t("activation." + u.status) + (p.end_date ? " · " + t("users.until", { date: date(p.end_date) }) : "") }),
    h("td", { text: groups }));
  return tr;
}
