// A superuser builds a company from the console, creates a user in each mode, sends a first-access
// link; the user sets a password from the mail, completes the profile and sets up 2FA with a code
// computed here from the shown key; the admin filters, exports and downloads the file.
import { test, expect, shot, ADMIN, totp, mailedLink, accountWithoutProfile, signIn } from "./fixtures.mjs";
import { readFileSync } from "node:fs";

test("a superuser builds a company, creates users in both modes, and the new user signs in with 2FA", async ({ page }) => {
  // The create-user form is sent once with a bad phone on purpose: the field error is the test.
  test.info().annotations.push({ type: "refusal", description: "400 /api/users" });

  await signIn(page, ADMIN.email, ADMIN.password);
  const nav = page.getByRole("navigation", { name: "Sections" });
  await expect(nav.getByRole("link", { name: "Users" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Organisation" })).toBeVisible();
  await shot(page, "users-empty");

  // The organisation: a company and what it holds.
  await nav.getByRole("link", { name: "Organisation" }).click();
  await page.getByLabel("New company").fill("Acme Ltd");
  await page.getByLabel("New company").press("Enter");
  await expect(page.getByRole("heading", { name: "Acme Ltd", level: 2 })).toBeVisible();
  for (const [label, name] of [["New department", "Security"], ["New position", "Analyst"], ["New quiz", "Phishing 101"]]) {
    await page.getByLabel(label).fill(name);
    await page.getByLabel(label).press("Enter");
    await expect(page.getByRole("cell", { name, exact: true })).toBeVisible();
  }
  const groups = page.locator("#org-groups");
  await groups.getByLabel("Group name").fill("Risk Managers");
  for (const right of ["View", "Add", "Edit", "Export", "Show link"]) await groups.getByRole("checkbox", { name: `Users: ${right}`, exact: true }).last().check();
  await groups.getByRole("button", { name: "Add group" }).click();
  await expect(groups.getByRole("heading", { name: "Risk Managers" })).toBeVisible();
  const roles = page.locator("#org-roles");
  await roles.getByLabel("New platform role").fill("Risk Analyst");
  await roles.getByRole("checkbox", { name: "Risk Managers" }).check();
  await roles.getByRole("button", { name: "Add" }).click();
  await expect(roles.getByRole("row", { name: /Risk Analyst\s+Risk Managers/ })).toBeVisible();
  const settings = page.locator("#org-settings");
  await settings.getByLabel("New control word").fill("acme onboarding 2026");
  await settings.getByRole("button", { name: "Save" }).click();
  await expect(settings.getByText("A control word is set.")).toBeVisible();
  await shot(page, "organisation");

  // Create User, new mode: a bad phone is refused next to its field, then the user is made.
  await nav.getByRole("link", { name: "Users" }).click();
  await page.getByRole("button", { name: "Create user" }).click();
  const dialog = page.getByRole("dialog", { name: "Create user" });
  await dialog.getByLabel("Email").fill("ada@example.com");
  await dialog.getByLabel("First name").fill("Ada");
  await dialog.getByLabel("Last name").fill("Lovelace");
  await dialog.getByLabel("Company").selectOption({ label: "Acme Ltd" });
  await dialog.getByLabel("Department").selectOption({ label: "Security" });
  await dialog.getByLabel("Position").selectOption({ label: "Analyst" });
  await dialog.getByRole("checkbox", { name: "Risk Analyst" }).check();
  await dialog.getByRole("checkbox", { name: "Apply groups from roles" }).check();
  await dialog.getByRole("checkbox", { name: "Phishing 101" }).check();
  await dialog.getByLabel("Colour").fill("#3366FF");
  await dialog.getByLabel("Phone").fill("12");
  await shot(page, "create-user");
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(dialog.getByText("Enter a valid phone number")).toBeVisible();
  await expect(dialog.getByLabel("Phone")).toHaveAttribute("aria-invalid", "true");
  await dialog.getByLabel("Phone").fill("+44 20 7946 0958");
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(page.getByRole("heading", { name: "Ada Lovelace" })).toBeVisible();
  await expect(page.getByText("Risk Managers").first()).toBeVisible();
  // The card's audit log names what happened, in words.
  await expect(page.locator("table.audit").getByRole("cell", { name: "User created" })).toBeVisible();
  await page.getByRole("button", { name: "Send first-access link" }).click();
  await expect(page.getByText("A first-access link is on its way to ada@example.com.")).toBeVisible();
  await shot(page, "user-card");

  // Create User, existing mode: an account the admin tool made, without a profile.
  accountWithoutProfile("legacy@example.com");
  await nav.getByRole("link", { name: "Users" }).click();
  await page.getByRole("button", { name: "Create user" }).click();
  await dialog.getByRole("radio", { name: "Use existing user" }).check();
  await dialog.getByLabel("Email").fill("legacy@example.com");
  await dialog.getByLabel("First name").fill("Leg");
  await dialog.getByLabel("Last name").fill("Acy");
  await dialog.getByLabel("Company").selectOption({ label: "Acme Ltd" });
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(page.getByRole("heading", { name: "Leg Acy" })).toBeVisible();
  await page.getByRole("button", { name: "Sign out" }).click();

  // The user: a password from the mailed link, the profile, then 2FA from the cabinet.
  const link = await mailedLink(page.request, "ada@example.com");
  await page.goto(link);
  await page.getByLabel("New password (at least 8 characters)").fill("analytical engine 1843");
  await page.getByLabel("New password again").fill("analytical engine 1843");
  await page.getByRole("button", { name: "Set password" }).click();
  await expect(page.getByText("Your password is set")).toBeVisible();
  await signIn(page, "ada@example.com", "analytical engine 1843");
  await expect(page.getByRole("heading", { name: "Complete your profile" })).toBeVisible();
  await expect(page.getByLabel("First name")).toHaveValue("Ada");
  await page.getByRole("button", { name: "Confirm" }).click();
  // Her group gives the Users module (view, show link) and nothing of the organisation.
  await expect(nav.getByRole("link", { name: "Users" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Organisation" })).toHaveCount(0);
  await nav.getByRole("link", { name: "My cabinet" }).click();
  await expect(page.getByText("1 open task")).toBeVisible();
  await page.getByRole("button", { name: "Set up two-factor authentication" }).click();
  await expect(page.getByRole("img", { name: "QR code for your authenticator app" })).toBeVisible();
  const secret = await page.getByTestId("totp-secret").textContent();
  await page.getByLabel("Code from the app").fill(totp(secret));
  await shot(page, "totp-setup");
  await page.getByRole("button", { name: "Turn on 2FA" }).click();
  const codes = (await page.getByTestId("backup-codes").textContent()).trim().split("\n");
  expect(codes).toHaveLength(10);
  await expect(page.getByText("Save these 10 backup codes")).toBeVisible();
  await shot(page, "backup-codes");
  await page.getByRole("button", { name: "I saved them" }).click();
  await expect(page.getByText("Two-factor authentication is on. 10 backup codes left.")).toBeVisible();
  await shot(page, "cabinet");
  await page.getByRole("button", { name: "Sign out" }).click();
  // Next time the password is the first step only: a backup code passes the second.
  await signIn(page, "ada@example.com", "analytical engine 1843");
  await page.getByLabel("or a backup code").fill(codes[0]);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(nav.getByRole("link", { name: "My cabinet" })).toBeVisible();
  await page.getByRole("button", { name: "Sign out" }).click();

  // The admin filters, exports and downloads.
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.getByLabel("Company").selectOption({ label: "Acme Ltd" });
  await page.getByLabel("Department").selectOption({ label: "Security" });
  await page.getByLabel("Search name, email, phone").fill("lovelace");
  await page.getByRole("button", { name: "Filter" }).click();
  const rows = page.locator("table.users tbody tr");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("ada@example.com");
  await expect(rows.first()).toHaveClass(/coloured/);
  await page.getByRole("button", { name: "Export to Excel" }).click();
  await expect(page.getByText("1 user exported.")).toBeVisible();
  await shot(page, "users-filtered");
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: /^Download / }).click()]);
  const file = await download.path();
  const bytes = readFileSync(file);
  expect(bytes.subarray(0, 2).toString()).toBe("PK");
  expect(bytes.includes(Buffer.from("xl/workbook.xml"))).toBe(true);

  // The organisation's audit log, by action, exported.
  await nav.getByRole("link", { name: "Audit log" }).click();
  await page.getByLabel("Action starts with").fill("org.");
  await page.getByRole("button", { name: "Filter" }).click();
  const log = page.locator("table.audit");
  await expect(log.getByRole("cell", { name: "Company created" }).first()).toBeVisible();
  await expect(log.getByRole("cell", { name: "User created" })).toHaveCount(0);
  await shot(page, "audit-log");
  await page.getByRole("button", { name: "Export as CSV" }).click();
  const [csv] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download secboard-audit.csv" }).click()]);
  const text = readFileSync(await csv.path(), "utf8");
  expect(text.startsWith('"at","action","actor","target","source_ip","detail"')).toBe(true);
  expect(text).toContain('"org.company.created"');
});
