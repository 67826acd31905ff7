// The cabinet in Ukrainian and in Russian, plural forms included: the switcher sets the user's
// language, which the next visit keeps.
import { test, expect, shot, ADMIN, signIn, apiAs, totp } from "./fixtures.mjs";

const run = Date.now().toString(36);

test("the cabinet speaks Ukrainian and Russian, with each language's plural forms", async ({ page, playwright, baseURL }) => {
  const root = await apiAs(playwright, baseURL, ADMIN.email, ADMIN.password);
  const co = await (await root.post("/api/org/companies", { data: { name: `Kyivstar ${run}` } })).json();
  const quizzes = [];
  for (const name of ["Фішинг", "Паролі"]) quizzes.push((await (await root.post(`/api/org/companies/${co.id}/quizzes`, { data: { name } })).json()).id);
  const r = await root.post("/api/users", { data: { email: `olena-${run}@example.com`, first_name: "Олена", last_name: "Шевченко", company_id: co.id, quizzes } });
  expect(r.status(), await r.text()).toBe(201);
  const user = await r.json();
  const password = "соняшникове поле влітку";
  expect((await root.patch(`/api/users/${user.id}`, { data: { version: user.profile.version, password } })).status()).toBe(200);
  await root.dispose();

  await signIn(page, user.email, password);
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page.getByRole("heading", { name: "My cabinet" })).toBeVisible();

  await page.getByLabel("Language").first().selectOption("uk");
  await expect(page.getByRole("heading", { name: "Мій кабінет" })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "uk");
  await expect(page.getByText("2 відкриті завдання")).toBeVisible();
  await expect(page.getByText("1 сеанс", { exact: true })).toBeVisible();
  await page.getByRole("button", { name: "Налаштувати двофакторну автентифікацію" }).click();
  const secret = await page.getByTestId("totp-secret").textContent();
  await page.getByLabel("Код із застосунку").fill(totp(secret));
  await page.getByRole("button", { name: "Увімкнути 2FA" }).click();
  await expect(page.getByText("Збережіть ці 10 резервних кодів")).toBeVisible();
  await shot(page, "cabinet-uk-backup-codes");
  await page.getByRole("button", { name: "Я їх зберіг" }).click();
  await expect(page.getByText("Залишилося 10 резервних кодів.")).toBeVisible();
  await shot(page, "cabinet-uk");

  // The choice is the profile's: a fresh visit keeps it.
  await page.reload();
  await expect(page.getByRole("heading", { name: "Мій кабінет" })).toBeVisible();

  await page.getByRole("combobox", { name: "Мова" }).first().selectOption("ru");
  await expect(page.getByRole("heading", { name: "Мой кабинет" })).toBeVisible();
  await expect(page.getByText("2 открытые задачи")).toBeVisible();
  await expect(page.getByText("Осталось 10 резервных кодов.")).toBeVisible();
  await expect(page.getByText("1 сеанс", { exact: true })).toBeVisible();
  await shot(page, "cabinet-ru");

  // Signed out, the page remembers the language in this browser.
  await page.getByRole("button", { name: "Выйти" }).click();
  await expect(page.getByRole("heading", { name: "Вход" })).toBeVisible();
  await shot(page, "sign-in-ru");
});
