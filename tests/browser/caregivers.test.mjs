// Caregivers, with consent.
// - Sign-up offers "Family member or carer"; a caregiver's home starts
//   empty with "Add a person with their code".
// - A seeker's Settings: "Your caregivers" → "Invite someone" shows the
//   code plainly with when it stops working.
// - The caregiver types it (in lower case, without the dash) and sees a
//   card: last contact, this week's chats and calls in words, no alert.
//   A wrong code says so in plain words.
// - The seeker sees that they looked, turns "Show volunteers' names" on,
//   and removes them after a confirm; the caregiver's "Check again" shows
//   nobody.
// Every screen is checked with axe and for text under 18 px (snap).

import { before, after } from "node:test";
import assert from "node:assert/strict";
import { scenario, launch, open, user, unique, snap, noProblems, restGet } from "./lib.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

scenario("a seeker invites a caregiver, who looks in, and removes them", async () => {
  // The caregiver signs up through the form.
  const c = await open(browser);
  await c.page.goto("/");
  await c.page.getByRole("button", { name: "Create an account" }).click();
  await c.page.getByLabel("Your name").fill("Daniel");
  await c.page.getByLabel("Choose a username").fill(unique("dan"));
  await c.page.getByLabel("Choose a password").fill("password123");
  await c.page.getByLabel(/Family member or carer/).check();
  await c.page.getByRole("button", { name: "Create my account" }).click();
  await c.page.getByRole("heading", { name: "People you look in on", level: 1 }).waitFor();
  await c.page.getByText("Nobody yet.").waitFor();
  assert.equal(await c.page.getByRole("link", { name: "Chats" }).count(), 0, "no chats for a caregiver");
  await snap(c.page, "caregiver-home-empty");

  // A wrong code: plain words, nothing changes.
  await c.page.getByLabel("Code", { exact: true }).fill("ABCDE-23456");
  await c.page.getByRole("button", { name: "Add this person" }).click();
  await c.page.getByText("We did not find this code.").waitFor();
  await snap(c.page, "caregiver-code-wrong");

  // The seeker makes a code in Settings.
  const s = await user(browser, "seeker", "Rose");
  await s.page.getByRole("link", { name: "Settings" }).click();
  const card = s.page.locator(".caregivers-card");
  await card.getByRole("heading", { name: "Your caregivers" }).waitFor();
  await card.getByText("Nobody can look in on you at the moment.").waitFor();
  await card.getByRole("button", { name: "Invite someone" }).click();
  const code = (await card.locator("#caregiver-code").textContent()).trim();
  assert.match(code, /^[A-Z2-9]{5}-[A-Z2-9]{5}$/);
  await card.getByText(/It works once, until/).waitFor();
  await snap(s.page, "caregivers-invite-code");

  // The caregiver types it loosely.
  await c.page.getByLabel("Code", { exact: true }).fill(code.replace("-", "").toLowerCase());
  await c.page.getByRole("button", { name: "Add this person" }).click();
  const rose = c.page.locator(".person-card", { hasText: "Rose" });
  await rose.getByRole("heading", { name: "Rose" }).waitFor();
  await rose.getByText("Has not talked to anyone at the helpline yet.").waitFor();
  await rose.getByText("In the last 7 days: 0 chats and 0 calls.").waitFor();
  await snap(c.page, "caregiver-home");

  // The seeker sees the look, allows names, then removes them.
  await s.page.reload();
  const daniel = s.page.locator(".caregiver", { hasText: "Daniel" });
  await daniel.getByText(/Looked (once|2 times)/).waitFor();
  const names = daniel.getByLabel("Show volunteers' names");
  assert.equal(await names.isChecked(), false);
  await names.check();
  await s.page.getByText("Daniel now sees volunteers' names.").waitFor();
  const [listed] = await restGet(s.page, "/api/caregivers");
  assert.equal(listed.showVolunteerNames, true);
  await snap(s.page, "caregivers-list");
  await daniel.getByRole("button", { name: "Remove Daniel" }).click();
  const confirm = s.page.getByRole("dialog", { name: "Remove Daniel?" });
  await confirm.waitFor();
  await snap(s.page, "caregivers-remove-confirm");
  await confirm.getByRole("button", { name: "Remove", exact: true }).click();
  await card.getByText("Daniel was removed.").waitFor();
  await card.getByText("Nobody can look in on you at the moment.").waitFor();

  // At once for the caregiver.
  await c.page.getByRole("button", { name: "Check again" }).click();
  await c.page.getByText("Nobody yet.").waitFor();
  assert.equal(await c.page.locator(".person-card").count(), 0);
  noProblems(c.page, s.page);
});
