// Offline: the connection state is shown, messages written offline are kept
// (also across a reload, with the service worker serving the app shell) and
// sent with their clientMessageId on reconnect, and messages missed while
// offline are synced.

import { after, before } from "node:test";
import assert from "node:assert/strict";
import { scenario, launch, user, snap, noProblems, restGet, PHONE } from "./lib.mjs";

let browser;
before(async () => (browser = await launch()));
after(() => browser?.close());

scenario("messages written offline survive a reload and are sent on reconnect; missed ones are synced", async () => {
  const v = await user(browser, "volunteer", "Priya");
  const s = await user(browser, "seeker", "Margaret", { viewport: PHONE, serviceWorkers: "allow" });
  // The service worker has installed and controls the page (it claims it).
  await s.page.waitForFunction(() => navigator.serviceWorker?.controller != null);

  await s.page.locator(".person", { hasText: "Priya" }).getByRole("button", { name: "Chat now with Priya" }).click();
  await v.page.locator(".offer", { hasText: "Margaret" }).getByRole("button", { name: "Accept Margaret" }).click();
  await s.page.getByRole("heading", { name: "Priya", level: 1 }).waitFor();
  await s.page.getByLabel("Message to Priya").fill("Hello before going offline");
  await s.page.keyboard.press("Enter");
  await v.page.locator(".msg.theirs", { hasText: "Hello before going offline" }).waitFor();

  await s.context.setOffline(true);
  await s.page.locator("#connection-state[data-state=offline]").waitFor();
  await s.page.getByText("You are offline. Messages you write are kept").waitFor();
  await s.page.getByLabel("Message to Priya").fill("Written while offline");
  await s.page.keyboard.press("Enter");
  const pending = s.page.locator(".msg.mine.pending", { hasText: "Written while offline" });
  await pending.getByText("Waiting to send").waitFor();
  await snap(s.page, "thread-offline");

  // Priya writes while Margaret is away.
  await v.page.getByLabel("Message to Margaret").fill("Did you get my message?");
  await v.page.keyboard.press("Enter");

  // A reload while offline: the shell comes from the service worker, the
  // pending message from this device's storage.
  await s.page.reload();
  await s.page.getByRole("heading", { name: "Priya", level: 1 }).waitFor();
  await pending.getByText("Waiting to send").waitFor();
  await s.page.locator(".msg.mine", { hasText: "Hello before going offline" }).waitFor();
  assert.equal(await v.page.locator(".msg", { hasText: "Written while offline" }).count(), 0);

  await s.context.setOffline(false);
  await s.page.locator("#connection-state[data-state=connected]").waitFor();
  await v.page.locator(".msg.theirs", { hasText: "Written while offline" }).waitFor();
  await s.page.locator(".msg.theirs", { hasText: "Did you get my message?" }).waitFor();
  await s.page.locator(".msg.mine:not(.pending)", { hasText: "Written while offline" }).waitFor();
  // Sent exactly once.
  const [conversation] = await restGet(s.page, "/api/conversations");
  const { messages } = await restGet(s.page, `/api/conversations/${conversation.id}/messages`);
  assert.deepEqual(
    messages.map((m) => m.content),
    ["Priya accepted the request", "Hello before going offline", "Did you get my message?", "Written while offline"],
  );
  assert.equal(await v.page.locator(".msg", { hasText: "Written while offline" }).count(), 1);
  noProblems(v.page);
  await s.context.close();
  await v.context.close();
});

scenario("a dropped connection shows Reconnecting and recovers by itself", async () => {
  const s = await user(browser, "seeker", "Walter");
  // Break the socket from the page side, as a network hiccup would, and
  // record the states the app goes through (and what the banner said).
  await s.page.evaluate(async () => {
    const { store } = await import("/js/state.js");
    window.__states = [];
    store.on("connection", (state) => {
      window.__states.push(state);
      window.__banner = window.__banner ?? (state === "reconnecting" ? document.getElementById("connection-banner").textContent : undefined);
    });
    store.socket.ws.close();
  });
  await s.page.locator("#connection-state[data-state=connected]").waitFor();
  await s.page.waitForFunction(() => window.__states.at(-1) === "connected");
  assert.deepEqual(await s.page.evaluate(() => window.__states), ["reconnecting", "connected"]);
  assert.match(await s.page.evaluate(() => window.__banner), /Reconnecting… Messages you write now will be sent/);
  noProblems(s.page);
  await s.context.close();
});
