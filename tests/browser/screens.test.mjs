// Every main screen at phone (390×844) and desktop (1280×800) width, saved
// under artifacts/ (scripts/browser-test.sh --update-screenshots copies them
// to docs/screenshots/), each checked with axe-core at both widths.

import { after, before } from "node:test";
import { scenario, launch, open, user, signIn, createWithCli, snap, noProblems, PHONE } from "./lib.mjs";

let browser;
before(async () => (browser = await launch()));
after(() => browser?.close());

scenario("screens", async () => {
  const guest = await open(browser, { viewport: PHONE });
  await guest.page.goto("/");
  await guest.page.getByRole("heading", { name: "Sign in" }).waitFor();
  await snap(guest.page, "sign-in");
  await guest.page.getByRole("button", { name: "Create an account" }).click();
  await snap(guest.page, "create-account");
  await guest.context.close();

  // Nobody is available yet: an open request is queued.
  const arthur = await user(browser, "seeker", "Arthur");
  await arthur.page.getByLabel("Feeling low or worried").check();
  await arthur.page.getByRole("button", { name: "Talk to anyone now" }).click();
  await arthur.page.getByRole("heading", { name: "Searching for volunteers… this may take a moment" }).waitFor();
  await snap(arthur.page, "request-searching");
  await arthur.page.getByRole("button", { name: "Cancel request" }).click();
  await arthur.page.getByRole("button", { name: "Close" }).click();

  const priya = await user(browser, "volunteer", "Priya", { languages: ["English", "Hindi"] });
  const tom = await user(browser, "volunteer", "Tom", { languages: ["English", "French"] });
  await tom.page.getByRole("switch", { name: "Available for new requests" }).click();
  await tom.page.getByText("Off: you are away").waitFor();

  const margaret = await user(browser, "seeker", "Margaret", { viewport: PHONE });
  const m = margaret.page;
  await m.locator(".person", { hasText: "Tom" }).getByText("Online, but busy").waitFor();
  await snap(m, "seeker-home");
  await m.locator(".person", { hasText: "Priya" }).getByRole("button", { name: "Chat now with Priya" }).click();
  await m.getByRole("heading", { name: "Waiting for Priya…" }).waitFor();
  await snap(m, "request-waiting");

  const p = priya.page;
  const offer = p.locator(".offer", { hasText: "Margaret" });
  await offer.waitFor();
  await snap(p, "volunteer-home");
  await offer.getByRole("button", { name: "Accept Margaret" }).click();
  await m.getByRole("heading", { name: "Priya", level: 1 }).waitFor();
  const say = async (page, to, text) => {
    await page.getByLabel(`Message to ${to}`).fill(text);
    await page.keyboard.press("Enter");
  };
  await say(m, "Priya", "Hello dear, thank you for answering.");
  await p.locator(".msg.theirs", { hasText: "thank you for answering" }).waitFor();
  await say(p, "Margaret", "Hello Margaret! It's lovely to meet you. How has your day been?");
  await m.locator(".msg.theirs", { hasText: "How has your day been?" }).waitFor();
  await say(m, "Priya", "Quiet. My daughter called this morning,\nand I finishd the crossword.");
  await p.locator(".msg.theirs", { hasText: "crossword" }).waitFor();
  // Margaret fixes a typo (edit), Priya reacts and replies to it.
  await m.locator(".msg.mine", { hasText: "crossword" }).getByRole("button", { name: /^Options/ }).click();
  await m.getByRole("button", { name: "Edit", exact: true }).click();
  await m.getByLabel("Message to Priya").fill("Quiet. My daughter called this morning,\nand I finished the crossword.");
  await m.keyboard.press("Enter");
  await p.locator(".msg.theirs", { hasText: "finished the crossword" }).getByText("Edited").waitFor();
  await p.locator(".msg.theirs", { hasText: "crossword" }).getByRole("button", { name: /^Options/ }).click();
  await snap(p, "message-options");
  await p.getByRole("button", { name: "Love", exact: true }).click();
  await p.locator(".msg.theirs", { hasText: "crossword" }).getByRole("button", { name: /^Options/ }).click();
  await p.getByRole("button", { name: "Reply", exact: true }).click();
  await say(p, "Margaret", "Well done! The whole crossword?");
  await m.locator(".msg.theirs", { hasText: "The whole crossword?" }).waitFor();
  await m.locator(".msg.mine", { hasText: "crossword" }).getByRole("button", { name: "Love: 1" }).waitFor();
  await m.locator(".msg.mine .state", { hasText: "Seen" }).last().waitFor();
  await p.getByLabel("Message to Margaret").pressSequentially("That sounds");
  await m.getByText("Priya is typing…").waitFor();
  await snap(m, "thread");
  await p.getByLabel("Message to Margaret").fill("");
  await m.getByRole("button", { name: "More chat options" }).click();
  await m.getByRole("dialog").getByRole("button", { name: "Disappearing messages: Off" }).click();
  await m.getByRole("dialog").getByLabel("1 day", { exact: true }).check();
  await snap(m, "disappearing-messages");
  await m.getByRole("dialog").getByRole("button", { name: "Save" }).click();
  await p.locator(".msg.system", { hasText: "Margaret set messages to disappear: 1 day" }).waitFor();

  // A second chat for Priya, with an unread message.
  await arthur.page.locator(".person", { hasText: "Priya" }).getByRole("button", { name: "Chat now with Priya" }).click();
  await p.locator(".offer", { hasText: "Arthur" }).getByRole("button", { name: "Accept Arthur" }).click();
  await arthur.page.getByRole("heading", { name: "Priya", level: 1 }).waitFor();
  await p.locator(".conv", { hasText: "Margaret" }).click();
  await p.getByRole("heading", { name: "Margaret", level: 1 }).waitFor();
  await say(arthur.page, "Priya", "Hello, is this the right place to talk?");
  await p.locator(".conv", { hasText: "Arthur" }).getByText("1 unread").waitFor();
  await snap(p, "volunteer-chats");
  await p.getByLabel("Search your chats").fill("crossword");
  await p.getByLabel("Search your chats").press("Enter");
  await p.getByRole("status").filter({ hasText: "found for" }).waitFor();
  await snap(p, "search");

  await m.getByRole("button", { name: "More chat options" }).click();
  await m.getByRole("dialog").getByRole("button", { name: "End chat" }).click();
  await m.getByRole("heading", { name: "End this chat with Priya?" }).waitFor();
  await snap(m, "end-chat");
  await m.getByRole("button", { name: "Yes, end the chat" }).click();
  await m.getByRole("heading", { name: "How was your chat with Priya?" }).waitFor();
  await m.getByLabel("5 – Wonderful").check();
  await snap(m, "rating");

  const staff = createWithCli("support", "Sam (support)");
  const support = await open(browser);
  await signIn(support.page, staff);
  await support.page.locator("tr", { hasText: "Tom" }).getByText("Away").first().waitFor();
  await snap(support.page, "support-dashboard");

  noProblems(m, p, tom.page, arthur.page, support.page);
  for (const x of [arthur, priya, tom, margaret, support]) await x.context.close();
});
