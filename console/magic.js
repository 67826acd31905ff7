// First Login links open here; mail scanners that open links spend nothing: the button does.
"use strict";
const token = decodeURIComponent(location.hash.slice(1));
document.querySelector("#form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  try { await post("/api/auth/magic-link", { token }); history.replaceState(null, "", location.pathname); location.href = "/"; }
  catch (e) { show(e.message, true); }
});
