package io.tapline.server.app;

import io.tapline.server.config.ConfigException;
import io.tapline.server.config.ConfigLoader;
import io.tapline.server.config.TaplineConfig;
import io.tapline.server.embedded.EmbeddedEngineException;

/** Starts Tapline; see {@code tapline.properties} for the configuration keys. */
public final class Main {

  private Main() {}

  public static void main(String[] args) {
    TaplineConfig config;
    try {
      config = ConfigLoader.load(args);
    } catch (ConfigException e) {
      System.err.println("Invalid configuration: " + e.getMessage());
      System.exit(2);
      return;
    }
    // Before the first logger is created, so logback picks these up when it configures itself.
    System.setProperty("tapline.log.format", config.log().format());
    System.setProperty("tapline.log.level", config.log().level());
    TaplineServer server;
    try {
      server = TaplineServer.start(config);
    } catch (EmbeddedEngineException e) {
      System.err.println(e.getMessage());
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(server::close));
  }
}
