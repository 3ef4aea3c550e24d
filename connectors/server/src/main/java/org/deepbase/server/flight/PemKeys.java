package org.deepbase.server.flight;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.Collections;

/**
 * The server's key and certificate chain from the Java keystore the Avatica endpoint uses, as the
 * PEM text gRPC's TLS wants: one keystore configures both endpoints.
 */
record PemKeys(byte[] certificateChain, byte[] privateKey) {

  /** Reads the first private-key entry of a PKCS12 or JKS keystore. */
  static PemKeys of(Path keystore, char[] password) throws IOException {
    try (InputStream in = Files.newInputStream(keystore)) {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(in, password);
      for (String alias : Collections.list(store.aliases())) {
        Key key = store.getKey(alias, password);
        if (key instanceof PrivateKey privateKey) {
          StringBuilder chain = new StringBuilder();
          for (Certificate certificate : store.getCertificateChain(alias)) {
            chain.append(pem("CERTIFICATE", certificate.getEncoded()));
          }
          return new PemKeys(
              chain.toString().getBytes(StandardCharsets.US_ASCII),
              pem("PRIVATE KEY", privateKey.getEncoded()).getBytes(StandardCharsets.US_ASCII));
        }
      }
      throw new IOException("no private key in " + keystore);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot read the keystore " + keystore + ": " + e.getMessage(), e);
    }
  }

  InputStream chainStream() {
    return new ByteArrayInputStream(certificateChain);
  }

  InputStream keyStream() {
    return new ByteArrayInputStream(privateKey);
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }
}
