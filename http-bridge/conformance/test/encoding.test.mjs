// Unicode and binary-ish strings round-trip, with the client's default Upstash-Encoding: base64
// and with plain JSON replies (responseEncoding: false).
import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { client, prefix, cleanup, TEST_TIMEOUT_MS } from "../support/bridge.mjs";

after(cleanup);

/** Strings that break naive JSON, base64, URL or RESP handling. */
const TRICKY = {
  empty: "",
  ok: "OK",
  okLower: "ok",
  pong: "PONG",
  looksBase64: "T0s=",
  looksBase64b: "aGVsbG8=",
  jsonNull: "null",
  jsonTrue: "true",
  jsonNumber: "12345678901234567890",
  jsonFloat: "1e400",
  jsonString: '"quoted"',
  jsonObject: '{"a":[1,2]}',
  quotes: `it's "quoted" \`back\``,
  backslashes: "C:\\path\\to\\file \\u0041 \\n",
  newlines: "line1\nline2\r\nline3\r",
  tabs: "a\tb\u000bc\fd",
  nul: "before\u0000after",
  controls: Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join("") + "\u007f",
  respLike: "+OK\r\n$3\r\nfoo\r\n*1\r\n:1\r\n-ERR x\r\n",
  urlish: "a/b%2Fc?d=e&_token=x#frag +plus %zz",
  spaces: "  leading and trailing  ",
  latin1: "héllo wörld ÿ ß £ ©",
  cjk: "日本語のテキスト 中文 한국어",
  rtl: "עברית العربية",
  emoji: "🚀 👩‍👩‍👧‍👦 🏳️‍🌈 👍🏽",
  astral: "𝄞 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \u{10FFFF}",
  combining: "e\u0301 n\u0303 Å",
  // (not at the start: the client's TextDecoder drops a leading BOM of any decoded value)
  bom: "with\uFEFFbom\uFEFF",
  replacement: "\uFFFD",
  lineSep: "a\u2028b\u2029c",
  html: "<script>alert('x')</script>&amp;",
  long: "x".repeat(70000) + "é" + "🚀".repeat(1000),
};

// Values the client would JSON.parse on the way out (numbers, null, true ...): compare raw strings.
const raw = { automaticDeserialization: false };

describe("unicode and binary-ish values", { timeout: TEST_TIMEOUT_MS }, () => {
  for (const [encodingName, encoding] of [
    ["base64 (client default)", {}],
    ["plain JSON (responseEncoding: false)", { responseEncoding: false }],
  ]) {
    describe(encodingName, () => {
      for (const [mode, modeOptions] of [
        ["auto-pipelining", {}],
        ["direct", { enableAutoPipelining: false }],
      ]) {
        const redis = client({ ...raw, ...encoding, ...modeOptions });

        test(`${mode}: SET/GET round trip of ${Object.keys(TRICKY).length} tricky strings`, async () => {
          const p = prefix("tricky");
          await Promise.all(Object.entries(TRICKY).map(([name, value]) => redis.set(`${p}${name}`, value)));
          for (const [name, value] of Object.entries(TRICKY)) {
            assert.equal(await redis.get(`${p}${name}`), value, `value ${name}`);
          }
          assert.equal(await redis.strlen(`${p}emoji`), Buffer.byteLength(TRICKY.emoji, "utf8"));
          assert.equal(await redis.strlen(`${p}nul`), 12);
        });

        test(`${mode}: unicode in keys, hash fields, list items, set members, sorted-set members`, async () => {
          const p = prefix("uni");
          const key = `${p}ключ 🔑 ${TRICKY.urlish}`;
          await redis.set(key, TRICKY.cjk);
          assert.equal(await redis.get(key), TRICKY.cjk);
          assert.deepEqual(await redis.keys(`${p}*`), [key]);

          const fields = { [TRICKY.emoji]: TRICKY.rtl, [TRICKY.nul]: TRICKY.newlines, "plain": TRICKY.looksBase64 };
          await redis.hset(`${p}h`, fields);
          // raw client: HGETALL stays the flat RESP2 array [field, value, field, value ...]
          const flat = await redis.hgetall(`${p}h`);
          assert.ok(Array.isArray(flat), JSON.stringify(flat));
          const asObject = {};
          for (let i = 0; i < flat.length; i += 2) asObject[flat[i]] = flat[i + 1];
          assert.deepEqual(asObject, fields);

          const items = [TRICKY.ok, TRICKY.astral, TRICKY.controls, TRICKY.empty];
          await redis.rpush(`${p}l`, ...items);
          assert.deepEqual(await redis.lrange(`${p}l`, 0, -1), items);

          await redis.sadd(`${p}s`, TRICKY.combining, TRICKY.bom);
          assert.deepEqual((await redis.smembers(`${p}s`)).sort(), [TRICKY.combining, TRICKY.bom].sort());

          await redis.zadd(`${p}z`, { score: 1, member: TRICKY.emoji }, { score: 2, member: TRICKY.respLike });
          assert.deepEqual(await redis.zrange(`${p}z`, 0, -1, { withScores: true }), [TRICKY.emoji, "1", TRICKY.respLike, "2"]);
        });

        test(`${mode}: tricky strings in pipelines, transactions and script replies`, async () => {
          const p = prefix("trickypipe");
          const values = [TRICKY.ok, TRICKY.looksBase64, TRICKY.emoji, TRICKY.nul, TRICKY.empty];
          const pipe = redis.pipeline();
          values.forEach((v, i) => pipe.set(`${p}${i}`, v));
          values.forEach((_, i) => pipe.get(`${p}${i}`));
          assert.deepEqual((await pipe.exec()).slice(values.length), values);

          const tx = redis.multi();
          values.forEach((_, i) => tx.get(`${p}${i}`));
          assert.deepEqual(await tx.exec(), values);

          assert.deepEqual(await redis.eval("return ARGV", [], values), values);
        });
      }
    });
  }

  test("a 1 MiB value round-trips through the default client", async () => {
    const redis = client({ automaticDeserialization: false });
    const p = prefix("big");
    const chunk = "abc-é-日本-🚀-\u0000-\n-";
    const big = chunk.repeat(Math.ceil((1 << 20) / Buffer.byteLength(chunk)));
    assert.equal(await redis.set(`${p}k`, big), "OK");
    assert.equal(await redis.strlen(`${p}k`), Buffer.byteLength(big, "utf8"));
    assert.equal(await redis.get(`${p}k`), big);
  });

  test("the default client decodes non-JSON unicode values without help", async () => {
    const redis = client();
    const p = prefix("unidefault");
    await redis.set(`${p}k`, TRICKY.emoji);
    await redis.set(`${p}o`, { text: TRICKY.cjk, nested: [TRICKY.nul] });
    assert.equal(await redis.get(`${p}k`), TRICKY.emoji);
    assert.deepEqual(await redis.get(`${p}o`), { text: TRICKY.cjk, nested: [TRICKY.nul] });
  });
});
