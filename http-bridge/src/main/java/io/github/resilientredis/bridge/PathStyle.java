package io.github.resilientredis.bridge;

/** Which reply shape a command in the URL path gets; see {@link RedisHttpBridge.Builder#pathStyle}. */
public enum PathStyle {
  /** {@code {"GET":"value"}}, ETag, {@code .raw} and {@code .txt}, as Webdis answers. */
  WEBDIS,
  /** {@code {"result":"value"}}, as Upstash answers {@code /get/key}. */
  UPSTASH
}
