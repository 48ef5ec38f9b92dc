// Shared helpers for the conformance suite: where the bridge is, clients, unique keys, clean-up.
import { Redis } from "@upstash/redis";
import { randomBytes } from "node:crypto";

export const BRIDGE_URL = (process.env.BRIDGE_URL ?? "http://127.0.0.1:7379").replace(/\/+$/, "");
export const BRIDGE_TOKEN = process.env.BRIDGE_TOKEN ?? "";

if (!BRIDGE_TOKEN) {
  throw new Error(
    "BRIDGE_TOKEN is not set: start the bridge with --token T and run with BRIDGE_URL=... BRIDGE_TOKEN=T " +
      "(or use http-bridge/conformance/run.sh, which does all of it)",
  );
}

/** Per-test time limit: a hanging bridge fails a test instead of hanging the run. */
export const TEST_TIMEOUT_MS = Number(process.env.CONFORMANCE_TEST_TIMEOUT_MS ?? 15000);

/** One run id per test process, so parallel runs and files never share keys. */
const RUN_ID = `${process.pid}-${randomBytes(3).toString("hex")}`;
export const RUN_PREFIX = `conformance:${RUN_ID}:`;

let counter = 0;
/** A fresh key prefix for one test: `conformance:<run>:<name>:<n>:`. */
export function prefix(name) {
  counter += 1;
  return `${RUN_PREFIX}${name}:${counter}:`;
}

/**
 * The real @upstash/redis client pointed at the bridge. `retry: false` so that a dropped
 * connection or a reset shows up as a failure instead of being hidden by the client's retries.
 */
export function client(options = {}) {
  return new Redis({ url: BRIDGE_URL, token: BRIDGE_TOKEN, retry: false, ...options });
}

/** The two ways the client sends single commands: batched into POST /pipeline (default) or POST /. */
export const MODES = [
  { name: "auto-pipelining (default)", options: {} },
  { name: "direct (enableAutoPipelining: false)", options: { enableAutoPipelining: false } },
];

/** Plain HTTP to the bridge, for the wire details the client hides. */
export async function post(path, body, { token = BRIDGE_TOKEN, headers = {} } = {}) {
  const res = await fetch(`${BRIDGE_URL}${path}`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      ...(token === null ? {} : { Authorization: `Bearer ${token}` }),
      ...headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export const b64 = (s) => Buffer.from(s, "utf8").toString("base64");

/** Deletes every key this process created (bounded SCAN loop). */
export async function cleanup() {
  const redis = client({ enableAutoPipelining: false });
  let cursor = "0";
  for (let i = 0; i < 1000; i++) {
    const [next, keys] = await redis.scan(cursor, { match: `${RUN_PREFIX}*`, count: 1000 });
    if (keys.length > 0) await redis.del(...keys);
    cursor = String(next);
    if (cursor === "0") return;
  }
}
