// Every string of the console comes from messages/<lang>.json. Plurals go through the language's
// rules (Intl.PluralRules), dates and numbers through Intl. A message is a string with {name}
// placeholders, or, for counts, an object of plural categories ({one, few, many, other}).

export const LANGUAGES = ["en", "uk", "ru"];
const STORE_KEY = "secboard.language";
const catalogues = {};
let lang = "en";

async function load(l) {
  if (!catalogues[l]) {
    const r = await fetch(`messages/${l}.json`, { credentials: "same-origin" });
    catalogues[l] = await r.json();
  }
  return catalogues[l];
}

/** The language chosen before (this browser), else the browser's own, else English. */
export function preferred() {
  const saved = localStorage.getItem(STORE_KEY);
  if (LANGUAGES.includes(saved)) return saved;
  const asked = (navigator.languages || [navigator.language || "en"]).map((x) => x.slice(0, 2));
  return asked.find((x) => LANGUAGES.includes(x)) || "en";
}

export async function setLanguage(l) {
  if (!LANGUAGES.includes(l)) l = "en";
  await Promise.all([load("en"), load(l)]);
  lang = l;
  localStorage.setItem(STORE_KEY, l);
  document.documentElement.lang = l;
  translate(document);
}

export const language = () => lang;

export function has(key) {
  return key in (catalogues[lang] || {}) || key in (catalogues.en || {});
}

export function t(key, vars = {}) {
  let m = (catalogues[lang] || {})[key] ?? (catalogues.en || {})[key];
  if (m === undefined) return key;
  if (typeof m === "object") {
    const n = Number(vars.count);
    // "zero" is a wording of its own ("No open task"), in any language that gives one.
    m = (n === 0 && m.zero) || m[new Intl.PluralRules(lang).select(n)] || m.other;
  }
  return m.replace(/\{(\w+)\}/g, (_, k) => {
    const v = vars[k];
    if (v === undefined || v === null) return "";
    return typeof v === "number" ? number(v) : String(v);
  });
}

export const number = (n) => new Intl.NumberFormat(lang).format(n);

/** A calendar date (`YYYY-MM-DD`) or a timestamp, in the language's form. */
export function date(value, withTime = false) {
  if (!value) return "";
  const d = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(value + "T00:00:00") : new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  return new Intl.DateTimeFormat(lang, withTime ? { dateStyle: "medium", timeStyle: "short" } : { dateStyle: "medium" }).format(d);
}

/** Fills `data-i18n` (text), `data-i18n-placeholder`, `data-i18n-label` (aria-label) under `root`. */
export function translate(root) {
  root.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  root.querySelectorAll("[data-i18n-placeholder]").forEach((el) => { el.placeholder = t(el.dataset.i18nPlaceholder); });
  root.querySelectorAll("[data-i18n-label]").forEach((el) => { el.setAttribute("aria-label", t(el.dataset.i18nLabel)); });
}

/** A refusal in the reader's language, by its stable code (and the field or right it names). */
export function problemText(p) {
  const vars = { field: p.field ? t("field." + p.field) : "", right: p.body && p.body.right ? p.body.right : "" };
  const precise = p.field && has(`problem.${p.code}.${p.field}`) ? `problem.${p.code}.${p.field}` : null;
  if (precise) return t(precise, vars);
  if (has("problem." + p.code)) return t("problem." + p.code, vars);
  return t("problem.unknown", { detail: p.message });
}
