// The console: one origin with the API, so no CORS and the session cookie is SameSite=Strict.
"use strict";
const $ = (s) => document.querySelector(s);
const show = (id) => ["signin", "complete", "directory"].forEach((s) => { $("#" + s).hidden = s !== id; });
const say = (text, error) => { const m = $("#message"); m.textContent = text || ""; m.className = error ? "error" : ""; };

async function api(method, path, body) {
  const opts = { method, headers: {}, credentials: "same-origin" };
  if (body !== undefined) { opts.headers["content-type"] = "application/json"; opts.body = JSON.stringify(body); }
  const r = await fetch(path, opts);
  const data = r.status === 204 ? null : await r.json().catch(() => null);
  if (!r.ok) { const e = new Error((data && data.detail) || r.statusText); e.status = r.status; throw e; }
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

async function start() {
  try {
    const me = await api("GET", "/api/me");
    $("#who").textContent = me.email; $("#logout").hidden = false;
    if (me.gate === "complete_profile") { show("complete"); return; }
    show("directory");
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
$("#filters").addEventListener("submit", (ev) => { ev.preventDefault(); loadUsers(false).catch((e) => say(e.message, true)); });
$("#export").addEventListener("click", async () => {
  const f = formData($("#filters")); delete f.per_page;
  try { const r = await api("POST", "/api/users/export", f); say(`${r.rows} users exported`); location.href = r.url; }
  catch (e) { say(e.message, true); }
});
$("#more").addEventListener("click", () => loadUsers(true).catch((e) => say(e.message, true)));
$("#logout").addEventListener("click", async () => { await api("POST", "/api/auth/logout"); start(); });
start();
