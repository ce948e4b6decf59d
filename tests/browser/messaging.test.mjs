// The chat's messaging features, each with two people in two pages on the
// real server, checking what the other side sees live: edit and delete for
// everyone, reactions, replies, search (all chats and one chat, opening the
// chat at a hit that is not loaded yet), disappearing messages (the chat's
// timer and one message's), blocking and reporting. Text size (≥ 18 px) and
// axe run on each new dialog and state.

import { after, before } from "node:test";
import assert from "node:assert/strict";
import { scenario, launch, open, signIn, user, checkA11y, checkTextSize, noProblems, createWithCli, BASE, PHONE } from "./lib.mjs";

let browser;
before(async () => (browser = await launch()));
after(() => browser?.close());

/** A volunteer (desktop) and a seeker (phone) in an accepted chat. */
async function pair(volunteerName, seekerName) {
  const v = await user(browser, "volunteer", volunteerName);
  const s = await user(browser, "seeker", seekerName, { viewport: PHONE });
  await s.page.locator(".person", { hasText: volunteerName }).getByRole("button", { name: `Chat now with ${volunteerName}` }).click();
  await v.page.locator(".offer", { hasText: seekerName }).getByRole("button", { name: `Accept ${seekerName}` }).click();
  await s.page.getByRole("heading", { name: volunteerName, level: 1 }).waitFor();
  await v.page.getByRole("heading", { name: seekerName, level: 1 }).waitFor();
  return { v: v.page, s: s.page, seeker: s.account, close: () => Promise.all([v.context.close(), s.context.close()]) };
}

async function say(page, to, text) {
  await page.getByLabel(`Message to ${to}`).fill(text);
  await page.getByLabel(`Message to ${to}`).press("Enter");
}

/** Fails when the page, or an open dialog, is wider than the viewport. */
async function noSideScroll(page, label) {
  const wide = await page.evaluate(() =>
    [document.scrollingElement, ...document.querySelectorAll("main, .messages, dialog[open], .thread-head, .composer")]
      .filter((el) => el.scrollWidth > el.clientWidth + 1)
      .map((el) => `${el.tagName.toLowerCase()}.${el.className}: ${el.scrollWidth} > ${el.clientWidth}`),
  );
  assert.deepEqual(wide, [], `sideways scrolling on ${label}`);
}

/** The bubble whose text contains `text`. */
const bubble = (page, text) => page.locator(".msg", { has: page.locator(".text", { hasText: text }) });

scenario("edit and delete for everyone, seen live by the other person", async () => {
  const { v, s, close } = await pair("Noor", "Wilfred");
  await say(s, "Noor", "See you at 2 o'clock");
  await bubble(v, "See you at 2 o'clock").waitFor();

  // Wilfred edits his message from its options.
  await bubble(s, "See you at 2 o'clock").getByRole("button", { name: /^Options for your message/ }).click();
  await s.getByRole("heading", { name: "Options for your message" }).waitFor();
  await checkA11y(s, "message options (own message)");
  await checkTextSize(s, "message options (own message)");
  await s.getByRole("button", { name: "Edit", exact: true }).click();
  await s.getByText("Editing your message:").waitFor();
  const composer = s.getByLabel("Message to Noor");
  assert.equal(await composer.inputValue(), "See you at 2 o'clock");
  assert.ok(await composer.evaluate((el) => el === document.activeElement), "the composer has the focus");
  await composer.fill("See you at 3 o'clock");
  await s.getByRole("button", { name: "Save" }).click();
  await bubble(v, "See you at 3 o'clock").getByText("Edited", { exact: true }).waitFor();
  await bubble(s, "See you at 3 o'clock").getByText("Edited", { exact: true }).waitFor();
  assert.equal(await v.locator(".msg", { hasText: "2 o'clock" }).count(), 0);
  // The composer is empty again: the microphone is where Send (or Save) was.
  await s.getByRole("button", { name: "Record voice message" }).waitFor();

  // Escape leaves editing without a change.
  await bubble(s, "See you at 3 o'clock").getByRole("button", { name: /^Options/ }).click();
  await s.getByRole("button", { name: "Edit", exact: true }).click();
  await composer.press("Escape");
  await s.getByText("Editing your message:").waitFor({ state: "hidden" });
  assert.equal(await composer.inputValue(), "");

  // Delete for everyone, after confirming; both see a tombstone in its place.
  await say(s, "Noor", "Oops, wrong chat");
  await bubble(v, "Oops, wrong chat").waitFor();
  await bubble(s, "Oops, wrong chat").getByRole("button", { name: /^Options/ }).click();
  await s.getByRole("button", { name: "Delete for everyone" }).click();
  await s.getByRole("heading", { name: "Delete this message for everyone?" }).waitFor();
  await checkA11y(s, "delete confirmation");
  await s.getByRole("button", { name: "Yes, delete it" }).click();
  await v.locator(".msg.deleted").getByText("Message deleted").waitFor();
  await s.locator(".msg.deleted").getByText("Message deleted").waitFor();
  assert.equal(await v.getByText("Oops, wrong chat").count(), 0);
  // The focus moves to the tombstone, as the button that had it is gone.
  await s.waitForFunction(() => document.activeElement?.matches(".msg.deleted"));
  // A deleted message has no options, and the list's preview says so.
  assert.equal(await s.locator(".msg.deleted button").count(), 0);
  await v.getByRole("navigation", { name: "Main" }).getByRole("link", { name: /^Chats/ }).click();
  await v.locator(".conv", { hasText: "Wilfred" }).getByText("Message deleted").waitFor();
  // Noor cannot edit Wilfred's messages: her options offer no Edit or Delete.
  await v.locator(".conv", { hasText: "Wilfred" }).click();
  await bubble(v, "See you at 3 o'clock").getByRole("button", { name: /^Options for Wilfred's message/ }).click();
  await v.getByRole("button", { name: "Report this message" }).waitFor();
  assert.equal(await v.getByRole("button", { name: "Edit", exact: true }).count(), 0);
  assert.equal(await v.getByRole("button", { name: "Delete for everyone" }).count(), 0);
  await v.getByRole("button", { name: "Close" }).click();
  // Focus returns to the options button.
  assert.ok(await bubble(v, "See you at 3 o'clock").locator("button.options").evaluate((el) => el === document.activeElement));
  await checkA11y(v, "thread with an edited and a deleted message");
  noProblems(s, v);
  await close();
});

scenario("reactions from a small picker, counted live on both sides, by keyboard too", async () => {
  const { v, s, close } = await pair("Omar", "Beryl");
  await say(v, "Beryl", "I planted the tomatoes today");
  await bubble(s, "planted the tomatoes").waitFor();

  await bubble(s, "planted the tomatoes").getByRole("button", { name: /^Options for Omar's message/ }).click();
  await s.getByRole("group", { name: "React" }).waitFor();
  await checkA11y(s, "reaction picker");
  await s.getByRole("button", { name: "Love", exact: true }).click();
  await bubble(v, "planted the tomatoes").getByRole("button", { name: "Love: 1", exact: true }).waitFor();
  const mine = bubble(s, "planted the tomatoes").getByRole("button", { name: "Love: 1, including you" });
  assert.equal(await mine.getAttribute("aria-pressed"), "true");

  // Omar adds his by keyboard: Tab from the message's text to the chip, Enter.
  const chip = bubble(v, "planted the tomatoes").getByRole("button", { name: "Love: 1", exact: true });
  await chip.focus();
  await v.keyboard.press("Enter");
  await bubble(s, "planted the tomatoes").getByRole("button", { name: "Love: 2, including you" }).waitFor();
  await bubble(v, "planted the tomatoes").getByRole("button", { name: "Love: 2, including you" }).waitFor();
  // The focus stays on the chip after it is redrawn.
  assert.ok(await bubble(v, "planted the tomatoes").locator("button.reaction").evaluate((el) => el === document.activeElement));

  // A second emoji from the picker, opened and used by keyboard.
  await bubble(v, "planted the tomatoes").locator("button.options").focus();
  await v.keyboard.press("Enter");
  await v.getByRole("button", { name: "Thanks" }).focus();
  await v.keyboard.press("Enter");
  await bubble(s, "planted the tomatoes").getByRole("button", { name: "Thanks: 1", exact: true }).waitFor();

  // Beryl takes hers back.
  await bubble(s, "planted the tomatoes").getByRole("button", { name: "Love: 2, including you" }).click();
  await bubble(v, "planted the tomatoes").getByRole("button", { name: "Love: 1, including you" }).waitFor();
  await bubble(s, "planted the tomatoes").getByRole("button", { name: "Love: 1", exact: true }).waitFor();
  await checkTextSize(s, "thread with reactions");

  // At 320 CSS px (a phone at 200 % zoom) nothing needs sideways scrolling,
  // the thread nor the picker.
  await s.setViewportSize({ width: 320, height: 640 });
  await noSideScroll(s, "thread at 320 px");
  await bubble(s, "planted the tomatoes").getByRole("button", { name: /^Options/ }).click();
  await s.getByRole("group", { name: "React" }).waitFor();
  await noSideScroll(s, "message options at 320 px");
  await checkA11y(s, "message options at 320 px");
  await s.getByRole("button", { name: "Close" }).click();
  noProblems(s, v);
  await close();
});

scenario("replies show the quoted message, and the quote leads to it", async () => {
  const { v, s, close } = await pair("Grace", "Harold");
  await say(v, "Harold", "What did the doctor say about your knee?");
  await bubble(s, "about your knee").waitFor();
  for (const text of ["Hello?", "Are you there?", "Sorry, the phone rang"]) await say(s, "Grace", text);
  await bubble(v, "the phone rang").waitFor();

  await bubble(s, "about your knee").getByRole("button", { name: /^Options/ }).click();
  await s.getByRole("button", { name: "Reply", exact: true }).click();
  await s.getByText("Replying to Grace:").waitFor();
  await checkA11y(s, "composer replying");
  // Escape cancels a reply; Reply again and send.
  await s.getByLabel("Message to Grace").press("Escape");
  await s.getByText("Replying to Grace:").waitFor({ state: "hidden" });
  await bubble(s, "about your knee").getByRole("button", { name: /^Options/ }).click();
  await s.getByRole("button", { name: "Reply", exact: true }).click();
  await say(s, "Grace", "It is getting better, slowly");

  // Grace sees the reply with the quote of her question, live.
  const reply = bubble(v, "getting better, slowly");
  const quote = reply.getByRole("button", { name: /^Reply to you: What did the doctor say about your knee\?/ });
  await quote.waitFor();
  await bubble(s, "getting better, slowly").getByRole("button", { name: /^Reply to Grace: What did the doctor say/ }).waitFor();
  // Tapping the quote brings the original into view with the focus on it.
  await v.locator(".messages").evaluate((el) => (el.scrollTop = el.scrollHeight));
  await quote.click();
  await v.waitForFunction(() => document.activeElement?.matches(".msg.hit") && document.activeElement.querySelector(".text").textContent.includes("about your knee"));
  await checkA11y(v, "thread with a reply");

  // Once the original is deleted, the quote says so.
  await bubble(v, "about your knee").getByRole("button", { name: /^Options/ }).click();
  await v.getByRole("button", { name: "Delete for everyone" }).click();
  await v.getByRole("button", { name: "Yes, delete it" }).click();
  await bubble(s, "getting better, slowly").getByText("message deleted").waitFor();
  noProblems(s, v);
  await close();
});

scenario("search over all chats and within a chat opens the chat at the message", async () => {
  const { v, s, close } = await pair("Leila", "Ivy");
  await say(s, "Leila", "My doctor appointment is on Tuesday");
  await bubble(v, "doctor appointment").waitFor();
  // Sixty more messages, so the hit is not in the newest page.
  await s.evaluate(async () => {
    const { store } = await import("/js/state.js");
    for (let i = 1; i <= 60; i++) store.send(store.viewing, `Chatting along, line ${i}`);
  });
  await bubble(v, "line 60").waitFor();

  // Leila searches all her chats from the list, on a fresh load.
  await v.goto("/chats");
  await v.getByRole("heading", { name: "Your chats" }).waitFor();
  await v.getByLabel("Search your chats").fill("doctor TUESDAY");
  await v.getByLabel("Search your chats").press("Enter");
  await v.getByRole("status").filter({ hasText: "1 message found" }).waitFor();
  const hit = v.getByRole("button", { name: /^Chat with Ivy · Ivy/ });
  await hit.locator("mark", { hasText: "doctor" }).waitFor();
  await checkA11y(v, "search results (all chats)");
  await checkTextSize(v, "search results (all chats)");
  await hit.click();
  await v.getByRole("heading", { name: "Ivy", level: 1 }).waitFor();
  await v.waitForFunction(() => document.activeElement?.matches(".msg.hit") && document.activeElement.querySelector(".text").textContent.includes("doctor appointment"));

  // Nothing found is said in words.
  // Search this chat is in the chat's menu, More.
  await v.getByRole("button", { name: "More chat options" }).click();
  await v.getByRole("dialog").getByRole("button", { name: "Search this chat" }).click();
  const inChat = v.getByLabel("Search this chat");
  assert.ok(await inChat.evaluate((el) => el === document.activeElement));
  await inChat.fill("elephants");
  await inChat.press("Enter");
  await v.getByText("Nothing found for “elephants”.").waitFor();

  // Within the chat (Ivy, on her phone).
  await s.getByRole("button", { name: "More chat options" }).click();
  await s.getByRole("dialog").getByRole("button", { name: "Search this chat" }).click();
  await s.getByLabel("Search this chat").fill("line 7");
  await s.locator(".thread-search").getByRole("button", { name: "Search", exact: true }).click();
  await s.locator(".thread-search").getByRole("button", { name: /Chatting along, line 7$/ }).click();
  await s.waitForFunction(() => document.activeElement?.matches(".msg.hit") && document.activeElement.querySelector(".text").textContent.endsWith("line 7"));
  await checkA11y(s, "search within a chat (phone)");
  // Close search hides it; the focus goes back to More.
  await s.getByRole("button", { name: "Close search" }).click();
  await s.locator(".thread-search").waitFor({ state: "hidden" });
  assert.ok(await s.getByRole("button", { name: "More chat options" }).evaluate((el) => el === document.activeElement), "focus back on More");
  noProblems(s, v);
  await close();
});

scenario("disappearing messages: the chat's timer, one message's, and the notice", async () => {
  const { v, s, close } = await pair("Ruth", "Stanley");
  // No timer yet: the header says nothing; the setting is under More.
  assert.equal(await s.locator(".timer-status").count(), 0);
  await s.getByRole("button", { name: "More chat options" }).click();
  await s.getByRole("dialog").getByRole("button", { name: "Disappearing messages: Off" }).click();
  await s.getByRole("heading", { name: "Disappearing messages" }).waitFor();
  await checkA11y(s, "timer dialog");
  await checkTextSize(s, "timer dialog");
  await s.getByRole("dialog").getByLabel("1 hour", { exact: true }).check();
  await s.getByRole("dialog").getByRole("button", { name: "Save" }).click();
  // Ruth sees the timer in the header and the notice, live.
  await v.getByRole("button", { name: "Disappearing messages: 1 hour" }).waitFor();
  await v.locator(".msg.system", { hasText: "Stanley set messages to disappear: 1 hour" }).waitFor();
  await s.getByRole("button", { name: "Disappearing messages: 1 hour" }).waitFor();
  await say(s, "Ruth", "This one goes in an hour");
  // After 23:00 the hour ends tomorrow: "Disappears tomorrow at …".
  await bubble(v, "goes in an hour").getByText(/^Disappears (tomorrow )?at /).waitFor();

  // One message of its own: view once, gone once Stanley has read it.
  // The next message's timer is in the composer's menu (+).
  await v.getByRole("button", { name: "Attach a file or set a timer" }).click();
  await v.getByRole("button", { name: "Timer for your next message" }).click();
  await v.getByRole("heading", { name: "Timer for your next message" }).waitFor();
  await v.getByRole("dialog").getByLabel("Same as this chat (1 hour)").waitFor();
  await v.getByRole("dialog").getByLabel(/^View once/).check();
  await v.getByRole("dialog").getByRole("button", { name: "Save" }).click();
  await v.getByRole("button", { name: "Attach a file or set a timer" }).click();
  await v.getByRole("button", { name: "Timer: View once for your next message" }).waitFor();
  await v.getByRole("button", { name: "Attach a file or set a timer" }).click();
  await say(v, "Stanley", "A secret for your eyes only");
  await v.getByRole("button", { name: "Attach a file or set a timer" }).click();
  await v.getByRole("button", { name: "Timer for your next message", exact: true }).waitFor();
  await v.getByRole("button", { name: "Attach a file or set a timer" }).click();
  await v.locator(".msg.mine.deleted").getByText("Message deleted").waitFor();
  await s.locator(".msg.theirs.deleted").getByText("Message deleted").waitFor();
  assert.equal(await s.getByText("A secret for your eyes only").count(), 0);

  // Off again, from More.
  await v.getByRole("button", { name: "More chat options" }).click();
  await checkA11y(v, "chat options");
  await v.getByRole("dialog").getByRole("button", { name: "Disappearing messages: 1 hour" }).click();
  await v.getByRole("dialog").getByLabel("Off", { exact: true }).check();
  await v.getByRole("dialog").getByRole("button", { name: "Save" }).click();
  await s.locator(".msg.system", { hasText: "Ruth turned off disappearing messages" }).waitFor();
  await s.locator(".timer-status").waitFor({ state: "detached" });
  await say(s, "Ruth", "This one stays");
  await bubble(v, "This one stays").waitFor();
  assert.equal(await bubble(v, "This one stays").getByText(/Disappears/).count(), 0);
  noProblems(s, v);
  await close();
});

scenario("blocking stops the other person's messages; reporting reaches support", async () => {
  const { v, s, seeker, close } = await pair("Tariq", "Mabel");
  await say(v, "Mabel", "Please send me your bank details");
  await bubble(s, "bank details").waitFor();

  // Mabel reports the message, then blocks Tariq.
  await bubble(s, "bank details").getByRole("button", { name: /^Options/ }).click();
  await s.getByRole("button", { name: "Report this message" }).click();
  await s.getByRole("heading", { name: "Report to support" }).waitFor();
  await s.getByRole("button", { name: "Send report" }).click();
  await s.getByText("Please say in a few words what happened.").waitFor();
  await checkA11y(s, "report dialog with an error");
  await checkTextSize(s, "report dialog");
  await s.getByLabel("What happened?").fill("He asked for money");
  await s.getByRole("button", { name: "Send report" }).click();
  await s.getByRole("heading", { name: "Thank you for telling us" }).waitFor();
  await s.getByRole("button", { name: "Close" }).click();

  await s.getByRole("button", { name: "More chat options" }).click();
  await s.getByRole("button", { name: "Block Tariq" }).click();
  await s.getByRole("heading", { name: "Block Tariq?" }).waitFor();
  await s.getByRole("button", { name: "Yes, block Tariq" }).click();
  await s.getByText("You blocked Tariq. They cannot send you messages.").waitFor();
  // Her second device (nothing shared with the first) knows it from the server.
  const second = await open(browser);
  await signIn(second.page, seeker);
  await second.page.goto(new URL(s.url()).pathname);
  await second.page.getByText("You blocked Tariq. They cannot send you messages.").waitFor();
  await second.page.getByRole("button", { name: "More chat options" }).click();
  await second.page.getByRole("button", { name: "Unblock Tariq" }).waitFor();
  assert.equal(await second.page.getByRole("button", { name: "Block Tariq", exact: true }).count(), 0);
  noProblems(second.page);
  await second.context.close();
  await say(v, "Mabel", "Hello? Are you there?");
  await bubble(v, "Are you there?").getByText("Not sent: this person is not taking messages from you.").waitFor();
  assert.equal(await s.getByText("Are you there?").count(), 0);

  // Support sees the report with the message's text as evidence.
  const staff = createWithCli("support", "Sam");
  const login = await fetch(`${BASE}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: staff.username, password: staff.password }),
  }).then((r) => r.json());
  const reports = await fetch(`${BASE}/api/reports`, { headers: { authorization: `Bearer ${login.token}` } }).then((r) => r.json());
  const report = reports.find((r) => r.reason === "He asked for money");
  assert.ok(report, "the report reached support");
  assert.equal(report.messageExcerpt, "Please send me your bank details");

  // Unblocked, his messages come through again; he reports her too (a person).
  await s.getByRole("button", { name: "More chat options" }).click();
  await s.getByRole("button", { name: "Unblock Tariq" }).click();
  await s.locator(".blocked-note").waitFor({ state: "detached" });
  await say(v, "Mabel", "Sorry, I will not ask again");
  await bubble(s, "will not ask again").waitFor();
  await v.getByRole("button", { name: "More chat options" }).click();
  await v.getByRole("button", { name: "Report Mabel to support" }).click();
  await v.getByLabel("What happened?").fill("She blocked me without reason");
  await v.getByRole("button", { name: "Send report" }).click();
  await v.getByRole("heading", { name: "Thank you for telling us" }).waitFor();
  noProblems(s, v);
  await close();
});
