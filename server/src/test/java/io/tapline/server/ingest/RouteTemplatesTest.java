package io.tapline.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RouteTemplatesTest {

  @Test
  void replacesIdSegments() {
    assertThat(RouteTemplates.derive("/users/123/orders/9f1c2e4b-7a1d-4c3e-9b2a-1d2e3f4a5b6c"))
        .isEqualTo("/users/{id}/orders/{id}");
    assertThat(RouteTemplates.derive("/blobs/4f9c2d1e8a7b6c5d4e3f2a1b0c9d8e7f"))
        .isEqualTo("/blobs/{id}");
    assertThat(RouteTemplates.derive("/orders/ord_8fK2x9QzL1/items/a1b2c3d4"))
        .isEqualTo("/orders/{id}/items/{id}");
    assertThat(RouteTemplates.derive("/v1/users/42/")).isEqualTo("/v1/users/{id}/");
  }

  @Test
  void keepsWords() {
    assertThat(RouteTemplates.derive("/v2/oauth2/token")).isEqualTo("/v2/oauth2/token");
    assertThat(RouteTemplates.derive("/api/s3/buckets")).isEqualTo("/api/s3/buckets");
    assertThat(RouteTemplates.derive("/health")).isEqualTo("/health");
    assertThat(RouteTemplates.derive("")).isEqualTo("/");
    assertThat(RouteTemplates.derive("/")).isEqualTo("/");
  }
}
