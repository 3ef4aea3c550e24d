package org.deepbase.server;

import java.io.IOException;
import java.util.function.Function;
import javax.servlet.ServletRequest;
import javax.servlet.ServletResponse;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import javax.servlet.http.HttpServletResponseWrapper;
import org.apache.calcite.avatica.AvaticaSeverity;
import org.apache.calcite.avatica.remote.AvaticaRuntimeException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.security.ServerAuthException;
import org.eclipse.jetty.security.authentication.BasicAuthenticator;
import org.eclipse.jetty.server.Authentication;

/**
 * HTTP Basic that refuses wrong credentials as a SQL error (SQLState 28000) instead of a second
 * HTTP 401: Avatica's client turns any status but 200 and 500 into a bare "HTTP/401"
 * RuntimeException, while a 500 carrying Avatica's error response reaches the application with its
 * message and SQLState. A request without credentials still gets the 401 challenge that makes the
 * client send them. The message does not say whether the user exists.
 */
final class RefusedLogins extends BasicAuthenticator {
  static final String SQLSTATE = "28000";
  static final String MESSAGE =
      "authentication failed: wrong user name or password, or too many failed attempts (a locked"
          + " user or address waits before it may try again)";

  private final Function<Exception, byte[]> errorBody;

  /**
   * @param errorBody encodes an error as the server's serialization (JSON or protobuf) does
   */
  RefusedLogins(Function<Exception, byte[]> errorBody) {
    this.errorBody = errorBody;
  }

  /** {@inheritDoc} */
  @Override
  public Authentication validateRequest(ServletRequest req, ServletResponse res, boolean mandatory)
      throws ServerAuthException {
    HttpServletRequest request = (HttpServletRequest) req;
    HttpServletResponse response = (HttpServletResponse) res;
    if (!mandatory || request.getHeader(HttpHeader.AUTHORIZATION.asString()) == null) {
      return super.validateRequest(req, res, mandatory);
    }
    boolean[] refused = {false};
    HttpServletResponseWrapper challengeless =
        new HttpServletResponseWrapper(response) {
          @Override
          public void sendError(int status) throws IOException {
            if (status == HttpServletResponse.SC_UNAUTHORIZED) {
              refused[0] = true;
            } else {
              super.sendError(status);
            }
          }

          @Override
          public void setHeader(String name, String value) {
            if (!HttpHeader.WWW_AUTHENTICATE.is(name)) {
              super.setHeader(name, value);
            }
          }
        };
    Authentication result = super.validateRequest(req, challengeless, mandatory);
    if (!refused[0]) {
      return result;
    }
    try {
      byte[] body = errorBody.apply(new Refusal());
      response.setStatus(HttpServletResponse.SC_INTERNAL_SERVER_ERROR);
      response.setContentLength(body.length);
      response.getOutputStream().write(body);
      response.flushBuffer();
    } catch (IOException e) {
      throw new ServerAuthException(e);
    }
    return Authentication.SEND_FAILURE;
  }

  /** The refusal, without a stack trace: Avatica sends an error's trace to the client. */
  private static final class Refusal extends AvaticaRuntimeException {
    private static final long serialVersionUID = 1L;

    Refusal() {
      super(MESSAGE, 0, SQLSTATE, AvaticaSeverity.ERROR);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }
}
