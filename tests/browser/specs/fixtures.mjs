// What every browser test shares: a page that fails the test on any page error, console error or
// CSP violation; screenshots kept as artifacts; the admin's credentials; TOTP codes; the outbox.
import { test as base, expect } from "@playwright/test";
import { createHmac } from "node:crypto";
import { deflateSync, crc32 } from "node:zlib";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

export { expect };
export const ADMIN = { email: process.env.SECBOARD_ADMIN_EMAIL, password: process.env.SECBOARD_ADMIN_PASSWORD };
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../../..");

/**
 * Chrome reports an HTTP error answer to fetch() as a console error ("Failed to load resource").
 * The API answers 401 to GET /api/me when nobody is signed in, and refusals a test provokes on
 * purpose (a field error, a stale edit) are 4xx too: those, on /api/ only, are the API speaking,
 * and the test says which it expects. Anything else fails.
 */
function apiRefusal(msg) {
  const m = /^Failed to load resource: the server responded with a status of (4\d\d)/.exec(msg.text());
  if (!m) return null;
  const url = new URL(msg.location().url || "http://x/");
  return url.pathname.startsWith("/api/") ? { status: Number(m[1]), path: url.pathname } : null;
}

export const test = base.extend({
  refusals: async ({}, use) => { await use([]); },
  page: async ({ page, refusals }, use, testInfo) => {
    const problems = [];
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("console", (msg) => {
      if (msg.type() !== "error") return;
      const r = apiRefusal(msg);
      if (r) refusals.push(r);
      else problems.push(`console error: ${msg.text()} at ${msg.location().url}`);
    });
    // CSP violations also reach the console; this makes sure each is reported with its directive.
    await page.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (e) => console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI}`));
    });
    await use(page);
    expect(problems, "no page error, console error or CSP violation").toEqual([]);
    // Only expected refusals: a 401 for "who am I" while signed out, and those the test allowed.
    const allowed = testInfo.annotations.filter((a) => a.type === "refusal").map((a) => a.description);
    const unexpected = refusals.filter((r) => !(r.status === 401 && r.path === "/api/me") && !allowed.includes(`${r.status} ${r.path}`) && !allowed.includes(String(r.status)));
    expect(unexpected, "the console asked the API only what it may").toEqual([]);
  },
});

/** A full-page screenshot kept as a test artifact (test-results/<test>/<name>.png). */
export async function shot(page, name) {
  const info = test.info();
  const path = info.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await info.attach(name, { path, contentType: "image/png" });
}

/** RFC 6238 (SHA-1, 6 digits, 30 s) from a base32 secret, as an authenticator app computes it. */
export function totp(secret, at = Date.now()) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const ch of secret.replace(/=+$/, "").toUpperCase()) bits += alphabet.indexOf(ch).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const o = mac[mac.length - 1] & 15;
  return String((mac.readUInt32BE(o) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

/** The newest link of `kind` (password, magic) mailed to `email`, from the local outbox page. */
export async function mailedLink(request, email, kind = "password") {
  for (let i = 0; i < 50; i++) {
    const html = await (await request.get("/outbox")).text();
    for (const section of html.split("<section>")) {
      if (!section.includes(email)) continue;
      const m = new RegExp(`(/${kind}\\.html#[A-Za-z0-9._-]+)`).exec(section);
      if (m) return m[1];
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no ${kind} link mailed to ${email}`);
}

/** An account with no cabinet profile yet, made by the admin tool on the server's own engine. */
export function accountWithoutProfile(email) {
  const log = readFileSync(join(process.env.SECBOARD_BROWSER_DIR, "server.log"), "utf8");
  const endpoint = /DynamoDB: (http:\/\/[0-9.:]+)/.exec(log)[1];
  const bin = join(process.env.CARGO_TARGET_DIR || join(ROOT, "target"), "debug", "secboard-admin");
  execFileSync(bin, ["--table", "secboard", "create-account", "--email", email], {
    env: { ...process.env, AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_REGION: "us-east-1" },
  });
}

/** Signs in through the console's form. */
export async function signIn(page, email, password) {
  await page.goto("/");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Signs in with the keyboard alone: the email field has the focus, Tab to the password, Enter. */
export async function signInByKeyboard(page, email, password) {
  await page.goto("/");
  await expect(page.getByLabel("Email")).toBeFocused();
  await page.keyboard.type(email);
  await page.keyboard.press("Tab");
  await page.keyboard.type(password);
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
}

/** An API session for setting things up (its own cookie jar), signed in as `email`. */
export async function apiAs(playwright, baseURL, email, password) {
  const ctx = await playwright.request.newContext({ baseURL });
  const r = await ctx.post("/api/auth/login", { data: { email, password } });
  expect(r.status(), await r.text()).toBe(200);
  return ctx;
}

/** A plain PNG of `w` x `h` pixels, made here (for the photo checks). */
export function png(w, h) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type), data])) >>> 0);
    return Buffer.concat([len, Buffer.from(type), data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(w * 3, 0x66)]);
  const raw = Buffer.concat(Array.from({ length: h }, () => row));
  return Buffer.concat([Buffer.from("\x89PNG\r\n\x1a\n", "latin1"), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}
