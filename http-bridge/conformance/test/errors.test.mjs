// Errors as the client shows them: Redis errors keep Redis's text, a wrong token is refused.
import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { errors } from "@upstash/redis";
import { client, prefix, MODES, cleanup, post, TEST_TIMEOUT_MS } from "../support/bridge.mjs";

after(cleanup);

const WRONGTYPE = /WRONGTYPE Operation against a key holding the wrong kind of value/;

for (const mode of MODES) {
  describe(`errors, ${mode.name}`, { timeout: TEST_TIMEOUT_MS }, () => {
    const redis = client(mode.options);

    test("WRONGTYPE: the client throws an UpstashError with Redis's message", async () => {
      const p = prefix("wrongtype");
      await redis.set(`${p}s`, "a string");
      await assert.rejects(redis.lpush(`${p}s`, "x"), (err) => {
        assert.ok(err instanceof errors.UpstashError, `${err?.name}: ${err?.message}`);
        assert.match(err.message, WRONGTYPE);
        return true;
      });
      await assert.rejects(redis.hget(`${p}s`, "f"), WRONGTYPE);
      await assert.rejects(redis.zadd(`${p}s`, { score: 1, member: "m" }), WRONGTYPE);
      // the key is untouched and the connection is still good
      assert.equal(await redis.get(`${p}s`), "a string");
    });

    test("other Redis errors keep their text", async () => {
      const p = prefix("errs");
      await redis.set(`${p}s`, "abc");
      await assert.rejects(redis.incr(`${p}s`), /ERR value is not an integer or out of range/);
      await assert.rejects(redis.expire(`${p}s`, "soon"), /ERR value is not an integer or out of range/);
      await assert.rejects(redis.zincrby(`${p}z`, "NaN-ish", "m"), /ERR value is not a valid float/);
    });

    test("a wrong token: the client throws and nothing is executed", async () => {
      const p = prefix("badtoken");
      const bad = client({ ...mode.options, token: "definitely-not-the-token" });
      await assert.rejects(bad.set(`${p}k`, "v"), (err) => {
        assert.ok(err instanceof errors.UpstashError, `${err?.name}: ${err?.message}`);
        assert.ok(!(err instanceof errors.UpstashJSONParseError), `401 body is not JSON: ${err.message}`);
        return true;
      });
      assert.equal(await redis.get(`${p}k`), null);
    });
  });
}

describe("status codes on the wire", { timeout: TEST_TIMEOUT_MS }, () => {
  test("wrong token: 401 with a JSON error body, on /, /pipeline and /multi-exec", async () => {
    for (const [path, body] of [
      ["/", ["ping"]],
      ["/pipeline", [["ping"]]],
      ["/multi-exec", [["ping"]]],
    ]) {
      const res = await post(path, body, { token: "wrong" });
      assert.equal(res.status, 401, `${path}: ${res.status} ${res.text}`);
      assert.equal(typeof res.json?.error, "string", `${path}: ${res.text}`);
    }
  });

  test("missing token: 401", async () => {
    const res = await post("/", ["ping"], { token: null });
    assert.equal(res.status, 401, res.text);
    assert.equal(typeof res.json?.error, "string", res.text);
  });

  test("a Redis error: 400 with the Redis text, never base64-encoded", async () => {
    const p = prefix("wire400");
    await post("/", ["set", `${p}s`, "x"]);
    const res = await post("/", ["lpush", `${p}s`, "y"], { headers: { "Upstash-Encoding": "base64" } });
    assert.equal(res.status, 400, res.text);
    assert.match(res.json?.error ?? "", /^WRONGTYPE Operation against a key holding the wrong kind of value/);
  });

  test("an unknown command: 400 with Redis's ERR text", async () => {
    const res = await post("/", ["nosuchcommand", "x"]);
    assert.equal(res.status, 400, res.text);
    assert.match(res.json?.error ?? "", /^ERR unknown command/);
  });

  test("a dangerous command is refused by default (403)", async () => {
    const res = await post("/", ["config", "get", "maxmemory"]);
    assert.equal(res.status, 403, res.text);
    assert.equal(typeof res.json?.error, "string", res.text);
  });

  test("a body that is not a JSON array of strings: 400 with a JSON error", async () => {
    for (const body of ["{not json", '{"a":1}', "[]"]) {
      const res = await post("/", body);
      assert.equal(res.status, 400, `${body}: ${res.status} ${res.text}`);
      assert.equal(typeof res.json?.error, "string", `${body}: ${res.text}`);
    }
  });
});
