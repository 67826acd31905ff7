// A company administrator sees only their company, and no organisation module without its rights:
// the menu and the buttons follow GET /api/me's rights, so the console never asks what the API refuses.
import { test, expect, shot, ADMIN, signIn, apiAs } from "./fixtures.mjs";

const run = Date.now().toString(36);

async function made(r) {
  expect(r.status(), await r.text()).toBeLessThan(300);
  return r.json();
}

test("a company administrator sees only their company and no organisation module", async ({ page, playwright, baseURL }) => {
  const root = await apiAs(playwright, baseURL, ADMIN.email, ADMIN.password);
  const initech = await made(await root.post("/api/org/companies", { data: { name: `Initech ${run}` } }));
  const umbrella = await made(await root.post("/api/org/companies", { data: { name: `Umbrella ${run}` } }));
  const admins = await made(await root.post(`/api/org/companies/${initech.id}/groups`, {
    data: { name: "Initech admins", permissions: { users: { view: true, add: true, edit: true, show_link: true } } },
  }));
  const boss = await made(await root.post("/api/users", {
    data: { email: `boss-${run}@initech.example`, first_name: "Bill", last_name: "Lumbergh", company_id: initech.id, groups: [admins.id] },
  }));
  await made(await root.post("/api/users", { data: { email: `peter-${run}@initech.example`, first_name: "Peter", last_name: "Gibbons", company_id: initech.id } }));
  await made(await root.post("/api/users", { data: { email: `alice-${run}@umbrella.example`, first_name: "Alice", last_name: "Outsider", company_id: umbrella.id } }));
  const password = "tps reports every friday";
  await made(await root.patch(`/api/users/${boss.id}`, { data: { version: boss.profile.version, password } }));

  await signIn(page, boss.email, password);
  await page.getByRole("button", { name: "Confirm" }).click();
  const nav = page.getByRole("navigation", { name: "Sections" });
  await expect(nav.getByRole("link", { name: "Users" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "My cabinet" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Organisation" })).toHaveCount(0);
  await expect(nav.getByRole("link", { name: "Audit log" })).toHaveCount(0);

  // Their company only: in the filter and in the list.
  const company = page.getByLabel("Company");
  await expect(company.locator("option")).toHaveText(["All companies", `Initech ${run}`]);
  const rows = page.locator("table.users tbody tr");
  await expect(rows).toHaveCount(2);
  await expect(page.locator("table.users")).not.toContainText("Outsider");
  // Add and edit, but no export and no delete.
  await expect(page.getByRole("button", { name: "Create user" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Export to Excel" })).toHaveCount(0);
  await shot(page, "company-admin-users");
  await page.getByRole("link", { name: "Peter Gibbons" }).click();
  await expect(page.getByRole("heading", { name: "Peter Gibbons" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Save changes" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Delete user" })).toHaveCount(0);
  // An edit made elsewhere meanwhile: saving says so and offers to reload.
  test.info().annotations.push({ type: "refusal", description: "409" });
  const peter = (await (await root.get(`/api/users?company=${initech.id}&search=gibbons`)).json()).users[0];
  await made(await root.patch(`/api/users/${peter.id}`, { data: { version: peter.profile.version, phone: "+1 212 555 0100" } }));
  await page.getByLabel("Last name").fill("Gibbons-Smith");
  await page.getByRole("button", { name: "Save changes" }).click();
  const stale = page.getByRole("dialog", { name: "Changed meanwhile" });
  await expect(stale).toBeVisible();
  await expect(stale.getByRole("button", { name: "Reload" })).toBeFocused();
  await shot(page, "stale-edit");
  await stale.getByRole("button", { name: "Reload" }).click();
  await expect(page.getByLabel("Phone")).toHaveValue("+12125550100");
  await expect(page.getByLabel("Last name")).toHaveValue("Gibbons");

  // The organisation's address leads back to what they may see.
  await page.goto("/#/org");
  await expect(page).toHaveURL(/#\/users$/);
  await root.dispose();
});
