// The user card's dangerous actions and the organisation's guard: deleting a department still in
// use lists who uses it; Delete asks first, in a dialog that keeps the focus; sessions end from the
// card; everything works from the keyboard and at phone width.
import { test, expect, shot, ADMIN, apiAs, signInByKeyboard, signIn, png } from "./fixtures.mjs";

const run = Date.now().toString(36);

test("deleting what is in use shows who uses it, and a user is deleted only after confirming", async ({ page, playwright, baseURL }) => {
  test.info().annotations.push({ type: "refusal", description: "409" }); // the quiz and the department still in use
  const root = await apiAs(playwright, baseURL, ADMIN.email, ADMIN.password);
  const co = await (await root.post("/api/org/companies", { data: { name: `Hooli ${run}` } })).json();
  const dept = await (await root.post(`/api/org/companies/${co.id}/departments`, { data: { name: "Moonshots" } })).json();
  const quiz = await (await root.post(`/api/org/companies/${co.id}/quizzes`, { data: { name: "Onboarding" } })).json();
  const r = await root.post("/api/users", { data: { email: `gavin-${run}@hooli.example`, first_name: "Gavin", last_name: "Belson", company_id: co.id, department_id: dept.id, quizzes: [quiz.id] } });
  expect(r.status(), await r.text()).toBe(201);
  const gavin = await r.json();
  const password = "box three signature edition";
  expect((await root.patch(`/api/users/${gavin.id}`, { data: { version: gavin.profile.version, password } })).status()).toBe(200);
  // Gavin signs in elsewhere: a session the admin can end from the card.
  const elsewhere = await apiAs(playwright, baseURL, gavin.email, password);

  // The keyboard alone signs in.
  await signInByKeyboard(page, ADMIN.email, ADMIN.password);

  await page.goto(`/#/org/${co.id}`);
  const sure = page.getByRole("dialog", { name: "Delete" });
  // A quiz in use: the list cannot filter by quiz, so the dialog says how many, in its own words.
  await page.locator("#org-quizzes").getByRole("button", { name: "Delete Onboarding" }).click();
  await sure.getByRole("button", { name: "Delete" }).click();
  const quizInUse = page.getByRole("dialog", { name: "Onboarding is still in use" });
  await expect(quizInUse.getByRole("listitem")).toHaveText(["1 user"]);
  await expect(quizInUse).not.toContainText("referred to by");
  await quizInUse.getByRole("button", { name: "Close" }).click();
  await expect(quizInUse).toHaveCount(0);

  const depts = page.locator("#org-departments");
  await depts.getByRole("button", { name: "Delete Moonshots" }).click();
  await expect(sure.getByRole("button", { name: "Delete" })).toBeFocused();
  await sure.getByRole("button", { name: "Delete" }).click();
  const inUse = page.getByRole("dialog", { name: "Moonshots is still in use" });
  await expect(inUse.locator(".referred-counts")).toHaveText("1 user");
  await expect(inUse.getByRole("link", { name: `Gavin Belson <${gavin.email}>` })).toBeVisible();
  await shot(page, "still-in-use");
  await inUse.getByRole("link", { name: /Gavin Belson/ }).click();

  // The card: his session is listed and ended; then Delete, cancelled by Escape, then confirmed.
  await expect(page.getByRole("heading", { name: "Gavin Belson" })).toBeVisible();
  const sessions = page.locator("section", { has: page.getByRole("heading", { name: "Sessions" }) });
  await expect(sessions.getByRole("row")).toHaveCount(2);
  await sessions.getByRole("button", { name: "End", exact: true }).click();
  await expect(page.getByText("1 session ended.")).toBeVisible();
  expect((await elsewhere.get("/api/me")).status()).toBe(401);
  await page.getByRole("button", { name: "Delete user" }).click();
  const confirm = page.getByRole("dialog", { name: "Delete user" });
  await expect(confirm).toContainText(`Delete Gavin Belson (${gavin.email}) for good?`);
  // Focus stays inside the dialog: Tab moves between its buttons only.
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => !!document.activeElement.closest("dialog"))).toBe(true);
  }
  await shot(page, "delete-confirmation");
  await page.keyboard.press("Escape");
  await expect(confirm).toHaveCount(0);
  await expect(page.getByRole("heading", { name: "Gavin Belson" })).toBeVisible();
  await page.getByRole("button", { name: "Delete user" }).click();
  await confirm.getByRole("button", { name: "Delete for good" }).click();
  await expect(page.getByText("Gavin Belson was deleted.")).toBeVisible();
  await expect(page).toHaveURL(/#\/users$/);

  // Nobody uses the department now: it goes.
  await page.goto(`/#/org/${co.id}`);
  await depts.getByRole("button", { name: "Delete Moonshots" }).click();
  await sure.getByRole("button", { name: "Delete" }).click();
  await expect(depts.getByText("None yet.")).toBeVisible();

  // At phone width the pages still fit: nothing wider than the screen but the tables' own scroll.
  await page.setViewportSize({ width: 390, height: 844 });
  for (const path of ["/#/users", `/#/org/${co.id}`, "/#/cabinet"]) {
    await page.goto(path);
    await expect(page.locator("main section").first()).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  }
  await shot(page, "cabinet-phone");
  await root.dispose();
  await elsewhere.dispose();
});

test("a photo is checked in the browser before upload, then shown from its short-lived link", async ({ page, playwright, baseURL }) => {
  const root = await apiAs(playwright, baseURL, ADMIN.email, ADMIN.password);
  const co = await (await root.post("/api/org/companies", { data: { name: `Aviato ${run}` } })).json();
  const r = await root.post("/api/users", { data: { email: `erlich-${run}@aviato.example`, first_name: "Erlich", last_name: "Bachman", company_id: co.id } });
  const erlich = await r.json();
  await root.dispose();
  let uploads = 0;
  page.on("request", (req) => { if (req.url().endsWith("/avatar") && req.method() === "POST") uploads += 1; });

  await signIn(page, ADMIN.email, ADMIN.password);
  await page.goto(`/#/users/${erlich.id}`);
  await expect(page.getByRole("heading", { name: "Erlich Bachman" })).toBeVisible();
  const photo = page.getByLabel(/^Photo/);
  await photo.setInputFiles({ name: "small.png", mimeType: "image/png", buffer: png(100, 100) });
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("The photo must be at least 200 × 200 pixels.")).toBeVisible();
  await expect(photo).toHaveAttribute("aria-invalid", "true");
  await photo.setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("not a picture") });
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("Choose a JPEG or PNG image.")).toBeVisible();
  expect(uploads, "nothing was sent").toBe(0);

  await photo.setInputFiles({ name: "face.png", mimeType: "image/png", buffer: png(256, 256) });
  await page.getByRole("button", { name: "Save changes" }).click();
  const img = page.getByRole("img", { name: "Photo of Erlich Bachman" });
  await expect(img).toBeVisible();
  // Shown from the bucket's origin, which the CSP names: the image really loaded.
  await expect.poll(() => img.evaluate((el) => el.complete && el.naturalWidth)).toBe(256);
  expect(uploads).toBe(1);
  await shot(page, "user-card-photo");
  await page.getByRole("button", { name: "Remove photo" }).click();
  await expect(page.getByRole("img", { name: "Photo of Erlich Bachman" })).toHaveCount(0);
});

test("an address changed while a card is still loading shows one screen, the newer one", async ({ page, playwright, baseURL }) => {
  const root = await apiAs(playwright, baseURL, ADMIN.email, ADMIN.password);
  const co = await (await root.post("/api/org/companies", { data: { name: `Raviga ${run}` } })).json();
  const person = async (first) =>
    (await root.post("/api/users", { data: { email: `${first.toLowerCase()}-${run}@raviga.example`, first_name: first, last_name: "Race", company_id: co.id } })).json();
  const [nelson, jared] = [await person("Nelson"), await person("Jared")];
  await root.dispose();
  await signIn(page, ADMIN.email, ADMIN.password);
  // The first card's read is held until the second card is drawn, then let through.
  let arrived, release;
  const arriving = new Promise((r) => (arrived = r));
  const held = new Promise((r) => (release = r));
  await page.route((u) => u.pathname === `/api/users/${nelson.id}`, async (route) => { arrived(); await held; await route.continue(); });
  // Moved within the page, as a click on a link does (a goto could load the page afresh).
  await page.evaluate((id) => { location.hash = `#/users/${id}`; }, nelson.id);
  await arriving;
  await page.evaluate((id) => { location.hash = `#/users/${id}`; }, jared.id);
  await expect(page.getByRole("heading", { name: "Jared Race" })).toBeVisible();
  release();
  // The late card's reads (the user, then its sessions and audit log) come back within this.
  await page.waitForTimeout(2000);
  await expect(page.getByRole("heading", { name: "Nelson Race" })).toHaveCount(0);
  await expect(page.getByRole("heading", { name: "Jared Race" })).toHaveCount(1);
  await expect(page.getByRole("button", { name: "Save changes" })).toHaveCount(1);
});
