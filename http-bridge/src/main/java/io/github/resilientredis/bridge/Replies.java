package io.github.resilientredis.bridge;

import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Writes raw Redis replies (bulk {@code byte[]}, status {@code String}, {@code Long}, {@code List},
 * nil {@code null}, error {@link JedisDataException}) as Upstash JSON, Webdis JSON, RESP
 * ({@code .raw}) or plain bytes ({@code .txt}).
 */
final class Replies {

  private static final Base64.Encoder BASE64 = Base64.getEncoder();
  private static final byte[] CRLF = {'\r', '\n'};

  private Replies() {}

  /**
   * Whether every string in the reply is valid UTF-8, so it can be JSON text. Checked before
   * writing, so a reply is either written whole or refused whole.
   */
  static boolean isUtf8(Object reply) {
    if (reply instanceof byte[] bytes) {
      return Utf8.isValid(bytes);
    }
    if (reply instanceof List<?> list) {
      for (Object element : list) {
        if (!isUtf8(element)) {
          return false;
        }
      }
    }
    return true;
  }

  static String notUtf8Message(String remedy) {
    return "ERR the reply holds a value that is not valid UTF-8 and cannot be sent as JSON text"
        + " without changing it; " + remedy;
  }

  /** Upstash: RESP2 shapes; with {@code base64} every string at any depth is base64. */
  static void upstash(JsonWriter w, Object reply, boolean base64) throws IOException {
    if (reply == null) {
      w.nullValue();
    } else if (reply instanceof byte[] bytes) {
      w.value(base64 ? BASE64.encodeToString(bytes) : new String(bytes, StandardCharsets.UTF_8));
    } else if (reply instanceof String status) {
      w.value(base64 ? BASE64.encodeToString(status.getBytes(StandardCharsets.UTF_8)) : status);
    } else if (reply instanceof Long number) {
      w.value(number.longValue());
    } else if (reply instanceof List<?> list) {
      w.beginArray();
      for (Object element : list) {
        upstash(w, element, base64);
      }
      w.endArray();
    } else if (reply instanceof JedisDataException error) {
      w.value(error.getMessage()); // an error inside an array (EVAL, EXEC): never encoded
    } else if (reply instanceof Map<?, ?> map) { // RESP3 only; flattened to the RESP2 shape
      w.beginArray();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        upstash(w, e.getKey(), base64);
        upstash(w, e.getValue(), base64);
      }
      w.endArray();
    } else if (reply instanceof Boolean bool) {
      w.value(bool ? 1 : 0);
    } else {
      String text = String.valueOf(reply);
      w.value(base64 ? BASE64.encodeToString(text.getBytes(StandardCharsets.UTF_8)) : text);
    }
  }

  /**
   * Webdis: {@code {"GET":"v"}}, status {@code {"SET":[true,"OK"]}}, error
   * {@code {"GET":[false,"ERR ..."]}}, HGETALL as an object and INFO parsed, as Webdis does.
   */
  static void webdis(JsonWriter w, String verb, String upperVerb, Object reply)
      throws IOException {
    w.beginObject();
    w.name(verb);
    if (reply instanceof String status) {
      w.beginArray().value(true).value(status).endArray();
    } else if (reply instanceof JedisDataException error) {
      w.beginArray().value(false).value(error.getMessage()).endArray();
    } else if (reply instanceof List<?> list && upperVerb.equals("HGETALL") && isPairs(list)) {
      w.beginObject();
      for (int i = 0; i < list.size(); i += 2) {
        w.name(new String((byte[]) list.get(i), StandardCharsets.UTF_8));
        webdisValue(w, list.get(i + 1));
      }
      w.endObject();
    } else if (reply instanceof byte[] bytes && upperVerb.equals("INFO")) {
      info(w, new String(bytes, StandardCharsets.UTF_8));
    } else {
      webdisValue(w, reply);
    }
    w.endObject();
  }

  private static void webdisValue(JsonWriter w, Object reply) throws IOException {
    if (reply == null) {
      w.nullValue();
    } else if (reply instanceof byte[] bytes) {
      w.value(new String(bytes, StandardCharsets.UTF_8));
    } else if (reply instanceof String status) {
      w.value(status);
    } else if (reply instanceof Long number) {
      w.value(number.longValue());
    } else if (reply instanceof List<?> list) {
      w.beginArray();
      for (Object element : list) {
        webdisValue(w, element);
      }
      w.endArray();
    } else if (reply instanceof JedisDataException error) {
      w.beginArray().value(false).value(error.getMessage()).endArray();
    } else {
      w.value(String.valueOf(reply));
    }
  }

  private static boolean isPairs(List<?> list) {
    if (list.size() % 2 != 0) {
      return false;
    }
    for (int i = 0; i < list.size(); i += 2) {
      if (!(list.get(i) instanceof byte[])) {
        return false;
      }
    }
    return true;
  }

  /** INFO's "key:value" lines as an object; section headers and blank lines are skipped. */
  private static void info(JsonWriter w, String text) throws IOException {
    w.beginObject();
    int from = 0;
    int n = text.length();
    while (from < n) {
      int eol = text.indexOf('\n', from);
      if (eol < 0) {
        eol = n;
      }
      int end = eol > from && text.charAt(eol - 1) == '\r' ? eol - 1 : eol;
      int colon = text.indexOf(':', from);
      if (colon > from && colon < end && text.charAt(from) != '#') {
        w.name(text.substring(from, colon)).value(text.substring(colon + 1, end));
      }
      from = eol + 1;
    }
    w.endObject();
  }

  /** RESP2, as Redis sent it ({@code .raw}). */
  static void resp(ByteSink out, Object reply) {
    if (reply == null) {
      out.writeAscii("$-1\r\n");
    } else if (reply instanceof byte[] bytes) {
      out.writeByte('$');
      out.writeDecimal(bytes.length);
      out.writeBytes(CRLF);
      out.writeBytes(bytes);
      out.writeBytes(CRLF);
    } else if (reply instanceof String status) {
      out.writeByte('+');
      out.write(status);
      out.writeBytes(CRLF);
    } else if (reply instanceof Long number) {
      out.writeByte(':');
      out.writeDecimal(number);
      out.writeBytes(CRLF);
    } else if (reply instanceof List<?> list) {
      out.writeByte('*');
      out.writeDecimal(list.size());
      out.writeBytes(CRLF);
      for (Object element : list) {
        resp(out, element);
      }
    } else if (reply instanceof JedisDataException error) {
      out.writeByte('-');
      out.write(String.valueOf(error.getMessage()));
      out.writeBytes(CRLF);
    } else {
      resp(out, String.valueOf(reply).getBytes(StandardCharsets.UTF_8));
    }
  }

  /**
   * The plain value ({@code .txt}), as Webdis writes it: a bulk string's bytes, an integer in
   * decimal, a status as {@code +OK}, an error as {@code -ERR ...}, an array's strings joined by
   * {@code separator}. Returns false for nil (404).
   */
  static boolean text(ByteSink out, Object reply, byte[] separator) {
    if (reply == null) {
      return false;
    }
    if (reply instanceof byte[] bytes) {
      out.writeBytes(bytes);
    } else if (reply instanceof String status) {
      out.writeByte('+');
      out.write(status);
    } else if (reply instanceof Long number) {
      out.writeDecimal(number);
    } else if (reply instanceof JedisDataException error) {
      out.writeByte('-');
      out.write(String.valueOf(error.getMessage()));
    } else if (reply instanceof List<?> list) {
      boolean first = true;
      for (Object element : list) {
        if (element instanceof byte[] bytes) {
          if (!first) {
            out.writeBytes(separator);
          }
          out.writeBytes(bytes);
          first = false;
        }
      }
    } else {
      out.write(String.valueOf(reply));
    }
    return true;
  }
}
