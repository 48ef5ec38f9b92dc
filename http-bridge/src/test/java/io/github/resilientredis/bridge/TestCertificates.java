package io.github.resilientredis.bridge;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A CA and a server certificate made at test time by {@code scripts/lib/test-cert.sh} (openssl),
 * and a client {@link SSLContext} that trusts only that CA.
 */
record TestCertificates(Path dir) {

  static TestCertificates make(Path dir, String keyType) throws Exception {
    Path script = Path.of("..", "scripts", "lib", "test-cert.sh");
    Process p = new ProcessBuilder("bash", script.toString(), dir.toString(), keyType)
        .redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("test-cert.sh " + keyType + " failed: " + output);
    }
    return new TestCertificates(dir);
  }

  Path chain() {
    return dir.resolve("cert.pem");
  }

  Path key() {
    return dir.resolve("key.pem");
  }

  Path traditionalKey() {
    return dir.resolve("key-traditional.pem");
  }

  Path ca() {
    return dir.resolve("ca.pem");
  }

  /** Trusts this CA and nothing else: a handshake proves the bridge presented its chain. */
  SSLContext clientContext() throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(ca())) {
      trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509")
          .generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(
        TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return context;
  }

  static void deleteQuietly(Path dir) {
    try (var files = Files.walk(dir)) {
      files.sorted((a, b) -> b.compareTo(a)).forEach(f -> f.toFile().delete());
    } catch (IOException ignored) {
      // a temp directory: the OS cleans it up
    }
  }
}
