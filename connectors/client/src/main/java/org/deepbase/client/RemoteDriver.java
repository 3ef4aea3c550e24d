package org.deepbase.client;

import java.sql.DriverManager;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.Properties;
import java.util.TimeZone;
import org.apache.calcite.avatica.AvaticaConnection;
import org.apache.calcite.avatica.AvaticaFactory;
import org.apache.calcite.avatica.AvaticaPreparedStatement;
import org.apache.calcite.avatica.AvaticaResultSet;
import org.apache.calcite.avatica.AvaticaSpecificDatabaseMetaData;
import org.apache.calcite.avatica.AvaticaStatement;
import org.apache.calcite.avatica.DriverVersion;
import org.apache.calcite.avatica.Meta;
import org.apache.calcite.avatica.QueryState;
import org.apache.calcite.avatica.UnregisteredDriver;

/**
 * JDBC driver for a DeepBase server, {@code jdbc:deepbase:remote:url=http://host:8765;...} (the
 * same settings as Avatica's {@code jdbc:avatica:remote:}): Avatica's remote client, with
 * connections that answer what Avatica's own cannot ({@link RemoteConnection}).
 */
public final class RemoteDriver extends org.apache.calcite.avatica.remote.Driver {
  /** The URL prefix. */
  public static final String PREFIX = "jdbc:deepbase:remote:";

  static {
    try {
      DriverManager.registerDriver(new RemoteDriver());
    } catch (SQLException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** {@inheritDoc} */
  @Override
  protected String getConnectStringPrefix() {
    return PREFIX;
  }

  /** {@inheritDoc} */
  @Override
  protected DriverVersion createDriverVersion() {
    return new DriverVersion(
        "DeepBase remote JDBC driver", "0.1.0", "DeepBase", "0.1.0", true, 0, 1, 0, 1);
  }

  /** {@inheritDoc} */
  @Override
  protected AvaticaFactory createFactory() {
    return new Factory(super.createFactory());
  }

  /** Avatica's JDBC 4.1 factory, making {@link RemoteConnection}s. */
  private static final class Factory implements AvaticaFactory {
    private final AvaticaFactory avatica;

    Factory(AvaticaFactory avatica) {
      this.avatica = avatica;
    }

    @Override
    public int getJdbcMajorVersion() {
      return avatica.getJdbcMajorVersion();
    }

    @Override
    public int getJdbcMinorVersion() {
      return avatica.getJdbcMinorVersion();
    }

    @Override
    public AvaticaConnection newConnection(
        UnregisteredDriver driver, AvaticaFactory factory, String url, Properties info) {
      return new RemoteConnection(driver, factory, url, info);
    }

    @Override
    public AvaticaStatement newStatement(
        AvaticaConnection connection,
        Meta.StatementHandle handle,
        int resultSetType,
        int resultSetConcurrency,
        int resultSetHoldability)
        throws SQLException {
      return avatica.newStatement(
          connection, handle, resultSetType, resultSetConcurrency, resultSetHoldability);
    }

    @Override
    public AvaticaPreparedStatement newPreparedStatement(
        AvaticaConnection connection,
        Meta.StatementHandle handle,
        Meta.Signature signature,
        int resultSetType,
        int resultSetConcurrency,
        int resultSetHoldability)
        throws SQLException {
      return avatica.newPreparedStatement(
          connection, handle, signature, resultSetType, resultSetConcurrency, resultSetHoldability);
    }

    @Override
    public AvaticaResultSet newResultSet(
        AvaticaStatement statement,
        QueryState state,
        Meta.Signature signature,
        TimeZone timeZone,
        Meta.Frame firstFrame)
        throws SQLException {
      return avatica.newResultSet(statement, state, signature, timeZone, firstFrame);
    }

    @Override
    public AvaticaSpecificDatabaseMetaData newDatabaseMetaData(AvaticaConnection connection) {
      return avatica.newDatabaseMetaData(connection);
    }

    @Override
    public ResultSetMetaData newResultSetMetaData(
        AvaticaStatement statement, Meta.Signature signature) throws SQLException {
      return avatica.newResultSetMetaData(statement, signature);
    }
  }
}
