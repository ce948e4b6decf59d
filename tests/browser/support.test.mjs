// The support dashboard: a support account made with `helpline user create`
// on the server's database sees, live, a request waiting, then the chat it
// became, and the volunteers' presence change; then messages the seeker.

import { after, before } from "node:test";
import assert from "node:assert/strict";
import { scenario, launch, open, user, register, signIn, createWithCli, checkA11y, noProblems, BASE } from "./lib.mjs";

let browser;
before(async () => (browser = await launch()));
after(() => browser?.close());

scenario("the support dashboard follows requests, chats and volunteers live, and support messages a seeker", async () => {
  const staff = createWithCli("support", "Sam (support)");
  const { context, page } = await open(browser);
  await signIn(page, staff);
  await page.getByRole("heading", { name: "Support dashboard" }).waitFor();
  await checkA11y(page, "support dashboard");

  const v = await user(browser, "volunteer", "Nadia", { languages: ["en", "ar"] });
  const row = page.locator("tr[data-volunteer]", { hasText: "Nadia" });
  await row.getByText("Available").waitFor();
  await row.getByText("en, ar").waitFor();

  // A request waits, with its waiting time.
  const s = await user(browser, "seeker", "Winifred");
  await s.page.getByLabel("Daily life").check();
  await s.page.getByLabel("Anything you would like them to know? (optional)").fill("Lost my keys");
  await s.page.getByRole("button", { name: "Talk to anyone now" }).click();
  const waiting = page.locator("tr[data-request]", { hasText: "Winifred" });
  await waiting.getByText("Lost my keys").waitFor();
  await waiting.getByText(/just now|seconds|minute/).waitFor();
  await waiting.getByRole("button", { name: "Message Winifred" }).waitFor();
  await checkA11y(page, "support dashboard with a request waiting");

  // Nadia accepts: the request becomes a chat in progress.
  await v.page.locator(".offer", { hasText: "Winifred" }).getByRole("button", { name: "Accept Winifred" }).click();
  const session = page.locator("tr[data-conversation]", { hasText: "Winifred" });
  await session.getByRole("cell", { name: "Nadia", exact: true }).waitFor();
  await waiting.waitFor({ state: "detached" });
  await session.getByRole("button", { name: "Message Nadia" }).waitFor();

  // Accepting opened the chat; the availability switch is on Home.
  await v.page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Home" }).click();
  await v.page.getByRole("switch", { name: "Available for new requests" }).click();
  await v.page.getByText("Off: you are away").waitFor();
  await row.getByText("Away").waitFor();

  await v.context.close();
  await row.getByText("Offline").waitFor();
  await checkA11y(page, "support dashboard after changes");

  // Support messages the seeker; the chat opens in the Chats screen.
  await session.getByRole("button", { name: "Message Winifred" }).click();
  await page.getByRole("heading", { name: "Winifred", level: 1 }).waitFor();
  await page.getByLabel("Message to Winifred").fill("Hello Winifred, this is support.");
  await page.keyboard.press("Enter");
  await page.locator(".msg", { hasText: "Hello Winifred, this is support." }).getByText(/^(Sent|Delivered|Seen)$/).waitFor();
  await checkA11y(page, "support's chat with a seeker");

  await s.page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: /^Chats/ }).click();
  await s.page.locator(".conv", { hasText: "Sam (support)" }).click();
  await s.page.locator(".msg.theirs", { hasText: "Hello Winifred, this is support." }).waitFor();

  noProblems(page, s.page);
  await s.context.close();
  await context.close();
});

scenario("a report reaches the dashboard live, with the message as evidence, and support resolves it", async () => {
  const staff = createWithCli("support", "Sam (support)");
  const { context, page } = await open(browser);
  await signIn(page, staff);
  await page.getByRole("heading", { name: /^Reports/ }).waitFor();

  const v = await user(browser, "volunteer", "Kofi");
  const s = await user(browser, "seeker", "Doreen");
  await s.page.locator(".person", { hasText: "Kofi" }).getByRole("button", { name: "Chat now with Kofi" }).click();
  await v.page.locator(".offer", { hasText: "Doreen" }).getByRole("button", { name: "Accept Doreen" }).click();
  await s.page.getByRole("heading", { name: "Kofi", level: 1 }).waitFor();
  await v.page.getByLabel("Message to Doreen").fill("What is your address, Doreen?");
  await v.page.keyboard.press("Enter");
  const message = s.page.locator(".msg.theirs", { hasText: "What is your address" });
  await message.getByRole("button", { name: /^Options/ }).click();
  await s.page.getByRole("button", { name: "Report this message" }).click();
  await s.page.getByLabel("What happened?").fill("Asked where I live");
  await s.page.getByRole("button", { name: "Send report" }).click();
  await s.page.getByRole("heading", { name: "Thank you for telling us" }).waitFor();

  // Live on the dashboard, named by the report itself (with roles).
  const row = page.locator("tr[data-report]", { hasText: "Asked where I live" });
  await row.getByText("What is your address, Doreen?").waitFor();
  await row.getByRole("rowheader", { name: "Kofi (volunteer) by Doreen (seeker)" }).waitFor();
  await checkA11y(page, "support dashboard with a report");

  // Someone the dashboard has never seen (not online, in no chat) is named too.
  const eunice = await register("seeker", "Eunice");
  const filed = await fetch(`${BASE}/api/reports`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${eunice.token}` },
    body: JSON.stringify({ userId: v.account.user.id, reason: "Rude on the phone" }),
  });
  assert.equal(filed.status, 201);
  const other = page.locator("tr[data-report]", { hasText: "Rude on the phone" });
  await other.getByRole("rowheader", { name: "Kofi (volunteer) by Eunice (seeker)" }).waitFor();
  assert.equal(await page.getByText("A member").count(), 0);
  await other.getByRole("button", { name: "Resolve the report about Kofi" }).click();
  await other.waitFor({ state: "detached" });

  await row.getByRole("button", { name: "Resolve the report about Kofi" }).click();
  await row.waitFor({ state: "detached" });
  noProblems(page, s.page, v.page);
  for (const c of [s.context, v.context, context]) await c.close();
});
