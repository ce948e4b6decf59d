// Safety alerts: "I need help" reaches staff at once.
// - A seeker in a chat presses "I need help", says what is happening and
//   tells staff; the support dashboard chimes, announces "Safety alert
//   from …" and lists it at the top with the note and the chat; support
//   says "I'm on it", and the seeker reads who is on it (also after a
//   reload); support resolves it with a note (a note is required) and it
//   leaves the list, and the seeker's line goes.
// - A volunteer gets help from staff for the seeker in their chat (the
//   chat's options), and support sees who it is about.
// - Once an alert is dealt with, the volunteer in its chat is offered a
//   debrief (`wellbeing:debrief`) and one tap opens a chat with staff.
// - The seeker's button on the home and on the call screen (with the
//   call's chat), and a failed send (offline) keeps the dialog open.
// - The scam guard: a volunteer asks for bank details; the seeker reads a
//   plain warning beside the message with "I need help", and the
//   dashboard shows a scam warning with the message as evidence.
// - An alert nobody is on is raised again (HELPLINE_ALERT_REPEAT_SECS):
//   the dashboard chimes and says so again.
//
// Alerts are raised again every 4 seconds here, so this file starts its
// own server (see own-server.mjs); the shared one repeats every 2 minutes.

import { after, before } from "node:test";
import assert from "node:assert/strict";
import { startOwnServer } from "./own-server.mjs";

const own = await startOwnServer("alerts", { HELPLINE_ALERT_REPEAT_SECS: "4" });
const { scenario, launch, open, user, signIn, createWithCli, checkA11y, checkTextSize, snap, noProblems, restGet, PHONE } = await import("./lib.mjs");

let browser;
before(async () => {
  await own.ready();
  browser = await launch({ media: true });
});
after(async () => {
  await browser?.close();
  await own.stop();
});

/** A seeker and a volunteer in a chat the seeker asked for. */
async function chatting(seekerName, volunteerName) {
  const v = await user(browser, "volunteer", volunteerName);
  const s = await user(browser, "seeker", seekerName, { viewport: PHONE });
  await s.page.locator(".person", { hasText: volunteerName }).getByRole("button", { name: `Chat now with ${volunteerName}` }).click();
  await v.page.locator(".offer", { hasText: seekerName }).getByRole("button", { name: `Accept ${seekerName}` }).click();
  await s.page.getByRole("heading", { name: volunteerName, level: 1 }).waitFor();
  await v.page.getByRole("heading", { name: seekerName, level: 1 }).waitFor();
  return { s, v, conversationId: decodeURIComponent(new URL(s.page.url()).pathname.split("/").pop()) };
}

async function dashboard(name) {
  const staff = await open(browser);
  await signIn(staff.page, createWithCli("support", name));
  await staff.page.getByRole("heading", { name: "Support dashboard" }).waitFor();
  return staff;
}

/** Resolves, over REST as support, the alerts a scenario left open (they
 *  would be raised again on the next scenario's dashboard). */
async function resolveLeft(page) {
  const token = await page.evaluate(() => JSON.parse(localStorage.getItem("helpline:session")).token);
  for (const alert of await restGet(page, "/api/alerts?status=open")) {
    const response = await fetch(`${own.url}/api/alerts/${alert.id}/resolve`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ note: "Closed at the end of the scenario." }),
    });
    assert.equal(response.status, 200);
  }
}

scenario("a seeker in a chat tells staff, support is on it and resolves it", async () => {
  const staff = await dashboard("Sue Staff");
  const { s, v, conversationId } = await chatting("Margaret", "Nadia");
  assert.equal(await staff.page.locator("hl-safety-alerts").isVisible(), false, "no alerts section while none is open");

  // In the chat: the button at the top of the conversation opens the dialog.
  const help = s.page.locator("hl-thread").getByRole("button", { name: "I need help" });
  await help.click();
  await s.page.getByRole("dialog", { name: "Tell staff you need help now?" }).waitFor();
  const dialog = s.page.locator("dialog.help-dialog");
  await snap(s.page, "help-dialog-seeker");
  await dialog.getByLabel("What is happening? (optional)").fill("He keeps asking for my bank card");
  await dialog.getByRole("button", { name: "Tell staff now" }).click();
  await s.page.getByRole("dialog", { name: "Thank you for telling us" }).getByRole("status").getByText("Staff have been told. Someone will be with you soon.").waitFor();
  await dialog.getByRole("button", { name: "Close" }).click();
  await dialog.waitFor({ state: "detached" });
  assert.ok(await help.evaluate((el) => el === document.activeElement), "focus back on I need help");
  // The line under the top bar says where it stands.
  const line = s.page.locator("hl-help-status [role=status]");
  await line.getByText("Staff have been told. Someone will be with you soon.").waitFor();

  // Support: a chime, "Safety alert from Margaret", and the alert at the top.
  const card = staff.page.locator("li[data-alert]", { hasText: "He keeps asking for my bank card" });
  await card.getByRole("heading", { name: "Margaret (Member)" }).waitFor();
  await card.getByText("Nobody is on it yet").waitFor();
  await card.getByText("From a chat with Nadia (Volunteer).").waitFor();
  await card.getByText(/^Raised at .*, less than a minute ago$/).waitFor();
  await staff.page.getByRole("heading", { name: /^Safety alerts \(1, 1 with nobody on it yet\)$/ }).waitFor();
  await staff.page.waitForFunction(() => document.getElementById("alert-region").textContent === "Safety alert from Margaret");
  assert.ok(await staff.page.evaluate(() => window.__alerts.some((a) => a.kind === "sound")), "the dashboard chimed");
  // The section comes first on the dashboard.
  assert.ok(
    await staff.page.evaluate(() => {
      const alerts = document.querySelector("hl-safety-alerts").getBoundingClientRect();
      // (Sections not shown, such as welfare checks while there are none, have no box.)
      return [...document.querySelectorAll("hl-support-dashboard h2")].every((h2) => h2.closest("hl-safety-alerts") || !h2.getClientRects().length || h2.getBoundingClientRect().top > alerts.top);
    }),
    "the alerts are above the rest of the dashboard",
  );
  await snap(staff.page, "support-safety-alert");
  const raised = (await restGet(staff.page, "/api/alerts?status=open")).find((a) => a.note === "He keeps asking for my bank card");
  assert.equal(raised.conversationId, conversationId, "sent with the chat");

  // "I'm on it": the seeker reads who is on it, live and after a reload.
  await card.getByRole("button", { name: /^I'm on it/ }).click();
  await card.getByText(/^You are on it \(since /).waitFor();
  await card.getByRole("button", { name: /^I'm on it/ }).waitFor({ state: "detached" });
  assert.ok(await card.getByRole("button", { name: "Resolve the alert from Margaret" }).evaluate((el) => el === document.activeElement), "focus on Resolve");
  await line.getByText("Sue Staff from the team has seen your alert and will contact you.").waitFor();
  await s.page.reload();
  await s.page.getByRole("heading", { name: "Nadia", level: 1 }).waitFor();
  await line.getByText("Sue Staff from the team has seen your alert and will contact you.").waitFor();
  await snap(s.page, "chat-alert-acknowledged");

  // Resolve: a note is needed; then the alert leaves the list.
  await card.getByRole("button", { name: "Resolve the alert from Margaret" }).click();
  const resolve = staff.page.getByRole("dialog", { name: "Resolve the alert from Margaret" });
  await resolve.getByRole("button", { name: "Resolve alert" }).click();
  await resolve.getByText("Please write a few words about what was done.").waitFor();
  assert.equal(await resolve.getByLabel("What was done?").getAttribute("aria-invalid"), "true");
  await checkA11y(staff.page, "the resolve dialog with its error");
  await resolve.getByLabel("What was done?").fill("Called Margaret. Her daughter is with her now.");
  await resolve.getByRole("button", { name: "Resolve alert" }).click();
  await resolve.waitFor({ state: "detached" });
  await card.waitFor({ state: "detached" });
  await staff.page.locator("hl-safety-alerts").waitFor({ state: "hidden" });
  await line.getByText(/seen your alert/).waitFor({ state: "detached" });
  await s.page.getByText("Sue Staff from the team has dealt with your alert. You can ask for help again at any time.").waitFor();
  const done = (await restGet(staff.page, "/api/alerts?status=resolved")).find((a) => a.id === raised.id);
  assert.equal(done.resolution, "Called Margaret. Her daughter is with her now.");
  assert.equal(done.resolvedBy.displayName, "Sue Staff");
  assert.deepEqual(await restGet(s.page, "/api/alerts").then((list) => list.map((a) => a.status)), ["resolved"]);

  noProblems(s.page, v.page, staff.page);
  for (const one of [s, v, staff]) await one.context.close();
});

scenario("a volunteer gets help from staff for the seeker in their chat", async () => {
  const staff = await dashboard("Sam Staff");
  const { s, v, conversationId } = await chatting("Doris", "Priya");
  await v.page.getByRole("button", { name: "More chat options" }).click();
  await v.page.getByRole("dialog", { name: "Chat with Doris" }).getByRole("button", { name: "Get help from staff for Doris" }).click();
  await v.page.getByRole("dialog", { name: "Tell staff that Doris may be in danger?" }).waitFor();
  const dialog = v.page.locator("dialog.help-dialog");
  await checkA11y(v.page, "the volunteer's help dialog");
  await dialog.getByRole("button", { name: "Tell staff now" }).click();
  await dialog.getByText("Staff have been told. Someone will be with you soon.").waitFor();
  await dialog.getByRole("button", { name: "Close" }).click();
  await dialog.waitFor({ state: "detached" });
  assert.ok(await v.page.getByRole("button", { name: "More chat options" }).evaluate((el) => el === document.activeElement), "focus back on More");

  // Support sees who raised it, about whom, and can message either.
  const card = staff.page.locator("li[data-alert]", { hasText: "Priya (Volunteer)" });
  await card.getByText("From a chat with Doris (Member).").waitFor();
  await card.getByText("No note.").waitFor();
  await card.getByRole("button", { name: "Message Doris" }).waitFor();
  await card.getByRole("button", { name: "Message Priya" }).waitFor();
  await staff.page.waitForFunction(() => document.getElementById("alert-region").textContent === "Safety alert from Priya");
  await checkA11y(staff.page, "the dashboard with a volunteer's alert");
  const raised = (await restGet(staff.page, "/api/alerts?status=open")).find((a) => a.raisedBy.displayName === "Priya");
  assert.equal(raised.conversationId, conversationId);
  assert.equal(raised.note, null);
  // Resolving straight away also acknowledges it; the volunteer's line goes.
  await v.page.locator("hl-help-status").getByText("Staff have been told. Someone will be with you soon.").waitFor();
  await card.getByRole("button", { name: "Resolve the alert from Priya" }).click();
  const resolve = staff.page.getByRole("dialog", { name: "Resolve the alert from Priya" });
  await resolve.getByLabel("What was done?").fill("Spoke with Priya and Doris.");
  await resolve.getByRole("button", { name: "Resolve alert" }).click();
  await card.waitFor({ state: "detached" });
  await v.page.locator("hl-help-status").getByText("Staff have been told").waitFor({ state: "detached" });

  noProblems(s.page, v.page, staff.page);
  for (const one of [s, v, staff]) await one.context.close();
});

scenario("the seeker's button on the home and on the call screen; a failed send keeps the dialog", async () => {
  const staff = await dashboard("Sid Staff");
  const { s, v, conversationId } = await chatting("Edna", "Omar");
  const page = s.page;

  // On the home: offline, the dialog says so and stays; back online, it sends.
  await page.goto("/");
  await page.getByRole("heading", { name: "Hello, Edna" }).waitFor();
  await checkA11y(page, "the seeker's home with I need help");
  await page.getByRole("button", { name: "I need help" }).click();
  await page.getByRole("dialog", { name: "Tell staff you need help now?" }).waitFor();
  const dialog = page.locator("dialog.help-dialog");
  await dialog.getByLabel("What is happening? (optional)").fill("Someone is at my door");
  await s.context.setOffline(true);
  await page.locator("#connection-state[data-state=offline]").waitFor();
  await dialog.getByRole("button", { name: "Tell staff now" }).click();
  await dialog.getByRole("alert").getByText("You are not connected right now, so staff have not been told yet. Please try again in a moment.").waitFor();
  assert.equal(await dialog.getByLabel("What is happening? (optional)").inputValue(), "Someone is at my door");
  await s.context.setOffline(false);
  await page.locator("#connection-state[data-state=connected]").waitFor();
  await dialog.getByRole("button", { name: "Tell staff now" }).click();
  await dialog.getByText("Staff have been told. Someone will be with you soon.").waitFor();
  await dialog.getByRole("button", { name: "Close" }).click();
  await staff.page.locator("li[data-alert]", { hasText: "Someone is at my door" }).getByText("Edna (Member)").waitFor();
  const fromHome = (await restGet(staff.page, "/api/alerts?status=open")).find((a) => a.note === "Someone is at my door");
  assert.equal(fromHome.conversationId, null, "from the home: no chat");

  // On the call screen: sent with the call's chat.
  await page.goto(`/chats/${encodeURIComponent(conversationId)}`);
  await page.getByRole("button", { name: "Call Omar", exact: true }).click();
  const call = page.locator("dialog.call-screen");
  await call.getByText("Calling Omar…").waitFor();
  await call.getByRole("button", { name: "I need help" }).click();
  await page.getByRole("dialog", { name: "Tell staff you need help now?" }).waitFor();
  const again = page.locator("dialog.help-dialog");
  await checkA11y(page, "the help dialog over the call screen");
  await again.getByLabel("What is happening? (optional)").fill("On the call now");
  await again.getByRole("button", { name: "Tell staff now" }).click();
  await again.getByText("Staff have been told. Someone will be with you soon.").waitFor();
  await again.getByRole("button", { name: "Close" }).click();
  await again.waitFor({ state: "detached" });
  await call.getByRole("button", { name: "Cancel call" }).click();
  await staff.page.locator("li[data-alert]", { hasText: "On the call now" }).waitFor();
  const fromCall = (await restGet(staff.page, "/api/alerts?status=open")).find((a) => a.note === "On the call now");
  assert.equal(fromCall.conversationId, conversationId, "from the call: its chat");
  assert.equal(await staff.page.locator("li[data-alert]").count(), 2);
  await resolveLeft(staff.page);
  await staff.page.locator("hl-safety-alerts").waitFor({ state: "hidden" });

  noProblems(page, v.page, staff.page);
  for (const one of [s, v, staff]) await one.context.close();
});

scenario("an alert nobody is on is raised again, until someone is", async () => {
  const staff = await dashboard("Stan Staff");
  const s = await user(browser, "seeker", "Ivy", { viewport: PHONE });
  await s.page.getByRole("button", { name: "I need help" }).click();
  await s.page.locator("dialog.help-dialog").getByRole("button", { name: "Tell staff now" }).click();
  await s.page.getByText("Staff have been told. Someone will be with you soon.").first().waitFor();
  const card = staff.page.locator("li[data-alert]", { hasText: "Ivy (Member)" });
  await card.waitFor();
  const chimes = () => staff.page.evaluate(() => window.__alerts.filter((a) => a.kind === "sound").length);
  const first = await chimes();
  // About 4 seconds later: said again, and chimed again.
  await staff.page.waitForFunction(() => document.getElementById("alert-region").textContent === "Safety alert from Ivy is still open: nobody is on it yet.", null, { timeout: 15_000 });
  assert.ok((await chimes()) > first, "chimed again");
  await card.getByText("Nobody is on it yet").waitFor();
  await card.getByRole("button", { name: /^I'm on it/ }).click();
  await card.getByText(/^You are on it/).waitFor();
  await s.page.locator("hl-help-status").getByText("Stan Staff from the team has seen your alert and will contact you.").waitFor();
  await resolveLeft(staff.page);
  noProblems(s.page, staff.page);
  for (const one of [s, staff]) await one.context.close();
});

scenario("after an alert is dealt with, the volunteer in the chat is offered a debrief with staff", async () => {
  const staff = await dashboard("Dora Staff");
  const { s, v } = await chatting("Agnes", "Vinnie");
  await s.page.locator("hl-thread").getByRole("button", { name: "I need help" }).click();
  const dialog = s.page.locator("dialog.help-dialog");
  await dialog.getByRole("button", { name: "Tell staff now" }).click();
  await dialog.getByRole("button", { name: "Close" }).click();
  await staff.page.locator("li[data-alert]", { hasText: "Agnes" }).waitFor();
  await resolveLeft(staff.page);

  // The card stays until Vinnie answers it.
  const card = v.page.locator(".notice.debrief");
  await card.getByRole("heading", { name: "Take a moment" }).waitFor();
  await card.getByText("A safety alert you were part of has been dealt with. Would you like to talk it over with a member of staff?").waitFor();
  await checkA11y(v.page, "the debrief offer");
  await card.getByRole("button", { name: "Talk to staff" }).click();
  await card.waitFor({ state: "detached" });
  await v.page.waitForURL(/\/chats\//);
  await v.page.getByText("Vinnie would like to talk over a hard session.", { exact: true }).waitFor();
  noProblems(v.page, s.page, staff.page);
});

scenario("the scam guard warns the seeker beside the message and tells staff, with the evidence", async () => {
  const staff = await dashboard("Sid Staff");
  const { s, v } = await chatting("Edna", "Rex");
  const ask = "What are your bank details? I'll put the refund in";
  await v.page.getByLabel("Message to Edna").fill(ask);
  await v.page.getByLabel("Message to Edna").press("Enter");

  // Edna's app: the message, then the warning and "I need help" beside it.
  const flagged = s.page.locator(".msg", { has: s.page.locator(".text", { hasText: "bank details" }) });
  const warning = flagged.getByRole("note", { name: "Warning about this message" });
  await warning.getByText("Helpline volunteers never ask for money or bank details. If someone does, tap \u2018I need help\u2019.").waitFor();
  await checkA11y(s.page, "a scam warning in the chat");
  await checkTextSize(s.page, "a scam warning in the chat");
  await snap(s.page, "scam-warning-seeker");
  // Rex's own copy carries no warning.
  await v.page.locator(".msg.mine", { hasText: "bank details" }).waitFor();
  assert.equal(await v.page.locator(".scam-warning").count(), 0);
  // A plain message gets none either.
  await v.page.getByLabel("Message to Edna").fill("I paid for the bus, see you soon");
  await v.page.getByLabel("Message to Edna").press("Enter");
  await s.page.locator(".msg", { hasText: "paid for the bus" }).waitFor();
  assert.equal(await s.page.locator(".scam-warning").count(), 1);

  // Support: a scam warning at the top, with what Rex wrote and why.
  const card = staff.page.locator("li[data-alert]", { hasText: "Scam warning: messages to Edna" });
  await card.getByText(ask).waitFor();
  await card.getByText("Signs: asks for bank or card details.").waitFor();
  await card.getByText(/^Rex \(Volunteer\) at /).waitFor();
  await card.getByRole("button", { name: "Message Rex" }).waitFor();
  await staff.page.waitForFunction(() => document.getElementById("alert-region").textContent === "Scam warning: messages to Edna");
  await checkA11y(staff.page, "the dashboard with a scam warning");

  // "I need help" beside the warning opens the dialog about this chat.
  await warning.getByRole("button", { name: "I need help" }).click();
  await s.page.getByRole("dialog", { name: "Tell staff you need help now?" }).waitFor();
  const dialog = s.page.locator("dialog.help-dialog");
  await dialog.getByRole("button", { name: "Tell staff now" }).click();
  await dialog.getByText("Staff have been told. Someone will be with you soon.").waitFor();
  await dialog.getByRole("button", { name: "Close" }).click();
  await staff.page.locator("li[data-alert]", { hasText: "Edna (Member)" }).waitFor();

  await resolveLeft(staff.page);
  noProblems(s.page, v.page, staff.page);
  for (const one of [s, v, staff]) await one.context.close();
});
