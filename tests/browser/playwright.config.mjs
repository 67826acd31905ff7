// The console in Debian's chromium (never a downloaded browser) against a fresh local server on a
// free port. The port and the data folder are chosen once here; the workers inherit them.
import { defineConfig } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

if (!process.env.SECBOARD_BROWSER_PORT) {
  process.env.SECBOARD_BROWSER_PORT = execFileSync(process.execPath, [
    "-e",
    "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})",
  ]).toString().trim();
  process.env.SECBOARD_BROWSER_DIR = mkdtempSync(join(tmpdir(), "secboard-browser-"));
}
process.env.SECBOARD_ADMIN_EMAIL ||= "root@secboard.example";
process.env.SECBOARD_ADMIN_PASSWORD ||= "correct horse battery staple";
const base = `http://127.0.0.1:${process.env.SECBOARD_BROWSER_PORT}`;

export default defineConfig({
  testDir: "./specs",
  globalTeardown: "./teardown.mjs",
  outputDir: "./test-results",
  // One server, one data set: the tests run in order and build on nothing but what they create.
  workers: 1,
  fullyParallel: false,
  timeout: 120_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  use: {
    baseURL: base,
    screenshot: "on",
    trace: "retain-on-failure",
    acceptDownloads: true,
    launchOptions: {
      executablePath: process.env.SECBOARD_CHROMIUM || "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"],
    },
  },
  webServer: {
    command: "bash serve.sh",
    url: `${base}/api/health`,
    timeout: 900_000,
    reuseExistingServer: false,
    env: {
      BOOTSTRAP_ADMIN_EMAIL: process.env.SECBOARD_ADMIN_EMAIL,
      BOOTSTRAP_ADMIN_PASSWORD: process.env.SECBOARD_ADMIN_PASSWORD,
      RUST_LOG: "warn",
    },
  },
});
