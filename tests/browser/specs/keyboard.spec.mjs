// The console with the keyboard alone: an administrator signs in, creates a user, finds them in
// the list, opens the card, requires 2FA and saves, then signs out, and never clicks. Each control
// is reached by pressing Tab until it has the focus, which proves it is in the tab order under its
// label; selects are chosen by typing, checkboxes by Space, buttons and links by Enter.
import { test, expect, shot, ADMIN, apiAs, signInByKeyboard } from "./fixtures.mjs";

const run = Date.now().toString(36);

/** Presses Tab until `target` has the focus; fails if `max` presses do not get there. */
async function tabTo(page, target, max = 80) {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement, null, { timeout: 2000 }).catch(() => false)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`Tab never reached ${target}`);
}

test("an administrator creates, finds and edits a user with the keyboard alone", async ({ page, playwright, baseURL }) => {
  const root = await apiAs(playwright, baseURL, ADMIN.email, ADMIN.password);
  const co = await (await root.post("/api/org/companies", { data: { name: `Initech ${run}` } })).json();
  const dept = await (await root.post(`/api/org/companies/${co.id}/departments`, { data: { name: "Quality Assurance" } })).json();
  await root.dispose();
  const email = `peter-${run}@initech.example`;

  await signInByKeyboard(page, ADMIN.email, ADMIN.password);

  // Create user: the dialog takes the focus; fields, the company and its department by typing.
  await tabTo(page, page.getByRole("button", { name: "Create user" }));
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "Create user" });
  await expect(dialog).toBeVisible();
  for (const [label, text] of [["Email", email], ["First name", "Peter"], ["Last name", "Gibbons"]]) {
    await tabTo(page, dialog.getByLabel(label, { exact: true }));
    await page.keyboard.type(text);
  }
  await tabTo(page, dialog.getByLabel("Company"));
  await page.keyboard.type(`Initech ${run}`);
  await expect(dialog.getByLabel("Company")).toHaveValue(co.id);
  await expect(dialog.getByLabel("Department").locator("option", { hasText: "Quality Assurance" })).toHaveCount(1);
  await tabTo(page, dialog.getByLabel("Department"));
  await page.keyboard.type("Quality");
  await expect(dialog.getByLabel("Department")).toHaveValue(dept.id);
  await tabTo(page, dialog.getByRole("button", { name: "Create", exact: true }));
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: "Peter Gibbons" })).toBeVisible();

  // The list: search, filter, open the card from its link.
  await page.goto("/#/users");
  await tabTo(page, page.getByLabel("Search name, email, phone"));
  await page.keyboard.type(email);
  await page.keyboard.press("Enter");
  // Other specs' users may share the name: the row with this run's email.
  const link = page.getByRole("row", { name: new RegExp(email.replace(/[.]/g, "\\.")) }).getByRole("link", { name: "Peter Gibbons" });
  await expect(link).toBeVisible();
  await tabTo(page, link);
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: "Peter Gibbons" })).toBeVisible();

  // The card: Space ticks "Require 2FA", Enter saves.
  const require2fa = page.getByRole("checkbox", { name: "Require 2FA" });
  await expect(require2fa).not.toBeChecked();
  await tabTo(page, require2fa);
  await page.keyboard.press("Space");
  await expect(require2fa).toBeChecked();
  await tabTo(page, page.getByRole("button", { name: "Save changes" }));
  await page.keyboard.press("Enter");
  await expect(page.getByText("Saved.")).toBeVisible();
  await shot(page, "keyboard-card");
  await page.reload();
  await expect(page.getByRole("checkbox", { name: "Require 2FA" })).toBeChecked();

  await tabTo(page, page.getByRole("button", { name: "Sign out" }));
  await page.keyboard.press("Enter");
  await expect(page.getByLabel("Email")).toBeVisible();
});
