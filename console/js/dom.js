// Small DOM helpers: elements built from data (never HTML strings), dialogs, field errors.
import { t, problemText } from "./i18n.js";

/** `h("button", { class: "x", onclick: f }, "text", child)`: an element. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k in el && typeof v !== "string") el[k] = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

export const $ = (s, root = document) => root.querySelector(s);

/** A labelled control: `<label><span>Text</span><input ...></label>`, with a place for its error. */
export function field(labelKey, control, hint) {
  const id = control.id || (control.id = "f-" + (control.name || Math.random().toString(36).slice(2)) + "-" + (++field.n));
  const err = h("span", { class: "field-error", id: id + "-error", role: "alert" });
  control.setAttribute("aria-describedby", err.id);
  return h("div", { class: "field", dataset: { field: control.name || "" } },
    h("label", { for: id, text: t(labelKey) }), control, hint ? h("small", { text: hint }) : null, err);
}
field.n = 0;

export function input(name, attrs = {}) {
  return h("input", { name, ...attrs });
}

export function select(name, options, value, attrs = {}) {
  const s = h("select", { name, ...attrs });
  for (const [v, label] of options) s.append(h("option", { value: v, text: label }));
  if (value !== undefined && value !== null) s.value = value;
  return s;
}

/** The values of a form's named controls; empty text is left out, checkboxes are booleans. */
export function values(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name || el.disabled) continue;
    if (el.type === "radio") {
      if (el.checked) out[el.name] = el.value;
    } else if (el.type === "file") {
      continue;
    } else if (el.type === "checkbox") {
      if (el.dataset.many !== undefined) { (out[el.name] ||= []); if (el.checked) out[el.name].push(el.value); }
      else out[el.name] = el.checked;
    } else if (el.multiple) out[el.name] = [...el.selectedOptions].map((o) => o.value);
    else if (el.value !== "") out[el.name] = el.value;
  }
  return out;
}

/** Clears a form's field errors. */
export function clearErrors(form) {
  form.querySelectorAll(".field-error").forEach((e) => { e.textContent = ""; });
  form.querySelectorAll("[aria-invalid]").forEach((e) => e.removeAttribute("aria-invalid"));
}

/**
 * Shows a refusal: next to the field it names when the form has that field, else in `status`.
 * Answers whether it was shown at a field.
 */
export function showProblem(p, form, status) {
  const text = p && p.code ? problemText(p) : t("problem.unknown", { detail: String(p && p.message) });
  if (form && p && p.field) {
    const box = form.querySelector(`.field[data-field="${CSS.escape(p.field)}"]`);
    if (box) {
      box.querySelector(".field-error").textContent = text;
      const control = box.querySelector("input, select, textarea");
      if (control) { control.setAttribute("aria-invalid", "true"); control.focus(); }
      return true;
    }
  }
  say(text, true, status);
  return false;
}

let flash = "";
/** A message for the screen shown next (after a navigation). */
export function sayNext(text) { flash = text; }
/** Takes the message left for this screen, if any. */
export function takeFlash() { const f = flash; flash = ""; return f; }

/** The page's (or a dialog's) status line. */
export function say(text, error = false, where) {
  const m = where || $("#message");
  if (!m) return;
  m.textContent = text || "";
  m.classList.toggle("error", !!error);
}

/**
 * A modal dialog (native <dialog>: the rest of the page is inert, so focus stays inside; Escape
 * closes). `build(close)` gives its content. Answers a promise of what `close` was given.
 */
export function dialog(titleKey, build, vars) {
  return new Promise((resolve) => {
    const title = h("h2", { id: "dlg-title-" + (++dialog.n), text: t(titleKey, vars) });
    const status = h("p", { class: "status", role: "status" });
    const d = h("dialog", { "aria-labelledby": title.id });
    const close = (value) => { d.close(); d.remove(); resolve(value); };
    d.addEventListener("cancel", (e) => { e.preventDefault(); close(undefined); });
    // The page behind is inert, but Tab could still leave for the browser's own controls: it
    // goes round the dialog's controls instead.
    d.addEventListener("keydown", (e) => {
      if (e.key !== "Tab") return;
      const all = [...d.querySelectorAll("a[href], button, input, select, textarea")].filter((el) => !el.disabled && el.offsetParent !== null);
      if (!all.length) return;
      const [first, last] = [all[0], all[all.length - 1]];
      if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last.focus(); }
      else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus(); }
    });
    d.append(title, build(close, status), status);
    document.body.append(d);
    d.showModal();
    const first = d.querySelector("input, select, textarea, button");
    if (first) first.focus();
  });
}
dialog.n = 0;

/** Asks a yes/no question; answers true for yes. */
export function confirmDialog(titleKey, textKey, vars, yesKey = "action.confirm") {
  return dialog(titleKey, (close) => h("div", {},
    h("p", { text: t(textKey, vars) }),
    h("div", { class: "buttons" },
      h("button", { type: "button", class: "danger", text: t(yesKey), onclick: () => close(true) }),
      h("button", { type: "button", text: t("action.cancel"), onclick: () => close(false) }))), vars);
}

/** Black or white text, whichever reads better on `hex`. */
export function contrastOn(hex) {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex || "");
  if (!m) return "";
  const n = parseInt(m[1], 16);
  const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.179 ? "ink-dark" : "ink-light";
}
