// The homes and the comfort settings: a request offered to a volunteer at
// the top of their home with Accept in view (phone and desktop), waiting
// times in plain words, "asked for you" and live presence (when the server
// sends them), text size, high contrast and blurred photos in Settings
// (axe and the 18 px check at every size, the layout holding on a phone at
// the largest), support's search for anyone to message, and sign-out
// leaving nothing of the person on the device.

import { after, before } from "node:test";
import assert from "node:assert/strict";
import { scenario, launch, open, user, register, signIn, createWithCli, snap, checkA11y, checkTextSize, noProblems, png, PHONE, DESKTOP } from "./lib.mjs";

let browser;
before(async () => (browser = await launch()));
after(() => browser?.close());

/** Collects the Socket.IO frames a page receives (to see which server
 *  features are there: newer servers add fields and events). `seen.when(
 *  text, ms)` resolves true once a frame has `text`, or false after `ms`. */
function frames(page) {
  const seen = [];
  const waiting = new Set();
  page.on("websocket", (ws) =>
    ws.on("framereceived", ({ payload }) => {
      seen.push(String(payload));
      for (const w of waiting) if (String(payload).includes(w.text)) w.done(true);
    }),
  );
  seen.when = (text, ms) =>
    seen.some((f) => f.includes(text))
      ? Promise.resolve(true)
      : new Promise((resolve) => {
          const w = { text, done: (value) => (clearTimeout(timer), waiting.delete(w), resolve(value)) };
          const timer = setTimeout(() => w.done(false), ms);
          waiting.add(w);
        });
  return seen;
}

/** Whether the element is wholly inside the viewport as it is. */
async function inView(locator) {
  const box = await locator.boundingBox();
  const { width, height } = locator.page().viewportSize();
  return !!box && box.y >= 0 && box.x >= 0 && box.y + box.height <= height && box.x + box.width <= width;
}

/** No sideways scrolling: the page fits the viewport's width. Elements
 *  inside a region that scrolls sideways on purpose (a wide table's
 *  scroller) may extend past it. */
async function fitsWidth(page) {
  const wide = await overflowing(page);
  if (wide.length) console.log(`wider than the screen: ${wide.join(", ")}`);
  return wide.length === 0;
}

/** What makes the page wider than the viewport, as "tag.class" strings. */
function overflowing(page) {
  return page.evaluate(() => {
    const main = document.querySelector("main");
    const scrolls = (el) => {
      for (let p = el.parentElement; p && p !== main; p = p.parentElement) if (["auto", "scroll"].includes(getComputedStyle(p).overflowX)) return true;
      return false;
    };
    const wide = [...main.querySelectorAll("*")]
      .filter((el) => el.getClientRects().length && el.getBoundingClientRect().right > main.clientWidth + 1 && !scrolls(el))
      .map((el) => `${el.tagName.toLowerCase()}.${el.className}`);
    if (document.documentElement.scrollWidth > innerWidth + 1) wide.unshift("html");
    if (main.scrollWidth > main.clientWidth + 1) wide.unshift("main");
    return wide.slice(0, 8);
  });
}

/** Follows a top-bar link, through Menu where the phone shows it. */
async function follow(page, name) {
  const menu = page.getByRole("button", { name: /^Menu/ });
  if (await menu.isVisible()) await menu.click();
  await page.locator(".topbar").getByRole("link", { name, exact: true }).click();
}

/** Whether the top bar's visible items sit on one row. */
function topBarOneRow(page) {
  return page.evaluate(() => {
    const tops = [...document.querySelectorAll(".topbar > *")].filter((el) => el.getClientRects().length && getComputedStyle(el).display !== "none" && el.getBoundingClientRect().height > 1).map((el) => el.getBoundingClientRect());
    return tops.every((r) => r.top < tops[0].bottom && r.bottom > tops[0].top);
  });
}

const settle = (page) => page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));

scenario("a request offered to a volunteer is at the top of their home, with Accept in view on a phone and a desktop", async () => {
  const v = await open(browser, { viewport: PHONE });
  const vFrames = frames(v.page);
  await signIn(v.page, await register("volunteer", "Priya"));
  const s = await user(browser, "seeker", "Margaret", { viewport: PHONE });
  await s.page.locator(".person", { hasText: "Priya" }).getByRole("button", { name: "Chat now with Priya" }).click();
  await s.page.locator("dialog.overlay").getByRole("heading", { name: "Waiting for Priya…" }).waitFor();
  // Waiting times in plain words, by the server's clock when it says it.
  assert.match(await s.page.locator("#overlay-elapsed").textContent(), /^Waiting for (less than a minute|\d+ minutes?)$/);

  const offer = v.page.locator("#offers .offer", { hasText: "Margaret" });
  await offer.waitFor();
  assert.match(await offer.locator(".waiting").textContent(), /^Waiting for (less than a minute|\d+ minutes?)$/);
  const accept = offer.getByRole("button", { name: "Accept Margaret" });
  for (const size of [PHONE, DESKTOP]) {
    await v.page.setViewportSize(size);
    await settle(v.page);
    assert.ok(await inView(accept), `Accept is in view without scrolling at ${size.width}×${size.height}`);
    assert.equal(await v.page.locator("main").evaluate((m) => m.scrollTop), 0);
  }
  // Newer servers say the request was made to Priya by name.
  const named = vFrames.some((f) => f.includes("seeker:incoming") && f.includes("targetVolunteerId"));
  if (named) await offer.getByText("Margaret asked for you").waitFor();
  else console.log("server sends no targetVolunteerId: “asked for you” not checked");
  await snap(v.page, "volunteer-home-offer");
  await checkA11y(s.page, "request overlay: waiting");

  await s.page.getByRole("button", { name: "Cancel request" }).click();
  await offer.waitFor({ state: "detached" });
  noProblems(v.page, s.page);
  await v.context.close();
  await s.context.close();
});

scenario("the seeker's list of volunteers follows presence live (volunteer:presence)", async (t) => {
  const s = await open(browser, { viewport: PHONE });
  const seen = frames(s.page);
  await signIn(s.page, await register("seeker", "Winifred"));
  await s.page.locator("#volunteer-list").getByText(/volunteer|Loading/).first().waitFor();
  const v = await user(browser, "volunteer", "Bartholomew");
  const live = await seen.when("volunteer:presence", 5000);
  if (!live) {
    console.log("server sends no volunteer:presence: the list polls (every 15 s)");
    await v.context.close();
    await s.context.close();
    return t.skip("the server has no volunteer:presence event yet");
  }
  const row = s.page.locator(".person", { hasText: "Bartholomew" });
  await row.getByText("Available now").waitFor({ timeout: 3000 });
  await v.page.getByRole("switch", { name: "Available for new requests" }).click();
  await row.getByText("Online, but busy").waitFor({ timeout: 3000 });
  noProblems(s.page, v.page);
  await v.context.close();
  await s.context.close();
});

scenario("text size, high contrast and blurred photos: remembered on the device, applied everywhere", async () => {
  const v = await user(browser, "volunteer", "Rosalind");
  const s = await user(browser, "seeker", "Ethel", { viewport: PHONE });
  const page = s.page;
  await page.getByRole("link", { name: "Settings" }).click();
  const card = page.locator(".comfort-card");
  await card.getByRole("heading", { name: "Comfort and privacy" }).waitFor();
  const rootSize = () => page.evaluate(() => parseFloat(getComputedStyle(document.documentElement).fontSize));
  for (const [label, px] of [["Large", 24], ["Normal", 20], ["Larger", 28]]) {
    await card.getByLabel(label, { exact: true }).check();
    await card.getByText("Saved on this device.").waitFor();
    assert.equal(await rootSize(), px, `${label} text`);
    const name = label.toLowerCase();
    await snap(page, `settings-text-${name}`);
    await follow(page, "Home");
    await page.getByRole("heading", { name: "Hello, Ethel" }).waitFor();
    await page.locator(".person", { hasText: "Rosalind" }).waitFor();
    await snap(page, `seeker-home-text-${name}`);
    // The layout still holds on a phone: nothing runs off the side.
    await page.setViewportSize(PHONE);
    await settle(page);
    assert.ok(await fitsWidth(page), `seeker home fits a phone at ${label}`);
    // At the large sizes the phone's top bar is one row, its items behind Menu.
    if (label !== "Normal") assert.ok(await topBarOneRow(page), `the top bar is one row at ${label}`);
    await follow(page, "Settings");
    await settle(page);
    assert.ok(await fitsWidth(page), `settings fit a phone at ${label}`);
  }
  // Remembered on the device: still "Larger" after a reload.
  await page.reload();
  await page.locator(".comfort-card").waitFor();
  assert.equal(await rootSize(), 28);
  assert.equal(await page.getByLabel("Larger", { exact: true }).isChecked(), true);
  // It is the device's setting, on <html>, for every screen.
  assert.equal(await page.evaluate(() => document.documentElement.dataset.textSize), "larger");

  await page.getByLabel("High contrast").check();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.contrast), "high");
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), "rgb(255, 255, 255)");
  await snap(page, "settings-high-contrast");
  await page.getByLabel("Normal", { exact: true }).check();
  await page.getByLabel("High contrast").uncheck();

  // Blurred photos: Ethel turns it on, Rosalind sends a photo; it shows
  // blurred until Ethel taps it, and a second tap opens it.
  await page.getByLabel("Blur photos until I tap them").check();
  await page.getByRole("link", { name: "Home" }).click();
  await page.locator(".person", { hasText: "Rosalind" }).getByRole("button", { name: "Chat now with Rosalind" }).click();
  await v.page.locator(".offer", { hasText: "Ethel" }).getByRole("button", { name: "Accept Ethel" }).click();
  await page.getByRole("heading", { name: "Rosalind", level: 1 }).waitFor();
  await v.page.locator("hl-attach-button input[type=file]").setInputFiles({ name: "beach.png", mimeType: "image/png", buffer: png(64, 48) });
  await v.page.getByRole("button", { name: "Send photo" }).click();
  const photo = page.locator(".attachment-photo").last();
  await photo.locator("img[alt='beach.png']").waitFor();
  await photo.getByText("Blurred photo. Tap to show it.").waitFor();
  assert.match(await photo.locator("img").evaluate((img) => getComputedStyle(img).filter), /blur/);
  await checkA11y(page, "thread with a blurred photo");
  await checkTextSize(page, "thread with a blurred photo");
  await photo.click();
  assert.equal(await photo.locator("img").evaluate((img) => getComputedStyle(img).filter), "none");
  assert.equal(await page.locator("dialog.photo-dialog[open]").count(), 0, "the first tap only shows it");
  await photo.click();
  await page.locator("dialog.photo-dialog[open]").waitFor();
  await page.locator("dialog.photo-dialog").getByRole("button", { name: "Close" }).click();
  await page.evaluate(() => localStorage.removeItem("helpline:comfort"));
  noProblems(page, v.page);
  await v.context.close();
  await s.context.close();
});

scenario("signing out warns about unsent messages, then leaves nothing of the person on the device", async () => {
  const v = await user(browser, "volunteer", "Oswald");
  const account = await register("seeker", "Gwendolyn");
  const { context, page } = await open(browser, { viewport: PHONE, serviceWorkers: "allow" });
  await signIn(page, account);
  const id = account.user.id;
  await page.locator(".person", { hasText: "Oswald" }).getByRole("button", { name: "Chat now with Oswald" }).click();
  await v.page.locator(".offer", { hasText: "Gwendolyn" }).getByRole("button", { name: "Accept Gwendolyn" }).click();
  await page.getByRole("heading", { name: "Oswald", level: 1 }).waitFor();
  await page.getByLabel("Message to Oswald").fill("My secret recipe is lemon drizzle");
  await page.keyboard.press("Enter");
  await v.page.locator(".msg.theirs", { hasText: "lemon drizzle" }).waitFor();
  // One more, written offline: it waits in the outbox.
  await context.setOffline(true);
  await page.locator("#connection-state[data-state=offline]").waitFor();
  await page.getByLabel("Message to Oswald").fill("And the sponge needs six eggs");
  await page.keyboard.press("Enter");
  await page.locator(".msg.mine", { hasText: "six eggs" }).getByText("Waiting to send").waitFor();
  await page.waitForFunction((key) => (localStorage.getItem(key) ?? "").includes("six eggs"), `helpline:${id}:outbox`);
  await page.waitForFunction((key) => (localStorage.getItem(key) ?? "").includes("lemon drizzle"), `helpline:${id}:cache`);

  // Sign out (behind Menu on a phone in a chat): a warning first; staying
  // keeps everything, the menu open.
  const menu = page.getByRole("button", { name: /^Menu/ });
  await menu.click();
  assert.equal(await menu.getAttribute("aria-expanded"), "true");
  await page.getByRole("button", { name: "Sign out" }).click();
  const dialog = page.getByRole("dialog", { name: "Sign out with unsent messages?" });
  await dialog.getByText("1 message you wrote has not been sent yet.").waitFor();
  await checkA11y(page, "sign-out warning");
  await dialog.getByRole("button", { name: "Stay signed in" }).click();
  await dialog.waitFor({ state: "detached" });
  assert.ok(await page.evaluate((key) => localStorage.getItem(key), `helpline:${id}:outbox`));
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("dialog", { name: "Sign out with unsent messages?" }).getByRole("button", { name: "Sign out and delete them" }).click();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();

  const left = await page.evaluate(async (userId) => {
    const local = Object.keys(localStorage).map((k) => `${k}=${localStorage.getItem(k)}`);
    const databases = indexedDB.databases ? (await indexedDB.databases()).map((d) => d.name) : [];
    const cached = [];
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const request of await cache.keys()) {
        const body = await (await cache.match(request)).clone().text().catch(() => "");
        if (request.url.includes(userId) || body.includes(userId) || /\/api\//.test(request.url) || /lemon|eggs/.test(body)) cached.push(`${name}: ${request.url}`);
      }
    }
    return { local, databases, cached };
  }, id);
  const mentions = left.local.filter((entry) => entry.includes(id) || /lemon|eggs|Gwendolyn|helpline:session/.test(entry));
  assert.deepEqual(mentions, [], "localStorage keeps nothing of the person");
  assert.deepEqual(left.databases, [], "no IndexedDB databases");
  assert.deepEqual(left.cached, [], "the service worker's caches keep nothing of the person");
  noProblems(v.page);
  await context.close();
  await v.context.close();
});

scenario("support messages people by name, and finds anyone to message", async () => {
  const seeker = await register("seeker", "Philippa");
  const support = createWithCli("support", "Sam Support");
  const { context, page } = await open(browser, { viewport: PHONE });
  await signIn(page, support);
  await page.getByRole("heading", { name: "Support dashboard" }).waitFor();
  const search = page.locator(".user-search");
  await search.getByRole("heading", { name: "Message anyone" }).waitFor();
  await search.getByLabel("Name or username").fill("Philippa");
  const answer = page.waitForResponse((r) => r.url().includes("/api/users?q="));
  await search.getByRole("button", { name: "Find" }).click();
  const status = (await answer).status();
  if (status === 404) {
    await search.getByText("This server cannot search for people yet.").waitFor();
    console.log("server has no GET /api/users: the search says so");
  } else {
    assert.equal(status, 200);
    await search.getByText("Philippa (Member)").waitFor();
    await checkA11y(page, "support search results");
    await search.getByRole("button", { name: "Message Philippa" }).click();
    await page.getByLabel("Message to Philippa").fill("Hello Philippa, this is support.");
    await page.keyboard.press("Enter");
    await page.locator(".msg.mine", { hasText: "this is support" }).getByText(/Sent|Delivered|Seen/).waitFor();
  }
  assert.ok(seeker.user.id);
  noProblems(page);
  await context.close();
});

scenario("every text size: the volunteer's home with an offer, the chats list and the support dashboard stay accessible and fit a phone", async () => {
  const v = await user(browser, "volunteer", "Cornelius", { viewport: PHONE });
  const s = await user(browser, "seeker", "Henrietta", { viewport: PHONE });
  const support = createWithCli("support", "Sasha Support");
  const staff = await open(browser, { viewport: PHONE });
  await signIn(staff.page, support);
  await staff.page.getByRole("heading", { name: "Support dashboard" }).waitFor();
  await s.page.locator(".person", { hasText: "Cornelius" }).getByRole("button", { name: "Chat now with Cornelius" }).click();
  const offer = v.page.locator("#offers .offer", { hasText: "Henrietta" });
  await offer.waitFor();
  // The size is the device's (localStorage, read on start), so each page
  // reloads into it; the checks run at the phone's width and the desktop's.
  const atSize = async (page, size, ready) => {
    await page.evaluate((size) => localStorage.setItem("helpline:comfort", JSON.stringify({ textSize: size })), size);
    await page.reload();
    await ready();
    await settle(page);
    assert.equal(await page.evaluate(() => document.documentElement.dataset.textSize ?? "normal"), size);
  };
  const check = async (page, label) => {
    for (const viewport of [PHONE, DESKTOP]) {
      await page.setViewportSize(viewport);
      await settle(page);
      const where = `${label} (${viewport.width}×${viewport.height})`;
      await checkA11y(page, where);
      await checkTextSize(page, where);
      assert.ok(await fitsWidth(page), `${where} fits the width`);
    }
    await page.setViewportSize(PHONE);
  };
  const sizes = ["normal", "large", "larger"];
  for (const size of sizes) {
    await atSize(v.page, size, () => offer.waitFor());
    await check(v.page, `volunteer home with an offer, ${size} text`);
    if (size === "larger") await snap(v.page, "volunteer-home-offer-larger-text");
    // Accept stays in view on the phone at every size (the top bar one row,
    // behind Menu, at the large sizes).
    if (size !== "normal") assert.ok(await topBarOneRow(v.page), `the top bar is one row at ${size} text`);
    assert.ok(await inView(offer.getByRole("button", { name: "Accept Henrietta" })), `Accept in view at ${size} text`);
    await atSize(staff.page, size, () => staff.page.locator("tr[data-request]", { hasText: "Henrietta" }).waitFor());
    await check(staff.page, `support dashboard with a pending request, ${size} text`);
  }
  await offer.getByRole("button", { name: "Accept Henrietta" }).click();
  await s.page.getByRole("heading", { name: "Cornelius", level: 1 }).waitFor();
  await s.page.getByLabel("Message to Cornelius").fill("Good morning, Cornelius");
  await s.page.keyboard.press("Enter");
  await v.page.locator(".msg.theirs", { hasText: "Good morning" }).waitFor();
  await follow(v.page, "Chats");
  const row = v.page.locator(".conv", { hasText: "Henrietta" });
  for (const size of sizes) {
    await atSize(v.page, size, () => row.getByText("Good morning", { exact: false }).waitFor());
    await check(v.page, `chats list, ${size} text`);
    if (size === "larger") await snap(v.page, "volunteer-chats-larger-text");
    await atSize(staff.page, size, () => staff.page.getByRole("region", { name: /^Chats in progress/ }).locator("tr", { hasText: "Henrietta" }).waitFor());
    await check(staff.page, `support dashboard with an active chat, ${size} text`);
    if (size === "larger") await snap(staff.page, "support-dashboard-larger-text");
  }
  for (const page of [v.page, staff.page]) await page.evaluate(() => localStorage.removeItem("helpline:comfort"));
  noProblems(v.page, s.page, staff.page);
  await v.context.close();
  await s.context.close();
  await staff.context.close();
});
