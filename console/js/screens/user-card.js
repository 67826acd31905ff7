// The user's card: details, Edit (every field of creation, password twice, flags), photo, 2FA
// reset, first-access link, sessions, the audit log, and Delete with a confirmation.
import { api, Problem } from "../api.js";
import { t, date, translate } from "../i18n.js";
import { h, field, input, values, clearErrors, showProblem, say, sayNext, confirmDialog, dialog } from "../dom.js";
import { can } from "../rights.js";
import { fullName } from "./users.js";
import { userForm, collect, uploadPhoto, refusePhoto } from "./user-form.js";
import { actionText } from "./audit.js";

/** The card, drawn aside and shown whole once every part has loaded. */
export async function userCard(view, me, id) {
  const card = document.createDocumentFragment();
  await drawCard(card, view, me, id);
  view.append(card);
}

async function drawCard(out, view, me, id) {
  const user = await api.get("/api/users/" + encodeURIComponent(id));
  const p = user.profile || {};
  const companyId = p.company && p.company.id;
  const mayEdit = can(me, "users", "edit", companyId) && user.id !== me.id && (!user.superuser || me.superuser);
  const mayDelete = can(me, "users", "delete", companyId) && user.id !== me.id && (!user.superuser || me.superuser);
  const reload = () => { view.textContent = ""; return userCard(view, me, id).then(() => translate(view)); };

  const header = h("div", { class: "title-row" },
    p.avatar_url ? h("img", { class: "avatar", src: p.avatar_url, alt: t("card.photo_of", { name: fullName(user) }), width: 64, height: 64 }) : null,
    h("h2", { text: fullName(user) }),
    user.source === "ad" ? h("span", { class: "badge", text: t("users.ad") }) : null,
    h("a", { href: "#/users", text: t("card.back") }));
  const facts = h("dl", { class: "facts" });
  const fact = (k, v) => facts.append(h("dt", { text: t(k) }), h("dd", { text: v || "—" }));
  fact("field.email", user.email);
  fact("field.status", t("activation." + user.status));
  fact("field.company", p.company && p.company.name);
  fact("field.department", p.department && p.department.name);
  fact("field.position", p.position && p.position.name);
  fact("field.groups", (p.groups || []).map((g) => g.name).join(", "));
  fact("card.two_factor", user.totp_enrolled ? t("card.on") : t("card.off"));
  fact("card.created", date(user.created_at, true));
  if (user.mail_suppressed) fact("card.mail_suppressed", t("card.suppressed." + user.mail_suppressed));
  if (user.directory_disabled) fact("card.directory", t("card.directory_disabled"));

  const actions = h("div", { class: "buttons" });
  const status = h("p", { class: "status", role: "status" });
  if (mayEdit && user.source === "ad") {
    // "Refresh from Active Directory": the directory is read again now, not at the next sign-in.
    actions.append(h("button", { type: "button", id: "refresh-ad", text: t("card.refresh_ad"), onclick: async () => {
      try { await api.post(`/api/users/${id}/directory-refresh`); say(t("card.refreshed_ad")); await reload(); } catch (e) { showProblem(e); }
    } }));
  }
  if (mayEdit) {
    // The buttons that do not apply are null: DOM append would write them out as "null".
    actions.append(...[
      h("button", { type: "button", id: "send-link", text: t("card.send_link"), onclick: async () => {
        try { await api.post(`/api/users/${id}/first-access-link`); say(t("card.link_sent", { email: user.email })); } catch (e) { showProblem(e); }
      } }),
      h("button", { type: "button", text: t("card.change_password"), onclick: () => passwordDialog(user).then((ok) => ok && reload()) }),
      user.totp_enrolled ? h("button", { type: "button", text: t("card.reset_2fa"), onclick: async () => {
        if (!(await confirmDialog("card.reset_2fa", "card.reset_2fa_text", { name: fullName(user) }))) return;
        // The FAQ's lost-device recovery: reset and (unless asked to keep it) lift the requirement.
        try { await api.patch(`/api/users/${id}`, { version: p.version, reset_2fa: true }); say(t("card.reset_2fa_done")); await reload(); } catch (e) { await stale(e, reload); }
      } }) : null,
      // Mail stopped after a bounce or complaint goes again once the user says the address works.
      user.mail_suppressed ? h("button", { type: "button", text: t("card.clear_suppression"), onclick: async () => {
        try { await api.patch(`/api/users/${id}`, { version: p.version, clear_mail_suppression: true }); say(t("card.suppression_cleared")); await reload(); } catch (e) { await stale(e, reload) || showProblem(e); }
      } }) : null,
      p.avatar_url ? h("button", { type: "button", text: t("card.remove_photo"), onclick: async () => {
        try { await api.del(`/api/users/${id}/avatar`); await reload(); } catch (e) { showProblem(e); }
      } }) : null].filter(Boolean));
  }
  if (mayDelete) {
    actions.append(h("button", { type: "button", class: "danger", id: "delete-user", text: t("card.delete"), onclick: async () => {
      if (!(await confirmDialog("delete.title", "delete.text", { name: fullName(user), email: user.email }, "delete.button"))) return;
      try { await api.del(`/api/users/${id}`, { confirm: true }); sayNext(t("delete.done", { name: fullName(user) })); location.hash = "#/users"; } catch (e) { showProblem(e); }
    } }));
  }

  out.append(h("section", { class: "card" }, header, facts, actions, status));

  if (mayEdit) {
    const f = await userForm(me, user, "edit");
    f.append(h("div", { class: "buttons" }, h("button", { class: "primary", text: t("card.save") })));
    f.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      clearErrors(f);
      if (await refusePhoto(f)) return;
      try {
        const body = collect(f, user);
        if (Object.keys(body).length > 1) await api.patch(`/api/users/${id}`, body);
        await uploadPhoto(f, `/api/users/${id}/avatar`);
        say(t("card.saved"));
        await reload();
      } catch (e) {
        if (!(await stale(e, reload))) showProblem(e, f);
      }
    });
    out.append(h("section", { class: "card" }, h("h3", { text: t("card.edit") }), f));
    out.append(await sessionsBox(id));
  }
  out.append(await auditBox(id));
}

/** A stale edit (409 stale_version): says so and offers to reload. Answers whether it was one. */
async function stale(e, reload) {
  if (!(e instanceof Problem) || e.code !== "stale_version") return false;
  if (await confirmDialog("stale.title", "stale.text", {}, "stale.reload")) await reload();
  return true;
}

function passwordDialog(user) {
  return dialog("card.change_password", (close, status) => {
    const f = h("form", { novalidate: true },
      field("field.new_password", input("password", { type: "password", autocomplete: "new-password", minlength: 8, required: true })),
      field("field.new_password_again", input("again", { type: "password", autocomplete: "new-password", minlength: 8, required: true })),
      h("div", { class: "field", dataset: { field: "force_password_change" } },
        h("label", { class: "check" }, h("input", { type: "checkbox", name: "force_password_change" }), " ", t("field.force_password_change"))),
      h("div", { class: "buttons" }, h("button", { class: "primary", text: t("card.change_password") }),
        h("button", { type: "button", text: t("action.cancel"), onclick: () => close(false) })));
    f.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      clearErrors(f);
      const v = values(f);
      if ((v.password || "") !== (v.again || "")) {
        f.querySelector('.field[data-field="again"] .field-error').textContent = t("password.mismatch");
        return;
      }
      try {
        await api.patch(`/api/users/${user.id}`, { version: user.profile.version, password: v.password, force_password_change: !!v.force_password_change });
        close(true);
      } catch (e) { showProblem(e, f, status); }
    });
    return f;
  });
}

async function sessionsBox(id) {
  const box = h("section", { class: "card" }, h("h3", { text: t("sessions.title") }));
  const list = await api.get(`/api/users/${id}/sessions`).catch(() => null);
  if (!list) return box;
  box.append(sessionsTable(list.sessions, async (s) => {
    await api.del(`/api/users/${id}/sessions/${s.id}`);
  }));
  if (list.sessions.length) {
    box.append(h("button", { type: "button", text: t("sessions.end_all"), onclick: async () => {
      try { const r = await api.del(`/api/users/${id}/sessions`); say(t("sessions.ended", { count: r.ended })); box.replaceWith(await sessionsBox(id)); } catch (e) { showProblem(e); }
    } }));
  }
  return box;
}

/** A table of sessions, each with an End button (`end` ends it). */
export function sessionsTable(sessions, end) {
  if (!sessions.length) return h("p", { text: t("sessions.none") });
  const tbody = h("tbody");
  for (const s of sessions) {
    const tr = h("tr", {},
      h("td", { text: date(s.signed_in_at, true) }), h("td", { text: date(s.last_seen, true) }),
      h("td", { text: s.source_ip || "" }), h("td", { text: s.user_agent || "" }),
      h("td", { text: t("sessions.method." + (s.method || "password")) + (s.gate && s.gate !== "done" ? " · " + t("sessions.at_gate") : "") + (s.current ? " · " + t("sessions.current") : "") }),
      h("td", {}, s.id ? h("button", { type: "button", text: t("sessions.end"), onclick: async () => {
        try { await end(s); tr.remove(); say(t("sessions.ended", { count: 1 })); } catch (e) { showProblem(e); }
      } }) : null));
    tbody.append(tr);
  }
  return h("div", { class: "table-wrap" }, h("table", {},
    h("thead", {}, h("tr", {}, ...["sessions.signed_in", "sessions.last_seen", "sessions.ip", "sessions.agent", "sessions.how", "sessions.action"].map((k) => h("th", { scope: "col", text: t(k) })))),
    tbody));
}

async function auditBox(id) {
  const box = h("section", { class: "card" }, h("h3", { text: t("audit.title") }));
  let events = [];
  try { events = (await api.get(`/api/audit?user=${encodeURIComponent(id)}`)).events; } catch (e) { box.append(h("p", { text: t("audit.unavailable") })); return box; }
  if (!events.length) { box.append(h("p", { text: t("audit.none") })); return box; }
  const tbody = h("tbody");
  for (const e of events) {
    tbody.append(h("tr", {}, h("td", { text: date(e.at, true) }), h("td", { text: actionText(e.action) }),
      h("td", { text: e.source_ip || "" }), h("td", { class: "detail", text: JSON.stringify(e.detail) })));
  }
  box.append(h("div", { class: "table-wrap" }, h("table", { class: "audit" },
    h("thead", {}, h("tr", {}, ...["audit.at", "audit.action", "sessions.ip", "audit.detail"].map((k) => h("th", { scope: "col", text: t(k) })))), tbody)));
  return box;
}
