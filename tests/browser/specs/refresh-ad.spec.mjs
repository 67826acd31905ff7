// Refresh from AD (issue 13) on a directory user's card: the local server is pointed at a
// throwaway slapd (specs/slapd.mjs), a directory user signs in (an account of source `ad` with
// its profile in the settings' company), the directory changes the user's surname and disables
// the account, and the administrator's "Refresh from AD" shows both at once. The directory is
// turned off at the end, so the other specs see none.
import { test, expect, shot, ADMIN, signIn, apiAs } from "./fixtures.mjs";
import { startSlapd } from "./slapd.mjs";

const run = Date.now().toString(36);

async function made(r) {
  expect(r.status(), await r.text()).toBeLessThan(300);
  return r.status() === 204 ? null : r.json();
}

test("Refresh from AD reads a directory user's entry again and shows what changed", async ({ page, playwright, baseURL }) => {
  const dir = await startSlapd();
  const root = await apiAs(playwright, baseURL, ADMIN.email, ADMIN.password);
  try {
    const co = await made(await root.post("/api/org/companies", { data: { name: `Hooli AD ${run}` } }));
    await made(await root.put("/api/org/directory", { data: { ...dir.settings, company_id: co.id } }));
    const email = `nelson-${run}@corp.example`;
    const dn = dir.addUser({ uid: `nelson-${run}`, email, password: "Bighead-pass-2026", firstName: "Nelson", lastName: "Bighetti" });
    const user = await apiAs(playwright, baseURL, email, "Bighead-pass-2026");
    const me = await made(await user.get("/api/me"));

    await signIn(page, ADMIN.email, ADMIN.password);
    await expect(page.getByRole("navigation", { name: "Sections" })).toBeVisible();
    await page.goto(`/#/users/${me.id}`);
    await expect(page.getByRole("heading", { name: "Nelson Bighetti" })).toBeVisible();
    const refresh = page.getByRole("button", { name: "Refresh from AD" });
    await expect(refresh).toBeVisible();
    await expect(page.getByText("disabled or removed in the directory")).toHaveCount(0);

    dir.set(dn, "sn", "Bighead");
    dir.set(dn, "userAccountControl", "514");
    await refresh.click();
    await expect(page.locator("#message")).toHaveText("Refreshed from Active Directory.");
    await expect(page.getByRole("heading", { name: "Nelson Bighead" })).toBeVisible();
    await expect(page.getByText("disabled or removed in the directory")).toBeVisible();
    await shot(page, "refresh-from-ad");
    // The buttons and fields that do not apply to this user are left out, not written as "null".
    for (const card of await page.locator("section.card").filter({ hasNot: page.getByRole("heading", { name: "Audit log" }) }).all()) {
      await expect(card).not.toContainText("null");
    }
    // The user's session ended with the mirrored disable.
    expect((await user.get("/api/me")).status()).toBe(401);
  } finally {
    await root.delete("/api/org/directory", { data: { password: ADMIN.password } });
    dir.stop();
  }
});
