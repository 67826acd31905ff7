// The run's data folder (the server's table, outbox and log) goes when the run ends, unless
// SECBOARD_KEEP_DATA=1 keeps it to look into a failure.
import { rmSync } from "node:fs";

export default function teardown() {
  const dir = process.env.SECBOARD_BROWSER_DIR;
  if (dir && process.env.SECBOARD_KEEP_DATA !== "1") rmSync(dir, { recursive: true, force: true });
}
