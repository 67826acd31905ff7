// The organisation's audit log: every event, newest first, by action and dates (UTC days), for
// those who view every company; exported as CSV from what is shown.
import { api, query } from "../api.js";
import { t, date, has } from "../i18n.js";
import { h, field, input, values, clearErrors, showProblem } from "../dom.js";

export const actionText = (a) => (has("audit.action." + a) ? t("audit.action." + a) : a);

function csv(events) {
  const cell = (v) => `"${String(v ?? "").replace(/"/g, '""')}"`;
  const rows = [["at", "action", "actor", "target", "source_ip", "detail"]];
  for (const e of events) rows.push([e.at, e.action, e.actor, JSON.stringify(e.target), e.source_ip, JSON.stringify(e.detail)]);
  return rows.map((r) => r.map(cell).join(",")).join("\r\n") + "\r\n";
}

export async function auditScreen(view) {
  const filters = h("form", { class: "filters", role: "search", "aria-label": t("users.filters") },
    field("audit.action_filter", input("action", { maxlength: 100, placeholder: "user." })),
    field("users.date_from", input("date_from", { type: "date" })),
    field("users.date_to", input("date_to", { type: "date" })),
    h("div", { class: "buttons" }, h("button", { class: "primary", text: t("users.filter") }),
      h("button", { type: "button", id: "audit-export", text: t("audit.export") })));
  const tbody = h("tbody");
  const summary = h("p", { role: "status" });
  const download = h("p");
  view.append(h("section", { class: "card" }, h("h2", { text: t("nav.audit") }), h("p", { class: "muted", text: t("audit.org_hint") }),
    filters, summary, download, h("div", { class: "table-wrap" }, h("table", { class: "audit" },
      h("thead", {}, h("tr", {}, ...["audit.at", "audit.action", "audit.actor", "audit.target", "sessions.ip", "audit.detail"].map((k) => h("th", { scope: "col", text: t(k) })))),
      tbody))));
  let events = [];
  async function load() {
    clearErrors(filters);
    try {
      events = (await api.get("/api/audit" + query(values(filters)))).events;
    } catch (e) { showProblem(e, filters); return; }
    tbody.replaceChildren(...events.map((e) => h("tr", {},
      h("td", { text: date(e.at, true) }), h("td", { text: actionText(e.action) }), h("td", { text: e.actor || "" }),
      h("td", { text: Object.values(e.target || {}).join(" ") }), h("td", { text: e.source_ip || "" }),
      h("td", { class: "detail", text: JSON.stringify(e.detail) }))));
    summary.textContent = t("audit.count", { count: events.length });
    download.textContent = "";
  }
  filters.addEventListener("submit", (ev) => { ev.preventDefault(); load(); });
  filters.querySelector("#audit-export").addEventListener("click", () => {
    const url = URL.createObjectURL(new Blob([csv(events)], { type: "text/csv" }));
    download.replaceChildren(h("a", { href: url, download: "secboard-audit.csv", text: t("users.download", { file: "secboard-audit.csv" }) }));
  });
  await load();
}
