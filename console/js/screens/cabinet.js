// The personal cabinet: one's own name, phone, photo and language (company, department and
// position read-only), password, two-factor authentication, sessions and tasks.
import { api } from "../api.js";
import { t, setLanguage, translate } from "../i18n.js";
import { h, field, input, select, values, clearErrors, showProblem, say, dialog } from "../dom.js";
import { passwordForm } from "./gates.js";
import { totpSetup, withProof, showBackupCodes } from "./totp.js";
import { refusePhoto } from "./user-form.js";
import { sessionsTable } from "./user-card.js";

export async function cabinetScreen(view, me) {
  const p = me.profile || {};
  const again = async () => { const fresh = await api.get("/api/me"); view.textContent = ""; await cabinetScreen(view, fresh); translate(view); };

  const profile = h("form", { novalidate: true, id: "profile" },
    p.avatar_url ? h("img", { class: "avatar", src: p.avatar_url, alt: t("cabinet.my_photo"), width: 96, height: 96 }) : null,
    h("div", { class: "grid" },
      field("field.first_name", input("first_name", { value: p.first_name || "", autocomplete: "given-name" })),
      field("field.last_name", input("last_name", { value: p.last_name || "", autocomplete: "family-name" })),
      field("field.phone", input("phone", { type: "tel", value: p.phone || "", autocomplete: "tel" })),
      field("field.language", select("language", [["en", "English"], ["uk", "Українська"], ["ru", "Русский"]], p.language || document.documentElement.lang)),
      field("field.photo", input("photo", { type: "file", accept: "image/jpeg,image/png" }))),
    h("dl", { class: "facts" },
      h("dt", { text: t("field.email") }), h("dd", { text: me.email }),
      h("dt", { text: t("field.company") }), h("dd", { text: (p.company || {}).name || "—" }),
      h("dt", { text: t("field.department") }), h("dd", { text: (p.department || {}).name || "—" }),
      h("dt", { text: t("field.position") }), h("dd", { text: (p.position || {}).name || "—" })),
    h("p", { class: "muted", text: t("cabinet.read_only") }),
    h("div", { class: "buttons" }, h("button", { class: "primary", text: t("action.save") }),
      p.avatar_url ? h("button", { type: "button", text: t("card.remove_photo"), onclick: async () => {
        try { await api.del("/api/me/avatar"); await again(); } catch (e) { showProblem(e); }
      } }) : null));
  profile.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearErrors(profile);
    if (await refusePhoto(profile)) return;
    const v = values(profile);
    const body = { version: p.version };
    for (const k of ["first_name", "last_name"]) if ((v[k] || "") !== (p[k] || "")) body[k] = v[k] || "";
    if ((v.phone || null) !== (p.phone || null)) body.phone = v.phone || null;
    if (v.language !== p.language) body.language = v.language;
    try {
      if (Object.keys(body).length > 1) await api.patch("/api/me", body);
      const file = profile.photo.files[0];
      if (file) await api.upload("/api/me/avatar", file);
      if (body.language) await setLanguage(body.language);
      say(t("cabinet.saved"));
      await again();
    } catch (e) { showProblem(e, profile); }
  });

  const tasks = p.tasks || [];
  const taskBox = h("section", { class: "card", id: "tasks" }, h("h3", { text: t("cabinet.tasks") }),
    h("p", { text: t("cabinet.tasks_count", { count: tasks.length }) }),
    tasks.length ? h("ul", {}, ...tasks.map((x) => h("li", { text: `${t("task." + x.kind)}: ${x.name}` }))) : null);

  const security = h("section", { class: "card", id: "security" }, h("h3", { text: t("totp.title") }));
  if (me.totp_enrolled) {
    security.append(h("p", { text: t("cabinet.totp_on") + " " + t("cabinet.codes_left", { count: me.backup_codes_left || 0 }) }));
    if (me.require_2fa) security.append(h("p", { text: t("cabinet.totp_required") }));
    const buttons = h("div", { class: "buttons" },
      h("button", { type: "button", text: t("cabinet.regenerate"), onclick: async () => {
        try { const r = await withProof((extra) => api.post("/api/me/backup-codes", extra)); showBackupCodes(security, r.backup_codes, again); } catch (e) { showProblem(e); }
      } }),
      me.require_2fa ? null : h("button", { type: "button", class: "danger", text: t("cabinet.turn_off"), onclick: async () => {
        const body = await dialog("cabinet.turn_off", (close, status) => {
          const f = h("form", { novalidate: true }, h("p", { text: t("cabinet.turn_off_text") }),
            field("field.code", input("code", { inputmode: "numeric", autocomplete: "one-time-code" })),
            field("field.password", input("password", { type: "password", autocomplete: "current-password" })),
            h("div", { class: "buttons" }, h("button", { class: "danger", text: t("cabinet.turn_off") }), h("button", { type: "button", text: t("action.cancel"), onclick: () => close(null) })));
          f.addEventListener("submit", async (ev) => {
            ev.preventDefault();
            clearErrors(f);
            const v = values(f);
            try { await api.del("/api/me/totp", v.code ? { code: v.code } : { password: v.password || "" }); close(true); } catch (e) { showProblem(e, f, status); }
          });
          return f;
        });
        if (body) { say(t("cabinet.totp_off")); await again(); }
      } }));
    security.append(buttons);
  } else {
    security.append(h("p", { text: t("cabinet.totp_off_text") }));
    totpSetup(security, again);
  }

  const sessions = await api.get("/api/me/sessions").catch(() => ({ sessions: [] }));
  const sessionBox = h("section", { class: "card", id: "my-sessions" }, h("h3", { text: t("sessions.mine") }),
    h("p", { text: t("sessions.count", { count: sessions.sessions.length }) }),
    sessionsTable(sessions.sessions, async (s) => {
      await api.del("/api/me/sessions/" + s.id);
      if (s.current) location.reload();
    }));
  if (sessions.sessions.length > 1) {
    sessionBox.append(h("button", { type: "button", text: t("sessions.end_others"), onclick: async () => {
      try { const r = await api.del("/api/me/sessions"); say(t("sessions.ended", { count: r.ended })); await again(); } catch (e) { showProblem(e); }
    } }));
  }

  view.append(
    h("section", { class: "card" }, h("h2", { text: t("nav.cabinet") }), profile),
    taskBox,
    passwordForm(again, undefined, "card"),
    security,
    sessionBox);
}
