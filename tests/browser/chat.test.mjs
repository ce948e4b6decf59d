// The basic chat, end to end in two browser contexts: accounts created
// through the sign-up screen, a targeted request, accept, messages both ways
// with typing and read receipts, End chat with its confirmation, and the
// seeker's rating.

import { after, before } from "node:test";
import assert from "node:assert/strict";
import { scenario, launch, open, unique, checkA11y, noProblems, restGet, watch, PHONE } from "./lib.mjs";

let browser;
before(async () => (browser = await launch()));
after(() => browser?.close());

async function signUp(page, name, username, role) {
  await page.goto("/");
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  await checkA11y(page, "sign in");
  await page.getByRole("button", { name: "Create an account" }).click();
  await checkA11y(page, "create account");
  // A too-short password is explained next to the field.
  await page.getByLabel("Your name").fill(name);
  await page.getByLabel("Choose a username").fill(username);
  await page.getByLabel("Choose a password").fill("short");
  if (role === "volunteer") await page.getByLabel("I want to help as a volunteer").check();
  await page.getByLabel("Languages you speak (optional)").fill("English, Hindi");
  await page.getByRole("button", { name: "Create my account" }).click();
  await page.getByText("The password needs at least 8 characters.").waitFor();
  assert.equal(await page.getByLabel("Choose a password").getAttribute("aria-invalid"), "true");
  await page.getByLabel("Choose a password").fill("password123");
  await page.getByRole("button", { name: "Create my account" }).click();
  await page.getByRole("heading", { name: `Hello, ${name}` }).waitFor();
  await page.locator("#connection-state[data-state=connected]").waitFor();
}

scenario("a seeker asks a volunteer, they chat, end the chat, and the seeker rates it", async () => {
  const seeker = await open(browser, { viewport: PHONE });
  const volunteer = await open(browser);
  const s = seeker.page;
  const v = volunteer.page;
  const priya = unique("priya");
  await signUp(v, "Priya", priya, "volunteer");
  await signUp(s, "Margaret", unique("margaret"), "seeker");

  // A wrong password on sign-in gets a clear error.
  const stranger = await open(browser);
  await stranger.page.goto("/");
  await stranger.page.getByLabel("Username").fill(priya);
  await stranger.page.getByLabel("Password", { exact: true }).fill("wrong-password");
  await stranger.page.getByRole("button", { name: "Sign in", exact: true }).click();
  await stranger.page.getByRole("alert").getByText("That username and password do not match").waitFor();
  await stranger.context.close();

  await checkA11y(s, "seeker home");
  await checkA11y(v, "volunteer home");
  // The volunteer turns on alerts (and the browser's prompt is answered yes).
  await volunteer.context.grantPermissions(["notifications"]);
  await v.getByRole("button", { name: "Turn on alerts" }).click();
  await v.getByRole("button", { name: "Turn on alerts" }).waitFor({ state: "detached" });

  // Margaret sees Priya online, with her languages, and asks her.
  const card = s.locator(".person", { hasText: "Priya" }).first();
  await card.getByText("Available now").waitFor();
  await card.getByText("Speaks: English, Hindi").waitFor();
  await card.getByRole("button", { name: "Chat now with Priya" }).click();
  await s.getByRole("heading", { name: "Waiting for Priya…" }).waitFor();
  await checkA11y(s, "request overlay: waiting");

  // Priya's request arrives with a sound and a notification.
  const offer = v.locator(".offer", { hasText: "Margaret" });
  await offer.waitFor();
  await offer.getByText("Chat", { exact: true }).waitFor();
  await v.waitForFunction(() => window.__alerts.some((a) => a.kind === "notification") && window.__alerts.some((a) => a.kind === "sound"));
  await checkA11y(v, "volunteer home with a request");
  await offer.getByRole("button", { name: "Accept Margaret" }).click();

  // Both land in the thread; the seeker sees "Connected!" first.
  await s.getByRole("heading", { name: "Connected!" }).waitFor();
  await checkA11y(s, "request overlay: connected");
  await v.getByRole("heading", { name: "Margaret", level: 1 }).waitFor();
  await s.getByRole("heading", { name: "Priya", level: 1 }).waitFor();
  await checkA11y(s, "thread (seeker)");

  // Messages both ways: Enter sends, Shift+Enter is a new line.
  const composerS = s.getByLabel("Message to Priya");
  await composerS.fill("Hello Priya!");
  await composerS.press("Shift+Enter");
  await composerS.pressSequentially("How are you?");
  await v.getByText("Margaret is typing…").waitFor();
  await composerS.press("Enter");
  await assert.doesNotReject(v.locator(".msg.theirs .text", { hasText: "How are you?" }).waitFor());
  assert.match(await v.locator(".msg.theirs .text").last().innerText(), /Hello Priya!\nHow are you\?/);
  // Priya has the thread open, so Margaret's message shows as seen.
  await s.locator(".msg.mine .state", { hasText: "Seen" }).waitFor();

  // Message text is text, never HTML.
  const composerV = v.getByLabel("Message to Margaret");
  await composerV.fill("<b>Very</b> well <img src=x onerror=alert(1)>");
  await v.getByRole("button", { name: "Send" }).click();
  const received = s.locator(".msg.theirs .text").last();
  await received.getByText("<b>Very</b> well <img src=x onerror=alert(1)>").waitFor();
  assert.equal(await s.locator(".msg img, .msg b").count(), 0);
  await checkA11y(v, "thread (volunteer)");

  // The conversation list shows the preview and the other's role.
  await v.getByRole("navigation", { name: "Main" }).getByRole("link", { name: /^Chats/ }).click();
  await v.locator(".conv", { hasText: "Margaret" }).getByText("You: <b>Very</b> well", { exact: false }).waitFor();
  await v.locator(".conv", { hasText: "Margaret" }).getByText("· Member").waitFor();
  await checkA11y(v, "chat list");
  await v.locator(".conv", { hasText: "Margaret" }).click();

  // Margaret ends the chat, after confirming.
  // End chat is in the chat's menu, More.
  await s.getByRole("button", { name: "More chat options" }).click();
  await s.getByRole("dialog").getByRole("button", { name: "End chat" }).click();
  await s.getByRole("heading", { name: "End this chat with Priya?" }).waitFor();
  await checkA11y(s, "end chat confirmation");
  await s.getByRole("button", { name: "No, keep chatting" }).click();
  assert.ok(await s.getByRole("button", { name: "More chat options" }).evaluate((el) => el === document.activeElement), "focus back on More");
  await s.getByRole("button", { name: "More chat options" }).click();
  await s.getByRole("dialog").getByRole("button", { name: "End chat" }).click();
  await s.getByRole("button", { name: "Yes, end the chat" }).click();
  await v.getByText("This chat has ended.").waitFor();

  // The rating.
  await s.getByRole("heading", { name: "How was your chat with Priya?" }).waitFor();
  await checkA11y(s, "rating");
  await s.getByLabel("5 – Wonderful").check();
  await s.getByLabel("Anything you would like to tell us? (optional)").fill("Lovely chat, thank you");
  await s.getByRole("button", { name: "Send my rating" }).click();
  await s.getByRole("heading", { name: "Thank you for your rating!" }).waitFor();
  await s.getByRole("button", { name: "Close" }).click();
  const [request] = await restGet(s, "/api/requests");
  assert.equal(request.rating, 5);
  assert.equal(request.feedback, "Lovely chat, thank you");
  assert.equal(request.status, "completed");

  // Stays signed in across a reload.
  await s.reload();
  await s.getByRole("heading", { name: "Priya", level: 1 }).waitFor();
  await s.getByText("This chat has ended.").waitFor();
  noProblems(s, v);
  await seeker.context.close();
  await volunteer.context.close();
});

scenario("older messages load when scrolling up", async () => {
  const { user } = await import("./lib.mjs");
  const v = await user(browser, "volunteer", "Hana");
  const s = await user(browser, "seeker", "Olive");
  await s.page.locator(".person", { hasText: "Hana" }).getByRole("button", { name: "Chat now with Hana" }).click();
  await v.page.locator(".offer", { hasText: "Olive" }).getByRole("button", { name: "Accept Olive" }).click();
  await s.page.getByRole("heading", { name: "Hana", level: 1 }).waitFor();
  // 70 messages, through the app's own outbox.
  await s.page.evaluate(async () => {
    const { store } = await import("/js/state.js");
    for (let i = 1; i <= 70; i++) store.send(store.viewing, `Message number ${i}`);
  });
  await v.page.locator(".msg.theirs", { hasText: "Message number 70" }).waitFor();
  await v.page.reload();
  await v.page.locator(".msg.theirs", { hasText: "Message number 70" }).waitFor();
  assert.equal(await v.page.locator(".msg", { hasText: /^Olive: Message number 1$/ }).count(), 0);
  await v.page.locator(".messages").evaluate((el) => (el.scrollTop = 0));
  await v.page.locator(".msg .text", { hasText: /^Olive: Message number 1$/ }).waitFor();
  // 70 messages and the server's "Hana accepted the request" notice before them.
  assert.equal(await v.page.locator(".msg").count(), 71);
  assert.equal(await v.page.locator(".msg.system").count(), 1);
  await v.page.getByRole("button", { name: "Show earlier messages" }).waitFor({ state: "hidden" });
  noProblems(s.page, v.page);
  await s.context.close();
  await v.context.close();
});

scenario("delivered ticks, and archiving a chat from two devices", async () => {
  const { user } = await import("./lib.mjs");
  const v = await user(browser, "volunteer", "Ravi");
  const s = await user(browser, "seeker", "Edna");
  await s.page.locator(".person", { hasText: "Ravi" }).getByRole("button", { name: "Chat now with Ravi" }).click();
  await v.page.locator(".offer", { hasText: "Edna" }).getByRole("button", { name: "Accept Edna" }).click();
  await s.page.getByRole("heading", { name: "Ravi", level: 1 }).waitFor();
  await v.page.getByRole("heading", { name: "Edna", level: 1 }).waitFor();

  // Ravi is on the chat list, not in the thread: the message is delivered, not seen.
  await v.page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: /^Chats/ }).click();
  await v.page.getByRole("heading", { name: "Your chats", level: 1 }).waitFor();
  await s.page.getByLabel("Message to Ravi").fill("Are you there?");
  await s.page.getByLabel("Message to Ravi").press("Enter");
  const state = s.page.locator(".msg.mine .state").last();
  await state.getByText("Delivered", { exact: true }).waitFor();
  // After a reload the tick comes from the participants' deliveredSeq.
  await s.page.reload();
  await s.page.locator(".msg.mine .state").last().getByText("Delivered", { exact: true }).waitFor();
  await checkA11y(s.page, "thread with a delivered message");

  // Archive, with a second device of Ravi's following along.
  const other = await v.context.newPage();
  watch(other);
  await other.goto("/chats");
  await other.locator(".conv", { hasText: "Edna" }).waitFor();
  await v.page.locator(".conv", { hasText: "Edna" }).waitFor();
  await checkA11y(v.page, "chat list with archive buttons");
  await v.page.getByRole("button", { name: "Archive chat with Edna" }).click();
  await v.page.locator(".conv", { hasText: "Edna" }).waitFor({ state: "detached" });
  await other.locator(".conv", { hasText: "Edna" }).waitFor({ state: "detached" });
  await v.page.getByRole("button", { name: "Archived chats (1)" }).click();
  await v.page.getByRole("heading", { name: "Archived chats" }).waitFor();
  await checkA11y(v.page, "archived chats");
  // Unarchive by keyboard.
  await v.page.getByRole("button", { name: "Unarchive chat with Edna" }).focus();
  await v.page.keyboard.press("Enter");
  await v.page.getByRole("heading", { name: "Your chats" }).waitFor();
  await v.page.locator(".conv", { hasText: "Edna" }).waitFor();
  await other.locator(".conv", { hasText: "Edna" }).waitFor();
  // Archived again, a new message brings it back.
  await v.page.getByRole("button", { name: "Archive chat with Edna" }).click();
  await v.page.locator(".conv", { hasText: "Edna" }).waitFor({ state: "detached" });
  await s.page.getByLabel("Message to Ravi").fill("Hello again");
  await s.page.getByLabel("Message to Ravi").press("Enter");
  await v.page.locator(".conv", { hasText: "Edna" }).getByText("Hello again").waitFor();
  await other.locator(".conv", { hasText: "Edna" }).waitFor();

  // Opening the thread marks both as seen.
  await v.page.locator(".conv", { hasText: "Edna" }).click();
  await s.page.locator(".msg.mine .state").last().getByText("Seen", { exact: true }).waitFor();
  noProblems(s.page, v.page, other);
  await s.context.close();
  await v.context.close();
});
