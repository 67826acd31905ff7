// Reset and first-access links open here. Opening spends nothing; the button does.
"use strict";
const token = decodeURIComponent(location.hash.slice(1));
document.querySelector("#form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  try {
    await post("/api/auth/password-reset/confirm", { token, password: ev.target.password.value });
    history.replaceState(null, "", location.pathname);
    show(T.password_done); setTimeout(() => { location.href = "/"; }, 1500);
  } catch (e) { show(e.message, true); }
});
