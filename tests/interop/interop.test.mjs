// Interop tests: the helpline server driven by the official `socket.io-client`
// (pinned to 4.8.4 in package.json), using Node's built-in test runner.
//
//   HELPLINE_BIN=/path/to/helpline node --test interop.test.mjs
//
// HELPLINE_BIN defaults to ../../target/debug/helpline; a relative value is
// taken relative to this file (scripts/interop-test.sh passes an absolute one).
// HELPLINE_INTEROP_KEEP_DATA=1 keeps the server's temporary data directory.
//
// The server is started once for the whole file as a child process with its
// own temporary data directory and a free port, and stopped (SIGTERM, then a
// wait for its exit) when the file is done, whether the tests passed or not.
// Every wait is on an event and has a timeout; nothing sleeps for a fixed time.
// The server process, accounts and client helpers are in harness.mjs.

import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { chatBothWays, JWT_SECRET, START_MS, STOP_MS, ask, assertError, assertOk, client, clientMessageId, connect, expectRefused, openSockets, register, sendAndObserve, server, signJwt, startChat, startServer, stopServer, waitFor } from "./harness.mjs";

describe("helpline with socket.io-client 4.8.4", { timeout: 60_000 }, () => {
  before(startServer, { timeout: START_MS + 5_000 });

  after(stopServer, { timeout: STOP_MS + 5_000 });

  afterEach(() => {
    for (const socket of openSockets) socket.close();
    openSockets.clear();
  });

  it("refuses connections without a token or with a bad one (connect_error 'unauthorized')", async () => {
    const { user } = await register("seeker");
    const now = Math.floor(Date.now() / 1000);
    const cases = {
      "no auth at all": { auth: undefined },
      "auth without token": { auth: {} },
      "token not a string": { auth: { token: 12345 } },
      "empty token": { token: "" },
      "garbage token": { token: "not-a-jwt" },
      "forged signature": { token: signJwt({ sub: user.id, iat: now, exp: now + 3600 }, "not-the-server-secret") },
      "alg none": { token: signJwt({ sub: user.id, iat: now, exp: now + 3600 }, null, { alg: "none", typ: "JWT" }) },
      "expired, correctly signed": { token: signJwt({ sub: user.id, iat: now - 7200, exp: now - 3600 }, JWT_SECRET) },
      "unknown user, correctly signed": { token: signJwt({ sub: "no-such-user", iat: now, exp: now + 3600 }, JWT_SECRET) },
    };
    for (const [name, options] of Object.entries(cases)) {
      for (const transports of [["websocket"], ["polling"]]) {
        const error = await expectRefused({ ...options, transports });
        assert.equal(error?.message, "unauthorized", `${name} over ${transports}: ${error?.message}`);
      }
    }

    // Control: a hand-made token with the right secret is accepted, so the
    // refusals above are about the signature/claims, not the token's shape.
    const good = await connect(signJwt({ sub: user.id, iat: now, exp: now + 3600 }, JWT_SECRET));
    assert.equal(good.connected, true);
  });

  it("runs the full chat flow over websocket", async () => {
    const seeker = await register("seeker", "Seeker Sam");
    const volunteer = await register("volunteer", "Volunteer Vi");
    const volunteerSocket = await connect(volunteer.token, ["websocket"]);
    const seekerSocket = await connect(seeker.token, ["websocket"]);
    assert.equal(seekerSocket.io.engine.transport.name, "websocket");

    const { conversationId } = await startChat({ seeker, seekerSocket, volunteer, volunteerSocket });
    const both = [seekerSocket, volunteerSocket];

    const first = await sendAndObserve(seekerSocket, seeker, conversationId, "Hello, is anyone there?", both);
    const second = await sendAndObserve(volunteerSocket, volunteer, conversationId, "Hi! I'm here. How are you?", both);
    // seq 1 is the server's "… accepted the request" system message.
    assert.equal(first.seq, 2);
    assert.equal(second.seq, 3);
    assert.notEqual(first.id, second.id);

    for (const socket of both) {
      const synced = assertOk(await ask(socket, "message:sync", { conversationId, afterSeq: 0 }), "message:sync");
      const [accepted, ...rest] = synced.messages;
      assert.equal(accepted.type, "system");
      assert.equal(accepted.seq, 1);
      assert.equal(accepted.senderId, volunteer.user.id);
      assert.deepEqual(rest, [first, second]);
      assert.equal(synced.hasMore, false);
    }
    const tail = assertOk(await ask(seekerSocket, "message:sync", { conversationId, afterSeq: 2 }), "message:sync after 2");
    assert.deepEqual(tail.messages, [second]);

    const isThis = (p) => p.conversationId === conversationId;
    const endedForSeeker = waitFor(seekerSocket, "chat:ended", isThis);
    const endedForVolunteer = waitFor(volunteerSocket, "chat:ended", isThis);
    assertOk(await ask(volunteerSocket, "chat:end", { conversationId }), "chat:end");
    for (const ended of await Promise.all([endedForSeeker, endedForVolunteer])) {
      assert.equal(ended.conversationId, conversationId);
      assert.equal(ended.endedBy, volunteer.user.id);
    }

    assertError(await ask(seekerSocket, "chat:end", { conversationId }), "conversation_ended", "second chat:end");
    assertError(
      await ask(seekerSocket, "message:send", { conversationId, content: "too late", clientMessageId: clientMessageId() }),
      "conversation_ended",
      "message:send after the end",
    );
  });

  it("works with the seeker on long-polling only and the volunteer on websocket", async () => {
    const seeker = await register("seeker", "Polling Pat");
    const volunteer = await register("volunteer", "Websocket Wes");
    const volunteerSocket = await connect(volunteer.token, ["websocket"]);
    const seekerSocket = await connect(seeker.token, ["polling"]);
    assert.equal(seekerSocket.io.engine.transport.name, "polling");
    assert.equal(volunteerSocket.io.engine.transport.name, "websocket");

    const { conversationId, first, second } = await chatBothWays(
      { seeker, seekerSocket, volunteer, volunteerSocket },
      "over long-polling",
    );

    const synced = assertOk(await ask(seekerSocket, "message:sync", { conversationId, afterSeq: 1 }), "message:sync");
    assert.deepEqual(synced.messages, [first, second]);

    const ended = waitFor(seekerSocket, "chat:ended", (p) => p.conversationId === conversationId);
    assertOk(await ask(seekerSocket, "chat:end", { conversationId }), "chat:end");
    assert.equal((await ended).endedBy, seeker.user.id);
    // The seeker never left polling.
    assert.equal(seekerSocket.io.engine.transport.name, "polling");
  });

  it("upgrades the default client from long-polling to websocket mid-conversation", async () => {
    const seeker = await register("seeker", "Upgrading Uma");
    const volunteer = await register("volunteer", "Websocket Wes");
    const volunteerSocket = await connect(volunteer.token, ["websocket"]);
    // The client's defaults: connect over polling, then upgrade.
    const seekerSocket = await connect(seeker.token, ["polling", "websocket"]);
    const engine = seekerSocket.io.engine;
    if (engine.transport.name !== "websocket") {
      await new Promise((upgraded, failed) => {
        engine.once("upgrade", upgraded);
        engine.once("upgradeError", failed);
      });
    }
    assert.equal(engine.transport.name, "websocket");

    const { conversationId } = await chatBothWays(
      { seeker, seekerSocket, volunteer, volunteerSocket },
      "after the upgrade",
    );
    // Nothing was lost or repeated across the switch.
    const synced = assertOk(await ask(seekerSocket, "message:sync", { conversationId, afterSeq: 0 }), "message:sync");
    assert.deepEqual(synced.messages.map((m) => m.seq), [1, 2, 3]);
  });

  it("acks bad input with 'invalid' and keeps the socket usable", async () => {
    const seeker = await register("seeker");
    const volunteer = await register("volunteer");
    const volunteerSocket = await connect(volunteer.token);
    const seekerSocket = await connect(seeker.token);
    const { conversationId } = await startChat({ seeker, seekerSocket, volunteer, volunteerSocket });

    const bad = await ask(seekerSocket, "message:send", { conversationId, content: 42, clientMessageId: clientMessageId() });
    assertError(bad, "invalid", "message:send with numeric content");
    assert.equal(seekerSocket.connected, true, "the socket should stay connected after bad input");

    // A few more shapes of bad input: each acked `invalid`, none disconnects.
    const moreBad = {
      "payload is a string": "hello",
      "payload is an array": [conversationId, "hi"],
      "content missing": { conversationId, clientMessageId: clientMessageId() },
      "content empty": { conversationId, content: "", clientMessageId: clientMessageId() },
      "content too long": { conversationId, content: "x".repeat(4001), clientMessageId: clientMessageId() },
      "conversationId a number": { conversationId: 7, content: "hi", clientMessageId: clientMessageId() },
      "clientMessageId too long": { conversationId, content: "hi", clientMessageId: "c".repeat(65) },
    };
    for (const [name, payload] of Object.entries(moreBad)) {
      assertError(await ask(seekerSocket, "message:send", payload), "invalid", name);
    }
    assertError(await ask(seekerSocket, "message:sync", { conversationId, afterSeq: "zero" }), "invalid", "message:sync afterSeq string");
    assertError(await ask(seekerSocket, "seeker:request", { requestType: "telepathy" }), "invalid", "seeker:request bad type");
    assertError(await ask(seekerSocket, "no:such:event", {}), "invalid", "unknown event");
    assert.equal(seekerSocket.connected, true);

    // Still works, and nothing was stored by the bad events: the next
    // message is seq 2, right after the server's "accepted" notice.
    const good = await sendAndObserve(seekerSocket, seeker, conversationId, "still here", [seekerSocket, volunteerSocket]);
    assert.equal(good.seq, 2);
    const synced = assertOk(await ask(volunteerSocket, "message:sync", { conversationId, afterSeq: 1 }), "message:sync");
    assert.deepEqual(synced.messages, [good]);
  });

  it("stores a resent clientMessageId once and returns the same message", async () => {
    const seeker = await register("seeker");
    const volunteer = await register("volunteer");
    const volunteerSocket = await connect(volunteer.token);
    const seekerSocket = await connect(seeker.token);
    const { conversationId } = await startChat({ seeker, seekerSocket, volunteer, volunteerSocket });

    // Count every message:new the volunteer sees in this conversation.
    const seenByVolunteer = [];
    volunteerSocket.on("message:new", (m) => {
      if (m.conversationId === conversationId && m.type !== "system") seenByVolunteer.push(m);
    });

    const cmid = clientMessageId();
    const payload = { conversationId, content: "Please only store me once", clientMessageId: cmid };
    const firstAck = assertOk(await ask(seekerSocket, "message:send", payload), "first send");
    const retryAck = assertOk(await ask(seekerSocket, "message:send", payload), "resend");
    assert.equal(retryAck.message.id, firstAck.message.id);
    assert.deepEqual(retryAck.message, firstAck.message);
    assert.equal(firstAck.message.seq, 2);

    // A later message marks the point by which any duplicate broadcast would
    // have arrived (events in one room reach a socket in order).
    const marker = await sendAndObserve(seekerSocket, seeker, conversationId, "marker", [volunteerSocket]);
    assert.equal(marker.seq, 3, "the resend must not take a seq");
    assert.deepEqual(seenByVolunteer.map((m) => m.seq), [2, 3], "the resend must not be broadcast again");

    const synced = assertOk(await ask(seekerSocket, "message:sync", { conversationId, afterSeq: 1 }), "message:sync");
    assert.deepEqual(synced.messages.map((m) => m.id), [firstAck.message.id, marker.id]);
  });
});
