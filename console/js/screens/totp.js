// Two-factor set-up: the QR code (and the key to type), the code that turns it on, then the ten
// backup codes, shown this once with copy and download.
import { api } from "../api.js";
import { t } from "../i18n.js";
import { h, field, input, values, clearErrors, showProblem, dialog } from "../dom.js";

/** Runs `call(extra)`; when the API asks for a fresh proof, asks for the password and runs it again. */
export async function withProof(call) {
  try {
    return await call({});
  } catch (e) {
    if (!e.reauthenticate) throw e;
    const password = await dialog("proof.title", (close) => {
      const f = h("form", {}, h("p", { text: t("proof.text") }),
        field("field.password", input("password", { type: "password", autocomplete: "current-password", required: true })),
        h("div", { class: "buttons" }, h("button", { class: "primary", text: t("action.confirm") }),
          h("button", { type: "button", text: t("action.cancel"), onclick: () => close(null) })));
      f.addEventListener("submit", (ev) => { ev.preventDefault(); close(f.password.value); });
      return f;
    });
    if (!password) throw e;
    return call({ password });
  }
}

/** The ten codes, shown once: copy, download, and a button to go on. */
export function showBackupCodes(box, codes, done) {
  box.textContent = "";
  const text = codes.join("\n");
  const url = URL.createObjectURL(new Blob([text + "\n"], { type: "text/plain" }));
  const copied = h("span", { role: "status" });
  box.append(
    h("h2", { text: t("backup.title") }),
    h("p", { text: t("backup.text", { count: codes.length }) }),
    h("pre", { class: "codes", "data-testid": "backup-codes", text }),
    h("div", { class: "buttons" },
      h("button", { type: "button", text: t("backup.copy"), onclick: () => navigator.clipboard.writeText(text).then(() => { copied.textContent = t("backup.copied"); }, () => { copied.textContent = t("backup.copy_failed"); }) }),
      h("a", { class: "button", href: url, download: "secboard-backup-codes.txt", text: t("backup.download") }),
      h("button", { type: "button", class: "primary", text: t("backup.saved"), onclick: () => { URL.revokeObjectURL(url); done(); } }),
      copied));
  box.querySelector("button").focus();
}

export function totpSetup(box, done) {
  const start = h("button", { type: "button", class: "primary", text: t("totp.start") });
  box.append(start);
  start.addEventListener("click", async () => {
    let s;
    try {
      s = await withProof((extra) => api.post("/api/me/totp/setup", extra));
    } catch (e) { showProblem(e); return; }
    start.remove();
    const f = h("form", { novalidate: true },
      h("p", { text: t("totp.scan") }),
      h("img", { src: s.qr_png, alt: t("totp.qr_alt"), width: 240, height: 240 }),
      h("p", {}, t("totp.key"), " ", h("code", { "data-testid": "totp-secret", text: s.secret })),
      field("field.code", input("code", { inputmode: "numeric", autocomplete: "one-time-code", required: true, maxlength: 7 })),
      h("button", { class: "primary", text: t("totp.turn_on") }));
    f.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      clearErrors(f);
      try {
        const r = await api.post("/api/me/totp/confirm", values(f));
        showBackupCodes(box, r.backup_codes, done);
      } catch (e) { showProblem(e, f); }
    });
    box.append(f);
    f.code.focus();
  });
}
