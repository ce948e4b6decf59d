// Oversized request bodies through Node's built-in fetch (undici), which
// goes on sending its body while the server answers, as browsers and
// mobile HTTP stacks do: the server's early answer (413 too_large, or a
// 401 decided before the body is read) must reach the client as a
// readable response, not a reset or EPIPE, on JSON and multipart routes.

import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { START_MS, STOP_MS, connect, openSockets, register, server, startChat, startServer, stopServer } from "./harness.mjs";

/** The default attachment limit (10 MiB) and a file past it. */
const OVER_ATTACHMENT_LIMIT = 12 * 1024 * 1024;

describe("oversized bodies over Node's fetch", { timeout: 60_000 }, () => {
  before(startServer, { timeout: START_MS + 5_000 });

  after(stopServer, { timeout: STOP_MS + 5_000 });

  afterEach(() => {
    for (const socket of openSockets) socket.close();
    openSockets.clear();
  });

  it("answers a 5 MiB JSON body with a readable 413, and the next request works", async () => {
    const body = JSON.stringify({ username: "x".repeat(5 * 1024 * 1024), password: "correct horse battery" });
    for (let round = 0; round < 3; round += 1) {
      const res = await fetch(`${server.url}/api/auth/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      assert.equal(res.status, 413);
      const answer = await res.json();
      assert.equal(answer.error.code, "too_large");
      assert.equal(typeof answer.error.message, "string");
    }
    await register("seeker");
  });

  it("answers a file over the limit with a readable 413, and one with no token with a readable 401", async () => {
    const seeker = await register("seeker");
    const volunteer = await register("volunteer");
    const volunteerSocket = await connect(volunteer.token);
    const seekerSocket = await connect(seeker.token);
    const { conversationId } = await startChat({ seeker, seekerSocket, volunteer, volunteerSocket });
    const url = `${server.url}/api/conversations/${conversationId}/attachments`;
    const form = () => {
      const data = new FormData();
      data.append("file", new Blob([new Uint8Array(OVER_ATTACHMENT_LIMIT)], { type: "application/octet-stream" }), "big.bin");
      return data;
    };

    const tooLarge = await fetch(url, { method: "POST", headers: { authorization: `Bearer ${seeker.token}` }, body: form() });
    assert.equal(tooLarge.status, 413);
    assert.equal((await tooLarge.json()).error.code, "too_large");

    const anonymous = await fetch(url, { method: "POST", body: form() });
    assert.equal(anonymous.status, 401);
    assert.equal((await anonymous.json()).error.code, "unauthorized");

    const small = new FormData();
    small.append("file", new Blob(["hello"], { type: "text/plain" }), "note.txt");
    const fine = await fetch(url, { method: "POST", headers: { authorization: `Bearer ${seeker.token}` }, body: small });
    assert.equal(fine.status, 201, JSON.stringify(await fine.clone().json()));
  });
});
