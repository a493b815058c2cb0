package io.tapline.sdk.example;

import io.tapline.sdk.TaplineClient;
import io.tapline.sdk.TaplineEnvironment;
import io.tapline.sdk.servlet.TaplineFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;

/**
 * A tiny greeting service on Jetty with the Tapline filter installed; every call it serves shows up
 * in Tapline. Configured by {@code TAPLINE_*} variables (endpoint, API key, service name), and
 * {@code PORT} for its own port (default 8081). Run it with {@code sdk-java/run-example}.
 */
public final class ExampleService {

  public static void main(String[] args) throws Exception {
    TaplineClient tapline = TaplineEnvironment.clientFromEnvironment();
    int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8081"));

    ServletContextHandler context = new ServletContextHandler();
    context.addFilter(
        new FilterHolder(new TaplineFilter(tapline)), "/*", EnumSet.of(DispatcherType.REQUEST));
    context.addServlet(new ServletHolder(new Greeting()), "/hello/*");
    context.addServlet(new ServletHolder(new Greeting()), "/health");
    Server server = new Server(port);
    server.setHandler(context);
    server.start();
    Runtime.getRuntime()
        .addShutdownHook(
            Thread.ofPlatform()
                .unstarted(
                    () -> {
                      try {
                        server.stop();
                      } catch (Exception ignored) {
                        // exiting anyway
                      }
                      tapline.close(); // sends what is still queued, at most 5 seconds
                    }));
    System.out.println("Example service on http://localhost:" + port + "/hello/{name}");
    server.join();
  }

  static final class Greeting extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      String name = req.getPathInfo() == null ? "world" : req.getPathInfo().substring(1);
      if (name.equals("teapot")) {
        resp.sendError(418, "I'm a teapot");
        return;
      }
      resp.setContentType("application/json");
      resp.getWriter().write("{\"greeting\":\"hello " + name + "\"}");
    }
  }
}
