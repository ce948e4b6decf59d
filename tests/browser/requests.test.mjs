// Help requests in the browser: cancel, declined, queued then accepted, two
// volunteers racing for one request, and one seeker in two chats at once.

import { after, before } from "node:test";
import assert from "node:assert/strict";
import { scenario, launch, user, checkA11y, noProblems, PHONE } from "./lib.mjs";

let browser;
before(async () => (browser = await launch()));
after(() => browser?.close());

const overlay = (page) => page.locator("dialog.overlay");

async function talkToAnyone(page, topic = "Daily life", note = "") {
  await page.getByLabel(topic).check();
  if (note) await page.getByLabel("Anything you would like them to know? (optional)").fill(note);
  await page.getByRole("button", { name: "Talk to anyone now" }).click();
}

scenario("a seeker cancels, asks again, and a declined request offers anyone instead", async () => {
  const v = await user(browser, "volunteer", "Priya");
  const s = await user(browser, "seeker", "Margaret", { viewport: PHONE });

  await talkToAnyone(s.page, "Health", "My knee hurts");
  await overlay(s.page).getByRole("heading", { name: "Waiting for a volunteer…" }).waitFor();
  const offer = v.page.locator(".offer", { hasText: "Margaret" });
  await offer.getByText("Topic: Health").waitFor();
  await offer.getByText("My knee hurts").waitFor();
  // "I need help" is there while she waits; it opens the dialog over it.
  await overlay(s.page).getByRole("button", { name: "I need help" }).click();
  const help = s.page.getByRole("dialog", { name: "Tell staff you need help now?" });
  await help.getByRole("button", { name: "Cancel" }).click();
  await help.waitFor({ state: "detached" });

  await s.page.getByRole("button", { name: "Cancel request" }).click();
  await overlay(s.page).getByRole("heading", { name: "Your request was cancelled" }).waitFor();
  await checkA11y(s.page, "request overlay: cancelled");
  await offer.waitFor({ state: "detached" });
  await v.page.getByText("Margaret cancelled their request.").waitFor();

  // Ask again, then Priya declines a request made to her alone.
  await s.page.getByRole("button", { name: "Close" }).click();
  await overlay(s.page).waitFor({ state: "hidden" });
  await s.page.locator(".person", { hasText: "Priya" }).getByRole("button", { name: "Chat now with Priya" }).click();
  await overlay(s.page).getByRole("heading", { name: "Waiting for Priya…" }).waitFor();
  await offer.getByRole("button", { name: "Decline Margaret" }).click();
  await overlay(s.page).getByRole("heading", { name: "Priya cannot chat right now" }).waitFor();
  await checkA11y(s.page, "request overlay: declined");

  // "Talk to anyone instead" makes an open request, which Priya is offered again.
  await s.page.getByRole("button", { name: "Talk to anyone instead" }).click();
  await overlay(s.page).getByRole("heading", { name: "Waiting for a volunteer…" }).waitFor();
  await offer.waitFor();
  await s.page.getByRole("button", { name: "Cancel request" }).click();
  await offer.waitFor({ state: "detached" });
  noProblems(s.page, v.page);
  await s.context.close();
  await v.context.close();
});

scenario("a queued request is accepted by a volunteer who arrives later", async () => {
  const s = await user(browser, "seeker", "Arthur");
  await talkToAnyone(s.page, "Feeling low or worried");
  await overlay(s.page).getByRole("heading", { name: "Searching for volunteers… this may take a moment" }).waitFor();
  await checkA11y(s.page, "request overlay: searching");

  // The request survives a reload: the overlay comes back.
  await s.page.reload();
  await overlay(s.page).getByRole("heading", { name: /Waiting for a volunteer…|Searching for volunteers/ }).waitFor();

  const v = await user(browser, "volunteer", "Tom");
  const offer = v.page.locator(".offer", { hasText: "Arthur" });
  await offer.getByText("Topic: Feeling low or worried").waitFor();
  await offer.getByRole("button", { name: "Accept Arthur" }).click();
  await s.page.getByRole("heading", { name: "Connected!" }).waitFor();
  // The overlay hides itself and the chat opens.
  await s.page.getByRole("heading", { name: "Tom", level: 1 }).waitFor();
  await overlay(s.page).waitFor({ state: "hidden" });
  await v.page.getByRole("heading", { name: "Arthur", level: 1 }).waitFor();
  await v.page.getByLabel("Message to Arthur").fill("Hello Arthur, I'm here.");
  await v.page.keyboard.press("Enter");
  await s.page.locator(".msg.theirs", { hasText: "Hello Arthur, I'm here." }).waitFor();
  await v.page.getByRole("button", { name: "More chat options" }).click();
  await v.page.getByRole("dialog").getByRole("button", { name: "End chat" }).click();
  await v.page.getByRole("button", { name: "Yes, end the chat" }).click();
  // The seeker is asked for a rating even when the volunteer ended the chat.
  await s.page.getByRole("heading", { name: "How was your chat with Tom?" }).waitFor();
  await s.page.getByRole("button", { name: "Not now" }).click();
  await s.page.getByText("This chat has ended.").waitFor();
  noProblems(s.page, v.page);
  await s.context.close();
  await v.context.close();
});

scenario("two volunteers accept at once: one gets the chat, the other is told it was taken", async () => {
  const a = await user(browser, "volunteer", "Asha");
  const b = await user(browser, "volunteer", "Bruno");
  const s = await user(browser, "seeker", "Edith");
  await talkToAnyone(s.page);
  await overlay(s.page).getByText("We have asked 2 volunteers.").waitFor();
  const buttons = [a, b].map((v) => v.page.locator(".offer", { hasText: "Edith" }).getByRole("button", { name: "Accept Edith" }));
  await Promise.all(buttons.map((button) => button.waitFor()));
  await Promise.allSettled(buttons.map((button) => button.click({ timeout: 5000 })));
  const outcome = async (v) =>
    Promise.race([
      v.page.getByRole("heading", { name: "Edith", level: 1 }).waitFor().then(() => "won"),
      v.page.getByText("Another volunteer is already helping Edith.").waitFor().then(() => "taken"),
    ]);
  const results = await Promise.all([outcome(a), outcome(b)]);
  assert.deepEqual([...results].sort(), ["taken", "won"]);
  const loser = results[0] === "taken" ? a : b;
  assert.equal(await loser.page.locator(".offer", { hasText: "Edith" }).count(), 0);
  await s.page.getByRole("heading", { name: results[0] === "won" ? "Asha" : "Bruno", level: 1 }).waitFor();
  noProblems(s.page, a.page, b.page);
  for (const x of [a, b, s]) await x.context.close();
});

scenario("one seeker in two chats at once, with unread badges", async () => {
  const priya = await user(browser, "volunteer", "Priya");
  const tom = await user(browser, "volunteer", "Tom");
  const s = await user(browser, "seeker", "Margaret");
  const open = async (v, name) => {
    await s.page.getByRole("link", { name: "Home" }).click();
    await s.page.locator(".person", { hasText: name }).getByRole("button", { name: `Chat now with ${name}` }).click();
    await v.page.locator(".offer", { hasText: "Margaret" }).getByRole("button", { name: "Accept Margaret" }).click();
    await s.page.getByRole("heading", { name, level: 1 }).waitFor();
    await v.page.getByRole("heading", { name: "Margaret", level: 1 }).waitFor();
  };
  await open(priya, "Priya");
  await open(tom, "Tom");
  // Margaret is in Tom's chat; Priya writes in the other one.
  await priya.page.getByLabel("Message to Margaret").fill("Are you still there?");
  await priya.page.keyboard.press("Enter");
  const priyaRow = s.page.locator(".conv", { hasText: "Priya" });
  await priyaRow.getByText("1 unread").waitFor();
  await priyaRow.getByText("Are you still there?").waitFor();
  await s.page.getByRole("navigation", { name: "Main" }).getByText("1 unread").waitFor();
  await tom.page.getByLabel("Message to Margaret").fill("Hello from Tom");
  await tom.page.keyboard.press("Enter");
  await s.page.locator(".msg.theirs", { hasText: "Hello from Tom" }).waitFor();
  // Opening Priya's chat clears its badge and marks it read.
  await priyaRow.click();
  await s.page.locator(".msg.theirs", { hasText: "Are you still there?" }).waitFor();
  await priyaRow.getByText("unread").waitFor({ state: "detached" });
  await s.page.getByLabel("Message to Priya").fill("Yes, I'm here!");
  await s.page.keyboard.press("Enter");
  await priya.page.locator(".msg.theirs", { hasText: "Yes, I'm here!" }).waitFor();
  assert.equal(await tom.page.locator(".msg", { hasText: "Yes, I'm here!" }).count(), 0);
  // The volunteer's home lists the active chat.
  await priya.page.getByRole("link", { name: "Home" }).click();
  await priya.page.locator("#active-chats").getByText("Margaret").waitFor();
  noProblems(s.page, priya.page, tom.page);
  for (const x of [priya, tom, s]) await x.context.close();
});
