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
  private final java.util.concurrent.atomic.AtomicReferenceArray<Chunk> chunks =
      new java.util.concurrent.atomic.AtomicReferenceArray<>(HeldRequest.Shape.values().length);

  /**
   * The message as one HTTP chunk of a held reply of some shape, framing included (a long-poll's
   * followed by the empty chunk that ends its reply), and the same bytes in native memory for
   * {@link DirectSend} (whose system call cannot read the heap).
   */
  record Chunk(byte[] bytes, Object buffer) {}

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

  /** Made once per shape (the first direct send of a fan-out); a race makes two, harmlessly. */
  Chunk chunk(HeldRequest.Shape shape) {
    Chunk chunk = chunks.get(shape.ordinal());
    if (chunk == null) {
      byte[] bytes = switch (shape) {
        case SSE -> HeldFormats.chunk(sse());
        case WEBDIS -> HeldFormats.chunk(webdis());
        case POLL -> HeldFormats.lastChunk(HeldFormats.pollMessage(this));
      };
      chunk = new Chunk(bytes, DirectSend.buffer(bytes));
      chunks.set(shape.ordinal(), chunk);
    }
    return chunk;
  }
}
