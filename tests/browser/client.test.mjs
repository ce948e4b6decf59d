// The app's own Socket.IO client (web/js/socket.js), tested against the
// server like any other client: handshake with auth, refusal, acks, server
// events, unknown events, and reconnection.

import { after, before } from "node:test";
import assert from "node:assert/strict";
import { scenario, launch, open, register } from "./lib.mjs";

let browser;
let page;
before(async () => {
  browser = await launch();
  ({ page } = await open(browser));
  await page.goto("/");
});
after(() => browser?.close());

/** Runs `fn(token)` in the page; `fn` imports the client itself (the page's
 *  CSP forbids building functions from strings, so the source goes as is). */
const inPage = (fn, token) => page.evaluate(fn, token);

scenario("a bad token is refused with connect_error unauthorized, and no retry", async () => {
  const result = await inPage(async (token) => {
    const { Socket } = await import("/js/socket.js");
    const once = (socket, event) => new Promise((resolve) => socket.on(event, resolve));
    const socket = new Socket(() => ({ token: "not-a-token" }));
    const error = once(socket, "connect_error");
    socket.connect();
    const message = await error;
    return { message, state: socket.state };
  });
  assert.deepEqual(result, { message: "unauthorized", state: "unauthorized" });
});

scenario("acks, server events and unknown events", async () => {
  const { token } = await register("seeker", "Client Test");
  const result = await inPage(async (token) => {
    const { Socket } = await import("/js/socket.js");
    const once = (socket, event) => new Promise((resolve) => socket.on(event, resolve));
    const socket = new Socket(() => ({ token }));
    const connected = once(socket, "connect");
    socket.connect();
    await connected;
    const status = await socket.request("request:status", {});
    const unknown = await socket.request("no:such:event", {});
    const queued = once(socket, "seeker:queued");
    const asked = await socket.request("seeker:request", { requestType: "chat", note: "client test" });
    const event = await queued;
    const cancelled = await socket.request("request:cancel", { requestId: asked.requestId });
    socket.close();
    return { id: typeof socket.id, status, unknown: unknown.error.code, asked, event, cancelled };
  }, token);
  assert.equal(result.status.ok, true);
  assert.equal(result.status.request, null);
  assert.equal(result.unknown, "invalid");
  assert.equal(result.asked.ok, true);
  assert.equal(result.asked.status, "pending");
  assert.deepEqual(result.event, { requestId: result.asked.requestId });
  assert.equal(result.cancelled.status, "cancelled");
});

scenario("a dropped connection fails pending acks, reconnects with the auth again, and works", async () => {
  const { token } = await register("seeker", "Client Reconnect");
  const result = await inPage(async (token) => {
    const { Socket } = await import("/js/socket.js");
    const once = (socket, event) => new Promise((resolve) => socket.on(event, resolve));
    const socket = new Socket(() => ({ token }), { minDelay: 50 });
    const states = [];
    socket.on("state", (s) => states.push(s));
    let first = once(socket, "connect");
    socket.connect();
    await first;
    const pending = socket.request("request:status", {}).then(() => "answered", (e) => e.message);
    const again = once(socket, "connect");
    socket.ws.close();
    const failed = await pending;
    const reconnect = await again;
    const status = await socket.request("request:status", {});
    const notConnected = await new Socket(() => ({ token })).request("request:status").catch((e) => e.message);
    socket.close();
    return { failed, reconnect, ok: status.ok, states, notConnected };
  }, token);
  assert.equal(result.failed, "disconnected");
  assert.deepEqual(result.reconnect, { reconnect: true });
  assert.equal(result.ok, true);
  assert.deepEqual(result.states, ["connecting", "connected", "reconnecting", "connected", "closed"]);
  assert.equal(result.notConnected, "not connected");
});
