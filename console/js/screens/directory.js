// The Active Directory connection (superusers only): where the directory is and how it is
// reached, the service account (its password never shown, only whether one is set), the filter
// and the attribute names, group sync and the company new accounts join; a connection test that
// counts the users the filter finds; and turning the directory off. Changes need a recent
// sign-in: when the API asks, the screen asks for the password and tries again.
import { api, Problem } from "../api.js";
import { t } from "../i18n.js";
import { h, field, input, select, values, clearErrors, showProblem, say, dialog } from "../dom.js";

const ATTRS = ["attr_email", "attr_first_name", "attr_last_name", "attr_phone", "attr_department"];
const DEFAULTS = {
  url: "", ca_pem: "", insecure: false, bind_dn: "", bind_password_set: false, user_base: "", user_filter: "(objectClass=user)",
  attr_email: "mail", attr_first_name: "givenName", attr_last_name: "sn", attr_phone: "telephoneNumber", attr_department: "department",
  sync_groups: false, company_id: null, connect_timeout_ms: 3000, operation_timeout_ms: 5000, version: null,
};

/** Asks for the caller's password (the recent sign-in changes need); null when cancelled. */
function askPassword() {
  return dialog("directory.reauth", (close) => {
    const f = h("form", { novalidate: true },
      h("p", { text: t("problem.reauthenticate") }),
      field("field.password", input("password", { type: "password", autocomplete: "current-password", required: true })),
      h("div", { class: "buttons" }, h("button", { class: "primary", text: t("action.confirm") }),
        h("button", { type: "button", text: t("action.cancel"), onclick: () => close(null) })));
    f.addEventListener("submit", (ev) => { ev.preventDefault(); close(f.password.value); });
    return f;
  });
}

/** Sends `call(proof)`; when the API wants a recent sign-in, asks for the password once and retries. */
async function withProof(call) {
  try {
    return await call({});
  } catch (e) {
    if (!(e instanceof Problem) || e.code !== "reauthenticate") throw e;
    const password = await askPassword();
    if (!password) return undefined;
    return call({ password });
  }
}

export async function directoryScreen(view) {
  let s;
  try {
    s = await api.get("/api/org/directory");
  } catch (e) {
    if (!(e instanceof Problem) || e.status !== 404) throw e;
    s = null;
  }
  const v = s || DEFAULTS;
  const companies = await api.get("/api/org/companies").catch(() => []);
  const num = (name, value) => input(name, { type: "number", min: 100, max: 30000, value: String(value) });
  const f = h("form", { novalidate: true, id: "directory-form" },
    field("directory.url", input("url", { value: v.url, required: true, placeholder: "ldaps://dc1.corp.example" }), t("directory.url_hint")),
    h("div", { class: "field", dataset: { field: "insecure" } }, h("label", { class: "check" }, h("input", { type: "checkbox", name: "insecure", checked: v.insecure }), " ", t("directory.insecure")), h("span", { class: "field-error", role: "alert" })),
    field("directory.ca_pem", h("textarea", { name: "ca_pem", rows: 4, text: v.ca_pem || "" })),
    field("directory.bind_dn", input("bind_dn", { value: v.bind_dn, required: true })),
    field("directory.bind_password", input("bind_password", { type: "password", autocomplete: "new-password" }),
      s && s.bind_password_set ? t("directory.password_set") : t("directory.password_unset")),
    field("directory.user_base", input("user_base", { value: v.user_base, required: true })),
    field("directory.user_filter", input("user_filter", { value: v.user_filter })),
    ...ATTRS.map((a) => field("directory." + a, input(a, { value: v[a] }))),
    h("div", { class: "field", dataset: { field: "sync_groups" } }, h("label", { class: "check" }, h("input", { type: "checkbox", name: "sync_groups", checked: v.sync_groups }), " ", t("directory.sync_groups")), h("span", { class: "field-error", role: "alert" })),
    field("directory.company_id", select("company_id", [["", t("directory.no_company")], ...companies.map((c) => [c.id, c.name])], v.company_id || "")),
    field("directory.connect_timeout_ms", num("connect_timeout_ms", v.connect_timeout_ms)),
    field("directory.operation_timeout_ms", num("operation_timeout_ms", v.operation_timeout_ms)),
    h("div", { class: "buttons" }, h("button", { class: "primary", text: t("action.save") })));
  const status = h("p", { class: "status", role: "status", id: "directory-status" });
  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearErrors(f);
    const x = values(f);
    const body = {
      url: x.url || "", ca_pem: x.ca_pem || null, insecure: !!x.insecure, bind_dn: x.bind_dn || "", user_base: x.user_base || "",
      user_filter: x.user_filter, sync_groups: !!x.sync_groups, company_id: x.company_id || null,
      connect_timeout_ms: Number(x.connect_timeout_ms), operation_timeout_ms: Number(x.operation_timeout_ms),
    };
    for (const a of ATTRS) body[a] = x[a];
    if (x.bind_password) body.bind_password = x.bind_password;
    if (s) body.version = s.version;
    try {
      const saved = await withProof((proof) => api.put("/api/org/directory", { ...body, ...proof }));
      if (!saved) return;
      say(t("directory.saved"));
      view.textContent = "";
      await directoryScreen(view);
    } catch (e) { showProblem(e, f); }
  });
  const actions = h("div", { class: "buttons" });
  if (s) {
    actions.append(
      h("button", { type: "button", id: "directory-test", text: t("directory.test"), onclick: async () => {
        status.textContent = t("directory.testing");
        try {
          const r = await withProof((proof) => api.post("/api/org/directory/test", proof));
          if (!r) { status.textContent = ""; return; }
          status.textContent = r.ok ? t("directory.test_ok", { count: r.users_found }) : t("directory.test_failed." + r.reason);
        } catch (e) { status.textContent = ""; showProblem(e); }
      } }),
      h("button", { type: "button", class: "danger", id: "directory-off", text: t("directory.turn_off"), onclick: async () => {
        try {
          const done = await withProof((proof) => api.del("/api/org/directory", proof).then(() => true));
          if (!done) return;
          say(t("directory.turned_off"));
          view.textContent = "";
          await directoryScreen(view);
        } catch (e) { showProblem(e); }
      } }));
  }
  view.append(h("section", { class: "card" }, h("h2", { text: t("directory.title") }),
    h("p", { class: "muted", text: s ? t("directory.on") : t("directory.off") }), f, actions, status));
}
