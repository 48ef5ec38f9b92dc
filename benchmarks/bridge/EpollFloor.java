import com.sun.net.httpserver.Headers;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Field;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * The floor of an HTTP layer written in Java on this machine: the least a server can do per
 * keep-alive request (one read(2), one write(2), a share of one epoll_wait) while still parsing
 * the request line and headers into the API's {@link Headers} and answering with the headers the
 * bridge's /health sends. benchmarks/bridge-vs-webdis.sh loads it beside the bridge's /health and
 * Webdis's OPTIONS (neither touches Redis), to show how far the bridge's HTTP layer is from what
 * any implementation of com.sun.net.httpserver could reach here.
 *
 * <p>A connection is served by its own virtual thread, as in robaho's server; what differs is the
 * waiting. One platform thread waits on an edge-triggered epoll set in which each connection is
 * registered once, and unparks the connection's thread when bytes arrive; a read that returns
 * less than the buffer holds has drained the socket, so the thread waits for the next edge
 * without the empty read (EAGAIN) and the epoll_ctl that the JDK's blocking reads pay per
 * request. Not a server: no request bodies, no timeouts, no limits.
 *
 * <p>Run: {@code java --enable-native-access=ALL-UNNAMED --add-opens
 * java.base/sun.nio.ch=ALL-UNNAMED EpollFloor.java PORT} (Java 22+, Linux, x86-64).
 */
public class EpollFloor {

  private static final int EPOLLIN = 0x1;
  private static final int EPOLLRDHUP = 0x2000;
  private static final int EPOLLET = 1 << 31;
  private static final int EPOLL_CTL_ADD = 1;
  /** struct epoll_event is packed on x86-64: 4 bytes of events, 8 of data. */
  private static final int EVENT_SIZE = 12;
  private static final byte[] BODY = "{\"status\":\"ok\"}".getBytes(StandardCharsets.US_ASCII);

  private static final Linker LINKER = Linker.nativeLinker();
  private static final MethodHandle EPOLL_CREATE1 = function("epoll_create1",
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
  private static final MethodHandle EPOLL_CTL = function("epoll_ctl",
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
          ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
  private static final MethodHandle EPOLL_WAIT = function("epoll_wait",
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
          ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

  private static final Map<Integer, Connection> CONNECTIONS = new ConcurrentHashMap<>();
  private static int epfd;

  private static MethodHandle function(String name, FunctionDescriptor descriptor) {
    return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor);
  }

  /** One client: its channel, descriptor, thread, and whether bytes came since it last read. */
  private static final class Connection {
    final SocketChannel channel;
    final int fd;
    Thread thread;
    volatile boolean readable;

    Connection(SocketChannel channel, int fd) {
      this.channel = channel;
      this.fd = fd;
    }

    void awaitBytes() {
      while (!readable) {
        LockSupport.park(this);
      }
      readable = false;
    }
  }

  public static void main(String[] args) throws Throwable {
    epfd = (int) EPOLL_CREATE1.invokeExact(0);
    Thread poller = new Thread(EpollFloor::poll, "floor-epoll");
    poller.setDaemon(true);
    poller.start();
    Field fdVal = Class.forName("sun.nio.ch.SocketChannelImpl").getDeclaredField("fdVal");
    fdVal.setAccessible(true);
    MemorySegment event = Arena.global().allocate(EVENT_SIZE);
    try (ServerSocketChannel server = ServerSocketChannel.open()) {
      server.bind(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])), 1024);
      System.out.println("floor listening on " + server.getLocalAddress());
      while (true) {
        SocketChannel channel = server.accept();
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        Connection connection = new Connection(channel, fdVal.getInt(channel));
        connection.thread = Thread.ofVirtual().unstarted(() -> serve(connection));
        CONNECTIONS.put(connection.fd, connection);
        event.set(ValueLayout.JAVA_INT_UNALIGNED, 0, EPOLLIN | EPOLLRDHUP | EPOLLET);
        event.set(ValueLayout.JAVA_LONG_UNALIGNED, 4, connection.fd);
        int added = (int) EPOLL_CTL.invokeExact(epfd, EPOLL_CTL_ADD, connection.fd, event);
        if (added != 0) {
          throw new IOException("epoll_ctl failed for descriptor " + connection.fd);
        }
        connection.thread.start();
      }
    }
  }

  private static void poll() {
    MemorySegment events = Arena.global().allocate((long) EVENT_SIZE * 256);
    try {
      while (true) {
        int n = (int) EPOLL_WAIT.invokeExact(epfd, events, 256, -1);
        for (int i = 0; i < n; i++) {
          long fd = events.get(ValueLayout.JAVA_LONG_UNALIGNED, (long) i * EVENT_SIZE + 4);
          Connection connection = CONNECTIONS.get((int) fd);
          if (connection != null) {
            connection.readable = true;
            LockSupport.unpark(connection.thread);
          }
        }
      }
    } catch (Throwable e) {
      e.printStackTrace();
      System.exit(1);
    }
  }

  private static void serve(Connection connection) {
    ByteBuffer in = ByteBuffer.allocateDirect(16 * 1024);
    ByteBuffer out = ByteBuffer.allocateDirect(16 * 1024);
    byte[] bytes = new byte[in.capacity()];
    try (SocketChannel channel = connection.channel) {
      connection.awaitBytes();
      while (true) {
        int read = channel.read(in);
        if (read < 0) {
          return;
        }
        if (read == 0) {
          connection.awaitBytes();
          continue;
        }
        boolean drained = in.hasRemaining(); // a short read emptied the socket
        in.flip();
        int length = in.remaining();
        in.get(bytes, 0, length);
        in.clear();
        int start = 0;
        for (int end; (end = headEnd(bytes, start, length)) >= 0; start = end + 4) {
          answer(parse(bytes, start, end), out);
        }
        if (start == 0 && length == bytes.length) {
          return; // a head larger than the buffer: not this floor's business
        }
        in.put(bytes, start, length - start);
        for (out.flip(); out.hasRemaining(); ) {
          if (channel.write(out) == 0) {
            Thread.sleep(1); // the socket is full: never with these replies
          }
        }
        out.clear();
        if (drained) {
          connection.awaitBytes();
        }
      }
    } catch (IOException | InterruptedException e) {
      // the client went away
    } finally {
      CONNECTIONS.remove(connection.fd);
    }
  }

  /** The request line's target and the headers, as an HttpExchange would hold them. */
  private static Headers parse(byte[] bytes, int start, int end) {
    String[] lines = new String(bytes, start, end - start, StandardCharsets.ISO_8859_1)
        .split("\r\n");
    Headers headers = new Headers();
    URI.create(lines[0].split(" ", 3)[1]);
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.add(lines[i].substring(0, colon), lines[i].substring(colon + 1).strip());
      }
    }
    return headers;
  }

  /** The Date header's value, formatted once a second as servers do. */
  private static volatile String date = "";
  private static volatile long dateSecond = -1;

  private static void answer(Headers request, ByteBuffer out) {
    long second = System.currentTimeMillis() / 1000;
    if (second != dateSecond) {
      date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC));
      dateSecond = second;
    }
    String head = "HTTP/1.1 200 OK\r\nDate: " + date
        + "\r\nContent-type: application/json; charset=utf-8\r\nContent-length: " + BODY.length
        + "\r\n\r\n";
    out.put(head.getBytes(StandardCharsets.US_ASCII)).put(BODY);
  }

  private static int headEnd(byte[] bytes, int from, int length) {
    for (int i = from; i + 3 < length; i++) {
      if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r'
          && bytes[i + 3] == '\n') {
        return i;
      }
    }
    return -1;
  }
}
