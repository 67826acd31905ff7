// Sign-in and the gates after it: the second factor, a forced password change, a required 2FA
// set-up, completing the profile. Each step answers the next gate; then start() shows it.
import { api } from "../api.js";
import { t, translate } from "../i18n.js";
import { h, field, input, values, clearErrors, showProblem, say } from "../dom.js";
import { totpSetup } from "./totp.js";

function form(titleKey, controls, buttonKey, onsubmit, intro, cls = "card narrow") {
  const f = h("form", { class: cls, novalidate: true }, h("h2", { text: t(titleKey) }),
    intro ? h("p", { text: intro }) : null, ...controls, h("button", { class: "primary", text: t(buttonKey) }));
  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearErrors(f);
    say("");
    try { await onsubmit(values(f), f); } catch (e) { showProblem(e, f); }
  });
  return f;
}

export function signInScreen(view, next) {
  const f = form("signin.title", [
    field("field.email", input("email", { type: "email", autocomplete: "username", required: true })),
    field("field.password", input("password", { type: "password", autocomplete: "current-password", required: true })),
  ], "signin.button", async (v) => { await api.post("/api/auth/login", v); next(); });
  f.append(h("p", {}, h("a", { href: "forgot.html", text: t("signin.forgot") }), " · ", h("a", { href: "first-login.html", text: t("signin.first_login") })));
  view.append(f);
  translate(view);
  f.querySelector("input").focus();
}

export function gateScreen(view, me, next) {
  const gate = me.gate;
  if (gate === "totp") {
    view.append(form("gate.totp.title", [
      field("field.code", input("code", { inputmode: "numeric", autocomplete: "one-time-code", maxlength: 7 })),
      field("field.backup_code", input("backup_code", { autocomplete: "off", placeholder: "XXXX-XXXX-XXXX-XXXX" })),
    ], "action.continue", async (v) => { await api.post("/api/auth/totp", v); next(); }, t("gate.totp.text")));
  } else if (gate === "password_change") {
    view.append(passwordForm(next, t("gate.password.text")));
  } else if (gate === "totp_setup") {
    const box = h("section", { class: "card narrow" }, h("h2", { text: t("totp.title") }), h("p", { text: t("gate.totp_setup.text") }));
    view.append(box);
    totpSetup(box, next);
  } else if (gate === "no_profile") {
    // An account from a migration or the directory, not yet wrapped with "Use Existing User".
    view.append(h("section", { class: "card narrow" }, h("h2", { text: t("gate.no_profile.title") }), h("p", { text: t("gate.no_profile.text") })));
  } else if (gate === "complete_profile") {
    const p = me.profile || {};
    view.append(form("gate.complete.title", [
      field("field.first_name", input("first_name", { value: p.first_name || "", autocomplete: "given-name" })),
      field("field.last_name", input("last_name", { value: p.last_name || "", autocomplete: "family-name" })),
      field("field.phone", input("phone", { value: p.phone || "", type: "tel", autocomplete: "tel" })),
    ], "gate.complete.button", async (v) => { await api.post("/api/me/complete", v); next(); }, t("gate.complete.text")));
  }
  const first = view.querySelector("input, button");
  if (first) first.focus();
}

/** One's own password: the current one, then the new one twice (they must match here). */
export function passwordForm(done, intro, cls) {
  return form("password.title", [
    field("field.current_password", input("current", { type: "password", autocomplete: "current-password" })),
    field("field.new_password", input("new", { type: "password", autocomplete: "new-password", minlength: 8 })),
    field("field.new_password_again", input("again", { type: "password", autocomplete: "new-password", minlength: 8 })),
  ], "password.button", async (v, f) => {
    if ((v.new || "") !== (v.again || "")) {
      const box = f.querySelector('.field[data-field="again"] .field-error');
      box.textContent = t("password.mismatch");
      return;
    }
    await api.post("/api/me/password", { current: v.current, new: v.new });
    f.reset();
    say(t("password.changed"));
    done();
  }, intro, cls);
}
