// Dispatch rules in the app:
// - the chat cap (HELPLINE_MAX_ACTIVE_CHATS): a volunteer with as many
//   chats from requests as they may have at once is told so in plain words
//   when they try to accept another, the request stays on their list, and
//   once a chat ends they can take it;
// - the waiting line: each seeker sees her place and, once someone has
//   been answered, about how long it usually takes;
// - escalation (HELPLINE_ESCALATE_AFTER_SECS): a seeker nobody answers is
//   told that staff know, support sees the request marked and takes it,
//   and the two talk.
//
// - credentials (HELPLINE_REQUIRE_CREDENTIALS): support ticks a sensitive
//   topic for a volunteer on the dashboard, and such requests go to her
//   alone; the dashboard shows the line and each volunteer's chats.
//
// - "Your week" on the volunteer's home (GET /api/me/week).
//
// - auto-away (HELPLINE_MAX_MISSED_OFFERS): a volunteer who let a request
//   go to someone else is set away, told why in plain words, and turns
//   availability back on.
//
// The cap here is 1, escalation comes after 3 seconds, credentials are
// required and one missed offer sets a volunteer away, so this file
// starts its own server (the HELPLINE_BIN of scripts/browser-test.sh, a
// fresh SQLite database, a free port).

import { after, before } from "node:test";
import { startOwnServer } from "./own-server.mjs";

const own = await startOwnServer("dispatch", {
  HELPLINE_MAX_ACTIVE_CHATS: "1",
  HELPLINE_ESCALATE_AFTER_SECS: "3",
  HELPLINE_REQUIRE_CREDENTIALS: "true",
  HELPLINE_MAX_MISSED_OFFERS: "1",
});
const { scenario, launch, open, user, signIn, createWithCli, checkA11y, noProblems, PHONE } = await import("./lib.mjs");

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
  // Each seeker sees where she stands in the line.
  await ann.page.locator("#overlay-position", { hasText: "You are next in line." }).waitFor();
  await bea.page.locator("#overlay-position", { hasText: "1 person is ahead of you." }).waitFor();
  await offerOf("Annie").getByRole("button", { name: "Accept Annie" }).click();
  await v.getByRole("heading", { name: "Annie", level: 1 }).waitFor();
  // Annie was answered within seconds: Beatrice is next, with an estimate.
  await bea.page.locator("#overlay-position", { hasText: "You are next in line. It usually takes about 10 seconds." }).waitFor();

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

scenario("a request nobody answers reaches staff: the seeker is told, and support takes it", async () => {
  const seeker = await user(browser, "seeker", "Dorothy", { viewport: PHONE });
  const staffAccount = createWithCli("support", "Sam Staff");
  const staff = await open(browser);
  await signIn(staff.page, staffAccount);
  await staff.page.getByRole("heading", { name: "Support dashboard" }).waitFor();

  // No volunteer is online: Dorothy waits, and after a while is told that
  // a member of staff knows.
  await askAnyone(seeker.page);
  await seeker.page.getByText("A member of staff has been told and will be with you shortly.").waitFor();
  await checkA11y(seeker.page, "waiting, staff told");

  // Support sees her marked, and takes her request.
  const row = staff.page.locator("tr", { hasText: "Dorothy" });
  await row.getByText("Waiting too long").waitFor();
  await checkA11y(staff.page, "support dashboard with an escalated request");
  await row.getByRole("button", { name: "Take Dorothy's request" }).click();
  await staff.page.getByRole("heading", { name: "Dorothy", level: 1 }).waitFor();
  await seeker.page.getByRole("heading", { name: "Sam Staff", level: 1 }).waitFor();
  await staff.page.getByLabel("Message to Dorothy").fill("Hello Dorothy, I'm Sam from the team.");
  await staff.page.keyboard.press("Enter");
  await seeker.page.locator(".msg.theirs .text", { hasText: "Hello Dorothy, I'm Sam from the team." }).waitFor();
  noProblems(seeker.page, staff.page);
  await seeker.context.close();
  await staff.context.close();
});

scenario("support credentials a volunteer, and a health request goes to her alone", async () => {
  const vera = await user(browser, "volunteer", "Verity");
  const vic = await user(browser, "volunteer", "Victor");
  const seeker = await user(browser, "seeker", "Edith", { viewport: PHONE });
  const staffAccount = createWithCli("support", "Sue Staff");
  const staff = await open(browser);
  await signIn(staff.page, staffAccount);
  await staff.page.getByRole("heading", { name: "Support dashboard" }).waitFor();

  // Support ticks Health for Verity; the dashboard says it is required.
  await staff.page.getByText("Health and emotional requests go only to volunteers credentialed for them.").waitFor();
  const verity = staff.page.locator("tr", { hasText: "Verity" });
  await verity.getByRole("checkbox", { name: "Health" }).check();
  await staff.page.getByText("Verity is credentialed for health.").waitFor();
  await checkA11y(staff.page, "support dashboard with credentials");

  // Edith asks about her health: Verity is offered it, Victor is not (he
  // hears of a daily-life request made after it first).
  await seeker.page.getByLabel("Health").check();
  await seeker.page.getByRole("button", { name: "Talk to anyone now" }).click();
  await vera.page.locator(".offer", { hasText: "Edith" }).waitFor();
  const later = await user(browser, "seeker", "Flora", { viewport: PHONE });
  await askAnyone(later.page);
  await vic.page.locator(".offer", { hasText: "Flora" }).waitFor();
  if ((await vic.page.locator(".offer", { hasText: "Edith" }).count()) !== 0) throw new Error("Victor was offered a health request");

  // The line on the dashboard: Edith first, Flora second; nobody in a chat yet.
  await staff.page.locator("tr", { hasText: "Edith" }).locator("td.place", { hasText: "1" }).waitFor();
  await staff.page.locator("tr", { hasText: "Flora" }).locator("td.place", { hasText: "2" }).waitFor();
  await verity.locator("td.load", { hasText: "0 of 1" }).waitFor();
  noProblems(staff.page, seeker.page);
  for (const one of [vera, vic, seeker, later, staff]) await one.context.close();
});

scenario("a volunteer who lets a request go to someone else is set away and told why", async () => {
  const walter = await user(browser, "volunteer", "Walter");
  const wendy = await user(browser, "volunteer", "Wendy");
  const seeker = await user(browser, "seeker", "Gladys", { viewport: PHONE });
  await askAnyone(seeker.page);
  for (const v of [walter, wendy]) await v.page.locator(".offer", { hasText: "Gladys" }).waitFor();
  await wendy.page.getByRole("button", { name: "Accept Gladys" }).click();
  await wendy.page.getByRole("heading", { name: "Gladys", level: 1 }).waitFor();

  // Walter is away now, and his home says why.
  const w = walter.page;
  await w.getByText("We set you to Away: a request went unanswered, and nobody should wait for a volunteer who has stepped away.").waitFor();
  const toggle = w.getByRole("switch", { name: "Available for new requests" });
  if ((await toggle.getAttribute("aria-checked")) !== "false") throw new Error("Walter is still shown as available");
  await checkA11y(w, "volunteer set away after a missed offer");
  await toggle.click();
  await w.getByText("On: new requests appear at the top of this screen while Helpline is open.").waitFor();
  if ((await w.locator("#auto-away").count()) !== 0) throw new Error("the explanation stayed");
  noProblems(w, wendy.page);
  for (const one of [walter, wendy, seeker]) await one.context.close();
});

scenario("a volunteer's home shows her week in plain words", async () => {
  const wanda = await user(browser, "volunteer", "Wanda");
  const w = wanda.page;
  const week = w.locator("#week");
  await week.getByRole("heading", { name: "Your week" }).waitFor();
  await week.getByText("You have not talked with anyone in the last seven days.").waitFor();
  const seeker = await user(browser, "seeker", "Gwen", { viewport: PHONE });
  await seeker.page.locator(".person", { hasText: "Wanda" }).getByRole("button", { name: "Chat now with Wanda" }).click();
  await w.locator(".offer", { hasText: "Gwen" }).getByRole("button", { name: "Accept Gwen" }).click();
  await w.getByRole("heading", { name: "Gwen", level: 1 }).waitFor();
  await w.getByRole("link", { name: "Home" }).first().click();
  await week.getByText("In the last seven days you talked with 1 person, for less than a minute in all.").waitFor();
  await checkA11y(w, "volunteer home with her week");
  noProblems(w, seeker.page);
});
