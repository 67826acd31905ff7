// Active Directory in the console (issue 13): a superuser sets the connection on its own screen
// and tests it (here against a port where no directory answers), marks an access group as synced
// from the directory (the mark shows on the group), and turns the directory off; a company
// administrator is offered neither the screen nor the mark.
import { test, expect, shot, ADMIN, signIn, apiAs } from "./fixtures.mjs";

const run = Date.now().toString(36);

async function made(r) {
  expect(r.status(), await r.text()).toBeLessThan(300);
  return r.json();
}

test("a superuser sets the directory, tests it, marks a synced group and turns the directory off", async ({ page }) => {
  test.info().annotations.push({ type: "refusal", description: "404" }); // no directory yet
  test.info().annotations.push({ type: "refusal", description: "400" }); // the bad URL
  await signIn(page, ADMIN.email, ADMIN.password);
  const nav = page.getByRole("navigation", { name: "Sections" });
  await nav.getByRole("link", { name: "Active Directory" }).click();
  await expect(page.getByRole("heading", { name: "Active Directory connection" })).toBeVisible();
  await expect(page.getByText("No directory is set up")).toBeVisible();
  await expect(page.getByRole("button", { name: "Test connection" })).toHaveCount(0);

  // A bad URL is named at its field.
  const form = page.locator("#directory-form");
  await form.getByLabel("Server URL").fill("http://dc1.corp.example");
  await form.getByLabel("Service account DN").fill("cn=svc,dc=corp,dc=example");
  await form.getByLabel("Service account password").fill("svc-Secret-2026");
  await form.getByLabel("Users' base DN").fill("ou=people,dc=corp,dc=example");
  await form.getByRole("button", { name: "Save" }).click();
  await expect(form.locator('.field[data-field="url"] .field-error')).not.toBeEmpty();

  // A directory that is not there: saved, and its test says so.
  await form.getByLabel("Server URL").fill("ldap://127.0.0.1:9");
  await form.getByLabel("Plain ldap:// without TLS").check();
  await form.getByLabel("Connect timeout (ms)").fill("300");
  await form.getByLabel("Operation timeout (ms)").fill("300");
  await form.getByLabel(/Sync groups/).check();
  await form.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Users without a local password sign in against this directory.")).toBeVisible();
  await expect(page.getByText("A password is stored; leave empty to keep it.")).toBeVisible();
  await expect(page.locator("#directory-form").getByLabel(/Sync groups/)).toBeChecked();
  await page.getByRole("button", { name: "Test connection" }).click();
  await expect(page.locator("#directory-status")).toHaveText("The directory did not answer (or its certificate is not trusted).");
  await shot(page, "directory-settings");

  // A global access group marked as synced shows the mark.
  await nav.getByRole("link", { name: "Organisation" }).click();
  const groups = page.locator("#org-global-groups");
  const add = groups.locator("form.group").last();
  await add.getByLabel("Group name").fill(`Domain Auditors ${run}`);
  await add.getByLabel(/Synced from Active Directory/).check();
  await add.getByRole("button", { name: "Add group" }).click();
  const group = page.getByRole("form", { name: `Domain Auditors ${run}` });
  await expect(group.getByText("AD sync")).toBeVisible();
  await expect(group.getByLabel(/Synced from Active Directory/)).toBeChecked();
  await shot(page, "synced-group");

  // Off again.
  await nav.getByRole("link", { name: "Active Directory" }).click();
  await page.getByRole("button", { name: "Turn the directory off" }).click();
  await expect(page.getByText("No directory is set up")).toBeVisible();
});

test("a company administrator is offered neither the directory screen nor the synced mark", async ({ page, playwright, baseURL }) => {
  const root = await apiAs(playwright, baseURL, ADMIN.email, ADMIN.password);
  const co = await made(await root.post("/api/org/companies", { data: { name: `Pied Piper ${run}` } }));
  const admins = await made(await root.post(`/api/org/companies/${co.id}/groups`, {
    data: { name: "PP admins", permissions: { users: { view: true, show_link: true }, org: { view: true, add: true, edit: true, show_link: true } } },
  }));
  await made(await root.post(`/api/org/companies/${co.id}/groups`, { data: { name: "PP synced", directory_sync: true } }));
  const boss = await made(await root.post("/api/users", {
    data: { email: `richard-${run}@piedpiper.example`, first_name: "Richard", last_name: "Hendricks", company_id: co.id, groups: [admins.id] },
  }));
  const password = "middle out compression 2026";
  await made(await root.patch(`/api/users/${boss.id}`, { data: { version: boss.profile.version, password } }));

  await signIn(page, boss.email, password);
  await page.getByRole("button", { name: "Confirm" }).click();
  const nav = page.getByRole("navigation", { name: "Sections" });
  await expect(nav.getByRole("link", { name: "Users" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Active Directory" })).toHaveCount(0);
  await page.goto(`/#/org/${co.id}`);
  const synced = page.getByRole("form", { name: "PP synced" });
  await expect(synced.getByText("AD sync")).toBeVisible();
  await expect(synced.getByLabel(/Synced from Active Directory/)).toHaveCount(0);
});
