// The message files: every key in every language, with every plural form the language needs,
// the same placeholders, and every key the console's code and pages use. No browser needed.
import { test, expect } from "@playwright/test";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./fixtures.mjs";

const dir = join(ROOT, "console");
const LANGS = ["en", "uk", "ru"];
const messages = Object.fromEntries(LANGS.map((l) => [l, JSON.parse(readFileSync(join(dir, "messages", `${l}.json`), "utf8"))]));
const placeholders = (m) => [...new Set(JSON.stringify(m).match(/\{\w+\}/g) || [])].sort();

function files(d, ext) {
  return readdirSync(d).flatMap((f) => {
    const p = join(d, f);
    return statSync(p).isDirectory() ? files(p, ext) : p.endsWith(ext) ? [p] : [];
  });
}

test("every language has every key, the plural forms its rules need and the same placeholders", () => {
  const missing = [];
  for (const l of LANGS) {
    const categories = new Intl.PluralRules(l).resolvedOptions().pluralCategories;
    for (const [key, en] of Object.entries(messages.en)) {
      const m = messages[l][key];
      if (m === undefined) { missing.push(`${l}: ${key} is missing`); continue; }
      if (typeof en === "object") {
        if (typeof m !== "object") { missing.push(`${l}: ${key} must be plural forms`); continue; }
        // The language's own categories, and "zero" where English words no-count apart.
        for (const c of [...categories, ...("zero" in en ? ["zero"] : [])]) if (!(c in m)) missing.push(`${l}: ${key} lacks the "${c}" form`);
      }
      if (JSON.stringify(placeholders(m)) !== JSON.stringify(placeholders(en)) && !(typeof en === "object")) missing.push(`${l}: ${key} placeholders differ`);
    }
    for (const key of Object.keys(messages[l])) if (!(key in messages.en)) missing.push(`${l}: ${key} is not in English`);
  }
  expect(missing).toEqual([]);
});

test("every key the console's code and pages use is in the messages", () => {
  const used = new Set();
  for (const f of files(join(dir, "js"), ".js")) {
    for (const m of readFileSync(f, "utf8").matchAll(/\bt\(\s*"([a-z0-9_.]+)"/g)) used.add(m[1]);
    for (const m of readFileSync(f, "utf8").matchAll(/"((?:action|field|users|org|card|form|sessions|audit|settings|cabinet|nav|create|delete|stale|signin|gate|password|totp|backup|proof|photo|problem)\.[a-z0-9_.]+)"/g)) used.add(m[1]);
  }
  for (const f of files(dir, ".html")) for (const m of readFileSync(f, "utf8").matchAll(/data-i18n(?:-placeholder|-label)?="([^"]+)"/g)) used.add(m[1]);
  // Prefixes that code completes with a value ("org.add_" + kind) and file names are not keys.
  const unknown = [...used].filter((k) => !(k in messages.en) && !/[._]$/.test(k) && !/\.(xlsx|png|json|js|html)$/.test(k));
  expect(unknown).toEqual([]);
});

// The audit actions the domain's flows write: every literal in an audit namespace, and the
// actions formed from an organisation item's or a link's kind. Rights ("users.view") are not actions.
function auditActions() {
  const kinds = { org: ["department", "position", "role", "quiz"], link: ["reset", "first_access", "magic"] };
  const actions = new Set(["sign_out"]);
  for (const f of files(join(ROOT, "shared", "domain", "src", "flows"), ".rs")) {
    const src = readFileSync(f, "utf8").replace(/#\[cfg\(test\)\][\s\S]*$/, "");
    for (const m of src.matchAll(/"((?:account|directory|link|mail|org|password|profile|session|sign_in|throttle|two_factor|user|users)\.[a-z_.]+)"/g)) actions.add(m[1]);
    for (const m of src.matchAll(/format!\("(org|link)\.\{\}\.([a-z_]+)"/g)) for (const k of kinds[m[1]]) actions.add(`${m[1]}.${k}.${m[2]}`);
  }
  return [...actions].filter((a) => !/^users\.(view|add|edit|delete|export|show_link)$/.test(a) && !/\.html$/.test(a));
}

test("every audit action the domain writes has a name in the messages", () => {
  const actions = auditActions();
  // The scan finds what it should (a scan that finds nothing would pass vacuously).
  expect(actions).toEqual(expect.arrayContaining(["user.created", "org.quiz.deleted", "link.first_access.sent", "sign_out"]));
  expect(actions.filter((a) => !(`audit.action.${a}` in messages.en))).toEqual([]);
});

test("a missing key is caught: the check above is not vacuous", () => {
  const en = messages.en;
  const broken = { ...messages.uk };
  delete broken["nav.users"];
  const lacking = Object.keys(en).filter((k) => !(k in broken));
  expect(lacking).toEqual(["nav.users"]);
  const ukForms = new Intl.PluralRules("uk").resolvedOptions().pluralCategories;
  expect(ukForms).toEqual(expect.arrayContaining(["one", "few", "many", "other"]));
});
