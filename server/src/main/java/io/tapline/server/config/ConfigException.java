package io.tapline.server.config;

/** The configuration is invalid; the message names the key and what it expects. */
public final class ConfigException extends RuntimeException {

  public ConfigException(String message) {
    super(message);
  }
}
