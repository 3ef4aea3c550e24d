package org.deepbase.server.flight;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.adapter.jdbc.JdbcParameterBinder;
import org.apache.arrow.adapter.jdbc.JdbcToArrowUtils;
import org.apache.arrow.flight.BackpressureStrategy;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.CancelFlightInfoRequest;
import org.apache.arrow.flight.CancelStatus;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.PutResult;
import org.apache.arrow.flight.Result;
import org.apache.arrow.flight.SchemaResult;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.sql.BasicFlightSqlProducer;
import org.apache.arrow.flight.sql.SqlInfoBuilder;
import org.apache.arrow.flight.sql.impl.FlightSql;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Schema;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.deepbase.engine.security.Principal;
import org.deepbase.server.arrow.ArrowResults;

/**
 * Answers Flight SQL requests from a workspace: every call runs on a {@code jdbc:deepbase:}
 * connection opened as the authenticated user (so roles and ownership apply as over Avatica), and
 * results go out as Arrow record batches read from the result set while they are sent.
 *
 * <p>A query is planned when its FlightInfo is asked for (so the client gets its schema and
 * planning errors at once) and run when its ticket is redeemed. Cancel ({@code CancelFlightInfo},
 * or the client dropping the stream) cancels the JDBC statement, which stops the forward passes.
 */
final class DeepBaseFlightProducer extends BasicFlightSqlProducer implements AutoCloseable {
  /** How long a stream waits for a slow client before checking again whether it left. */
  private static final long BACKPRESSURE_WAIT_MILLIS = 30_000;

  private final FlightSessions sessions;
  private final BufferAllocator allocator;
  private final FlightQueries queries;
  private final SqlInfoBuilder sqlInfo;

  DeepBaseFlightProducer(
      FlightSessions sessions, BufferAllocator allocator, FlightQueries queries, String version) {
    this.sessions = sessions;
    this.allocator = allocator;
    this.queries = queries;
    this.sqlInfo =
        new SqlInfoBuilder()
            .withFlightSqlServerName("DeepBase")
            .withFlightSqlServerVersion(version)
            .withFlightSqlServerArrowVersion(
                java.util.Objects.requireNonNullElse(
                    Schema.class.getPackage().getImplementationVersion(), "unknown"))
            .withFlightSqlServerReadOnly(false)
            .withFlightSqlServerSql(true)
            .withFlightSqlServerSubstrait(false)
            .withFlightSqlServerTransaction(
                FlightSql.SqlSupportedTransaction.SQL_SUPPORTED_TRANSACTION_NONE)
            .withFlightSqlServerCancel(true)
            .withSqlIdentifierQuoteChar("\"")
            .withSqlIdentifierCase(
                FlightSql.SqlSupportedCaseSensitivity.SQL_CASE_SENSITIVITY_CASE_INSENSITIVE)
            .withSqlQuotedIdentifierCase(
                FlightSql.SqlSupportedCaseSensitivity.SQL_CASE_SENSITIVITY_CASE_INSENSITIVE)
            .withSqlSchemaTerm("schema")
            .withSqlCatalogTerm("catalog");
  }

  // ---- queries ----

  @Override
  public FlightInfo getFlightInfoStatement(
      FlightSql.CommandStatementQuery command, CallContext context, FlightDescriptor descriptor) {
    FlightQuery query = prepare(context, command.getQuery(), true);
    ByteString handle = queries.add(query);
    return info(
        query.schema(),
        descriptor,
        FlightSql.TicketStatementQuery.newBuilder().setStatementHandle(handle).build());
  }

  @Override
  public SchemaResult getSchemaStatement(
      FlightSql.CommandStatementQuery command, CallContext context, FlightDescriptor descriptor) {
    try (FlightQuery query = prepare(context, command.getQuery(), true)) {
      return new SchemaResult(query.schema());
    }
  }

  @Override
  public void getStreamStatement(
      FlightSql.TicketStatementQuery ticket, CallContext context, ServerStreamListener listener) {
    stream(ticket.getStatementHandle(), context, listener);
  }

  @Override
  public void createPreparedStatement(
      FlightSql.ActionCreatePreparedStatementRequest request,
      CallContext context,
      StreamListener<Result> listener) {
    try {
      FlightQuery query = prepare(context, request.getQuery(), false);
      ByteString handle = queries.add(query);
      FlightSql.ActionCreatePreparedStatementResult result =
          FlightSql.ActionCreatePreparedStatementResult.newBuilder()
              .setPreparedStatementHandle(handle)
              .setDatasetSchema(ByteString.copyFrom(query.schema().serializeAsMessage()))
              .setParameterSchema(ByteString.copyFrom(query.parameterSchema().serializeAsMessage()))
              .build();
      listener.onNext(new Result(Any.pack(result).toByteArray()));
      listener.onCompleted();
    } catch (RuntimeException e) {
      listener.onError(FlightErrors.of(e));
    }
  }

  @Override
  public void closePreparedStatement(
      FlightSql.ActionClosePreparedStatementRequest request,
      CallContext context,
      StreamListener<Result> listener) {
    try {
      queries.close(request.getPreparedStatementHandle(), caller(context).user());
      listener.onCompleted();
    } catch (RuntimeException e) {
      listener.onError(FlightErrors.of(e));
    }
  }

  @Override
  public FlightInfo getFlightInfoPreparedStatement(
      FlightSql.CommandPreparedStatementQuery command,
      CallContext context,
      FlightDescriptor descriptor) {
    FlightQuery query = queries.get(command.getPreparedStatementHandle(), caller(context).user());
    return info(query.schema(), descriptor, command);
  }

  @Override
  public SchemaResult getSchemaPreparedStatement(
      FlightSql.CommandPreparedStatementQuery command,
      CallContext context,
      FlightDescriptor descriptor) {
    return new SchemaResult(
        queries.get(command.getPreparedStatementHandle(), caller(context).user()).schema());
  }

  @Override
  public void getStreamPreparedStatement(
      FlightSql.CommandPreparedStatementQuery command,
      CallContext context,
      ServerStreamListener listener) {
    stream(command.getPreparedStatementHandle(), context, listener);
  }

  /** Binds the first row of the client's parameter batch; the values stay until bound again. */
  @Override
  public Runnable acceptPutPreparedStatementQuery(
      FlightSql.CommandPreparedStatementQuery command,
      CallContext context,
      FlightStream flightStream,
      StreamListener<PutResult> ackStream) {
    return () -> {
      try {
        bind(
            queries.get(command.getPreparedStatementHandle(), caller(context).user()),
            flightStream);
        ackStream.onCompleted();
      } catch (SQLException | RuntimeException e) {
        ackStream.onError(FlightErrors.of(e));
      }
    };
  }

  @Override
  public Runnable acceptPutPreparedStatementUpdate(
      FlightSql.CommandPreparedStatementUpdate command,
      CallContext context,
      FlightStream flightStream,
      StreamListener<PutResult> ackStream) {
    return () -> {
      try {
        FlightQuery query =
            queries.get(command.getPreparedStatementHandle(), caller(context).user());
        bind(query, flightStream);
        acknowledge(ackStream, query.statement().executeLargeUpdate());
      } catch (SQLException | RuntimeException e) {
        ackStream.onError(FlightErrors.of(e));
      }
    };
  }

  @Override
  public Runnable acceptPutStatement(
      FlightSql.CommandStatementUpdate command,
      CallContext context,
      FlightStream flightStream,
      StreamListener<PutResult> ackStream) {
    return () -> {
      try (Connection connection = sessions.open(caller(context));
          Statement statement = connection.createStatement()) {
        acknowledge(ackStream, statement.executeLargeUpdate(command.getQuery()));
      } catch (SQLException | RuntimeException e) {
        ackStream.onError(FlightErrors.of(e));
      }
    };
  }

  @Override
  public void cancelFlightInfo(
      CancelFlightInfoRequest request, CallContext context, StreamListener<CancelStatus> listener) {
    try {
      String user = caller(context).user();
      CancelStatus status = CancelStatus.NOT_CANCELLABLE;
      for (FlightEndpoint endpoint : request.getInfo().getEndpoints()) {
        ByteString handle = handleOf(endpoint.getTicket());
        if (handle != null) {
          status = queries.cancel(handle, user);
        }
      }
      listener.onNext(status);
      listener.onCompleted();
    } catch (RuntimeException e) {
      listener.onError(FlightErrors.of(e));
    }
  }

  // ---- catalog metadata ----

  @Override
  public void getStreamSqlInfo(
      FlightSql.CommandGetSqlInfo command, CallContext context, ServerStreamListener listener) {
    caller(context);
    sqlInfo.send(command.getInfoList(), listener);
  }

  @Override
  public void getStreamCatalogs(CallContext context, ServerStreamListener listener) {
    metadata(
        context,
        Schemas.GET_CATALOGS_SCHEMA,
        listener,
        meta -> rows(meta.getCatalogs(), "TABLE_CAT"));
  }

  @Override
  public void getStreamSchemas(
      FlightSql.CommandGetDbSchemas command, CallContext context, ServerStreamListener listener) {
    metadata(
        context,
        Schemas.GET_SCHEMAS_SCHEMA,
        listener,
        meta ->
            rows(
                meta.getSchemas(
                    command.hasCatalog() ? command.getCatalog() : null,
                    command.hasDbSchemaFilterPattern() ? command.getDbSchemaFilterPattern() : null),
                "TABLE_CATALOG",
                "TABLE_SCHEM"));
  }

  @Override
  public void getStreamTables(
      FlightSql.CommandGetTables command, CallContext context, ServerStreamListener listener) {
    metadata(
        context,
        command.getIncludeSchema()
            ? Schemas.GET_TABLES_SCHEMA
            : Schemas.GET_TABLES_SCHEMA_NO_SCHEMA,
        listener,
        meta -> {
          List<@Nullable Object[]> tables =
              rows(
                  meta.getTables(
                      command.hasCatalog() ? command.getCatalog() : null,
                      command.hasDbSchemaFilterPattern()
                          ? command.getDbSchemaFilterPattern()
                          : null,
                      command.hasTableNameFilterPattern()
                          ? command.getTableNameFilterPattern()
                          : null,
                      command.getTableTypesCount() == 0
                          ? null
                          : command.getTableTypesList().toArray(new String[0])),
                  "TABLE_CAT",
                  "TABLE_SCHEM",
                  "TABLE_NAME",
                  "TABLE_TYPE");
          if (!command.getIncludeSchema()) {
            return tables;
          }
          List<@Nullable Object[]> withSchema = new ArrayList<>();
          for (Object[] table : tables) {
            Object[] row = java.util.Arrays.copyOf(table, 5);
            row[4] = tableSchema(meta.getConnection(), (String) table[1], (String) table[2]);
            withSchema.add(row);
          }
          return withSchema;
        });
  }

  @Override
  public void getStreamTableTypes(CallContext context, ServerStreamListener listener) {
    metadata(
        context,
        Schemas.GET_TABLE_TYPES_SCHEMA,
        listener,
        meta -> rows(meta.getTableTypes(), "TABLE_TYPE"));
  }

  /** DeepBase declares no keys: its tables are computed, not stored with constraints. */
  @Override
  public void getStreamPrimaryKeys(
      FlightSql.CommandGetPrimaryKeys command, CallContext context, ServerStreamListener listener) {
    metadata(context, Schemas.GET_PRIMARY_KEYS_SCHEMA, listener, meta -> List.of());
  }

  @Override
  public void getStreamExportedKeys(
      FlightSql.CommandGetExportedKeys command,
      CallContext context,
      ServerStreamListener listener) {
    metadata(context, Schemas.GET_EXPORTED_KEYS_SCHEMA, listener, meta -> List.of());
  }

  @Override
  public void getStreamImportedKeys(
      FlightSql.CommandGetImportedKeys command,
      CallContext context,
      ServerStreamListener listener) {
    metadata(context, Schemas.GET_IMPORTED_KEYS_SCHEMA, listener, meta -> List.of());
  }

  @Override
  protected <T extends Message> List<FlightEndpoint> determineEndpoints(
      T request, FlightDescriptor descriptor, Schema schema) {
    return List.of(new FlightEndpoint(new Ticket(Any.pack(request).toByteArray())));
  }

  @Override
  public void close() {
    queries.close();
  }

  // ---- helpers ----

  private Principal caller(CallContext context) {
    Principal principal = sessions.principal(context.peerIdentity());
    if (principal == null) {
      throw CallStatus.UNAUTHENTICATED
          .withDescription("unknown user '" + context.peerIdentity() + "'")
          .toRuntimeException();
    }
    return principal;
  }

  private FlightQuery prepare(CallContext context, String sql, boolean oneShot) {
    Principal principal = caller(context);
    Connection connection = null;
    try {
      connection = sessions.open(principal);
      PreparedStatement statement = connection.prepareStatement(sql);
      ResultSetMetaData columns = statement.getMetaData();
      if (columns == null) {
        statement.close();
        throw FlightErrors.status(
            "42000",
            "not a query: run statements that return no rows as updates (executeUpdate)",
            null);
      }
      return new FlightQuery(
          principal.user(),
          connection,
          statement,
          ArrowResults.schema(columns, allocator),
          JdbcToArrowUtils.jdbcToArrowSchema(
              statement.getParameterMetaData(), JdbcToArrowUtils.getUtcCalendar()),
          oneShot);
    } catch (SQLException | RuntimeException e) {
      closeQuietly(connection);
      throw FlightErrors.of(e);
    }
  }

  private static void bind(FlightQuery query, FlightStream parameters) throws SQLException {
    while (parameters.next()) {
      VectorSchemaRoot root = parameters.getRoot();
      if (root.getRowCount() > 0) {
        JdbcParameterBinder.builder(query.statement(), root).bindAll().build().next();
      }
    }
  }

  private void acknowledge(StreamListener<PutResult> ackStream, long count) {
    byte[] result =
        FlightSql.DoPutUpdateResult.newBuilder().setRecordCount(count).build().toByteArray();
    try (ArrowBuf buffer = allocator.buffer(result.length)) {
      buffer.writeBytes(result);
      ackStream.onNext(PutResult.metadata(buffer));
    }
    ackStream.onCompleted();
  }

  /** Runs a query and streams its rows; the statement is cancelled if the client goes away. */
  private void stream(ByteString handle, CallContext context, ServerStreamListener listener) {
    FlightQuery query;
    try {
      query = queries.start(handle, caller(context).user());
    } catch (RuntimeException e) {
      listener.error(FlightErrors.of(e));
      return;
    }
    listener.setOnCancelHandler(query::cancel);
    // The cancel handler runs on the call's executor, which this method occupies while the
    // statement computes; gRPC cancels the call's Context at once, from the transport thread, when
    // the client cancels or its connection drops.
    io.grpc.Context call = io.grpc.Context.current();
    io.grpc.Context.CancellationListener gone = cancelled -> query.cancel();
    call.addListener(gone, Runnable::run);
    BackpressureStrategy backpressure = new BackpressureStrategy.CallbackBackpressureStrategy();
    backpressure.register(listener);
    try (ResultSet rs = query.statement().executeQuery()) {
      ArrowResults.stream(
          rs,
          allocator,
          new ArrowResults.BatchSink() {
            @Override
            public void start(VectorSchemaRoot root) {
              listener.start(root);
            }

            @Override
            public boolean next(VectorSchemaRoot root) {
              if (!ready(backpressure, listener)) {
                query.cancel();
                return false;
              }
              listener.putNext();
              return true;
            }

            @Override
            public void end() {
              listener.completed();
            }
          });
    } catch (SQLException | IOException | RuntimeException e) {
      if (!listener.isCancelled()) {
        listener.error(FlightErrors.of(e));
      }
    } finally {
      call.removeListener(gone);
      queries.finish(handle);
    }
  }

  /** Waits until the client can take another batch; false when it has gone. */
  private static boolean ready(BackpressureStrategy backpressure, ServerStreamListener listener) {
    while (true) {
      switch (backpressure.waitForListener(BACKPRESSURE_WAIT_MILLIS)) {
        case READY:
          return true;
        case CANCELLED:
          return false;
        default:
          if (listener.isCancelled()) {
            return false;
          }
      }
    }
  }

  private interface MetadataQuery {
    List<@Nullable Object[]> rows(DatabaseMetaData meta) throws SQLException;
  }

  private void metadata(
      CallContext context, Schema schema, ServerStreamListener listener, MetadataQuery query) {
    try (Connection connection = sessions.open(caller(context))) {
      MetadataRows.send(schema, query.rows(connection.getMetaData()), allocator, listener);
    } catch (SQLException | RuntimeException e) {
      listener.error(FlightErrors.of(e));
    }
  }

  private static List<@Nullable Object[]> rows(ResultSet rs, String... columns)
      throws SQLException {
    try (rs) {
      List<@Nullable Object[]> rows = new ArrayList<>();
      while (rs.next()) {
        Object[] row = new Object[columns.length];
        for (int i = 0; i < columns.length; i++) {
          row[i] = rs.getString(columns[i]);
        }
        if (columns.length != 1 || row[0] != null) { // a catalog or type name is never null
          rows.add(row);
        }
      }
      return rows;
    }
  }

  private byte[] tableSchema(Connection connection, @Nullable String schema, String table)
      throws SQLException {
    String name = (schema == null ? "" : quote(schema) + ".") + quote(table);
    try (PreparedStatement statement = connection.prepareStatement("SELECT * FROM " + name)) {
      return ArrowResults.schema(statement.getMetaData(), allocator).serializeAsMessage();
    }
  }

  private static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  private static FlightInfo info(Schema schema, FlightDescriptor descriptor, Message ticket) {
    return new FlightInfo(
        schema,
        descriptor,
        List.of(new FlightEndpoint(new Ticket(Any.pack(ticket).toByteArray()))),
        -1,
        -1);
  }

  /** Returns the statement handle a ticket redeems, or null for a ticket that names none. */
  private static @Nullable ByteString handleOf(Ticket ticket) {
    try {
      Any any = Any.parseFrom(ticket.getBytes());
      if (any.is(FlightSql.TicketStatementQuery.class)) {
        return any.unpack(FlightSql.TicketStatementQuery.class).getStatementHandle();
      }
      if (any.is(FlightSql.CommandPreparedStatementQuery.class)) {
        return any.unpack(FlightSql.CommandPreparedStatementQuery.class)
            .getPreparedStatementHandle();
      }
      return null;
    } catch (InvalidProtocolBufferException e) {
      throw CallStatus.INVALID_ARGUMENT
          .withDescription("not a DeepBase ticket")
          .toRuntimeException();
    }
  }

  private static void closeQuietly(@Nullable Connection connection) {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException e) {
        // already failing: the first error is the one to report
      }
    }
  }
}
