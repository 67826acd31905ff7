// The console: one origin with the API, so no CORS and the session cookie is SameSite=Strict.
"use strict";
const $ = (s) => document.querySelector(s);
const SECTIONS = ["signin", "totp", "password", "setup2fa", "complete", "security", "directory"];
const show = (...ids) => SECTIONS.forEach((s) => { $("#" + s).hidden = !ids.includes(s); });
const say = (text, error) => { const m = $("#message"); m.textContent = text || ""; m.className = error ? "error" : ""; };

async function api(method, path, body) {
  const opts = { method, headers: {}, credentials: "same-origin" };
  // Every write says it is JSON, with a body or not: a type a cross-site form cannot send.
  if (method !== "GET") opts.headers["content-type"] = "application/json";
  if (body !== undefined) opts.body = JSON.stringify(body);
  const r = await fetch(path, opts);
  const data = r.status === 204 ? null : await r.json().catch(() => null);
  if (!r.ok) {
    const e = new Error((data && data.detail) || r.statusText);
    e.status = r.status; e.reauthenticate = !!(data && data.reauthenticate);
    throw e;
  }
  return data;
}

function formData(form) {
  const out = {};
  for (const [k, v] of new FormData(form)) if (v !== "") out[k] = v;
  return out;
}

let cursor = null;

async function loadUsers(append) {
  const params = new URLSearchParams(formData($("#filters")));
  if (append && cursor) params.set("cursor", cursor);
  const page = await api("GET", "/api/users?" + params);
  const rows = $("#rows");
  if (!append) rows.textContent = "";
  for (const u of page.users) {
    const tr = document.createElement("tr");
    const p = u.profile || {};
    const cells = [`${p.first_name || ""} ${p.last_name || ""}`, u.email, (p.company || {}).name, (p.department || {}).name, u.status];
    cells.forEach((c, i) => {
      const td = document.createElement("td");
      td.textContent = c || "";
      if (i === 0 && p.colour) { td.className = "swatch"; td.style.borderLeftColor = p.colour; }
      tr.appendChild(td);
    });
    rows.appendChild(tr);
  }
  cursor = page.next_cursor;
  $("#more").hidden = !cursor;
}

async function loadCompanies() {
  const sel = $("#filters select[name=company]");
  try {
    for (const c of await api("GET", "/api/org/companies")) {
      const o = document.createElement("option"); o.value = c.id; o.textContent = c.name; sel.appendChild(o);
    }
  } catch (_) { /* no org rights: the list still works within the own company */ }
}

let me = null;

// A change to 2FA from a sign-in older than 15 minutes asks for the password again.
async function withProof(method, path, body) {
  try { return await api(method, path, body); } catch (e) {
    if (!e.reauthenticate) throw e;
    const password = prompt("Confirm with your password");
    if (!password) throw e;
    return api(method, path, Object.assign({}, body, { password }));
  }
}

function showBackupCodes(codes) {
  $("#backup-codes").textContent = codes.join("\n");
  $("#setup2fa-qr").hidden = true; $("#setup2fa-start").hidden = true; $("#backup").hidden = false;
  show("setup2fa");
}

async function start() {
  try {
    me = await api("GET", "/api/me");
    $("#who").textContent = me.email; $("#logout").hidden = false;
    say("");
    if (me.gate === "totp") { show("totp"); return; }
    if (me.gate === "no_profile") {
      show(); say("Your account has no cabinet profile yet. An administrator sets it up; sign in again once they have."); return;
    }
    if (me.gate === "password_change") {
      $("#password-why").textContent = "An administrator asks you to choose a new password before going on."; show("password"); return;
    }
    if (me.gate === "totp_setup") {
      $("#setup2fa-why").textContent = "An administrator requires two-factor authentication on your account.";
      $("#setup2fa-start").hidden = false; $("#backup").hidden = true; show("setup2fa"); return;
    }
    if (me.gate === "complete_profile") { show("complete"); return; }
    $("#security-state").textContent = me.totp_enrolled
      ? `Two-factor authentication is on (${me.backup_codes_left} backup codes left)${me.require_2fa ? ", required by an administrator" : ""}.`
      : "Two-factor authentication is off.";
    $("#sec-setup").hidden = me.totp_enrolled; $("#sec-codes").hidden = !me.totp_enrolled;
    $("#sec-off").hidden = !me.totp_enrolled || me.require_2fa;
    show("security", "directory");
    await loadCompanies();
    await loadUsers(false).catch((e) => say(e.message, true));
  } catch (e) {
    $("#who").textContent = ""; $("#logout").hidden = true; show("signin");
  }
}

$("#signin-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  try { await api("POST", "/api/auth/login", formData(ev.target)); say(""); start(); } catch (e) { say(e.message, true); }
});
$("#complete-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  try { await api("POST", "/api/me/complete", formData(ev.target)); say(""); start(); } catch (e) { say(e.message, true); }
});
$("#totp-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  try { await api("POST", "/api/auth/totp", formData(ev.target)); ev.target.reset(); start(); } catch (e) { say(e.message, true); }
});
$("#password-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  try { await api("POST", "/api/me/password", formData(ev.target)); ev.target.reset(); say("Password changed; your other sessions were signed out."); start(); }
  catch (e) { say(e.message, true); }
});
$("#setup2fa-start").addEventListener("click", async () => {
  try {
    const s = await withProof("POST", "/api/me/totp/setup", {});
    $("#qr").src = s.qr_png; $("#secret").textContent = s.secret;
    $("#setup2fa-qr").hidden = false; $("#setup2fa-start").hidden = true; say("");
  } catch (e) { say(e.message, true); }
});
$("#confirm-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  try { const r = await api("POST", "/api/me/totp/confirm", formData(ev.target)); ev.target.reset(); showBackupCodes(r.backup_codes); }
  catch (e) { say(e.message, true); }
});
$("#backup-done").addEventListener("click", () => { $("#backup").hidden = true; start(); });
$("#sec-setup").addEventListener("click", () => {
  $("#setup2fa-why").textContent = ""; $("#setup2fa-start").hidden = false; $("#setup2fa-qr").hidden = true; $("#backup").hidden = true;
  show("setup2fa");
});
$("#sec-codes").addEventListener("click", async () => {
  try { showBackupCodes((await withProof("POST", "/api/me/backup-codes", {})).backup_codes); } catch (e) { say(e.message, true); }
});
$("#sec-off").addEventListener("click", async () => {
  const code = prompt("Enter a code from your authenticator app (or leave empty to use your password)");
  const body = code ? { code } : { password: prompt("Your password") || "" };
  try { await api("DELETE", "/api/me/totp", body); say("Two-factor authentication is off."); start(); } catch (e) { say(e.message, true); }
});
$("#sec-password").addEventListener("click", () => { $("#password-why").textContent = ""; show("password"); });
$("#filters").addEventListener("submit", (ev) => { ev.preventDefault(); loadUsers(false).catch((e) => say(e.message, true)); });
$("#export").addEventListener("click", async () => {
  const f = formData($("#filters")); delete f.per_page;
  try { const r = await api("POST", "/api/users/export", f); say(`${r.rows} users exported`); location.href = r.url; }
  catch (e) { say(e.message, true); }
});
$("#more").addEventListener("click", () => loadUsers(true).catch((e) => say(e.message, true)));
$("#logout").addEventListener("click", async () => { await api("POST", "/api/auth/logout"); start(); });
start();
