// Signing out while a screen is still loading: what the screen asked for is abandoned, not sent on
// with a session that has ended (which the API refuses with a 401 the console would then log).
// CI caught this as a race: the backup-code sign-in lands on the directory, and "Sign out" was
// clicked while its first page was still on the way.
import { test, expect, ADMIN, signIn } from "./fixtures.mjs";

test("signing out while the directory is loading abandons its request instead of sending it signed out", async ({ page }) => {
  await signIn(page, ADMIN.email, ADMIN.password);
  const nav = page.getByRole("navigation", { name: "Sections" });
  await expect(nav.getByRole("link", { name: "Users" })).toBeVisible();
  await nav.getByRole("link", { name: "My cabinet" }).click();
  await expect(page.getByRole("heading", { name: "My cabinet" })).toBeVisible();

  // The next read of the directory is held here until the sign-out has been answered.
  let signedOut;
  const answered = new Promise((resolve) => (signedOut = resolve));
  let held = null;
  await page.route(/\/api\/users(\?|$)/, async (route) => {
    held = route.request();
    await answered;
    await route.continue().catch(() => {});
  });
  const settled = new Promise((resolve) => {
    const done = (r) => r === held && resolve(r.failure() ? "abandoned" : "sent");
    page.on("requestfinished", done);
    page.on("requestfailed", done);
  });
  await nav.getByRole("link", { name: "Users" }).click();
  await expect.poll(() => held !== null, { message: "the directory was asked for" }).toBe(true);

  const logout = page.waitForResponse((r) => r.url().endsWith("/api/auth/logout"));
  await page.getByRole("button", { name: "Sign out" }).click();
  expect((await logout).status()).toBe(204);
  signedOut();
  expect(await settled, "the directory's read after sign-out").toBe("abandoned");
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
  // Nothing of the signed-in console is left: no menu, no "Sign out", no message from the screen.
  await expect(page.getByRole("navigation", { name: "Sections" })).toBeHidden();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeHidden();
  await expect(page.locator("#message")).toBeEmpty();
  // The fixture then finds no refusal but the signed-out "who am I".
});
