// The link pages in English, Ukrainian and Russian, chosen by the browser's language.
"use strict";
const STRINGS = {
  en: {
    password_title: "Choose your password", password_label: "New password (at least 8 characters)", password_button: "Set password",
    password_done: "Your password is set. Sign in with it.", magic_title: "Sign in to SecBoard", magic_text: "This link signs you in once. Press the button to continue.",
    magic_button: "Sign in", forgot_title: "Forgot your password?", forgot_button: "Send me a link", email: "Email",
    forgot_done: "If this email belongs to an account, a link is on its way. It works once, for 1 hour.",
    first_title: "First login", control_word: "Control word (from your administrator)", first_button: "Send me a sign-in link",
    first_done: "If the email and the control word match, a sign-in link is on its way. It works once, for 15 minutes.", error: "Something went wrong.",
  },
  uk: {
    password_title: "Оберіть пароль", password_label: "Новий пароль (щонайменше 8 символів)", password_button: "Встановити пароль",
    password_done: "Пароль встановлено. Увійдіть з ним.", magic_title: "Вхід до SecBoard", magic_text: "Це посилання спрацьовує один раз. Натисніть кнопку, щоб продовжити.",
    magic_button: "Увійти", forgot_title: "Забули пароль?", forgot_button: "Надіслати посилання", email: "Ел. пошта",
    forgot_done: "Якщо ця адреса належить обліковому запису, посилання вже в дорозі. Воно одноразове, строк дії — 1 година.",
    first_title: "Перший вхід", control_word: "Контрольне слово (від адміністратора)", first_button: "Надіслати посилання для входу",
    first_done: "Якщо адреса і контрольне слово збігаються, посилання вже в дорозі. Воно одноразове, строк дії — 15 хвилин.", error: "Щось пішло не так.",
  },
  ru: {
    password_title: "Выберите пароль", password_label: "Новый пароль (не менее 8 символов)", password_button: "Установить пароль",
    password_done: "Пароль установлен. Войдите с ним.", magic_title: "Вход в SecBoard", magic_text: "Эта ссылка срабатывает один раз. Нажмите кнопку, чтобы продолжить.",
    magic_button: "Войти", forgot_title: "Забыли пароль?", forgot_button: "Отправить ссылку", email: "Эл. почта",
    forgot_done: "Если этот адрес принадлежит учётной записи, ссылка уже в пути. Она одноразовая, срок действия — 1 час.",
    first_title: "Первый вход", control_word: "Контрольное слово (от администратора)", first_button: "Отправить ссылку для входа",
    first_done: "Если адрес и контрольное слово совпадают, ссылка уже в пути. Она одноразовая, срок действия — 15 минут.", error: "Что-то пошло не так.",
  },
};
const LANG = (navigator.languages || [navigator.language || "en"]).map((l) => l.slice(0, 2)).find((l) => STRINGS[l]) || "en";
const T = STRINGS[LANG];
document.documentElement.lang = LANG;
document.querySelectorAll("[data-t]").forEach((el) => { el.textContent = T[el.dataset.t]; });

// Posts JSON and shows the outcome; used by every link page.
async function post(path, body) {
  const r = await fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), credentials: "same-origin" });
  const data = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(data.detail || T.error);
  return data;
}
function show(text, error) { const m = document.querySelector("#message"); m.textContent = text; m.className = error ? "error" : ""; }
