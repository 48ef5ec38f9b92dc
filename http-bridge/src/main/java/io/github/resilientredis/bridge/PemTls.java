package io.github.resilientredis.bridge;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.slf4j.LoggerFactory;

/**
 * An {@link SSLContext} for the bridge's HTTPS listener from two PEM files, the form a CA or
 * cert-manager hands out: {@code tls-cert} holds the server's certificate followed by its
 * intermediates (the chain the server presents), {@code tls-key} its unencrypted PKCS#8 private
 * key ({@code BEGIN PRIVATE KEY}), RSA or EC. Every refusal names the setting, the file and what
 * to do, because a TLS mistake otherwise shows up only as a client's handshake failure.
 */
final class PemTls {

  private static final Pattern BLOCK = Pattern.compile(
      "-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----");
  /** In memory only: the key store never leaves this class. */
  private static final char[] STORE_PASSWORD = "bridge".toCharArray();

  private PemTls() {}

  /** Null when neither file is set; both or neither, else IllegalArgumentException. */
  static SSLContext load(Path certFile, Path keyFile) {
    if (certFile == null && keyFile == null) {
      return null;
    }
    if (certFile == null || keyFile == null) {
      String missing = certFile == null ? "tls-cert" : "tls-key";
      String given = certFile == null ? "tls-key" : "tls-cert";
      throw new IllegalArgumentException(missing + " is not set but " + given + " is (HTTPS needs"
          + " both the certificate chain and its private key): '"
          + (certFile == null ? keyFile : certFile) + "'");
    }
    List<X509Certificate> chain = certificates(certFile);
    PrivateKey key = privateKey(keyFile, chain.get(0).getPublicKey().getAlgorithm());
    requireMatch(key, chain.get(0), certFile, keyFile);
    warnIfExpiring(chain.get(0), certFile);
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("bridge", key, STORE_PASSWORD,
          chain.toArray(new X509Certificate[0]));
      KeyManagerFactory keys = KeyManagerFactory.getInstance(
          KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, STORE_PASSWORD);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException("tls-cert cannot be used with tls-key: '" + certFile
          + "': " + e.getMessage(), e);
    }
  }

  private static List<X509Certificate> certificates(Path file) {
    String text = read("tls-cert", file);
    List<X509Certificate> chain = new ArrayList<>();
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      Matcher m = BLOCK.matcher(text);
      while (m.find()) {
        if (m.group(1).equals("CERTIFICATE")) {
          byte[] der = decode("tls-cert", file, m.group(2));
          chain.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
        }
      }
    } catch (CertificateException e) {
      throw new IllegalArgumentException("tls-cert holds a certificate that cannot be read: '"
          + file + "': " + e.getMessage(), e);
    }
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("tls-cert holds no PEM certificate (-----BEGIN"
          + " CERTIFICATE-----): '" + file + "'");
    }
    return chain;
  }

  private static PrivateKey privateKey(Path file, String algorithm) {
    String text = read("tls-key", file);
    Matcher m = BLOCK.matcher(text);
    while (m.find()) {
      String type = m.group(1);
      switch (type) {
        case "PRIVATE KEY":
          return pkcs8("tls-key", file, decode("tls-key", file, m.group(2)), algorithm);
        case "RSA PRIVATE KEY", "EC PRIVATE KEY":
          throw new IllegalArgumentException("tls-key holds a traditional " + type + " (PKCS#1 or"
              + " SEC1); the bridge takes PKCS#8 (BEGIN PRIVATE KEY): convert it with `openssl"
              + " pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem`: '" + file + "'");
        case "ENCRYPTED PRIVATE KEY":
          throw new IllegalArgumentException("tls-key is encrypted; the bridge takes an"
              + " unencrypted PKCS#8 key (keep it readable only by the bridge's user): decrypt"
              + " it with `openssl pkcs8 -in key.pem -out key-plain.pem`: '" + file + "'");
        default:
          break; // parameters (BEGIN EC PARAMETERS) and certificates may come first
      }
    }
    throw new IllegalArgumentException("tls-key holds no PEM private key (-----BEGIN PRIVATE"
        + " KEY-----): '" + file + "'");
  }

  private static PrivateKey pkcs8(String setting, Path file, byte[] der, String algorithm) {
    try {
      return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (InvalidKeySpecException e) {
      throw new IllegalArgumentException(setting + " is not an " + algorithm + " key, the type"
          + " of the certificate's public key (RSA and EC keys are supported): '" + file + "'", e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(setting + ": the certificate's key type " + algorithm
          + " is not supported (RSA and EC are): '" + file + "'", e);
    }
  }

  /** A key that is not the certificate's would fail every handshake with an obscure alert. */
  private static void requireMatch(PrivateKey key, X509Certificate leaf, Path certFile,
      Path keyFile) {
    String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
    try {
      byte[] probe = new byte[32];
      new SecureRandom().nextBytes(probe);
      Signature sign = Signature.getInstance(algorithm);
      sign.initSign(key);
      sign.update(probe);
      byte[] signature = sign.sign();
      Signature verify = Signature.getInstance(algorithm);
      verify.initVerify(leaf.getPublicKey());
      verify.update(probe);
      if (verify.verify(signature)) {
        return;
      }
    } catch (GeneralSecurityException e) {
      // a key of another type or size: the message below
    }
    throw new IllegalArgumentException("tls-key is not the private key of the first certificate"
        + " in tls-cert (" + leaf.getSubjectX500Principal().getName() + ", from '" + certFile
        + "'; the server's own certificate comes first, then its intermediates): '" + keyFile
        + "'");
  }

  /** Clients refuse an expired certificate; say so at startup rather than at each handshake. */
  private static void warnIfExpiring(X509Certificate leaf, Path certFile) {
    Instant notAfter = leaf.getNotAfter().toInstant();
    Instant now = Instant.now();
    if (notAfter.isBefore(now.plus(Duration.ofDays(7)))) {
      LoggerFactory.getLogger(PemTls.class).warn("tls-cert {} {} on {}: clients will refuse it;"
          + " renew it and restart the bridge", certFile, notAfter.isBefore(now) ? "expired"
          : "expires", notAfter);
    }
  }

  private static String read(String setting, Path file) {
    try {
      return Files.readString(file, StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new IllegalArgumentException(setting + " cannot be read (" + e.getClass()
          .getSimpleName() + "): '" + file + "'", e);
    }
  }

  private static byte[] decode(String setting, Path file, String base64) {
    try {
      return Base64.getMimeDecoder().decode(base64.strip());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(setting + " holds a PEM block that is not base64: '"
          + file + "'", e);
    }
  }
}
