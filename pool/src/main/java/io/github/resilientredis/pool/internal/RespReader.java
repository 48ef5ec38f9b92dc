package io.github.resilientredis.pool.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.util.RedisInputStream;

/**
 * Reads one reply and keeps the distinctions Jedis's own reader drops: a simple (status) string
 * comes back as a {@link String} and a bulk string as {@code byte[]}; an error reply is returned,
 * not thrown, so that a pipeline's replies stay in order.
 */
final class RespReader {

  private RespReader() {}

  static Object read(RedisInputStream in) {
    byte type = in.readByte();
    switch (type) {
      case '+':
        return in.readLine();
      case '-':
        return new JedisDataException(in.readLine());
      case ':':
        return in.readLongCrLf();
      case '$':
      case '=': // RESP3 verbatim string: read as a bulk string
        return readBulk(in);
      case '*':
      case '~': // RESP3 set
        return readArray(in);
      case '%':
        return readMap(in);
      case '_':
        in.readLine();
        return null;
      case ',':
        return Double.valueOf(in.readLine());
      case '#':
        return "t".equals(in.readLine());
      case '(':
        return new java.math.BigInteger(in.readLine());
      case '!':
        byte[] blobError = readBulk(in);
        return new JedisDataException(new String(blobError, java.nio.charset.StandardCharsets.UTF_8));
      case '|': // RESP3 attributes precede the reply they describe: skip them
        readMap(in);
        return read(in);
      case '>':
        return readArray(in);
      default:
        throw new JedisConnectionException("Unknown reply type: " + (char) type);
    }
  }

  private static byte[] readBulk(RedisInputStream in) {
    int length = in.readIntCrLf();
    if (length < 0) {
      return null;
    }
    byte[] bytes = new byte[length];
    int offset = 0;
    while (offset < length) {
      int n = in.read(bytes, offset, length - offset);
      if (n < 0) {
        throw new JedisConnectionException("Unexpected end of stream.");
      }
      offset += n;
    }
    in.readByte(); // CR
    in.readByte(); // LF
    return bytes;
  }

  private static List<Object> readArray(RedisInputStream in) {
    int count = in.readIntCrLf();
    if (count < 0) {
      return null;
    }
    List<Object> items = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      items.add(read(in));
    }
    return items;
  }

  private static Map<Object, Object> readMap(RedisInputStream in) {
    int count = in.readIntCrLf();
    Map<Object, Object> map = new LinkedHashMap<>(Math.max(4, count * 2));
    for (int i = 0; i < count; i++) {
      map.put(read(in), read(in));
    }
    return map;
  }
}
