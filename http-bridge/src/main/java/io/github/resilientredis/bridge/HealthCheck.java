package io.github.resilientredis.bridge;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URL;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.Map;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The container image's HEALTHCHECK: {@code GET /health} on this machine's bridge, exit code 0
 * for 200, 1 otherwise. It reads the bridge's own environment (BRIDGE_PORT, BRIDGE_TLS_CERT), so
 * it probes the same port and scheme the bridge serves, with no curl or shell in the image.
 *
 * <p>Over HTTPS it does not check the certificate: it talks to 127.0.0.1 inside the container,
 * whose name the certificate need not carry, and asks only whether the server answers.
 */
final class HealthCheck {

  private static final int TIMEOUT_MILLIS = 3000;

  private HealthCheck() {}

  public static void main(String[] args) {
    int code;
    try {
      code = probe(System.getenv());
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      System.err.println("health check: " + e);
      code = 1;
    }
    System.exit(code);
  }

  static int probe(Map<String, String> env) throws IOException, GeneralSecurityException {
    String port = env.getOrDefault("BRIDGE_PORT", String.valueOf(BridgeConfig.DEFAULT_PORT))
        .strip();
    boolean tls = env.get("BRIDGE_TLS_CERT") != null && !env.get("BRIDGE_TLS_CERT").isBlank();
    URL url = new URL((tls ? "https" : "http") + "://127.0.0.1:" + port + "/health");
    HttpURLConnection connection = (HttpURLConnection) url.openConnection();
    if (connection instanceof HttpsURLConnection https) {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {new AnyServer()}, null);
      https.setSSLSocketFactory(context.getSocketFactory());
      https.setHostnameVerifier((host, session) -> true);
    }
    connection.setConnectTimeout(TIMEOUT_MILLIS);
    connection.setReadTimeout(TIMEOUT_MILLIS);
    try {
      int status = connection.getResponseCode();
      System.out.println("health check: " + url + " answered " + status);
      return status == 200 ? 0 : 1;
    } finally {
      connection.disconnect();
    }
  }

  /** Accepts the bridge's own certificate, whatever it is: see the class comment. */
  private static final class AnyServer implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
