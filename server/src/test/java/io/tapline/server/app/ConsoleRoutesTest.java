package io.tapline.server.app;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ConsoleRoutesTest {

  @Test
  void apiPathsAreNotConsolePages() {
    assertThat(Console.isApiPath("/v1/nope")).isTrue();
    assertThat(Console.isApiPath("/internal/nope")).isTrue();
    assertThat(Console.isApiPath("/docs/x")).isTrue();
    assertThat(Console.isApiPath("/tapline.v1.QueryService/Nope")).isTrue();
    assertThat(Console.isApiPath("/")).isFalse();
    assertThat(Console.isApiPath("/calls")).isFalse();
    assertThat(Console.isApiPath("/calls/a.b.c")).isFalse();
    assertThat(Console.isApiPath("/usage/customers/acme.corp")).isFalse();
    assertThat(Console.isApiPath("/v1")).isTrue();
  }
}
