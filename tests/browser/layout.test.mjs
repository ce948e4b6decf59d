// The chat screen on a small phone and on a desktop: the conversation gets
// the room. With a few messages of ordinary length, the messages region
// shows at least 60 % of a 390×844 phone's height and 65 % of the thread
// column on a 1280×800 desktop; the header and the composer are one row
// each, every button in the thread is a ≥ 44 px target with a name, and the
// chat's and a message's menus work by keyboard (Escape closes, focus returns).
// At the Large and Larger text sizes the phone's top bar stays one row (its
// items behind Menu) so the messages keep at least 60 % and 50 %; axe is
// clean at every size on the phone and the desktop.

import { after, before } from "node:test";
import assert from "node:assert/strict";
import { scenario, launch, user, noProblems, snap, checkA11y, checkTextSize, PHONE, DESKTOP } from "./lib.mjs";

let browser;
before(async () => (browser = await launch()));
after(() => browser?.close());

/** The visible share of the messages region: of the viewport (phone) or of
 *  the thread column (desktop). */
const share = (page) =>
  page.evaluate(() => {
    const r = document.querySelector("hl-thread .messages").getBoundingClientRect();
    const visible = Math.max(0, Math.min(r.bottom, innerHeight) - Math.max(r.top, 0));
    const column = document.querySelector(".thread-pane").getBoundingClientRect();
    return { ofViewport: visible / innerHeight, ofColumn: visible / column.height };
  });

/** Buttons and links in the thread that are shown, with their size and name. */
const targets = (page) =>
  page.evaluate(() =>
    [...document.querySelectorAll("hl-thread button, hl-thread a, hl-thread textarea")]
      .filter((el) => el.getClientRects().length && !el.closest("[hidden]"))
      .map((el) => {
        const r = el.getBoundingClientRect();
        const name = (el.getAttribute("aria-label") || el.labels?.[0]?.textContent || el.textContent || "").trim().slice(0, 40);
        return { what: `${el.tagName} ${el.className} ${name}`, width: r.width, height: r.height, top: r.top, bottom: r.bottom };
      }),
  );

/** Whether the shown elements matching `selector` share one row (a
 *  horizontal line crosses them all). */
const oneRow = (page, selector) =>
  page.evaluate((selector) => {
    const boxes = [...document.querySelectorAll(selector)].filter((el) => el.getClientRects().length).map((el) => el.getBoundingClientRect());
    return boxes.length > 0 && Math.max(...boxes.map((b) => b.top)) < Math.min(...boxes.map((b) => b.bottom));
  }, selector);

scenario("on a phone and a desktop the conversation gets most of the chat screen", async () => {
  const v = await user(browser, "volunteer", "Beatrice");
  const s = await user(browser, "seeker", "Harold", { viewport: PHONE });
  await s.page.locator(".person", { hasText: "Beatrice" }).getByRole("button", { name: "Chat now with Beatrice" }).click();
  await v.page.locator(".offer", { hasText: "Harold" }).getByRole("button", { name: "Accept Harold" }).click();
  await s.page.getByRole("heading", { name: "Beatrice", level: 1 }).waitFor();
  await v.page.getByRole("heading", { name: "Harold", level: 1 }).waitFor();
  const lines = [
    ["s", "Good morning! I hope you slept well."],
    ["v", "Good morning Harold, I did, thank you. How are you today?"],
    ["s", "Not bad. My knee is a bit sore, but the sun is out."],
    ["v", "That is good to hear. Will you go for a little walk?"],
  ];
  for (const [who, text] of lines) {
    const page = who === "s" ? s.page : v.page;
    const box = page.getByLabel(who === "s" ? "Message to Beatrice" : "Message to Harold");
    await box.fill(text);
    await box.press("Enter");
    await (who === "s" ? v.page : s.page).locator(".msg.theirs .text", { hasText: text }).waitFor();
  }

  const sizes = [["phone", s.page, PHONE], ["desktop", v.page, DESKTOP], ["phone (volunteer)", v.page, PHONE], ["desktop (seeker)", s.page, DESKTOP]];
  const measured = new Map();
  for (const [label, page, size] of sizes) {
    await page.setViewportSize(size);
    await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
    measured.set(label, await share(page));
    const { ofViewport, ofColumn } = measured.get(label);
    console.log(`messages region, ${label}: ${(ofViewport * 100).toFixed(1)} % of the viewport, ${(ofColumn * 100).toFixed(1)} % of the thread column`);
  }
  for (const [label, page, size] of sizes) {
    await page.setViewportSize(size);
    await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
    const { ofViewport, ofColumn } = measured.get(label);
    if (size === PHONE) assert.ok(ofViewport >= 0.6, `${label}: messages ${(ofViewport * 100).toFixed(1)} % of the viewport`);
    else assert.ok(ofColumn >= 0.65, `${label}: messages ${(ofColumn * 100).toFixed(1)} % of the thread column`);
    // One header row and one composer row.
    assert.ok(await oneRow(page, ".thread-head > *"), `${label}: the header is one row`);
    assert.ok(await oneRow(page, ".composer > :not(.composer-context, .composer-panels, .composer-tools, .hint, label)"), `${label}: the composer is one row`);
    // Every target is at least 44 px and has a name.
    for (const t of await targets(page)) {
      assert.ok(t.width >= 44 && t.height >= 44, `${label}: ${t.what} is ${t.width}×${t.height}`);
      assert.ok(t.what.split(" ").slice(2).join(" ").trim(), `${label}: ${t.what} has a name`);
    }
    await checkA11y(page, `thread (${label})`);
  }
  await s.page.setViewportSize(PHONE);
  await v.page.setViewportSize(DESKTOP);
  await snap(s.page, "chat-thread-seeker");
  await snap(v.page, "chat-thread-volunteer");

  // The chat's menu, by keyboard: opens with focus inside, Escape closes it
  // and the focus returns to More.
  const more = s.page.getByRole("button", { name: "More chat options" });
  await more.focus();
  await s.page.keyboard.press("Enter");
  const menu = s.page.getByRole("dialog", { name: "Chat with Beatrice" });
  await menu.waitFor();
  assert.equal(await more.getAttribute("aria-expanded"), "true");
  for (const name of ["Video call Beatrice", "Search this chat", "Disappearing messages: Off", "Block Beatrice", "Report Beatrice to support", "End chat"])
    await menu.getByRole("button", { name, exact: true }).waitFor();
  await checkA11y(s.page, "chat menu (phone)");
  await s.page.keyboard.press("Escape");
  await menu.waitFor({ state: "detached" });
  assert.ok(await more.evaluate((el) => el === document.activeElement), "focus back on More");
  assert.equal(await more.getAttribute("aria-expanded"), "false");

  // The composer's menu: Attach and the timer; Escape closes it.
  const tools = s.page.getByRole("button", { name: "Attach a file or set a timer" });
  await tools.focus();
  await s.page.keyboard.press("Enter");
  assert.equal(await tools.getAttribute("aria-expanded"), "true");
  await s.page.getByRole("button", { name: "Attach a photo or file" }).waitFor();
  await s.page.getByRole("button", { name: "Timer for your next message" }).waitFor();
  await checkA11y(s.page, "composer menu (phone)");
  await s.page.keyboard.press("Tab");
  await s.page.keyboard.press("Escape");
  await s.page.getByRole("button", { name: "Attach a photo or file" }).waitFor({ state: "hidden" });
  assert.equal(await tools.getAttribute("aria-expanded"), "false");
  assert.ok(await tools.evaluate((el) => el === document.activeElement), "focus back on the composer's menu");
  // With no text, the microphone is where Send is; typing brings Send back.
  await s.page.getByRole("button", { name: "Record voice message" }).waitFor();
  await s.page.getByLabel("Message to Beatrice").fill("Yes");
  await s.page.getByRole("button", { name: "Send", exact: true }).waitFor();
  await s.page.getByRole("button", { name: "Record voice message" }).waitFor({ state: "hidden" });

  // A message's options: one quiet button per bubble, by keyboard too.
  const options = s.page.locator(".msg.theirs", { hasText: "little walk" }).getByRole("button", { name: /^Options for Beatrice's message/ });
  await options.focus();
  await s.page.keyboard.press("Enter");
  await s.page.getByRole("heading", { name: "Options for Beatrice's message" }).waitFor();
  await s.page.keyboard.press("Escape");
  await s.page.getByRole("heading", { name: "Options for Beatrice's message" }).waitFor({ state: "detached" });
  assert.ok(await options.evaluate((el) => el === document.activeElement), "focus back on the bubble's options");
  // Every text size (the comfort setting, kept in localStorage and read on
  // start): the top bar on the phone is one row (the logo, the connection
  // and Menu), the messages get at least 60 % of the phone's height at
  // Normal and Large and 50 % at Larger, the header is one row and the name
  // keeps room (Call shows its icon; its name is kept), and axe finds
  // nothing on the phone or the desktop.
  const least = { normal: 0.6, large: 0.6, larger: 0.5 };
  for (const size of ["normal", "large", "larger"]) {
    for (const [page, other] of [[s.page, "Beatrice"], [v.page, "Harold"]]) {
      await page.evaluate((size) => localStorage.setItem("helpline:comfort", JSON.stringify({ textSize: size })), size);
      await page.reload();
      await page.getByRole("heading", { name: other, level: 1 }).waitFor();
      await page.locator(".msg .text", { hasText: "little walk" }).waitFor();
      await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
      assert.equal(await page.evaluate(() => document.documentElement.dataset.textSize ?? "normal"), size);
    }
    const { ofViewport } = await share(s.page);
    console.log(`messages region, phone, ${size} text: ${(ofViewport * 100).toFixed(1)} % of the viewport`);
    assert.ok(ofViewport >= least[size], `${size} text: messages ${(ofViewport * 100).toFixed(1)} % of the viewport`);
    assert.ok(await oneRow(s.page, ".topbar > *"), `${size} text: the top bar is one row`);
    const whole = await s.page.evaluate(() => {
      const text = document.querySelector(".conn-text");
      const pill = document.querySelector(".topbar .conn").getBoundingClientRect();
      const menu = document.querySelector(".menu-button").getBoundingClientRect();
      return text.scrollWidth <= text.clientWidth + 1 && pill.right <= menu.left && menu.right <= innerWidth;
    });
    assert.ok(whole, `${size} text: "Connected" is shown whole beside Menu`);
    assert.ok(await oneRow(s.page, ".thread-head > *"), `${size} text: the header is one row`);
    const nameWidth = await s.page.locator(".thread-head h1").evaluate((el) => el.getBoundingClientRect().width);
    assert.ok(nameWidth >= 100, `${size} text: the name has ${nameWidth} px`);
    await s.page.getByRole("button", { name: "Call Beatrice", exact: true }).waitFor();
    await checkA11y(s.page, `thread, ${size} text (phone)`);
    await checkA11y(v.page, `thread, ${size} text (desktop)`);
    // On the desktop the top bar shows its items; there is no Menu.
    await v.page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: /^Chats/ }).waitFor();
    assert.equal(await v.page.getByRole("button", { name: /^Menu/ }).count(), 0);

    if (size === "larger") await snap(s.page, "chat-thread-larger-text");
    // The phone's Menu, by keyboard: it opens with the focus on its first
    // item, every item is there, Escape closes it and the focus returns.
    const menuButton = s.page.getByRole("button", { name: /^Menu/ });
    assert.equal(await menuButton.getAttribute("aria-expanded"), "false");
    await s.page.getByRole("link", { name: "Settings" }).waitFor({ state: "hidden" });
    await menuButton.focus();
    await s.page.keyboard.press("Enter");
    assert.equal(await menuButton.getAttribute("aria-expanded"), "true");
    const nav = s.page.getByRole("navigation", { name: "Main" });
    await nav.getByRole("link", { name: "Home" }).waitFor();
    assert.ok(await nav.getByRole("link", { name: "Home" }).evaluate((el) => el === document.activeElement), "focus on Home");
    await nav.getByRole("link", { name: /^Chats/ }).waitFor();
    await s.page.getByRole("link", { name: "Settings" }).waitFor();
    await s.page.getByRole("button", { name: "Sign out" }).waitFor();
    await checkA11y(s.page, `top bar menu, ${size} text (phone)`);
    await checkTextSize(s.page, `top bar menu, ${size} text (phone)`);
    if (size === "larger") await snap(s.page, "chat-menu-larger-text");
    await s.page.keyboard.press("Tab");
    await s.page.keyboard.press("Escape");
    await s.page.getByRole("button", { name: "Sign out" }).waitFor({ state: "hidden" });
    assert.equal(await menuButton.getAttribute("aria-expanded"), "false");
    assert.ok(await menuButton.evaluate((el) => el === document.activeElement), "focus back on Menu");
  }
  // Settings from the menu, by keyboard.
  await s.page.getByRole("button", { name: /^Menu/ }).press("Enter");
  await s.page.getByRole("link", { name: "Settings" }).press("Enter");
  await s.page.getByRole("heading", { name: "Settings", level: 1 }).waitFor();
  for (const page of [s.page, v.page]) await page.evaluate(() => localStorage.removeItem("helpline:comfort"));
  noProblems(s.page, v.page);
  await s.context.close();
  await v.context.close();
});
