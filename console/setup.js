// The first-admin setup page: the token is in the URL fragment (never sent to a server log),
// and only the button spends it.
"use strict";
const token = decodeURIComponent(location.hash.slice(1));
const msg = document.querySelector("#message");
document.querySelector("#setup-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const body = { token };
  for (const [k, v] of new FormData(ev.target)) if (v !== "") body[k] = v;
  const r = await fetch("/api/auth/setup", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const data = await r.json().catch(() => ({}));
  if (r.ok) { msg.textContent = "Done. Sign in on the console."; history.replaceState(null, "", "/setup.html"); setTimeout(() => { location.href = "/"; }, 1200); }
  else { msg.textContent = data.detail || "Something went wrong."; msg.className = "error"; }
});
