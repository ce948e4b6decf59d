// Regular check-ins and welfare checks.
// - A seeker who has talked with a volunteer suggests a weekly voice-call
//   check-in from her home (a missing time is refused in words); the
//   volunteer sees it live and accepts; both see it agreed; the seeker
//   pauses and resumes it and the volunteer follows live. The volunteer
//   suggests a second one, which the seeker turns down ("Not now").
//   At its time (made a minute or so ahead in the browsers' own zone) the
//   volunteer gets "It's time for your check-in with Margaret" and the
//   seeker "Nadia will be in touch now…"; "Call Margaret now" opens the
//   chat and calls her, and she answers. Then the volunteer cancels it
//   (with a confirmation) and it goes on both sides.
// - A call that drops (the seeker's browser goes away): the volunteer is
//   asked "Call Doris back?", and the one tap calls her (her new device
//   rings; she does not answer). They have not been in touch, so the
//   support dashboard chimes, says "Welfare check: Doris" and lists it in
//   words; support resolves it (a note is required).
//
// The welfare check is raised 3 s after a drop and a call's disconnect
// grace is 1 s here, so this file starts its own server (own-server.mjs).

import { after, before } from "node:test";
import assert from "node:assert/strict";
import { startOwnServer } from "./own-server.mjs";

const own = await startOwnServer("checkins", { HELPLINE_WELFARE_AFTER_SECS: "3", HELPLINE_CALL_DISCONNECT_GRACE_SECS: "1" });
const { scenario, launch, open, register, signIn, createWithCli, checkA11y, snap, noProblems, restGet, PHONE, WAIT } = await import("./lib.mjs");

const ZONE = "Europe/London";

let browser;
before(async () => {
  await own.ready();
  browser = await launch({ media: true });
});
after(async () => {
  await browser?.close();
  await own.stop();
});

/** A signed-in page in ZONE whose context may use the fake microphone. */
async function person(role, name, options = {}) {
  const account = await register(role, name);
  const { context, page } = await open(browser, { timezoneId: ZONE, ...options });
  await context.grantPermissions(["microphone", "camera"]);
  await signIn(page, account);
  return { account, context, page };
}

/** A seeker and a volunteer who have talked: a chat she asked him for. */
async function talked(seekerName, volunteerName) {
  const v = await person("volunteer", volunteerName);
  const s = await person("seeker", seekerName, { viewport: PHONE });
  await s.page.locator(".person", { hasText: volunteerName }).getByRole("button", { name: `Chat now with ${volunteerName}` }).click();
  await v.page.locator(".offer", { hasText: seekerName }).getByRole("button", { name: `Accept ${seekerName}` }).click();
  await s.page.getByRole("heading", { name: volunteerName, level: 1 }).waitFor();
  await v.page.getByRole("heading", { name: seekerName, level: 1 }).waitFor();
  return { s, v, conversationId: decodeURIComponent(new URL(s.page.url()).pathname.split("/").pop()) };
}

/** Goes to the home screen without a reload. */
async function home(page) {
  await page.evaluate(() => document.dispatchEvent(new CustomEvent("hl-navigate", { detail: "/" })));
  await page.getByRole("heading", { name: "Regular check-ins" }).waitFor();
}

/** The next whole minute at least `secs` ahead, as a weekday and HH:MM in ZONE. */
function aheadInZone(secs) {
  const at = new Date(Math.ceil((Date.now() + secs * 1000) / 60_000) * 60_000);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", { timeZone: ZONE, weekday: "long", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(at).map((p) => [p.type, p.value]),
  );
  return { at, weekday: parts.weekday.toLowerCase(), day: parts.weekday, time: `${parts.hour}:${parts.minute}` };
}

scenario("a check-in suggested, agreed, paused, resumed, kept by one tap at its time, and cancelled", async () => {
  const { s, v } = await talked("Margaret", "Nadia");
  await home(s.page);
  await home(v.page);
  const sCard = s.page.locator("hl-checkins");
  const vCard = v.page.locator("hl-checkins");
  await sCard.getByText("You have no regular check-ins yet.").waitFor();

  // The form: a missing time is said in words.
  await sCard.getByRole("button", { name: "Suggest a regular check-in" }).click();
  assert.equal(await sCard.getByRole("button", { name: "Suggest a regular check-in" }).getAttribute("aria-expanded"), "true");
  assert.ok(await sCard.getByLabel("With whom").evaluate((el) => el === document.activeElement), "focus on the first field");
  assert.equal(await sCard.getByLabel("Time zone").inputValue(), ZONE, "the device's own zone by default");
  const time = sCard.getByLabel("Time", { exact: true });
  await time.fill("");
  await sCard.getByRole("button", { name: "Suggest this check-in" }).click();
  await sCard.getByRole("alert").getByText("Please choose a time, for example 10:00.").waitFor();
  assert.equal(await time.getAttribute("aria-invalid"), "true");
  await snap(s.page, "checkins-form-error");

  // A voice call a minute or so from now, so its time comes during the test.
  const when = aheadInZone(45);
  await sCard.getByLabel("With whom").selectOption({ label: "Nadia" });
  await sCard.getByLabel("Day").selectOption(when.weekday);
  await time.fill(when.time);
  await sCard.getByLabel("Voice call").check();
  await sCard.getByRole("button", { name: "Suggest this check-in" }).click();
  const said = `Every ${when.day} at ${when.time} (${ZONE}), a voice call with`;
  const sItem = sCard.locator("li[data-checkin]", { hasText: `${said} Nadia.` });
  await sItem.getByText("Waiting for Nadia to agree.").waitFor();
  await sCard.getByText("Suggested to Nadia. We will tell you when Nadia agrees.").waitFor();

  // The volunteer sees it live, and accepts.
  const vItem = vCard.locator("li[data-checkin]", { hasText: `${said} Margaret.` });
  await vItem.getByText("Margaret suggested this. Would you like it?").waitFor();
  await v.page.locator("#notices").getByText(/^Margaret suggested a regular check-in/).waitFor();
  await snap(v.page, "checkins-proposed");
  await vItem.getByRole("button", { name: "Accept the check-in with Margaret" }).click();
  await vItem.getByText(/^Next: (Today|Tomorrow) at /).waitFor();
  assert.ok(await vItem.getByRole("button", { name: "Pause the check-in with Margaret" }).evaluate((el) => el === document.activeElement), "focus on Pause");
  await sItem.getByText(/^Next: (Today|Tomorrow) at /).waitFor();
  await s.page.locator("#notices").getByText(/^Nadia agreed to the check-in/).waitFor();
  await snap(s.page, "checkins-active");

  // Paused and resumed by the seeker; the volunteer follows live.
  await sItem.getByRole("button", { name: "Pause the check-in with Nadia" }).click();
  await sItem.getByText("Paused. Nothing happens until you resume it.").waitFor();
  await vItem.getByText("Paused. Nothing happens until you resume it.").waitFor();
  await sItem.getByRole("button", { name: "Resume the check-in with Nadia" }).click();
  await sItem.getByText(/^Next: /).waitFor();
  await vItem.getByText(/^Next: /).waitFor();

  // The volunteer suggests another (messages, on another day); "Not now" turns it down.
  const other = Object.keys({ monday: 1, tuesday: 1, wednesday: 1, thursday: 1, friday: 1, saturday: 1, sunday: 1 }).find((d) => d !== when.weekday);
  await vCard.getByRole("button", { name: "Suggest a regular check-in" }).click();
  await vCard.getByLabel("With whom").selectOption({ label: "Margaret" });
  await vCard.getByLabel("Day").selectOption(other);
  await vCard.getByLabel("Time", { exact: true }).fill("16:30");
  await vCard.getByLabel("Messages").check();
  await vCard.getByRole("button", { name: "Suggest this check-in" }).click();
  const chatItem = sCard.locator("li[data-checkin]", { hasText: "at 16:30 (Europe/London), a chat by messages with Nadia." });
  await chatItem.getByText("Nadia suggested this. Would you like it?").waitFor();
  await chatItem.getByRole("button", { name: "Not now (the check-in Nadia suggested)" }).click();
  await chatItem.waitFor({ state: "detached" });
  await vCard.locator("li[data-checkin]", { hasText: "a chat by messages" }).waitFor({ state: "detached" });
  await v.page.locator("#notices").getByText("Margaret said no to the check-in for now.").waitFor();

  // Its time: the volunteer's card, the seeker's word; one tap calls her.
  const due = v.page.locator("section.due-card", { hasText: "It's time for your check-in with Margaret" });
  await due.waitFor({ timeout: Math.max(WAIT, when.at - Date.now() + 20_000) });
  await s.page.locator("section.due-card").getByText("Nadia will be in touch now for your check-in.").waitFor();
  await snap(v.page, "checkin-due-volunteer");
  await snap(s.page, "checkin-due-seeker");
  await due.getByRole("button", { name: "Call Margaret now" }).click();
  await v.page.getByRole("heading", { name: "Margaret", level: 1 }).waitFor();
  await v.page.getByRole("status").filter({ hasText: "Calling Margaret…" }).waitFor();
  await s.page.getByRole("heading", { name: "Nadia is calling you" }).waitFor();
  await s.page.getByRole("button", { name: "Accept", exact: true }).click();
  await v.page.locator("dialog.call-screen[data-connection=connected]").waitFor();
  await v.page.getByRole("button", { name: /^Hang up/ }).click();
  await v.page.getByRole("button", { name: "Close", exact: true }).click();
  await s.page.locator("section.due-card").getByRole("button", { name: "OK (the check-in with Nadia)" }).click();

  // Cancelled by the volunteer, with a confirmation; gone on both sides.
  await home(v.page);
  await vItem.getByRole("button", { name: "Cancel the check-in with Margaret" }).click();
  const confirm = v.page.getByRole("dialog", { name: "Cancel the check-in with Margaret?" });
  await checkA11y(v.page, "the cancel confirmation");
  await confirm.getByRole("button", { name: "Cancel the check-in" }).click();
  await vItem.waitFor({ state: "detached" });
  await sItem.waitFor({ state: "detached" });
  await s.page.locator("#notices").getByText("Nadia cancelled the check-in.").waitFor();
  assert.deepEqual(await restGet(s.page, "/api/checkins"), []);
  noProblems(s.page, v.page);
  for (const x of [s, v]) await x.context.close();
});

scenario("a call that drops: call back in one tap, then support's welfare check", async () => {
  const staff = await open(browser);
  await signIn(staff.page, createWithCli("support", "Sue Staff"));
  await staff.page.getByRole("heading", { name: "Support dashboard" }).waitFor();
  assert.equal(await staff.page.locator("hl-welfare-checks").isVisible(), false, "no section while none is open");

  const { s, v, conversationId } = await talked("Doris", "Priya");
  await s.page.getByRole("button", { name: "Call Priya", exact: true }).click();
  await v.page.getByRole("heading", { name: "Doris is calling you" }).waitFor();
  await v.page.getByRole("button", { name: "Accept", exact: true }).click();
  await v.page.locator("dialog.call-screen[data-connection=connected]").waitFor();
  noProblems(s.page);
  // Doris's browser goes away in the middle of the call.
  await s.context.close();

  const ask = v.page.getByRole("dialog", { name: "Call Doris back?" });
  await ask.waitFor();
  assert.ok(await ask.getByRole("button", { name: "Call Doris back" }).evaluate((el) => el === document.activeElement), "focus on Call Doris back");
  await snap(v.page, "welfare-call-back");

  // Doris opens Helpline again; one tap calls her, and she does not answer.
  const again = await open(browser, { timezoneId: ZONE, viewport: PHONE });
  await signIn(again.page, s.account);
  await ask.getByRole("button", { name: "Call Doris back" }).click();
  await ask.waitFor({ state: "detached" });
  await v.page.getByRole("heading", { name: "Doris", level: 1 }).waitFor();
  await again.page.getByRole("heading", { name: "Priya is calling you" }).waitFor();
  await again.page.getByRole("button", { name: "Decline", exact: true }).click();
  await v.page.getByRole("status").filter({ hasText: "Doris cannot take a call right now." }).waitFor();

  // Not in touch: support is told, in words.
  const card = staff.page.locator("li[data-welfare]", { hasText: "Doris" });
  await card.getByRole("heading", { name: "Welfare check: Doris" }).waitFor();
  await card.getByText(/^Doris's call with Priya dropped at .+ and they have not been in touch since\.$/).waitFor();
  await card.getByText(/^Raised at .*, less than a minute ago$/).waitFor();
  await staff.page.getByRole("heading", { name: "Welfare checks (1)" }).waitFor();
  await staff.page.waitForFunction(() => document.getElementById("alert-region").textContent === "Welfare check: Doris");
  assert.ok(await staff.page.evaluate(() => window.__alerts.some((a) => a.kind === "sound")), "the dashboard chimed");
  await card.getByRole("button", { name: "Message Doris" }).waitFor();
  await card.getByRole("button", { name: "Message Priya" }).waitFor();
  await snap(staff.page, "support-welfare-check");
  const [task] = await restGet(staff.page, "/api/welfare?status=open");
  assert.equal(task.cause, "call_dropped");
  assert.equal(task.conversationId, conversationId);

  // Resolve: a note is needed.
  await card.getByRole("button", { name: "Resolve the welfare check for Doris" }).click();
  const resolve = staff.page.getByRole("dialog", { name: "Resolve the welfare check for Doris" });
  await resolve.getByRole("button", { name: "Resolve the check" }).click();
  await resolve.getByText("Please write a few words about what was done.").waitFor();
  assert.equal(await resolve.getByLabel("What was done?").getAttribute("aria-invalid"), "true");
  await checkA11y(staff.page, "the welfare resolve dialog with its error");
  await resolve.getByLabel("What was done?").fill("Rang Doris: her tablet's battery had run out. All well.");
  await resolve.getByRole("button", { name: "Resolve the check" }).click();
  await resolve.waitFor({ state: "detached" });
  await card.waitFor({ state: "detached" });
  await staff.page.locator("hl-welfare-checks").waitFor({ state: "hidden" });
  const done = (await restGet(staff.page, "/api/welfare?status=resolved")).find((t) => t.id === task.id);
  assert.equal(done.resolution, "Rang Doris: her tablet's battery had run out. All well.");
  assert.equal(done.resolvedBy.displayName, "Sue Staff");
  noProblems(v.page, staff.page, again.page);
  for (const x of [v, staff, again]) await x.context.close();
});
