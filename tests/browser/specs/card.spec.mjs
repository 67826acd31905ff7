// The user card's dangerous actions and the organisation's guard: deleting a department still in
// use lists who uses it; Delete asks first, in a dialog that keeps the focus; sessions end from the
// card; everything works from the keyboard and at phone width.
import { test, expect, shot, ADMIN, apiAs, signIn } from "./fixtures.mjs";

const run = Date.now().toString(36);

test("deleting what is in use shows who uses it, and a user is deleted only after confirming", async ({ page, playwright, baseURL }) => {
  test.info().annotations.push({ type: "refusal", description: "409" }); // the department still in use
  const root = await apiAs(playwright, baseURL, ADMIN.email, ADMIN.password);
  const co = await (await root.post("/api/org/companies", { data: { name: `Hooli ${run}` } })).json();
  const dept = await (await root.post(`/api/org/companies/${co.id}/departments`, { data: { name: "Moonshots" } })).json();
  const r = await root.post("/api/users", { data: { email: `gavin-${run}@hooli.example`, first_name: "Gavin", last_name: "Belson", company_id: co.id, department_id: dept.id } });
  expect(r.status(), await r.text()).toBe(201);
  const gavin = await r.json();
  const password = "box three signature edition";
  expect((await root.patch(`/api/users/${gavin.id}`, { data: { version: gavin.profile.version, password } })).status()).toBe(200);
  // Gavin signs in elsewhere: a session the admin can end from the card.
  const elsewhere = await apiAs(playwright, baseURL, gavin.email, password);

  // The keyboard alone signs in.
  await page.goto("/");
  await expect(page.getByLabel("Email")).toBeFocused();
  await page.keyboard.type(ADMIN.email);
  await page.keyboard.press("Tab");
  await page.keyboard.type(ADMIN.password);
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();

  await page.goto(`/#/org/${co.id}`);
  const depts = page.locator("#org-departments");
  await depts.getByRole("button", { name: "Delete Moonshots" }).click();
  const sure = page.getByRole("dialog", { name: "Delete" });
  await expect(sure.getByRole("button", { name: "Delete" })).toBeFocused();
  await sure.getByRole("button", { name: "Delete" }).click();
  const inUse = page.getByRole("dialog", { name: "Moonshots is still in use" });
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
