// Hashes, lists, sets and sorted sets through the real client, in both request modes.
import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { client, prefix, MODES, cleanup, TEST_TIMEOUT_MS } from "../support/bridge.mjs";

after(cleanup);

for (const mode of MODES) {
  describe(`hashes, ${mode.name}`, { timeout: TEST_TIMEOUT_MS }, () => {
    const redis = client(mode.options);

    test("hset, hget, hgetall (object from a flat array), hmget", async () => {
      const p = prefix("hash");
      assert.equal(await redis.hset(`${p}h`, { name: "ada", age: 36, tags: ["a", "b"] }), 3);
      assert.equal(await redis.hget(`${p}h`, "name"), "ada");
      assert.equal(await redis.hget(`${p}h`, "age"), 36);
      assert.equal(await redis.hget(`${p}h`, "nope"), null);
      assert.deepEqual(await redis.hgetall(`${p}h`), { name: "ada", age: 36, tags: ["a", "b"] });
      assert.equal(await redis.hgetall(`${p}missing`), null);
      assert.deepEqual(await redis.hmget(`${p}h`, "name", "nope"), { name: "ada", nope: null });
    });

    test("hincrby, hincrbyfloat, hexists, hlen, hkeys, hvals, hdel, hsetnx, hstrlen", async () => {
      const p = prefix("hash2");
      await redis.hset(`${p}h`, { a: 1, b: "bee" });
      assert.equal(await redis.hincrby(`${p}h`, "a", 9), 10);
      assert.equal(await redis.hincrbyfloat(`${p}h`, "a", 0.25), 10.25);
      assert.equal(await redis.hexists(`${p}h`, "b"), 1);
      assert.equal(await redis.hexists(`${p}h`, "z"), 0);
      assert.equal(await redis.hlen(`${p}h`), 2);
      assert.deepEqual((await redis.hkeys(`${p}h`)).sort(), ["a", "b"]);
      assert.deepEqual((await redis.hvals(`${p}h`)).map(String).sort(), ["10.25", "bee"]);
      assert.equal(await redis.hsetnx(`${p}h`, "b", "again"), 0);
      assert.equal(await redis.hsetnx(`${p}h`, "c", "sea"), 1);
      assert.equal(await redis.hstrlen(`${p}h`, "c"), 3);
      assert.equal(await redis.hdel(`${p}h`, "a", "b", "z"), 2);
      assert.deepEqual(await redis.hgetall(`${p}h`), { c: "sea" });
    });
  });

  describe(`lists, ${mode.name}`, { timeout: TEST_TIMEOUT_MS }, () => {
    const redis = client(mode.options);

    test("lpush, rpush, lrange, llen, lindex, lpop, rpop", async () => {
      const p = prefix("list");
      assert.equal(await redis.rpush(`${p}l`, "b", "c"), 2);
      assert.equal(await redis.lpush(`${p}l`, "a"), 3);
      assert.deepEqual(await redis.lrange(`${p}l`, 0, -1), ["a", "b", "c"]);
      assert.equal(await redis.llen(`${p}l`), 3);
      assert.equal(await redis.lindex(`${p}l`, 1), "b");
      assert.equal(await redis.lindex(`${p}l`, 9), null);
      assert.equal(await redis.lpop(`${p}l`), "a");
      assert.equal(await redis.rpop(`${p}l`), "c");
      assert.equal(await redis.rpop(`${p}l`), "b");
      assert.equal(await redis.lpop(`${p}l`), null);
      assert.deepEqual(await redis.lrange(`${p}l`, 0, -1), []);
    });

    test("lpop with a count, lset, linsert, lrem, ltrim, lpos, lmove, rpushx", async () => {
      const p = prefix("list2");
      await redis.rpush(`${p}l`, "x", "y", "z", "y", 7);
      assert.deepEqual(await redis.lpop(`${p}l`, 2), ["x", "y"]);
      assert.equal(await redis.lset(`${p}l`, 0, "Z"), "OK");
      assert.equal(await redis.linsert(`${p}l`, "before", "Z", "first"), 4);
      assert.equal(await redis.lpos(`${p}l`, "y"), 2);
      assert.equal(await redis.lrem(`${p}l`, 0, "y"), 1);
      assert.deepEqual(await redis.lrange(`${p}l`, 0, -1), ["first", "Z", 7]);
      assert.equal(await redis.ltrim(`${p}l`, 0, 1), "OK");
      assert.equal(await redis.lmove(`${p}l`, `${p}dst`, "left", "right"), "first");
      assert.deepEqual(await redis.lrange(`${p}dst`, 0, -1), ["first"]);
      assert.equal(await redis.rpushx(`${p}missing`, "v"), 0);
    });
  });

  describe(`sets, ${mode.name}`, { timeout: TEST_TIMEOUT_MS }, () => {
    const redis = client(mode.options);

    test("sadd, smembers, sismember, smismember, scard, srem", async () => {
      const p = prefix("set");
      assert.equal(await redis.sadd(`${p}s`, "a", "b", "c", "a"), 3);
      assert.deepEqual((await redis.smembers(`${p}s`)).sort(), ["a", "b", "c"]);
      assert.equal(await redis.sismember(`${p}s`, "b"), 1);
      assert.equal(await redis.sismember(`${p}s`, "q"), 0);
      assert.deepEqual(await redis.smismember(`${p}s`, ["a", "q"]), [1, 0]);
      assert.equal(await redis.scard(`${p}s`), 3);
      assert.equal(await redis.srem(`${p}s`, "a", "q"), 1);
      assert.deepEqual(await redis.smembers(`${p}missing`), []);
    });

    test("sinter, sunion, sdiff, sinterstore, spop, srandmember, smove", async () => {
      const p = prefix("set2");
      await redis.sadd(`${p}x`, "1a", "2a", "3a");
      await redis.sadd(`${p}y`, "2a", "3a", "4a");
      assert.deepEqual((await redis.sinter(`${p}x`, `${p}y`)).sort(), ["2a", "3a"]);
      assert.deepEqual((await redis.sunion(`${p}x`, `${p}y`)).sort(), ["1a", "2a", "3a", "4a"]);
      assert.deepEqual(await redis.sdiff(`${p}x`, `${p}y`), ["1a"]);
      assert.equal(await redis.sinterstore(`${p}z`, `${p}x`, `${p}y`), 2);
      const popped = await redis.spop(`${p}z`);
      assert.ok(["2a", "3a"].includes(popped), String(popped));
      assert.ok(["1a", "2a", "3a"].includes(await redis.srandmember(`${p}x`)));
      assert.equal(await redis.smove(`${p}x`, `${p}y`, "1a"), 1);
      assert.equal(await redis.scard(`${p}y`), 4);
    });
  });

  describe(`sorted sets, ${mode.name}`, { timeout: TEST_TIMEOUT_MS }, () => {
    const redis = client(mode.options);

    test("zadd, zscore, zrange with scores, zrank, zcard, zcount", async () => {
      const p = prefix("zset");
      assert.equal(
        await redis.zadd(`${p}z`, { score: 1.5, member: "a" }, { score: 2, member: "b" }, { score: -3.25, member: "c" }),
        3,
      );
      assert.equal(await redis.zscore(`${p}z`, "a"), 1.5);
      assert.equal(await redis.zscore(`${p}z`, "c"), -3.25);
      assert.equal(await redis.zscore(`${p}z`, "none"), null);
      assert.deepEqual(await redis.zrange(`${p}z`, 0, -1), ["c", "a", "b"]);
      assert.deepEqual(await redis.zrange(`${p}z`, 0, -1, { withScores: true }), ["c", -3.25, "a", 1.5, "b", 2]);
      assert.deepEqual(await redis.zrange(`${p}z`, 0, 0, { rev: true }), ["b"]);
      assert.deepEqual(await redis.zrange(`${p}z`, 1, 2, { byScore: true }), ["a", "b"]);
      assert.deepEqual(await redis.zrange(`${p}z`, "-inf", "+inf", { byScore: true, offset: 1, count: 1 }), ["a"]);
      assert.equal(await redis.zrank(`${p}z`, "a"), 1);
      assert.equal(await redis.zrevrank(`${p}z`, "a"), 1);
      assert.equal(await redis.zrank(`${p}z`, "none"), null);
      assert.equal(await redis.zcard(`${p}z`), 3);
      assert.equal(await redis.zcount(`${p}z`, 0, "+inf"), 2);
    });

    test("zincrby, zadd options, zrem, zpopmin, zmscore, zremrangebyscore", async () => {
      const p = prefix("zset2");
      await redis.zadd(`${p}z`, { score: 1, member: "m" });
      assert.equal(await redis.zincrby(`${p}z`, 0.5, "m"), 1.5);
      assert.equal(await redis.zadd(`${p}z`, { nx: true }, { score: 9, member: "m" }), 0);
      assert.equal(await redis.zadd(`${p}z`, { ch: true }, { score: 9, member: "m" }, { score: 3, member: "n" }), 2);
      assert.equal(await redis.zadd(`${p}z`, { incr: true }, { score: 1, member: "n" }), 4);
      assert.deepEqual(await redis.zmscore(`${p}z`, ["m", "n", "none"]), [9, 4, null]);
      assert.deepEqual(await redis.zpopmin(`${p}z`), ["n", 4]);
      await redis.zadd(`${p}z`, { score: 100, member: "big" }, { score: 0.001, member: "small" });
      assert.equal(await redis.zremrangebyscore(`${p}z`, 50, 1000), 1);
      assert.equal(await redis.zrem(`${p}z`, "m", "none"), 1);
      assert.deepEqual(await redis.zrange(`${p}z`, 0, -1, { withScores: true }), ["small", 0.001]);
    });
  });
}
