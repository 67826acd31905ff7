// The pages emailed links and the sign-in page's links open (reset and first access, First Login,
// forgot password, first-admin setup). Opening a link spends nothing: only the button does. The
// token is in the URL fragment, never sent in a request line.
import { api } from "./api.js";
import { setLanguage, preferred, t, problemText } from "./i18n.js";
import { say } from "./dom.js";

const page = document.body.dataset.page;
const token = decodeURIComponent(location.hash.slice(1));
const form = document.querySelector("#form");
const forget = () => history.replaceState(null, "", location.pathname);

const submit = {
  password: async (f) => {
    if (f.password.value !== f.again.value) return say(t("password.mismatch"), true);
    await api.post("/api/auth/password-reset/confirm", { token, password: f.password.value });
    forget();
    say(t("link.password_done"));
    setTimeout(() => { location.href = "/"; }, 1500);
  },
  magic: async () => {
    await api.post("/api/auth/magic-link", { token });
    forget();
    location.href = "/";
  },
  forgot: async (f) => {
    await api.post("/api/auth/password-reset", { email: f.email.value });
    say(t("link.forgot_done"));
  },
  "first-login": async (f) => {
    await api.post("/api/auth/first-login", { email: f.email.value, control_word: f.control_word.value });
    say(t("link.first_done"));
  },
  setup: async (f) => {
    const body = { token, email: f.email.value, password: f.password.value };
    if (f.first_name.value) body.first_name = f.first_name.value;
    if (f.last_name.value) body.last_name = f.last_name.value;
    await api.post("/api/auth/setup", body);
    forget();
    say(t("link.setup_done"));
    setTimeout(() => { location.href = "/"; }, 1200);
  },
};

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  say("");
  try { await submit[page](form); } catch (e) { say(problemText(e), true); }
});
const chooser = document.querySelector("#language");
chooser.addEventListener("change", () => setLanguage(chooser.value));
await setLanguage(preferred());
chooser.value = document.documentElement.lang;
