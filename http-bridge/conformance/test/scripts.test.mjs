// EVAL, EVALSHA, SCRIPT LOAD/EXISTS and the client's EVALSHA -> EVAL fallback on NOSCRIPT.
import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { client, prefix, MODES, cleanup, TEST_TIMEOUT_MS } from "../support/bridge.mjs";

after(cleanup);

const sha1 = (s) => createHash("sha1").update(s).digest("hex");
/** A script body nobody has loaded before, so EVALSHA must answer NOSCRIPT first. */
const fresh = (body) => `-- conformance ${randomBytes(8).toString("hex")}\n${body}`;

for (const mode of MODES) {
  describe(`scripts, ${mode.name}`, { timeout: TEST_TIMEOUT_MS }, () => {
    const redis = client(mode.options);

    test("eval with keys and args, and every reply type", async () => {
      const p = prefix("eval");
      assert.equal(await redis.eval("return ARGV[1]", [], ["hello"]), "hello");
      assert.equal(await redis.eval("return redis.call('SET', KEYS[1], ARGV[1])", [`${p}k`], ["v"]), "OK");
      assert.equal(await redis.eval("return redis.call('GET', KEYS[1])", [`${p}k`], []), "v");
      assert.equal(await redis.eval("return 42", [], []), 42);
      assert.equal(await redis.eval("return nil", [], []), null);
      assert.deepEqual(await redis.eval("return {1, 'two', {3, 'four', {'five'}}}", [], []), [1, "two", [3, "four", ["five"]]]);
      assert.deepEqual(await redis.eval("return {KEYS[1], KEYS[2], ARGV[1]}", [`${p}a`, `${p}b`], ["c"]), [`${p}a`, `${p}b`, "c"]);
    });

    test("script load, evalsha, script exists", async () => {
      const body = fresh("return ARGV[1] .. '!'");
      const sha = await redis.scriptLoad(body);
      assert.equal(sha, sha1(body));
      assert.equal(await redis.evalsha(sha, [], ["hi"]), "hi!");
      assert.deepEqual(await redis.scriptExists(sha, sha1(fresh("return 0"))), [1, 0]);
    });

    test("evalsha of an unknown script throws with NOSCRIPT", async () => {
      await assert.rejects(redis.evalsha(sha1(fresh("return 1")), [], []), /NOSCRIPT/);
    });

    test("createScript().exec() falls back from EVALSHA to EVAL, then EVALSHA works", async () => {
      const p = prefix("script");
      const body = fresh("redis.call('INCR', KEYS[1]); return redis.call('GET', KEYS[1])");
      const script = redis.createScript(body);
      assert.deepEqual(await redis.scriptExists(sha1(body)), [0]);
      assert.equal(await script.exec([`${p}n`], []), 1);
      assert.deepEqual(await redis.scriptExists(sha1(body)), [1]);
      assert.equal(await script.evalsha([`${p}n`], []), 2);
      assert.equal(await script.exec([`${p}n`], []), 3);
    });

    test("a script error is thrown with Redis's message", async () => {
      const p = prefix("scripterr");
      await redis.set(`${p}s`, "text");
      await assert.rejects(
        redis.eval("return redis.call('INCR', KEYS[1])", [`${p}s`], []),
        /ERR value is not an integer or out of range/,
      );
    });
  });
}
