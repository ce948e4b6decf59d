// The chat cap (HELPLINE_MAX_ACTIVE_CHATS): a volunteer with as many chats
// from requests as they may have at once is told so in plain words when
// they try to accept another, the request stays on their list, and once a
// chat ends they can take it.
//
// The cap here is 1, so this file starts its own server (the HELPLINE_BIN
// of scripts/browser-test.sh, a fresh SQLite database, a free port).

import { after, before } from "node:test";
import { startOwnServer } from "./own-server.mjs";

const own = await startOwnServer("capacity", { HELPLINE_MAX_ACTIVE_CHATS: "1" });
const { scenario, launch, user, checkA11y, noProblems, PHONE } = await import("./lib.mjs");

let browser;
before(async () => {
  await own.ready();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await own.stop();
});

async function askAnyone(page) {
  await page.getByLabel("Daily life").check();
  await page.getByRole("button", { name: "Talk to anyone now" }).click();
}

scenario("a volunteer at the chat cap is told why they cannot accept, and can once a chat ends", async () => {
  const vera = await user(browser, "volunteer", "Vera");
  const ann = await user(browser, "seeker", "Annie", { viewport: PHONE });
  const bea = await user(browser, "seeker", "Beatrice", { viewport: PHONE });
  const v = vera.page;

  // Both ask while Vera has no chat: both offers reach her.
  await askAnyone(ann.page);
  await askAnyone(bea.page);
  const offerOf = (name) => v.locator(".offer", { hasText: name });
  await offerOf("Annie").waitFor();
  await offerOf("Beatrice").waitFor();
  await offerOf("Annie").getByRole("button", { name: "Accept Annie" }).click();
  await v.getByRole("heading", { name: "Annie", level: 1 }).waitFor();

  // At the cap: accepting Beatrice explains why not, and her request stays.
  await offerOf("Beatrice").getByRole("button", { name: "Accept Beatrice" }).click();
  await v
    .getByRole("status")
    .filter({ hasText: "You already have as many chats open as you can take at once. End one, then you can accept Beatrice's request." })
    .waitFor();
  await offerOf("Beatrice").getByRole("button", { name: "Accept Beatrice" }).waitFor();
  await checkA11y(v, "volunteer at the chat cap");

  // Vera ends the chat with Annie; now Beatrice's request can be taken.
  await v.getByRole("button", { name: "More chat options" }).click();
  await v.getByRole("dialog").getByRole("button", { name: "End chat" }).click();
  await v.getByRole("button", { name: "Yes, end the chat" }).click();
  await v.getByText("This chat has ended.").waitFor();
  await offerOf("Beatrice").getByRole("button", { name: "Accept Beatrice" }).click();
  await v.getByRole("heading", { name: "Beatrice", level: 1 }).waitFor();
  await bea.page.getByRole("heading", { name: "Vera", level: 1 }).waitFor();
  noProblems(v, ann.page, bea.page);
  for (const one of [vera, ann, bea]) await one.context.close();
});
