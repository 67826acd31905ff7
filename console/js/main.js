// The console: who is signed in decides what shows. Before `done`, the gate's screen; after it,
// the menu of what the caller's rights allow (GET /api/me says which), and the screen the URL's
// hash names.
import { api, Problem } from "./api.js";
import { setLanguage, preferred, language, t, translate, problemText } from "./i18n.js";
import { $, h, say, takeFlash } from "./dom.js";
import { gateScreen, signInScreen } from "./screens/gates.js";
import { usersScreen } from "./screens/users.js";
import { userCard } from "./screens/user-card.js";
import { orgScreen } from "./screens/org.js";
import { cabinetScreen } from "./screens/cabinet.js";
import { auditScreen } from "./screens/audit.js";
import { importScreen } from "./screens/import.js";
import { directoryScreen } from "./screens/directory.js";
import { right } from "./rights.js";

/** A module is in the menu when its groups give "show link" and "view" (superusers: always). */
const shows = (me, module) => !!(right(me, module, "show_link") && right(me, module, "view"));

const MODULES = [
  { path: "users", label: "nav.users", visible: (me) => shows(me, "users") },
  { path: "org", label: "nav.org", visible: (me) => shows(me, "org") },
  // Events carry no company: the organisation's log is for those who view every company.
  { path: "audit", label: "nav.audit", visible: (me) => shows(me, "users") && right(me, "users", "view") === "all" },
  // The Active Directory connection is a superuser's alone.
  { path: "directory", label: "nav.directory", visible: (me) => !!me.superuser },
  { path: "cabinet", label: "nav.cabinet", visible: () => true },
];

let me = null;

function renderNav() {
  const nav = $("#nav");
  nav.textContent = "";
  const here = (location.hash.slice(2) || "").split("/")[0];
  for (const m of MODULES.filter((m) => m.visible(me))) {
    nav.append(h("a", { href: "#/" + m.path, text: t(m.label), "aria-current": here === m.path ? "page" : false }));
  }
  nav.hidden = false;
}

function home() {
  return MODULES.find((m) => m.visible(me)).path;
}

async function route() {
  const view = $("#view");
  if (!me || me.gate !== "done") return;
  const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  const allowed = MODULES.filter((m) => m.visible(me)).map((m) => m.path);
  if (!parts.length || !allowed.includes(parts[0])) {
    location.replace("#/" + home());
    return;
  }
  renderNav();
  say(takeFlash());
  // Each drawing has a box of its own: a screen still loading when the address changes again (a
  // second route before the first one's reads came back) goes on drawing into a box no longer
  // shown, so two screens never share the view.
  const box = h("div", { class: "screen" });
  view.replaceChildren(box);
  try {
    if (parts[0] === "users" && parts[1] === "import") await importScreen(box, me);
    else if (parts[0] === "users" && parts[1]) await userCard(box, me, parts[1]);
    else if (parts[0] === "users") await usersScreen(box, me);
    else if (parts[0] === "org") await orgScreen(box, me, parts[1]);
    else if (parts[0] === "audit") await auditScreen(box);
    else if (parts[0] === "directory") await directoryScreen(box);
    else await cabinetScreen(box, me);
  } catch (e) {
    // Signed out meanwhile: the sign-out draws what comes next. Moved on: the newer screen does.
    if (!me || !box.isConnected) return;
    if (e instanceof Problem && e.status === 401) return start();
    box.append(h("p", { class: "error", role: "alert", text: e instanceof Problem ? problemText(e) : String(e) }));
  }
  translate(box);
}

async function start() {
  const view = $("#view");
  try {
    me = await api.get("/api/me");
  } catch (e) {
    me = null;
    if (!(e instanceof Problem) || e.status !== 401) say(String(e.message), true);
  }
  $("#who").textContent = me ? me.email : "";
  $("#logout").hidden = !me;
  if (me && me.profile && me.profile.language && me.profile.language !== language()) await setLanguage(me.profile.language);
  $("#language").value = language();
  if (!me) {
    $("#nav").hidden = true;
    view.textContent = "";
    signInScreen(view, start);
    return;
  }
  if (me.gate !== "done") {
    $("#nav").hidden = true;
    view.textContent = "";
    gateScreen(view, me, start);
    return;
  }
  await route();
}

$("#language").addEventListener("change", async (e) => {
  const l = e.target.value;
  await setLanguage(l);
  // The signed-in user's choice is their profile's language.
  if (me && me.gate === "done" && me.profile) {
    try {
      // Read afresh: a screen may have saved the profile since (its version moved on).
      const fresh = await api.get("/api/me");
      me = await api.patch("/api/me", { version: fresh.profile.version, language: l });
    } catch (e) {
      say(problemText(e), true);
    }
  }
  if (me && me.gate === "done") await route();
  else start();
});
$("#logout").addEventListener("click", async () => {
  // Nothing of the signed-in screens may draw any more (no hashchange: the address is replaced).
  me = null;
  api.abandon();
  say("");
  await api.post("/api/auth/logout").catch(() => {});
  history.replaceState(null, "", location.pathname);
  start();
});
window.addEventListener("hashchange", () => route());

await setLanguage(preferred());
start();
