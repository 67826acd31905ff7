// Import users from the console: the template in the reader's language, a dry run that writes
// nothing, then the import, with a line per row naming the column of each problem.
import { test, expect, shot, ADMIN, signIn, apiAs } from "./fixtures.mjs";

const run = Date.now().toString(36);

test("a superuser downloads the template, dry-runs a spreadsheet, imports it and reads the report row by row", async ({ page, playwright, baseURL }) => {
  const root = await apiAs(playwright, baseURL, ADMIN.email, ADMIN.password);
  const company = `Import Co ${run}`;
  const made = await root.post("/api/org/companies", { data: { name: company } });
  expect(made.status(), await made.text()).toBe(201);
  const c = await made.json();
  await root.post(`/api/org/companies/${c.id}/quizzes`, { data: { name: "Phishing" } });

  await signIn(page, ADMIN.email, ADMIN.password);
  await page.getByRole("link", { name: "Import users" }).click();
  await expect(page.getByRole("heading", { name: "Import users", level: 2 })).toBeVisible();

  // The template: the creation form's labels, as the console shows them.
  const link = page.getByRole("link", { name: "Download the template (CSV)" });
  const template = await (await page.request.get(await link.getAttribute("href"))).text();
  expect(template.replace(/^\uFEFF/, "").split("\r\n")[0].split(",").slice(0, 4)).toEqual(["Email", "First name", "Last name", "Company"]);

  const csv = template + `ada-${run}@example.com,Ada,Lovelace,${company},,,,,,,,,Phishing\r\nnot-an-email,Bad,Row,${company},,,,,,,,,\r\n`;
  const file = { name: "users.csv", mimeType: "text/csv", buffer: Buffer.from(csv) };
  await page.getByLabel(/^File/).setInputFiles(file);
  await page.getByRole("button", { name: "Dry run" }).click();
  await expect(page.getByText("Dry run: 1 would be created, 0 unchanged, 1 skipped. Nothing was written.")).toBeVisible();
  const report = page.getByRole("table", { name: "Import report" });
  await expect(report.getByRole("row", { name: new RegExp(`^2 ada-${run}@example.com Would be created`) })).toBeVisible();
  await expect(report.getByRole("row", { name: /^3 not-an-email Skipped Email/ })).toBeVisible();
  const none = await root.get(`/api/users?company=${c.id}`);
  expect((await none.json()).users).toEqual([]);

  await page.getByRole("button", { name: "Import", exact: true }).click();
  await expect(page.getByText("1 created, 0 unchanged, 1 skipped.")).toBeVisible();
  await expect(report.getByRole("row", { name: new RegExp(`^2 ada-${run}@example.com Created`) })).toBeVisible();
  await shot(page, "import-report");
  const users = (await (await root.get(`/api/users?company=${c.id}`)).json()).users;
  expect(users.map((u) => u.email)).toEqual([`ada-${run}@example.com`]);
});

test("a file over the API's 6 MB body limit goes straight to storage and is imported as a job the screen follows", async ({ page, playwright, baseURL }) => {
  const root = await apiAs(playwright, baseURL, ADMIN.email, ADMIN.password);
  const company = `Big Import Co ${run}`;
  const made = await root.post("/api/org/companies", { data: { name: company } });
  expect(made.status(), await made.text()).toBe(201);
  const c = await made.json();

  // Two users, and a column without a header (ignored by the import) that carries the bulk.
  const pad = "x".repeat(3_300_000);
  const csv = `Email,First Name,Last Name,Company,\r\n` +
    `big1-${run}@example.com,Big,One,${company},${pad}\r\nbig2-${run}@example.com,Big,Two,${company},${pad}\r\n`;
  expect(csv.length).toBeGreaterThan(6 * 1024 * 1024);

  await signIn(page, ADMIN.email, ADMIN.password);
  await page.getByRole("link", { name: "Import users" }).click();
  await page.getByLabel(/^File/).setInputFiles({ name: "big.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  const origin = new URL(baseURL).origin;
  const upload = page.waitForRequest((r) => r.method() === "PUT" && new URL(r.url()).origin !== origin);
  const inline = [];
  page.on("request", (r) => { if (new URL(r.url()).pathname === "/api/users/import") inline.push(r.url()); });
  await page.getByRole("button", { name: "Import", exact: true }).click();
  // The file goes to storage (the embedded S3 engine, another origin), not to the API.
  const put = await upload;
  expect((await put.response()).status()).toBe(200);
  expect(put.headers()["content-type"]).toBe("text/csv");
  await expect(page.getByText("2 created, 0 unchanged, 0 skipped.")).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole("link", { name: "Download the report (one row a line, JSON)" })).toBeVisible();
  expect(inline, "no inline import").toEqual([]);
  await shot(page, "import-job");
  const users = (await (await root.get(`/api/users?company=${c.id}`)).json()).users;
  expect(users.map((u) => u.email).sort()).toEqual([`big1-${run}@example.com`, `big2-${run}@example.com`]);
});
