// A Helpline server of a test file's own, for tests that need settings the
// shared one (started by scripts/browser-test.sh) does not have: the
// HELPLINE_BIN binary on a free port with a fresh SQLite database and the
// given HELPLINE_* settings. It sets HELPLINE_URL, so lib.mjs — imported
// after `startOwnServer` — talks to it (and HELPLINE_DATABASE_URL, so
// accounts made with the CLI are its own). `ready()` waits for /healthz;
// `stop()` ends it and removes its data.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Settings of the shared server that must not leak into an own one. */
const INHERITED = ["HELPLINE_CONFIG", "HELPLINE_JWT_SECRET", "HELPLINE_REQUEST_TIMEOUT_SECS", "HELPLINE_ATTACHMENTS_DIR", "HELPLINE_ATTACHMENT_STORE_URL"];

export async function startOwnServer(name, settings) {
  const port = await new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
  const data = mkdtempSync(join(tmpdir(), `helpline-${name}-`));
  const url = `http://127.0.0.1:${port}`;
  const env = { ...process.env, HELPLINE_ADDR: `127.0.0.1:${port}`, HELPLINE_DATABASE_URL: `sqlite://${data}/helpline.db` };
  for (const key of INHERITED) delete env[key];
  Object.assign(env, { HELPLINE_SQLITE_SYNCHRONOUS: "normal", HELPLINE_VAPID_SUBJECT: "mailto:tests@helpline.test", RUST_LOG: process.env.RUST_LOG ?? "warn" }, settings);
  const server = spawn(process.env.HELPLINE_BIN, ["serve"], { env, stdio: ["ignore", "ignore", "inherit"] });
  const exited = new Promise((resolve) => server.once("exit", resolve));
  process.env.HELPLINE_URL = url;
  // Accounts made with the CLI (lib.mjs's createWithCli) go to this database.
  process.env.HELPLINE_DATABASE_URL = env.HELPLINE_DATABASE_URL;
  return {
    url,
    async ready() {
      for (let i = 0; ; i++) {
        const up = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
        if (up) return;
        assert.ok(i < 200 && server.exitCode === null, `the ${name} test's server did not start`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async stop() {
      server.kill("SIGTERM");
      await exited;
      rmSync(data, { recursive: true, force: true });
    },
  };
}
