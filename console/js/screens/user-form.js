// The user's fields, for the Create User dialog (both modes) and the Edit form on the card.
// Choosing a company loads its departments, positions, platform roles, access groups and quizzes.
import { api } from "../api.js";
import { t } from "../i18n.js";
import { h, field, input, select, values, clearErrors, showProblem, dialog, say } from "../dom.js";
import { companies, items } from "./users.js";

const MAX_PHOTO = 2 * 1024 * 1024;

/** Checks a photo in the browser before upload (the server checks again): JPEG or PNG, < 2 MB, >= 200 x 200. */
export async function checkPhoto(file) {
  if (!["image/jpeg", "image/png"].includes(file.type)) return t("photo.type");
  if (file.size >= MAX_PHOTO) return t("photo.size");
  try {
    const bmp = await createImageBitmap(file);
    const small = bmp.width < 200 || bmp.height < 200;
    bmp.close();
    if (small) return t("photo.small");
  } catch (_) {
    return t("photo.unreadable");
  }
  return null;
}

/** A set of checkboxes named `name` (their values the ids), in a labelled fieldset. */
function checks(name, legendKey, list, chosen, label = (x) => x.name) {
  const set = new Set(chosen || []);
  const fs = h("fieldset", { class: "field checks", dataset: { field: name } }, h("legend", { text: t(legendKey) }));
  if (!list.length) fs.append(h("p", { class: "muted", text: t("form.none_yet") }));
  for (const x of list) {
    fs.append(h("label", { class: "check" }, h("input", { type: "checkbox", name, value: x.id, checked: set.has(x.id), dataset: { many: "" } }), " ", label(x)));
  }
  fs.append(h("span", { class: "field-error", role: "alert" }));
  return fs;
}

function checkbox(name, labelKey, checked) {
  return h("div", { class: "field", dataset: { field: name } },
    h("label", { class: "check" }, h("input", { type: "checkbox", name, checked: !!checked }), " ", t(labelKey)),
    h("span", { class: "field-error", role: "alert" }));
}

const LANGS = [["", "—"], ["en", "English"], ["uk", "Українська"], ["ru", "Русский"]];

/**
 * The form's controls for `user` (an admin view, or null for a new one). Answers the form and a
 * function that reloads the company's lists.
 */
export async function userForm(me, user, mode = "edit") {
  const p = (user && user.profile) || {};
  const cos = await companies();
  const f = h("form", { class: "user-form", novalidate: true });
  const company = select("company_id", [["", t("form.choose")], ...cos.map((c) => [c.id, c.name])], p.company ? p.company.id : (cos.length === 1 ? cos[0].id : ""), { required: true });
  const orgBox = h("div", { class: "org-fields" });
  const chosen = {
    department: p.department ? p.department.id : "", position: p.position ? p.position.id : "",
    roles: (p.roles || []).map((r) => r.id), groups: (p.groups || []).map((g) => g.id), quizzes: (p.quizzes || []).map((q) => q.id),
  };
  async function loadCompany() {
    const c = company.value;
    const [deps, poss, roles, groups, global, quizzes] = await Promise.all([
      items(c, "departments"), items(c, "positions"), items(c, "roles"), items(c, "groups"),
      api.get("/api/org/groups").catch(() => []), items(c, "quizzes")]);
    const allGroups = [...groups, ...global.filter((g) => g.global && !groups.some((x) => x.id === g.id))];
    orgBox.replaceChildren(
      field("field.department", select("department_id", [["", "—"], ...deps.map((d) => [d.id, d.name])], chosen.department)),
      field("field.position", select("position_id", [["", "—"], ...poss.map((d) => [d.id, d.name])], chosen.position)),
      checks("roles", "field.roles", roles, chosen.roles),
      checkbox("apply_role_groups", "form.apply_role_groups", false),
      checks("groups", "field.groups", allGroups, chosen.groups, (g) => (g.global ? `${g.name} (${t("org.global")})` : g.name)),
      checks("quizzes", "field.quizzes", quizzes, chosen.quizzes));
  }
  company.addEventListener("change", () => { chosen.department = chosen.position = ""; chosen.roles = []; chosen.groups = []; chosen.quizzes = []; loadCompany(); });

  const modeBox = mode === "create" ? h("fieldset", { class: "field modes", dataset: { field: "mode" } }, h("legend", { text: t("form.mode") }),
    h("label", { class: "check" }, h("input", { type: "radio", name: "mode", value: "new", checked: true }), " ", t("form.mode_new")),
    h("label", { class: "check" }, h("input", { type: "radio", name: "mode", value: "existing" }), " ", t("form.mode_existing")),
    h("small", { text: t("form.mode_existing_hint") })) : null;

  // No modes on edit: left out (DOM append would write null out as "null").
  f.append(...(modeBox ? [modeBox] : []),
    h("div", { class: "grid" },
      field("field.email", input("email", { type: "email", value: user ? user.email : "", required: true, autocomplete: "off" })),
      field("field.first_name", input("first_name", { value: p.first_name || "", required: true })),
      field("field.last_name", input("last_name", { value: p.last_name || "", required: true })),
      field("field.company", company),
      field("field.phone", input("phone", { type: "tel", value: p.phone || "" })),
      field("field.colour", input("colour", { value: p.colour || "", placeholder: "#3366FF", pattern: "#[0-9A-Fa-f]{6}" })),
      field("field.start_date", input("start_date", { type: "date", value: p.start_date || "" })),
      field("field.end_date", input("end_date", { type: "date", value: p.end_date || "" })),
      field("field.language", select("language", LANGS, p.language || ""))),
    orgBox,
    h("div", { class: "grid" },
      checkbox("active", "field.active", user ? user.active : true),
      checkbox("staff", "field.staff", user ? user.staff : false),
      checkbox("require_2fa", "field.require_2fa", user ? user.require_2fa : false),
      user ? checkbox("force_password_change", "field.force_password_change", user.force_password_change) : null),
    field("field.photo", input("photo", { type: "file", accept: "image/jpeg,image/png" })));
  if (company.value) await loadCompany();
  return f;
}

/** What to send: on create every value given; on edit only what changed (null clears). */
export function collect(f, user) {
  const v = values(f);
  delete v.photo;
  for (const k of ["roles", "groups", "quizzes"]) v[k] ||= [];
  if (!user) {
    for (const k of ["active", "staff", "require_2fa"]) v[k] = !!v[k];
    if (!v.apply_role_groups) delete v.apply_role_groups;
    return v;
  }
  const p = user.profile || {};
  const before = {
    email: user.email, first_name: p.first_name, last_name: p.last_name, company_id: p.company && p.company.id,
    phone: p.phone, colour: p.colour, start_date: p.start_date, end_date: p.end_date, language: p.language,
    department_id: p.department && p.department.id, position_id: p.position && p.position.id,
    roles: (p.roles || []).map((x) => x.id), groups: (p.groups || []).map((x) => x.id), quizzes: (p.quizzes || []).map((x) => x.id),
    active: user.active, staff: user.staff, require_2fa: user.require_2fa, force_password_change: user.force_password_change,
  };
  const out = { version: p.version };
  for (const [k, was] of Object.entries(before)) {
    const now = v[k] === undefined ? (typeof was === "boolean" ? false : null) : v[k];
    const same = Array.isArray(was) ? JSON.stringify([...was].sort()) === JSON.stringify([...now].sort()) : (was ?? null) === (now ?? null);
    if (!same) out[k] = now;
  }
  if (v.apply_role_groups && out.roles) out.apply_role_groups = true;
  return out;
}

/** Uploads the chosen photo, if any, after checking it here. */
export async function uploadPhoto(f, path) {
  const file = f.photo && f.photo.files[0];
  if (!file) return;
  await api.upload(path, file);
}

async function photoError(f) {
  const file = f.photo && f.photo.files[0];
  if (!file) return null;
  return checkPhoto(file);
}

/** Shows a browser-side photo refusal next to the field; answers whether there was one. */
export async function refusePhoto(f) {
  const err = await photoError(f);
  if (err) {
    const box = f.querySelector('.field[data-field="photo"] .field-error');
    box.textContent = err;
    f.photo.setAttribute("aria-invalid", "true");
    f.photo.focus();
  }
  return !!err;
}

/** The Create User dialog; answers the created user, or nothing when cancelled. */
export function createUserDialog(me) {
  return dialog("create.title", (close, status) => {
    const wrap = h("div", {}, h("p", { text: t("form.loading") }));
    userForm(me, null, "create").then((f) => {
      f.append(h("div", { class: "buttons" },
        h("button", { class: "primary", text: t("create.button") }),
        h("button", { type: "button", text: t("action.cancel"), onclick: () => close(null) })));
      f.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        clearErrors(f);
        say("", false, status);
        if (await refusePhoto(f)) return;
        try {
          const made = await api.post("/api/users", collect(f, null));
          try { await uploadPhoto(f, `/api/users/${made.id}/avatar`); } catch (e) { showProblem(e, f, status); return; }
          close(made);
        } catch (e) { showProblem(e, f, status); }
      });
      wrap.replaceChildren(f);
      f.querySelector("input").focus();
    });
    return wrap;
  });
}
