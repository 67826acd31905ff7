"use strict";
document.querySelector("#form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  try { await post("/api/auth/first-login", { email: ev.target.email.value, control_word: ev.target.control_word.value }); show(T.first_done); }
  catch (e) { show(e.message, true); }
});
