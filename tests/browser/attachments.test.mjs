// Attachments in the web app, with two people in two pages: a photo (the
// other side sees its thumbnail, fetched with the token, and opens the full
// photo), a text file downloaded by the other side with its bytes checked,
// a voice note recorded from Chromium's fake microphone that arrives with a
// playable length, and the errors in words: too large, over the quota and
// offline. A deleted photo loses its picture on both sides. axe and the
// 18 px check run on the thread with attachments, at both widths.
//
// The limits need small values, so this file starts its own server (the
// HELPLINE_BIN of scripts/browser-test.sh, a fresh SQLite database, a free
// port) with HELPLINE_ATTACHMENT_MAX_BYTES and HELPLINE_ATTACHMENT_QUOTA_BYTES
// set, and points lib.mjs at it (as expiry.test.mjs does).

import { after, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { startOwnServer } from "./own-server.mjs";

const MAX = 200_000;
const QUOTA = 360_000;

const own = await startOwnServer("attachments", { HELPLINE_ATTACHMENT_MAX_BYTES: String(MAX), HELPLINE_ATTACHMENT_QUOTA_BYTES: String(QUOTA) });
const { scenario, launch, user, snap, checkA11y, checkTextSize, noProblems, png, PHONE } = await import("./lib.mjs");

let browser;
before(async () => {
  await own.ready();
  browser = await launch({ media: true });
});
after(async () => {
  await browser?.close();
  await own.stop();
});


/** A volunteer (desktop) and a seeker (phone) in an accepted chat. */
async function pair(volunteerName, seekerName) {
  const v = await user(browser, "volunteer", volunteerName);
  const s = await user(browser, "seeker", seekerName, { viewport: PHONE });
  await s.page.locator(".person", { hasText: volunteerName }).getByRole("button", { name: `Chat now with ${volunteerName}` }).click();
  await v.page.locator(".offer", { hasText: seekerName }).getByRole("button", { name: `Accept ${seekerName}` }).click();
  await s.page.getByRole("heading", { name: volunteerName, level: 1 }).waitFor();
  await v.page.getByRole("heading", { name: seekerName, level: 1 }).waitFor();
  return { v: v.page, s: s.page, vContext: v.context, sContext: s.context, close: () => Promise.all([v.context.close(), s.context.close()]) };
}

const pick = (page, file) => page.locator("hl-attach-button input[type=file]").setInputFiles(file);

scenario("a photo, a file and a voice note reach the other person", async () => {
  const { v, s, close } = await pair("Ines", "Albert");

  // Albert picks a photo: its name and size, with Remove, before sending.
  await pick(s, { name: "garden.png", mimeType: "image/png", buffer: png(64, 48) });
  const panel = s.getByRole("group", { name: "File to send" });
  await panel.locator(".file-name", { hasText: "garden.png" }).waitFor();
  await panel.getByText(/· \d+ (bytes|KB)/).waitFor();
  await checkA11y(s, "a photo chosen in the composer");
  await checkTextSize(s, "a photo chosen in the composer");
  // Remove forgets it; picking it again brings it back.
  await panel.getByRole("button", { name: "Remove garden.png" }).click();
  await panel.waitFor({ state: "hidden" });
  // Attach is in the composer's menu (closed again): the focus goes back to its button.
  assert.ok(await s.getByRole("button", { name: "Attach a file or set a timer" }).evaluate((el) => el === document.activeElement), "focus back on the composer's menu");
  await pick(s, { name: "garden.png", mimeType: "image/png", buffer: png(64, 48) });
  await s.getByRole("button", { name: "Send photo" }).click();
  await panel.waitFor({ state: "hidden" });

  // Ines sees the thumbnail (a blob: URL fetched with the token) and opens the photo.
  const thumb = v.locator(".attachment-photo img[alt='garden.png']");
  await thumb.waitFor();
  await v.waitForFunction(() => {
    const img = document.querySelector(".attachment-photo img");
    return img?.src.startsWith("blob:") && img.complete && img.naturalWidth > 0;
  });
  await snap(v, "thread-photo");
  await v.getByRole("button", { name: "garden.png (open the full photo)" }).click();
  const dialog = v.getByRole("dialog", { name: "garden.png" });
  await dialog.waitFor();
  await v.waitForFunction(() => document.querySelector("dialog .photo-full")?.naturalWidth === 64);
  await checkA11y(v, "the full photo");
  await checkTextSize(v, "the full photo");
  await dialog.getByRole("button", { name: "Close" }).click();
  await dialog.waitFor({ state: "detached" });

  // Ines answers the photo: the composer and the quote say what it was.
  await v.locator(".msg", { has: v.locator(".attachment-photo") }).getByRole("button", { name: "Options for Albert's message: Photo: garden.png" }).click();
  await v.getByRole("button", { name: "Reply", exact: true }).click();
  await v.getByText("Replying to Albert: Photo: garden.png").waitFor();
  await v.getByLabel("Message to Albert").fill("Lovely roses!");
  await v.getByLabel("Message to Albert").press("Enter");
  await s.locator(".msg", { hasText: "Lovely roses!" }).locator(".quote").getByText("a photo, file or voice message").waitFor();

  // A text file: Ines downloads it and gets Albert's bytes under its name.
  const text = "Shopping: bread, milk, tea.\nCall the doctor on Monday.\n";
  await pick(s, { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from(text) });
  await s.getByRole("button", { name: "Send file" }).click();
  const file = v.locator(".attachment-file", { hasText: "notes.txt" });
  await file.waitFor();
  await file.locator(".file-size", { hasText: `${Buffer.byteLength(text)} bytes` }).waitFor();
  const [download] = await Promise.all([v.waitForEvent("download"), file.getByRole("button", { name: /^Download notes\.txt/ }).click()]);
  assert.equal(download.suggestedFilename(), "notes.txt");
  assert.equal(readFileSync(await download.path(), "utf8"), text);

  // A voice note from the fake microphone: Record, Stop, preview, Send.
  await s.getByRole("button", { name: "Record voice message" }).click();
  const recorder = s.getByRole("group", { name: "Voice message" });
  await recorder.getByText("Recording…").waitFor();
  await recorder.locator(".record-time", { hasText: "0:02" }).waitFor();
  await recorder.getByRole("button", { name: "Stop" }).click();
  await recorder.locator("audio").waitFor();
  await checkA11y(s, "a voice message ready to send");
  await recorder.getByRole("button", { name: "Send voice message" }).click();
  await recorder.waitFor({ state: "hidden" });
  await v.locator(".attachment-voice audio").waitFor();
  await v.waitForFunction(() => {
    const audio = document.querySelector(".attachment-voice audio");
    return audio?.src.startsWith("blob:") && Number.isFinite(audio.duration) && audio.duration > 0;
  });
  await v.locator(".voice-length", { hasText: /^Voice message · \d+:\d\d$/ }).waitFor();
  // The sender sees the three as well, and the list names the last one.
  await s.locator(".attachment-voice audio").waitFor();
  await s.locator(".attachment-photo img[alt='garden.png']").waitFor();

  // The thread with attachments, checked at both widths.
  await snap(v, "thread-attachments");

  // Albert deletes the photo for everyone: the picture goes on both sides.
  const photoBubble = (page) => page.locator(".msg", { has: page.locator(".attachment-photo") });
  await photoBubble(s).getByRole("button", { name: /^Options for your message: Photo: garden\.png/ }).click();
  await s.getByRole("button", { name: "Delete for everyone" }).click();
  await s.getByRole("button", { name: "Yes, delete it" }).click();
  for (const page of [v, s]) {
    await page.locator(".attachment-photo").waitFor({ state: "detached" });
    await page.locator(".msg.deleted", { hasText: "Message deleted" }).first().waitFor();
  }
  noProblems(v, s);
  await close();
});

scenario("too large, over the quota and offline are said in words", async () => {
  const { s, v, sContext, close } = await pair("Kofi", "Doris");
  const panel = s.getByRole("group", { name: "File to send" });
  const error = panel.getByRole("alert");

  // Over the size limit: the server's 413 too_large, in words; the file stays.
  await pick(s, { name: "big.bin", mimeType: "application/octet-stream", buffer: Buffer.alloc(MAX + 1000, 7) });
  await s.getByRole("button", { name: "Send file" }).click();
  await error.getByText("This file is too large to send. Please choose a smaller one.").waitFor();
  await checkA11y(s, "an upload refused as too large");
  await checkTextSize(s, "an upload refused as too large");
  await panel.getByRole("button", { name: "Remove big.bin" }).click();

  // Offline: nothing is sent, and it says so; back online, Try again sends it.
  await sContext.setOffline(true);
  await pick(s, { name: "letter.txt", mimeType: "text/plain", buffer: Buffer.from("Dear Kofi,\nthank you.\n") });
  await s.getByRole("button", { name: "Send file" }).click();
  await error.getByText("You are offline. Please send the file when you are connected again.").waitFor();
  await sContext.setOffline(false);
  await s.locator("#connection-state[data-state=connected]").waitFor();
  await panel.getByRole("button", { name: "Try again" }).click();
  await panel.waitFor({ state: "hidden" });
  await v.locator(".attachment-file", { hasText: "letter.txt" }).waitFor();

  // Over the quota: the first file fits, the second would pass it.
  const part = Math.floor(QUOTA / 2) + 1000;
  await pick(s, { name: "first.bin", mimeType: "application/octet-stream", buffer: Buffer.alloc(part, 1) });
  await s.getByRole("button", { name: "Send file" }).click();
  await v.locator(".attachment-file", { hasText: "first.bin" }).waitFor();
  await pick(s, { name: "second.bin", mimeType: "application/octet-stream", buffer: Buffer.alloc(part, 2) });
  await s.getByRole("button", { name: "Send file" }).click();
  await error.getByText(/You have used all the space for files/).waitFor();
  await panel.getByRole("button", { name: "Remove second.bin" }).click();
  await panel.waitFor({ state: "hidden" });
  noProblems(s, v);
  await close();
});
