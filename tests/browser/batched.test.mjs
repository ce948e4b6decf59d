// Batched dispatch in the app (HELPLINE_DISPATCH=batched): a request goes
// first to the best match, who is told in plain words why it came to her,
// then to the next volunteer when nobody has answered; and a seeker
// chooses in Settings whether volunteers she rated well are asked first.
//
// Batches of one widening every 3 seconds, so this file starts its own
// server (the HELPLINE_BIN of scripts/browser-test.sh, a fresh SQLite
// database, a free port).

import assert from "node:assert/strict";
import { after, before } from "node:test";
import { startOwnServer } from "./own-server.mjs";

const own = await startOwnServer("batched", {
  HELPLINE_DISPATCH: "batched",
  HELPLINE_DISPATCH_BATCH_SIZE: "1",
  HELPLINE_DISPATCH_WIDEN_SECS: "3",
});
const { scenario, launch, user, checkA11y, noProblems } = await import("./lib.mjs");

let browser;
before(async () => {
  await own.ready();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await own.stop();
});

scenario("the best match hears first and why, the next volunteer a moment later", async () => {
  const priya = await user(browser, "volunteer", "Priya", { languages: ["Hindi"] });
  const olga = await user(browser, "volunteer", "Olga");
  const meera = await user(browser, "seeker", "Meera", { languages: ["hindi", "English"] });
  const [p, o, m] = [priya.page, olga.page, meera.page];

  await m.getByLabel("Daily life").check();
  await m.getByRole("button", { name: "Talk to anyone now" }).click();
  const toPriya = p.locator(".offer", { hasText: "Meera" });
  await toPriya.locator(".why-you", { hasText: "Sent to you first: Meera speaks Hindi." }).waitFor();
  // Olga is in the next batch: still not told well into the interval.
  await o.waitForTimeout(1500);
  assert.equal(await o.locator(".offer").count(), 0, "Olga heard before her batch");
  await checkA11y(p, "volunteer offered a request first, with why");

  // Nobody answered: three seconds on, Olga has it too, with no reason line.
  const toOlga = o.locator(".offer", { hasText: "Meera" });
  await toOlga.waitFor();
  assert.equal(await toOlga.locator(".why-you").count(), 0);
  await toOlga.getByRole("button", { name: "Accept Meera" }).click();
  await o.getByRole("heading", { name: "Meera", level: 1 }).waitFor();
  await toPriya.waitFor({ state: "detached" });
  noProblems(p, o, m);
});

scenario("a seeker chooses whether volunteers she rated well are asked first", async () => {
  const { page } = await user(browser, "seeker", "Dorothy");
  await page.getByRole("link", { name: "Settings" }).click();
  const card = page.locator(".familiar-card");
  await card.getByRole("heading", { name: "Your companions" }).waitFor();
  const box = card.getByLabel("Ask volunteers I gave 4 or 5 stars first");
  assert.equal(await box.isChecked(), true, "on by default");
  await box.uncheck();
  await card.getByText("Saved. Everyone has the same chance.").waitFor();
  await checkA11y(page, "seeker settings with the companions choice");
  // Kept on the server: still off after a reload.
  await page.reload();
  await card.getByRole("heading", { name: "Your companions" }).waitFor();
  await page.waitForFunction(() => document.querySelector("#prefer-familiar") && !document.querySelector(".familiar-card").hidden);
  assert.equal(await box.isChecked(), false);
  noProblems(page);
});
