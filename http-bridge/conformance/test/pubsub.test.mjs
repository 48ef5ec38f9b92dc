// redis.subscribe / psubscribe: Server-Sent Events from POST /subscribe/<channel>.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { client, prefix, TEST_TIMEOUT_MS } from "../support/bridge.mjs";

/** Resolves with the first event of `type` on a subscriber, or rejects after `ms`. */
function next(sub, type, ms = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${type}' event within ${ms} ms`)), ms);
    sub.on(type, (data) => {
      clearTimeout(timer);
      resolve(data);
    });
    sub.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

describe("pub/sub over server-sent events", { timeout: TEST_TIMEOUT_MS }, () => {
  const redis = client({ enableAutoPipelining: false });

  test("subscribe, receive published messages in order, unsubscribe", async () => {
    const channel = `${prefix("chan")}news`;
    const sub = redis.subscribe(channel);
    try {
      assert.equal(await next(sub, "subscribe"), 1);
      const received = [];
      const done = new Promise((resolve) =>
        sub.on(`message:${channel}`, (m) => {
          received.push(m.message);
          if (received.length === 3) resolve();
        }),
      );
      assert.equal(await redis.publish(channel, "hello, world"), 1);
      assert.equal(await redis.publish(channel, { n: 1, text: "é🚀" }), 1);
      assert.equal(await redis.publish(channel, "last"), 1);
      await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error(`got ${JSON.stringify(received)}`)), 5000))]);
      assert.deepEqual(received, ["hello, world", { n: 1, text: "é🚀" }, "last"]);
    } finally {
      await sub.unsubscribe();
    }
  });

  test("psubscribe receives messages of matching channels", async () => {
    const base = prefix("pchan");
    const sub = redis.psubscribe(`${base}*`);
    try {
      assert.equal(await next(sub, "psubscribe"), 1);
      const got = next(sub, "pmessage");
      // (the client JSON.parses pmessage payloads without a fallback, so publish JSON here)
      assert.equal(await redis.publish(`${base}one`, { kind: "payload", text: "a,b" }), 1);
      assert.deepEqual(await got, { pattern: `${base}*`, channel: `${base}one`, message: { kind: "payload", text: "a,b" } });
    } finally {
      await sub.unsubscribe();
    }
  });
});

describe("pub/sub slots", { timeout: 90000 }, () => {
  const redis = client({ enableAutoPipelining: false });

  // The bridge caps open streams (max-subscribers, 16 by default). A client that unsubscribes
  // closes its HTTP connection; the bridge can only notice on its next write to that stream,
  // so the slot may stay taken for a moment, but not for long.
  test("closed subscriptions free their slot within 10 s: 24 subscribe/unsubscribe cycles", async () => {
    const base = prefix("cycle");
    for (let i = 0; i < 24; i++) {
      const started = Date.now();
      for (;;) {
        const sub = redis.subscribe(`${base}${i}`);
        try {
          assert.equal(await next(sub, "subscribe", 3000), 1, `cycle ${i}`);
          break;
        } catch (err) {
          const full = /too many subscriptions/i.test(String(err?.message));
          if (!full || Date.now() - started > 10000) {
            throw new Error(`cycle ${i}: no subscription after ${Date.now() - started} ms: ${err?.message}`);
          }
          await new Promise((r) => setTimeout(r, 250));
        } finally {
          await sub.unsubscribe();
        }
      }
    }
  });
});
