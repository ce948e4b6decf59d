// Token expiry: when the server tells a socket `auth:expired` and drops it
// (its token's lifetime is over), the app returns to the sign-in screen
// saying the session has expired, and signing in again works.
//
// Tokens here live 3 seconds, so this file starts its own server (the
// HELPLINE_BIN of scripts/browser-test.sh, a fresh SQLite database, a free
// port) with HELPLINE_TOKEN_TTL_SECS=3, and points lib.mjs at it.

import { after, before } from "node:test";
import { startOwnServer } from "./own-server.mjs";

const own = await startOwnServer("expiry", { HELPLINE_TOKEN_TTL_SECS: "3", HELPLINE_SWEEP_INTERVAL_MS: "100" });
const { scenario, launch, open, register, signIn, checkA11y, noProblems } = await import("./lib.mjs");

let browser;
before(async () => {
  await own.ready();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await own.stop();
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
