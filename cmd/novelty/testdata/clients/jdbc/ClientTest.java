// Drives a Novelty server with pgjdbc: usage
// `java -cp /usr/share/java/postgresql.jar ClientTest.java <port>`.
// It prints one line per finding ("section: values"), which clients_test.go
// compares with the expected lines. A failing metadata call prints
// "section: ERROR <SQLSTATE> <message>" and the program goes on, so one gap
// does not hide the others; any other failure exits non-zero. Sections:
// inserted, select <round>, stream, tables, columns <relation>, schemas.
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;

public class ClientTest {
    // streamWaitMillis bounds how long the program polls a stream's retained
    // output: streams produce rows asynchronously after the INSERT returns.
    private static final long streamWaitMillis = 10_000;

    public static void main(String[] args) throws Exception {
        String url = "jdbc:postgresql://127.0.0.1:" + args[0] + "/novelty?user=jdbc&sslmode=disable";
        try (Connection conn = DriverManager.getConnection(url)) {
            try (Statement st = conn.createStatement()) {
                st.execute("CREATE TABLE accounts (id BIGINT PRIMARY KEY, owner TEXT NOT NULL, balance DOUBLE PRECISION, active BOOLEAN, opened TIMESTAMPTZ)");
                st.execute("CREATE SOURCE payments (account BIGINT, amount DOUBLE PRECISION, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)");
                st.execute("CREATE STREAM large_payments AS SELECT account, amount, ts FROM payments WHERE amount > 100");
            }
            preparedStatements(conn);
            DatabaseMetaData meta = conn.getMetaData();
            tables(meta);
            for (String name : new String[] {"accounts", "payments", "large_payments"}) {
                columns(meta, name);
            }
            schemas(meta);
        }
    }

    private static void preparedStatements(Connection conn) throws SQLException, InterruptedException {
        Timestamp opened = Timestamp.from(Instant.parse("2024-05-01T10:00:00.5Z"));
        try (PreparedStatement ins = conn.prepareStatement(
                "INSERT INTO accounts (id, owner, balance, active, opened) VALUES (?, ?, ?, ?, ?)")) {
            Object[][] rows = {
                {1L, "ann", 10.5, true, opened},
                {2L, "o'brien", -3.25, false, null},
            };
            int inserted = 0;
            for (Object[] row : rows) {
                ins.setLong(1, (Long) row[0]);
                ins.setString(2, (String) row[1]);
                ins.setDouble(3, (Double) row[2]);
                ins.setBoolean(4, (Boolean) row[3]);
                ins.setTimestamp(5, (Timestamp) row[4]);
                inserted += ins.executeUpdate();
            }
            System.out.println("inserted: " + inserted);
        }
        // pgjdbc switches to a named server-side statement after five
        // executions (prepareThreshold), so the loop covers both paths.
        try (PreparedStatement sel = conn.prepareStatement(
                "SELECT owner, balance, active, opened FROM accounts WHERE id = ? AND balance > ?")) {
            for (int round = 0; round < 6; round++) {
                sel.setLong(1, round % 2 == 0 ? 1L : 2L);
                sel.setDouble(2, -100.0);
                try (ResultSet rs = sel.executeQuery()) {
                    while (rs.next()) {
                        Timestamp ts = rs.getTimestamp(4);
                        System.out.println("select " + round + ": " + rs.getString(1) + " " + rs.getDouble(2)
                                + " " + rs.getBoolean(3) + " " + (ts == null ? "null" : ts.toInstant()));
                    }
                }
            }
        }
        try (PreparedStatement ins = conn.prepareStatement(
                "INSERT INTO payments (account, amount, ts) VALUES (?, ?, ?)")) {
            double[] amounts = {50, 150, 250};
            for (int i = 0; i < amounts.length; i++) {
                ins.setLong(1, 1L);
                ins.setDouble(2, amounts[i]);
                ins.setTimestamp(3, Timestamp.valueOf("2024-05-01 10:00:0" + i));
                ins.executeUpdate();
            }
        }
        try (PreparedStatement sel = conn.prepareStatement(
                "SELECT amount FROM large_payments WHERE account = ? AND amount > ? ORDER BY amount")) {
            long deadline = System.currentTimeMillis() + streamWaitMillis;
            StringBuilder found;
            do {
                found = new StringBuilder();
                sel.setLong(1, 1L);
                sel.setDouble(2, 100.0);
                int n = 0;
                try (ResultSet rs = sel.executeQuery()) {
                    while (rs.next()) {
                        found.append(' ').append(rs.getDouble(1));
                        n++;
                    }
                }
                if (n >= 2) {
                    break;
                }
                Thread.sleep(20);
            } while (System.currentTimeMillis() < deadline);
            System.out.println("stream:" + found);
        }
    }

    private static void tables(DatabaseMetaData meta) {
        try (ResultSet rs = meta.getTables(null, "public", "%", new String[] {"TABLE", "VIEW", "FOREIGN TABLE"})) {
            while (rs.next()) {
                System.out.println("tables: " + rs.getString("TABLE_SCHEM") + " " + rs.getString("TABLE_NAME")
                        + " " + rs.getString("TABLE_TYPE"));
            }
        } catch (SQLException e) {
            printError("tables", e);
        }
    }

    private static void columns(DatabaseMetaData meta, String table) {
        try (ResultSet rs = meta.getColumns(null, "public", table, "%")) {
            while (rs.next()) {
                System.out.println("columns " + table + ": " + rs.getInt("ORDINAL_POSITION")
                        + " " + rs.getString("COLUMN_NAME") + " " + rs.getString("TYPE_NAME")
                        + " " + rs.getInt("DATA_TYPE") + " " + rs.getString("IS_NULLABLE"));
            }
        } catch (SQLException e) {
            printError("columns " + table, e);
        }
    }

    private static void schemas(DatabaseMetaData meta) {
        try (ResultSet rs = meta.getSchemas()) {
            while (rs.next()) {
                System.out.println("schemas: " + rs.getString("TABLE_SCHEM"));
            }
        } catch (SQLException e) {
            printError("schemas", e);
        }
    }

    private static void printError(String section, SQLException e) {
        System.out.println(section + ": ERROR " + e.getSQLState() + " " + e.getMessage().replace('\n', ' '));
    }
}
