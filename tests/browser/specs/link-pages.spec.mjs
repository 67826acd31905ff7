// The pages emailed links open, in the new look and the user's language: First Login with the
// company's control word mails a sign-in link whose page signs in once; Forgot password answers
// the same whoever asks.
import { test, expect, shot, ADMIN, apiAs, mailedLink } from "./fixtures.mjs";

const run = Date.now().toString(36);

test("First Login mails a sign-in link that signs in at the profile gate, in Russian", async ({ page, playwright, baseURL }) => {
  const root = await apiAs(playwright, baseURL, ADMIN.email, ADMIN.password);
  const co = await (await root.post("/api/org/companies", { data: { name: `Pied Piper ${run}` } })).json();
  expect((await root.put(`/api/org/companies/${co.id}/settings`, { data: { control_word: "middle out compression" } })).status()).toBe(200);
  const email = `richard-${run}@piedpiper.example`;
  expect((await root.post("/api/users", { data: { email, first_name: "Richard", last_name: "Hendricks", company_id: co.id } })).status()).toBe(201);
  await root.dispose();

  await page.goto("/first-login.html");
  await page.getByLabel("Language").selectOption("ru");
  await expect(page.getByRole("heading", { name: "Первый вход" })).toBeVisible();
  await page.getByLabel("Эл. почта").fill(email);
  await page.getByLabel("Контрольное слово (от администратора)").fill("middle out compression");
  await page.getByRole("button", { name: "Отправить ссылку для входа" }).click();
  await expect(page.getByText("ссылка уже в пути")).toBeVisible();
  await shot(page, "first-login-ru");

  await page.goto(await mailedLink(page.request, email, "magic"));
  await expect(page.getByRole("heading", { name: "Вход в SecBoard" })).toBeVisible();
  await page.getByRole("button", { name: "Войти" }).click();
  await expect(page.getByRole("heading", { name: "Заполните профиль" })).toBeVisible();
  await expect(page.getByLabel("Имя")).toHaveValue("Richard");

  await page.goto("/forgot.html");
  await page.getByLabel("Эл. почта").fill(`nobody-${run}@example.com`);
  await page.getByRole("button", { name: "Отправить ссылку" }).click();
  await expect(page.getByText("Если этот адрес принадлежит учётной записи")).toBeVisible();
});
