package io.github.resilientredis.pool.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS layered over a {@link ChannelSocket}, as {@code ChannelSocketFactory.startTls} does: the
 * handshake, a round trip, a read timeout through the TLS layer, and close.
 */
class ChannelSocketTlsTest {

  @Test
  void tlsWorksOverTheChannelSocket(@TempDir Path dir) throws Exception {
    SSLContext context = selfSignedContext(dir);
    try (SSLServerSocket server = (SSLServerSocket) context.getServerSocketFactory()
        .createServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      CompletableFuture<Void> echo = CompletableFuture.runAsync(() -> {
        try (Socket peer = server.accept()) {
          InputStream in = peer.getInputStream();
          OutputStream out = peer.getOutputStream();
          byte[] line = new byte[6];
          int n = in.readNBytes(line, 0, line.length);
          out.write(line, 0, n);
          out.flush();
          in.read(); // waits for the client's close_notify or EOF
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });

      ChannelSocket plain = ChannelSocket.connect(
          new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()), 2000);
      SSLSocket tls = (SSLSocket) context.getSocketFactory()
          .createSocket(plain, "localhost", server.getLocalPort(), true);
      tls.setSoTimeout(3000); // the SSLSocket forwards it to the layered socket
      assertEquals(3000, plain.getSoTimeout());
      tls.startHandshake();

      tls.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      tls.getOutputStream().flush();
      byte[] reply = tls.getInputStream().readNBytes(6);
      assertEquals("PING\r\n", new String(reply, StandardCharsets.US_ASCII));

      tls.setSoTimeout(200);
      assertThrows(SocketTimeoutException.class, () -> tls.getInputStream().read());

      tls.close(); // autoClose: closes the channel socket too
      assertTrue(plain.isClosed());
      assertFalse(plain.isOpen());
      echo.get(10, TimeUnit.SECONDS);
    }
  }

  /** A key pair and certificate for localhost, made by the JDK's keytool. */
  private static SSLContext selfSignedContext(Path dir) throws Exception {
    Path store = dir.resolve("tls.p12");
    char[] password = "changeit".toCharArray();
    Process keytool = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "test", "-keyalg", "EC", "-validity", "2",
        "-dname", "CN=localhost", "-ext", "san=dns:localhost,ip:127.0.0.1",
        "-keystore", store.toString(), "-storetype", "PKCS12",
        "-storepass", new String(password), "-keypass", new String(password))
        .redirectErrorStream(true).start();
    String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0, output);

    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      keys.load(in, password);
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, password);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(keys);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return context;
  }
}
