package io.github.resilientredis.bridge;

/**
 * One published message as Redis delivered it. Its encodings are made once and shared by every
 * held request that writes it in the same shape (a broadcast to thousands encodes once).
 */
final class Message {

  /** The pattern it matched; null for a channel subscription. */
  final byte[] pattern;
  final byte[] channel;
  final byte[] payload;
  final long receivedNanos;
  private volatile byte[] sse;
  private volatile byte[] webdis;

  Message(byte[] pattern, byte[] channel, byte[] payload, long receivedNanos) {
    this.pattern = pattern;
    this.channel = channel;
    this.payload = payload;
    this.receivedNanos = receivedNanos;
  }

  /** Encoded once; a race encodes twice, which is harmless. */
  byte[] sse() {
    byte[] bytes = sse;
    if (bytes == null) {
      sse = bytes = HeldFormats.sseMessage(this);
    }
    return bytes;
  }

  byte[] webdis() {
    byte[] bytes = webdis;
    if (bytes == null) {
      webdis = bytes = HeldFormats.webdisMessage(this);
    }
    return bytes;
  }
}
