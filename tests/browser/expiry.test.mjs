// Token expiry: when the server tells a socket `auth:expired` and drops it
// (its token's lifetime is over), the app returns to the sign-in screen
// saying the session has expired, and signing in again works.
//
// Tokens here live 3 seconds, so this file starts its own server (the
// HELPLINE_BIN of scripts/browser-test.sh, a fresh SQLite database, a free
// port) with HELPLINE_TOKEN_TTL_SECS=3, and points lib.mjs at it.

import { after, before } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const port = await new Promise((resolve) => {
  const probe = createServer().listen(0, "127.0.0.1", () => {
    const { port } = probe.address();
    probe.close(() => resolve(port));
  });
});
const data = mkdtempSync(join(tmpdir(), "helpline-expiry-"));
const url = `http://127.0.0.1:${port}`;
const env = { ...process.env, HELPLINE_ADDR: `127.0.0.1:${port}`, HELPLINE_DATABASE_URL: `sqlite://${data}/helpline.db` };
for (const name of ["HELPLINE_CONFIG", "HELPLINE_JWT_SECRET", "HELPLINE_REQUEST_TIMEOUT_SECS"]) delete env[name];
Object.assign(env, { HELPLINE_TOKEN_TTL_SECS: "3", HELPLINE_SWEEP_INTERVAL_MS: "100", HELPLINE_SQLITE_SYNCHRONOUS: "normal", RUST_LOG: process.env.RUST_LOG ?? "warn" });
const server = spawn(process.env.HELPLINE_BIN, ["serve"], { env, stdio: ["ignore", "ignore", "inherit"] });
const exited = new Promise((resolve) => server.once("exit", resolve));

process.env.HELPLINE_URL = url;
const { scenario, launch, open, register, signIn, checkA11y, noProblems } = await import("./lib.mjs");

let browser;
before(async () => {
  for (let i = 0; ; i++) {
    const up = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (up) break;
    assert.ok(i < 200 && server.exitCode === null, "the expiry test's server did not start");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  browser = await launch();
});
after(async () => {
  await browser?.close();
  server.kill("SIGTERM");
  await exited;
  rmSync(data, { recursive: true, force: true });
});

scenario("an expired session returns to the sign-in screen and says so", async () => {
  const account = await register("seeker", "Hilda");
  const { context, page } = await open(browser);
  const sawExpired = page.waitForEvent("websocket").then(
    (ws) => ws.waitForEvent("framereceived", { predicate: (f) => String(f.payload).includes('"auth:expired"'), timeout: 15_000 }),
  );
  await signIn(page, account);

  // About 3 s later the server sends auth:expired and drops the socket; the
  // app's reconnect is refused, and the sign-in screen explains why.
  await sawExpired;
  await page.locator("hl-auth").getByText("Your session has expired. Please sign in again.").waitFor();
  await page.getByLabel("Username").waitFor();
  await checkA11y(page, "sign-in after the session expired");

  // A fresh sign-in gets a fresh token and connects again.
  await signIn(page, account);
  noProblems(page);
  await context.close();
});
