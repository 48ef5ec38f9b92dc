// redis.pipeline() (POST /pipeline), auto-pipelining, and redis.multi() (POST /multi-exec).
import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { client, prefix, cleanup, TEST_TIMEOUT_MS } from "../support/bridge.mjs";

after(cleanup);

describe("explicit pipelines", { timeout: TEST_TIMEOUT_MS }, () => {
  const redis = client({ enableAutoPipelining: false });

  test("results come back in order, typed per command", async () => {
    const p = prefix("pipe");
    const res = await redis
      .pipeline()
      .set(`${p}a`, "x")
      .get(`${p}a`)
      .incr(`${p}n`)
      .incrby(`${p}n`, 5)
      .hset(`${p}h`, { f: "v" })
      .hgetall(`${p}h`)
      .zadd(`${p}z`, { score: 2.5, member: "m" })
      .zrange(`${p}z`, 0, -1, { withScores: true })
      .get(`${p}missing`)
      .exec();
    assert.deepEqual(res, ["OK", "x", 1, 6, 1, { f: "v" }, 1, ["m", 2.5], null]);
  });

  test("an error in the middle does not stop the others (not atomic); exec throws", async () => {
    const p = prefix("pipeerr");
    await redis.set(`${p}s`, "a string");
    await assert.rejects(
      redis.pipeline().incr(`${p}n`).lpush(`${p}s`, "x").incr(`${p}n`).exec(),
      (err) => {
        assert.match(err.message, /Command 2 \[ lpush \] failed: WRONGTYPE Operation against a key holding the wrong kind of value/);
        return true;
      },
    );
    assert.equal(await redis.get(`${p}n`), 2);
  });

  test("exec({ keepErrors: true }) gives each command's error or result", async () => {
    const p = prefix("keeperr");
    await redis.set(`${p}s`, "text");
    const res = await redis.pipeline().incr(`${p}s`).get(`${p}s`).exec({ keepErrors: true });
    assert.equal(res.length, 2);
    assert.match(res[0].error, /^ERR value is not an integer or out of range/);
    assert.equal(res[1].error, undefined);
    assert.equal(res[1].result, "text");
  });

  test("a pipeline of 500 commands", async () => {
    const p = prefix("bigpipe");
    const pipe = redis.pipeline();
    for (let i = 0; i < 250; i++) pipe.set(`${p}${i}`, `v${i}`);
    for (let i = 0; i < 250; i++) pipe.get(`${p}${i}`);
    const res = await pipe.exec();
    assert.equal(res.length, 500);
    for (let i = 0; i < 250; i++) {
      assert.equal(res[i], "OK");
      assert.equal(res[250 + i], `v${i}`);
    }
  });
});

describe("auto-pipelining (the client's default)", { timeout: TEST_TIMEOUT_MS }, () => {
  test("concurrent commands are batched into few /pipeline requests and each gets its own result", async () => {
    const redis = client();
    const p = prefix("auto");
    await redis.set(`${p}seed`, "s");
    const before = redis.pipelineCounter;
    const results = await Promise.all([
      redis.get(`${p}seed`),
      redis.set(`${p}a`, "A"),
      redis.incr(`${p}n`),
      redis.get(`${p}missing`),
      redis.hset(`${p}h`, { x: 1 }),
      redis.hget(`${p}h`, "x"),
      redis.sadd(`${p}s`, "m"),
      redis.sismember(`${p}s`, "m"),
    ]);
    const requests = redis.pipelineCounter - before;
    assert.ok(requests >= 1 && requests <= 2, `8 concurrent commands took ${requests} pipeline requests`);
    assert.equal(results[0], "s");
    assert.equal(results[1], "OK");
    assert.equal(results[2], 1);
    assert.equal(results[3], null);
    assert.equal(results[4], 1);
    assert.equal(results[6], 1);
    // reads and writes go in separate batches, so a read in the same tick may run before the write
    assert.ok(results[7] === 0 || results[7] === 1, String(results[7]));
    assert.deepEqual(await redis.smembers(`${p}s`), ["m"]);
  });

  test("one failing command rejects only its own promise", async () => {
    const redis = client();
    const p = prefix("autoerr");
    await redis.set(`${p}s`, "text");
    const [ok, bad, ok2] = await Promise.allSettled([redis.get(`${p}s`), redis.incr(`${p}s`), redis.strlen(`${p}s`)]);
    assert.equal(ok.status, "fulfilled");
    assert.equal(ok.value, "text");
    assert.equal(bad.status, "rejected");
    assert.match(bad.reason.message, /ERR value is not an integer or out of range/);
    assert.equal(ok2.status, "fulfilled");
    assert.equal(ok2.value, 4);
  });

  test("200 concurrent increments all land", async () => {
    const redis = client();
    const p = prefix("autoincr");
    const values = await Promise.all(Array.from({ length: 200 }, () => redis.incr(`${p}n`)));
    assert.deepEqual([...values].sort((a, b) => a - b), Array.from({ length: 200 }, (_, i) => i + 1));
    assert.equal(await redis.get(`${p}n`), 200);
  });
});

describe("many requests at once", { timeout: TEST_TIMEOUT_MS }, () => {
  test("300 concurrent single-command requests (one HTTP request each) all answer correctly", async () => {
    const redis = client({ enableAutoPipelining: false });
    const p = prefix("concurrent");
    const n = 300;
    const sets = await Promise.all(Array.from({ length: n }, (_, i) => redis.set(`${p}${i}`, `value-${i}`)));
    assert.ok(sets.every((r) => r === "OK"));
    const gets = await Promise.all(Array.from({ length: n }, (_, i) => redis.get(`${p}${i}`)));
    gets.forEach((v, i) => assert.equal(v, `value-${i}`));
  });
});

describe("transactions (multi-exec)", { timeout: TEST_TIMEOUT_MS }, () => {
  const redis = client({ enableAutoPipelining: false });

  test("multi().exec() returns each command's result", async () => {
    const p = prefix("tx");
    const res = await redis
      .multi()
      .set(`${p}a`, "1st")
      .incr(`${p}n`)
      .incr(`${p}n`)
      .get(`${p}a`)
      .lpush(`${p}l`, "x", "y")
      .lrange(`${p}l`, 0, -1)
      .exec();
    assert.deepEqual(res, ["OK", 1, 2, "1st", 2, ["y", "x"]]);
  });

  test("a command failing at run time fails only itself; the rest is applied", async () => {
    const p = prefix("txerr");
    await redis.set(`${p}s`, "text");
    const res = await redis.multi().incr(`${p}n`).incr(`${p}s`).incr(`${p}n`).exec({ keepErrors: true });
    assert.equal(res[0].result, 1);
    assert.match(res[1].error, /^ERR value is not an integer or out of range/);
    assert.equal(res[2].result, 2);
    await assert.rejects(redis.multi().incr(`${p}s`).exec(), /Command 1 \[ incr \] failed: ERR value is not an integer/);
  });

  test("transactions are atomic: no other write lands between INCR and GET", async () => {
    const p = prefix("txatomic");
    const key = `${p}n`;
    const other = client({ enableAutoPipelining: false });
    const txs = Array.from({ length: 25 }, () => redis.multi().incr(key).incrby(key, 0).get(key).exec());
    const noise = Array.from({ length: 25 }, () => other.pipeline().incr(key).incr(key).exec());
    const results = await Promise.all(txs);
    await Promise.all(noise);
    for (const [a, b, c] of results) {
      assert.equal(b, a, `INCRBY 0 saw ${b} right after INCR gave ${a}`);
      assert.equal(c, a, `GET saw ${c} right after INCR gave ${a}`);
    }
    assert.equal(await redis.get(key), 25 + 50);
  });
});
