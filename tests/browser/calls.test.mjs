// Voice calls in real browsers: two headless Chromium pages with fake
// microphones and cameras, signed in through the web app, call each other
// through the server. getStats() (read through the call screen's
// RTCPeerConnection) must show audio packets arriving on each side; the call
// is hung up and its record checked with GET /api/calls. A second call forces
// iceTransportPolicy "relay" through the local coturn that
// scripts/browser-test.sh starts (HELPLINE_TEST_TURN_URLS), proving the server's
// TURN credentials work. Also: the incoming-call and in-call screens (axe,
// screenshots), a second device that stops ringing when the call is answered
// elsewhere, a declined call, a call started by a voice help request, and a
// page reloaded mid-call that takes its call back (Rejoin, call:resume).

import { after, before } from "node:test";
import assert from "node:assert/strict";
import { scenario, launch, open, register, signIn, snap, noProblems, restGet, WAIT, PHONE } from "./lib.mjs";

let browser;
before(async () => (browser = await launch({ media: true })));
after(() => browser?.close());

/** A signed-in page whose context may use the fake microphone and camera. */
async function caller(account, options = {}) {
  const { context, page } = await open(browser, options);
  await context.grantPermissions(["microphone", "camera"]);
  await signIn(page, account);
  return { account, context, page };
}

/** A seeker (Margaret) and a volunteer in a chat (a targeted chat request,
 *  accepted). Each scenario names its volunteer differently, so the
 *  seeker's list never shows two of the same name. */
async function chatting(name) {
  const priya = await caller(await register("volunteer", name, ["English"]));
  const margaret = await caller(await register("seeker", "Margaret"), { viewport: PHONE });
  const m = margaret.page;
  await m.locator(".person", { hasText: name }).getByRole("button", { name: `Chat now with ${name}` }).click();
  await priya.page.locator(".offer", { hasText: "Margaret" }).getByRole("button", { name: "Accept Margaret" }).click();
  await priya.page.getByRole("heading", { name: "Margaret", level: 1 }).waitFor();
  await m.getByRole("heading", { name, level: 1 }).waitFor();
  const conversationId = new URL(m.url()).pathname.split("/").pop();
  return { priya, margaret, conversationId };
}

/** The call's stats summary on a page, read from its RTCPeerConnection. */
function callStats(page) {
  return page.evaluate(async () => {
    const pc = document.querySelector("hl-call-screen").pc;
    if (!pc) return null;
    const report = [...(await pc.getStats()).values()];
    const audio = report.find((s) => s.type === "inbound-rtp" && s.kind === "audio");
    const transport = report.find((s) => s.type === "transport" && s.selectedCandidatePairId);
    const pair = transport && report.find((s) => s.id === transport.selectedCandidatePairId);
    const type = (id) => report.find((s) => s.id === id)?.candidateType ?? null;
    return {
      audioPacketsReceived: audio?.packetsReceived ?? 0,
      local: pair ? type(pair.localCandidateId) : null,
      remote: pair ? type(pair.remoteCandidateId) : null,
    };
  });
}

/** Waits until audio packets arrive on `page`; returns the stats then. */
async function audioFlows(page) {
  await page.locator("dialog.call-screen[data-connection=connected]").waitFor();
  await page.waitForFunction(
    async () => {
      const pc = document.querySelector("hl-call-screen").pc;
      const stats = pc ? [...(await pc.getStats()).values()] : [];
      return stats.some((s) => s.type === "inbound-rtp" && s.kind === "audio" && s.packetsReceived > 0);
    },
    null,
    { polling: 200, timeout: WAIT },
  );
  return callStats(page);
}

/** The conversation's calls, as the server stored them. */
async function calls(page, conversationId) {
  return (await restGet(page, `/api/calls?conversationId=${conversationId}`)).calls;
}

/** Polls the record until `done(call)` (call:stats arrives after call:ended). */
async function recordWhere(page, conversationId, done) {
  const deadline = Date.now() + WAIT;
  for (;;) {
    const [call] = await calls(page, conversationId);
    if (call && done(call)) return call;
    if (Date.now() > deadline) assert.fail(`the call record never matched: ${JSON.stringify(call)}`);
    await page.waitForTimeout(200);
  }
}

scenario("a voice call from a chat: both hear each other, the second device stops ringing, hang up, the record", async () => {
  const { priya, margaret, conversationId } = await chatting("Priya");
  const m = margaret.page;
  const p = priya.page;
  // Margaret also has the app open on a second device.
  const other = await caller(margaret.account);
  await other.page.goto(`/chats/${conversationId}`);
  await other.page.getByRole("heading", { name: "Priya", level: 1 }).waitFor();

  await p.getByRole("button", { name: "Call Margaret", exact: true }).click();
  await p.getByRole("status").filter({ hasText: "Calling Margaret…" }).waitFor();
  for (const page of [m, other.page]) await page.getByRole("heading", { name: "Priya is calling you" }).waitFor();
  await m.getByText("Voice call", { exact: true }).waitFor();
  await snap(m, "call-incoming");

  // Focus starts on Accept: Enter answers.
  await m.keyboard.press("Enter");
  // The other device stops ringing and says why.
  await other.page.getByRole("heading", { name: "Priya is calling you" }).waitFor({ state: "hidden" });
  await other.page.getByText("You answered this call on another device.").waitFor();

  const [heard, spoke] = await Promise.all([audioFlows(m), audioFlows(p)]);
  assert.ok(heard.audioPacketsReceived > 0 && spoke.audioPacketsReceived > 0, JSON.stringify({ heard, spoke }));
  await m.getByRole("heading", { name: "Call with Priya" }).waitFor();
  await m.getByRole("status").filter({ hasText: "Connected" }).waitFor();
  await m.locator(".call-time time").waitFor();
  await snap(m, "call-in-progress");

  // Turning the camera on renegotiates the call: Priya sees Margaret.
  await m.getByRole("button", { name: "Turn camera on" }).click();
  await m.getByRole("button", { name: "Turn camera off" }).waitFor();
  await p.locator(".remote-video:not([hidden])").waitFor();
  await p.waitForFunction(
    async () => [...(await document.querySelector("hl-call-screen").pc.getStats()).values()].some((s) => s.type === "inbound-rtp" && s.kind === "video" && s.packetsReceived > 0),
    null,
    { polling: 200, timeout: WAIT },
  );

  // Mute turns the microphone track off, and back on.
  await m.getByRole("button", { name: "Mute" }).click();
  await m.getByRole("button", { name: "Unmute" }).waitFor();
  assert.equal(await m.evaluate(() => document.querySelector("hl-call-screen").pc.getSenders().find((s) => s.track?.kind === "audio").track.enabled), false);
  await m.getByRole("button", { name: "Unmute" }).click();
  await m.getByRole("button", { name: "Mute" }).waitFor();

  await p.getByRole("button", { name: "Hang up" }).click();
  for (const page of [m, p]) await page.getByRole("status").filter({ hasText: /^Call ended · / }).waitFor();
  // The record, with both sides' quality reports.
  const record = await recordWhere(m, conversationId, (c) => c.stats?.caller && c.stats?.callee);
  assert.equal(record.status, "ended");
  assert.equal(record.reason, "hangup");
  assert.equal(record.media, "voice");
  assert.equal(record.callerId, priya.account.user.id);
  assert.equal(record.calleeId, margaret.account.user.id);
  assert.ok(record.answeredAt && record.durationSecs >= 0);
  assert.ok(record.stats.caller.packetsReceived > 0 && record.stats.callee.packetsReceived > 0, JSON.stringify(record.stats));
  // The call shows in the chat, on both sides.
  for (const page of [m, p]) await page.locator(".msg.system", { hasText: "Voice call ·" }).waitFor();
  await m.getByRole("button", { name: "Close" }).click();
  await m.locator("dialog.call-screen").waitFor({ state: "hidden" });

  noProblems(m, p, other.page);
  for (const x of [priya, margaret, other]) await x.context.close();
});

scenario("a call forced through TURN (iceTransportPolicy relay) via the local coturn", async (t) => {
  if (!process.env.HELPLINE_TEST_TURN_URLS) return t.skip("no TURN server configured (scripts/browser-test.sh starts coturn)");
  const { priya, margaret, conversationId } = await chatting("Tom");
  const m = margaret.page;
  const p = priya.page;
  for (const page of [m, p]) await page.evaluate(() => localStorage.setItem("helpline:iceTransportPolicy", "relay"));

  await m.getByRole("button", { name: "Call Tom", exact: true }).click();
  await p.getByRole("button", { name: "Accept" }).click();
  const [mine, theirs] = await Promise.all([audioFlows(m), audioFlows(p)]);
  for (const stats of [mine, theirs]) {
    assert.equal(stats.local, "relay", JSON.stringify(stats));
    assert.equal(stats.remote, "relay", JSON.stringify(stats));
    assert.ok(stats.audioPacketsReceived > 0);
  }
  await m.getByRole("button", { name: "Hang up" }).click();
  await p.getByRole("status").filter({ hasText: /^Call ended · / }).waitFor();
  const record = await recordWhere(p, conversationId, (c) => c.status === "ended");
  assert.equal(record.callerId, margaret.account.user.id);
  noProblems(m, p);
  for (const x of [priya, margaret]) await x.context.close();
});

scenario("a declined video call is explained to the caller and recorded in the chat", async () => {
  const { priya, margaret, conversationId } = await chatting("Hana");
  const m = margaret.page;
  const p = priya.page;
  // Video call is in the chat's menu, More.
  await m.getByRole("button", { name: "More chat options" }).click();
  await m.getByRole("dialog").getByRole("button", { name: "Video call Hana" }).click();
  await p.getByRole("heading", { name: "Margaret is calling you" }).waitFor();
  await p.getByText("Video call", { exact: true }).waitFor();
  await p.getByRole("button", { name: "Decline" }).click();
  await m.getByRole("status").filter({ hasText: "Hana cannot take a call right now." }).waitFor();
  for (const page of [m, p]) await page.locator(".msg.system", { hasText: "Video call declined" }).waitFor();
  const [record] = await calls(m, conversationId);
  assert.equal(record.status, "rejected");
  assert.equal(record.media, "video");
  await m.getByRole("button", { name: "Close" }).click();
  await m.locator("dialog.call-screen").waitFor({ state: "hidden" });
  noProblems(m, p);
  for (const x of [priya, margaret]) await x.context.close();
});

scenario("Call now: a voice request starts the call when the volunteer accepts", async () => {
  const ravi = await caller(await register("volunteer", "Ravi", ["English"]));
  const arthur = await caller(await register("seeker", "Arthur"));
  const a = arthur.page;
  const p = ravi.page;
  await a.locator(".person", { hasText: "Ravi" }).getByRole("button", { name: "Call now with Ravi" }).click();
  await a.getByRole("heading", { name: "Waiting for Ravi…" }).waitFor();
  const offer = p.locator(".offer", { hasText: "Arthur" });
  await offer.getByText("Voice call", { exact: true }).waitFor();
  await offer.getByText("Accepting starts a voice call.").waitFor();
  await offer.getByRole("button", { name: "Accept Arthur" }).click();

  await a.getByRole("heading", { name: "Call with Ravi" }).waitFor();
  await p.getByRole("heading", { name: "Call with Arthur" }).waitFor();
  const [heard, spoke] = await Promise.all([audioFlows(a), audioFlows(p)]);
  assert.ok(heard.audioPacketsReceived > 0 && spoke.audioPacketsReceived > 0);
  const conversationId = new URL(p.url()).pathname.split("/").pop();
  await a.getByRole("button", { name: "Hang up" }).click();
  await p.getByRole("status").filter({ hasText: /^Call ended · / }).waitFor();
  const record = await recordWhere(a, conversationId, (c) => c.status === "ended");
  assert.equal(record.callerId, arthur.account.user.id);
  assert.equal(record.calleeId, ravi.account.user.id);
  noProblems(a, p);
  for (const x of [ravi, arthur]) await x.context.close();
});

scenario("busy, cancelled, both calling each other at once, and a call cut off", async () => {
  const { priya: sam, margaret, conversationId } = await chatting("Sam");
  const m = margaret.page;
  const s = sam.page;
  // Arthur has a chat with Sam too.
  const arthur = await caller(await register("seeker", "Arthur"));
  const a = arthur.page;
  await a.locator(".person", { hasText: "Sam" }).getByRole("button", { name: "Chat now with Sam" }).click();
  await s.locator(".offer", { hasText: "Arthur" }).getByRole("button", { name: "Accept Arthur" }).click();
  await a.getByRole("heading", { name: "Sam", level: 1 }).waitFor();

  // Margaret calls and cancels before Sam answers: Sam's ringing stops and he is told.
  await m.getByRole("button", { name: "Call Sam", exact: true }).click();
  await s.getByRole("heading", { name: "Margaret is calling you" }).waitFor();
  await m.getByRole("button", { name: "Cancel call" }).click();
  await s.getByRole("heading", { name: "Margaret is calling you" }).waitFor({ state: "hidden" });
  await s.getByText("You missed a call from Margaret.").waitFor();
  await m.locator(".msg.system", { hasText: "Cancelled voice call" }).waitFor();
  await m.getByRole("button", { name: "Close" }).click();

  // Both press Call at the same moment: the server keeps one call, and both
  // end up in it (no one is left ringing).
  const invite = (page) =>
    page.evaluate(async (id) => {
      const { store } = await import("/js/state.js");
      store.calls.invite(id, "voice");
    }, conversationId);
  await Promise.all([invite(m), invite(s)]);
  await Promise.all([audioFlows(m), audioFlows(s)]);
  for (const page of [m, s]) assert.equal(await page.locator("dialog.call-incoming").isVisible(), false);
  const live = (await calls(m, conversationId)).filter((c) => c.status === "active");
  assert.equal(live.length, 1);

  // Sam is in that call, so Arthur's call is busy.
  await a.getByRole("button", { name: "Call Sam", exact: true }).click();
  await a.getByRole("status").filter({ hasText: "Sam is on another call. Please try again later." }).waitFor();
  await a.locator(".msg.system", { hasText: "Voice call · line busy" }).waitFor();
  assert.equal(await s.locator("dialog.call-incoming").isVisible(), false);

  // Margaret's browser goes away in the middle of the call: once the server's
  // disconnect grace has passed, Sam is told the call was cut off.
  noProblems(m, s, a);
  await margaret.context.close();
  await s.getByRole("status").filter({ hasText: /^The call with Margaret was cut off/ }).waitFor();
  const [cut] = await calls(s, conversationId);
  assert.equal(cut.status, "failed");
  assert.equal(cut.reason, "disconnected");
  const { messages } = await restGet(s, `/api/conversations/${conversationId}/messages?limit=10`);
  assert.ok(messages.some((x) => x.type === "system" && x.content.endsWith("(connection lost)")), JSON.stringify(messages.map((x) => x.content)));
  noProblems(s, a);
  for (const x of [sam, arthur]) await x.context.close();
});

scenario("a page reloaded mid-call takes its call back: Rejoin, and both hear each other again", async () => {
  const { priya, margaret, conversationId } = await chatting("Tomas");
  const m = margaret.page;
  const p = priya.page;
  await p.getByRole("button", { name: "Call Margaret", exact: true }).click();
  await m.getByRole("heading", { name: "Tomas is calling you" }).waitFor();
  await m.getByRole("button", { name: "Accept" }).click();
  await Promise.all([audioFlows(m), audioFlows(p)]);

  // Margaret's app reloads: the call goes on, and she can take it back.
  await p.evaluate(() => (window.previousPc = document.querySelector("hl-call-screen").pc));
  await m.reload();
  await m.locator("hl-call-rejoin").getByText("Your call with Tomas is still on.").waitFor();
  await m.getByRole("button", { name: "Rejoin" }).click();
  await m.locator("hl-call-rejoin").getByText("Your call with Tomas is still on.").waitFor({ state: "hidden" });
  // Priya's side answers Margaret's fresh offer with a fresh connection.
  await p.waitForFunction(() => {
    const pc = document.querySelector("hl-call-screen").pc;
    return pc && pc !== window.previousPc;
  }, null, { polling: 100, timeout: WAIT });
  // Audio arrives on both sides' new connections (audioFlows waits for it;
  // a renegotiated connection may list a second, idle receiver).
  await Promise.all([audioFlows(m), audioFlows(p)]);

  await m.getByRole("button", { name: "Hang up" }).click();
  for (const page of [m, p]) await page.getByRole("status").filter({ hasText: /^Call ended · / }).waitFor();
  const record = await recordWhere(p, conversationId, (c) => c.status === "ended");
  assert.equal(record.reason, "hangup");
  noProblems(m, p);
  for (const x of [priya, margaret]) await x.context.close();
});
