"use strict";
document.querySelector("#form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  try { await post("/api/auth/password-reset", { email: ev.target.email.value }); show(T.forgot_done); } catch (e) { show(e.message, true); }
});
