import java.io.InputStream;
import java.lang.reflect.Field;
import java.util.Arrays;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * DynamoDB Local bound to one address. The jar has no host option: its Jetty server listens on
 * every interface, without authentication. This builds the server exactly as DynamoDB Local's own
 * main does, sets the host on its connector before it opens, and starts it.
 *
 * Usage: java -cp DynamoDBLocal.jar:<this dir> DynamoDbLocalOnHost <host> <DynamoDB Local options>
 *
 * It also stops when its standard input closes, so it never outlives the Node process that
 * started it (killed or crashed), which would keep the port and the database file.
 *
 * Compiled for Java 17 into DynamoDbLocalOnHost.class next to this file (a JRE cannot compile):
 *   javac --release 17 -cp <DynamoDB Local dir>/DynamoDBLocal.jar -d lib/local/java lib/local/java/DynamoDbLocalOnHost.java
 */
public final class DynamoDbLocalOnHost {
  public static void main(String[] args) throws Exception {
    if (args.length < 1) throw new IllegalArgumentException("usage: DynamoDbLocalOnHost <host> <DynamoDB Local options>");
    String host = args[0];
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(Arrays.copyOfRange(args, 1, args.length));
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    for (Connector connector : server.getConnectors()) ((ServerConnector) connector).setHost(host);
    server.start();
    Thread watchdog = new Thread(() -> {
      try (InputStream in = System.in) {
        while (in.read() >= 0) {
          // Nothing is sent on standard input; end of file means the parent is gone.
        }
      } catch (Exception ignored) {
        // A broken pipe means the same.
      }
      try {
        server.stop();
      } catch (Exception ignored) {
        // Exiting releases the port and the file either way.
      }
      System.exit(0);
    }, "parent-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    server.join();
  }
}
