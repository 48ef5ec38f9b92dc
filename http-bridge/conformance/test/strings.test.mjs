// Strings and keys through the real @upstash/redis client, in both request modes.
import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { client, prefix, MODES, cleanup, TEST_TIMEOUT_MS } from "../support/bridge.mjs";

after(cleanup);

for (const mode of MODES) {
  describe(`strings, ${mode.name}`, { timeout: TEST_TIMEOUT_MS }, () => {
    const redis = client(mode.options);

    test("ping and echo", async () => {
      assert.equal(await redis.ping(), "PONG");
      assert.equal(await redis.echo("hello there"), "hello there");
    });

    test("set returns OK, get returns the value, a missing key is null", async () => {
      const p = prefix("str");
      assert.equal(await redis.set(`${p}a`, "value-a"), "OK");
      assert.equal(await redis.get(`${p}a`), "value-a");
      assert.equal(await redis.get(`${p}missing`), null);
    });

    test("numbers, booleans and objects go as JSON and come back typed", async () => {
      const p = prefix("typed");
      await redis.set(`${p}n`, 42);
      await redis.set(`${p}f`, 3.25);
      await redis.set(`${p}b`, true);
      await redis.set(`${p}o`, { name: "x", list: [1, 2, { deep: null }] });
      assert.equal(await redis.get(`${p}n`), 42);
      assert.equal(await redis.get(`${p}f`), 3.25);
      assert.equal(await redis.get(`${p}b`), true);
      assert.deepEqual(await redis.get(`${p}o`), { name: "x", list: [1, 2, { deep: null }] });
    });

    test("set with ex / px / nx / xx / get / keepTtl", async () => {
      const p = prefix("setopts");
      assert.equal(await redis.set(`${p}ex`, "v", { ex: 100 }), "OK");
      const ttl = await redis.ttl(`${p}ex`);
      assert.ok(ttl > 90 && ttl <= 100, `ttl ${ttl}`);

      assert.equal(await redis.set(`${p}px`, "v", { px: 100000 }), "OK");
      const pttl = await redis.pttl(`${p}px`);
      assert.ok(pttl > 90000 && pttl <= 100000, `pttl ${pttl}`);

      assert.equal(await redis.set(`${p}nx`, "first", { nx: true }), "OK");
      assert.equal(await redis.set(`${p}nx`, "second", { nx: true }), null);
      assert.equal(await redis.get(`${p}nx`), "first");

      assert.equal(await redis.set(`${p}xx`, "v", { xx: true }), null);
      assert.equal(await redis.exists(`${p}xx`), 0);

      assert.equal(await redis.set(`${p}nx`, "third", { get: true }), "first");
      assert.equal(await redis.get(`${p}nx`), "third");

      await redis.set(`${p}keep`, "v1", { ex: 100 });
      assert.equal(await redis.set(`${p}keep`, "v2", { keepTtl: true }), "OK");
      assert.ok((await redis.ttl(`${p}keep`)) > 0);
    });

    test("incr, incrby, decr, decrby, incrbyfloat", async () => {
      const p = prefix("incr");
      assert.equal(await redis.incr(`${p}c`), 1);
      assert.equal(await redis.incr(`${p}c`), 2);
      assert.equal(await redis.incrby(`${p}c`, 40), 42);
      assert.equal(await redis.decr(`${p}c`), 41);
      assert.equal(await redis.decrby(`${p}c`, 11), 30);
      assert.equal(await redis.incrbyfloat(`${p}c`, 0.5), 30.5);
      assert.equal(await redis.incrby(`${p}big`, 9007199254740000), 9007199254740000);
    });

    test("expire, ttl, persist, pexpire, exists, del, type", async () => {
      const p = prefix("expire");
      await redis.set(`${p}k`, "v");
      assert.equal(await redis.ttl(`${p}k`), -1);
      assert.equal(await redis.expire(`${p}k`, 50), 1);
      const ttl = await redis.ttl(`${p}k`);
      assert.ok(ttl > 40 && ttl <= 50, `ttl ${ttl}`);
      assert.equal(await redis.persist(`${p}k`), 1);
      assert.equal(await redis.ttl(`${p}k`), -1);
      assert.equal(await redis.pexpire(`${p}k`, 60000), 1);
      assert.ok((await redis.pttl(`${p}k`)) > 50000);
      assert.equal(await redis.ttl(`${p}missing`), -2);
      assert.equal(await redis.expire(`${p}missing`, 10), 0);
      assert.equal(await redis.type(`${p}k`), "string");
      assert.equal(await redis.type(`${p}missing`), "none");
      await redis.set(`${p}k2`, "v");
      assert.equal(await redis.exists(`${p}k`, `${p}k2`, `${p}missing`), 2);
      assert.equal(await redis.del(`${p}k`, `${p}k2`, `${p}missing`), 2);
      assert.equal(await redis.exists(`${p}k`), 0);
    });

    test("a key that expires is gone", async () => {
      const p = prefix("gone");
      await redis.set(`${p}k`, "v", { px: 150 });
      assert.equal(await redis.get(`${p}k`), "v");
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(await redis.get(`${p}k`), null);
    });

    test("mset, mget, msetnx, getdel, getset, append, strlen, getrange, setrange", async () => {
      const p = prefix("multi");
      assert.equal(await redis.mset({ [`${p}a`]: "1x", [`${p}b`]: "two", [`${p}c`]: { o: 1 } }), "OK");
      assert.deepEqual(await redis.mget(`${p}a`, `${p}b`, `${p}c`, `${p}none`), ["1x", "two", { o: 1 }, null]);
      assert.equal(await redis.msetnx({ [`${p}a`]: "no", [`${p}new`]: "no" }), 0);
      assert.equal(await redis.getdel(`${p}b`), "two");
      assert.equal(await redis.get(`${p}b`), null);
      assert.equal(await redis.append(`${p}s`, "hello"), 5);
      assert.equal(await redis.append(`${p}s`, " world"), 11);
      assert.equal(await redis.strlen(`${p}s`), 11);
      assert.equal(await redis.getrange(`${p}s`, 0, 4), "hello");
      assert.equal(await redis.setrange(`${p}s`, 6, "WORLD"), 11);
      assert.equal(await redis.get(`${p}s`), "hello WORLD");
      assert.equal(await redis.getset(`${p}s`, "new"), "hello WORLD");
    });

    test("keys and scan (sent outside the auto-pipeline)", async () => {
      const p = prefix("scan");
      await Promise.all([1, 2, 3].map((i) => redis.set(`${p}k${i}`, i)));
      assert.deepEqual((await redis.keys(`${p}*`)).sort(), [`${p}k1`, `${p}k2`, `${p}k3`]);
      const seen = new Set();
      let cursor = "0";
      for (let i = 0; i < 100; i++) {
        const [next, keys] = await redis.scan(cursor, { match: `${p}*`, count: 100 });
        keys.forEach((k) => seen.add(k));
        cursor = String(next);
        if (cursor === "0") break;
      }
      assert.deepEqual([...seen].sort(), [`${p}k1`, `${p}k2`, `${p}k3`]);
    });
  });
}
