// Wire details of the Upstash REST API that the client relies on but hides.
import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { prefix, cleanup, post, b64, BRIDGE_URL, BRIDGE_TOKEN, TEST_TIMEOUT_MS } from "../support/bridge.mjs";

after(cleanup);

const BASE64 = { headers: { "Upstash-Encoding": "base64" } };

describe("Upstash REST wire format", { timeout: TEST_TIMEOUT_MS }, () => {
  test("POST / answers {result}, nil is {result: null}", async () => {
    const p = prefix("wire");
    let res = await post("/", ["SET", `${p}k`, "v", "EX", 100]);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, { result: "OK" });
    res = await post("/", ["get", `${p}k`]);
    assert.deepEqual(res.json, { result: "v" });
    res = await post("/", ["get", `${p}nothing`]);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, { result: null });
    assert.match(res.headers.get("content-type") ?? "", /application\/json/);
  });

  test("arguments may be JSON numbers and booleans", async () => {
    const p = prefix("wireargs");
    assert.deepEqual((await post("/", ["set", `${p}n`, 12.5])).json, { result: "OK" });
    assert.deepEqual((await post("/", ["get", `${p}n`])).json, { result: "12.5" });
    assert.deepEqual((await post("/", ["set", `${p}b`, true])).json, { result: "OK" });
    assert.deepEqual((await post("/", ["get", `${p}b`])).json, { result: "true" });
    assert.deepEqual((await post("/", ["incrby", `${p}i`, 7])).json, { result: 7 });
  });

  test("RESP2 shapes: HGETALL flat, scores as strings, integers as numbers", async () => {
    const p = prefix("wireshape");
    await post("/", ["hset", `${p}h`, "f1", "v1", "f2", "v2"]);
    const h = (await post("/", ["hgetall", `${p}h`])).json.result;
    assert.ok(Array.isArray(h), JSON.stringify(h));
    assert.deepEqual(h.length, 4);
    await post("/", ["zadd", `${p}z`, 1.5, "a", 2, "b"]);
    assert.deepEqual((await post("/", ["zrange", `${p}z`, 0, -1, "WITHSCORES"])).json, { result: ["a", "1.5", "b", "2"] });
    assert.deepEqual((await post("/", ["zscore", `${p}z`, "a"])).json, { result: "1.5" });
    assert.deepEqual((await post("/", ["zcard", `${p}z`])).json, { result: 2 });
  });

  test("Upstash-Encoding: base64 encodes every string at any depth, not numbers or null", async () => {
    const p = prefix("wireb64");
    await post("/", ["rpush", `${p}l`, "a", "é🚀"]);
    let res = await post("/", ["lrange", `${p}l`, 0, -1], BASE64);
    assert.deepEqual(res.json, { result: [b64("a"), b64("é🚀")] });
    res = await post("/", ["eval", "return {1, 'x', {2, 'y'}, false}", 0], BASE64);
    assert.deepEqual(res.json, { result: [1, b64("x"), [2, b64("y")], null] });
    res = await post("/", ["get", `${p}none`], BASE64);
    assert.deepEqual(res.json, { result: null });
    res = await post("/", ["llen", `${p}l`], BASE64);
    assert.deepEqual(res.json, { result: 2 });
    res = await post("/", ["set", `${p}k`, "v"], BASE64);
    assert.ok(res.json.result === "OK" || res.json.result === b64("OK"), res.text);
  });

  test("a value that is not UTF-8 comes back intact in base64, and is refused (not mangled) in plain JSON", async () => {
    const p = prefix("wirebin");
    // bytes FF 00 80 0A, written by a script since JSON arguments are always UTF-8 text
    await post("/", ["eval", "redis.call('SET', KEYS[1], string.char(255, 0, 128, 10)) return 1", 1, `${p}bin`]);
    await post("/", ["set", `${p}e`, "é"]);
    let res = await post("/", ["get", `${p}bin`], BASE64);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, { result: Buffer.from([255, 0, 128, 10]).toString("base64") });
    res = await post("/pipeline", [["get", `${p}bin`], ["getrange", `${p}e`, 0, 0]], BASE64);
    assert.deepEqual(res.json, [{ result: "/wCACg==" }, { result: Buffer.from([0xc3]).toString("base64") }]);

    res = await post("/", ["get", `${p}bin`]);
    assert.ok(res.status >= 400 && res.status < 500, `${res.status} ${res.text}`);
    assert.equal(typeof res.json?.error, "string", res.text);
    res = await post("/pipeline", [["getrange", `${p}e`, 0, 0], ["get", `${p}e`]]);
    assert.equal(res.status, 200, res.text);
    assert.equal(typeof res.json[0].error, "string", res.text);
    assert.deepEqual(res.json[1], { result: "é" });
  });

  test("/pipeline: array of {result}/{error} in order, 200 even with an error", async () => {
    const p = prefix("wirepipe");
    const res = await post("/pipeline", [
      ["set", `${p}s`, "x"],
      ["incr", `${p}s`],
      ["get", `${p}s`],
    ]);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.length, 3);
    assert.deepEqual(res.json[0], { result: "OK" });
    assert.match(res.json[1].error, /^ERR value is not an integer/);
    assert.deepEqual(res.json[2], { result: "x" });
  });

  test("/multi-exec: array of {result}/{error}", async () => {
    const p = prefix("wiremulti");
    const res = await post("/multi-exec", [
      ["incr", `${p}n`],
      ["incr", `${p}n`],
    ], BASE64);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, [{ result: 1 }, { result: 2 }]);
  });

  test("?_token= is accepted instead of the header", async () => {
    const res = await fetch(`${BRIDGE_URL}/?_token=${encodeURIComponent(BRIDGE_TOKEN)}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(["ping"]),
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { result: "PONG" });
  });

  test("upstash-sync-token is sent and changes after a write", async () => {
    const p = prefix("wiresync");
    const first = await post("/", ["set", `${p}k`, "1"]);
    const second = await post("/", ["set", `${p}k`, "2"]);
    const t1 = first.headers.get("upstash-sync-token");
    const t2 = second.headers.get("upstash-sync-token");
    assert.ok(t1, "no upstash-sync-token header");
    assert.ok(t2, "no upstash-sync-token header");
    assert.notEqual(t1, t2);
  });
});
