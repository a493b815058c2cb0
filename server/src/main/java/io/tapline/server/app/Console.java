package io.tapline.server.app;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ServerCacheControl;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.file.FileService;
import com.linecorp.armeria.server.file.HttpFile;

/**
 * The web console: the files the console module builds, packaged under {@value #RESOURCES} on the
 * class path and served at {@code /}. Hashed assets are cached for good; every other path a browser
 * asks for gets {@code index.html}, so a link into the console (a filtered call explorer, say)
 * opens it where it points. The API, gRPC, {@code /docs} and {@code /internal} keep their own, more
 * specific routes.
 */
final class Console {

  static final String RESOURCES = "tapline-console";

  /**
   * Scripts and styles from this origin only, no inline code, and no framing: recorded values are
   * rendered as text by the console, and this policy stops anything that slipped through anyway.
   */
  static final String CONTENT_SECURITY_POLICY =
      String.join(
          "; ",
          "default-src 'none'",
          "script-src 'self'",
          "style-src 'self'",
          "img-src 'self' data:",
          "font-src 'self'",
          "connect-src 'self'",
          "manifest-src 'self'",
          "base-uri 'none'",
          "form-action 'none'",
          "frame-ancestors 'none'");

  private Console() {}

  /** Adds the console's routes, or a short explanation at {@code /} when it was not built. */
  static void addTo(ServerBuilder sb) {
    ClassLoader loader = Console.class.getClassLoader();
    if (loader.getResource(RESOURCES + "/index.html") == null) {
      sb.service(
          "/",
          (ctx, req) ->
              HttpResponse.of(
                  HttpStatus.NOT_FOUND,
                  MediaType.PLAIN_TEXT_UTF_8,
                  "This server was built without its console. The API is at /docs.\n"));
      return;
    }
    HttpService assets =
        FileService.builder(loader, RESOURCES + "/assets")
            .cacheControl(ServerCacheControl.IMMUTABLE)
            .build();
    HttpService index =
        HttpFile.builder(loader, RESOURCES + "/index.html")
            .cacheControl(ServerCacheControl.REVALIDATED)
            .build()
            .asService();
    // A path of the API that matched nothing is a 404, not the console's page.
    HttpService pages =
        (ctx, req) ->
            isApiPath(ctx.path())
                ? HttpResponse.of(HttpStatus.NOT_FOUND, MediaType.PLAIN_TEXT_UTF_8, "Not found\n")
                : index.serve(ctx, req);
    HttpService files =
        FileService.builder(loader, RESOURCES)
            .cacheControl(ServerCacheControl.REVALIDATED)
            .build()
            .orElse(pages);
    sb.serviceUnder("/assets/", secured(assets));
    sb.route().methods(HttpMethod.GET, HttpMethod.HEAD).pathPrefix("/").build(secured(files));
  }

  /**
   * The JSON API ({@code /v1/}), health and metrics ({@code /internal/}), the docs, and gRPC
   * ({@code /package.Service/Method}: a first segment with a dot).
   */
  static boolean isApiPath(String path) {
    int end = path.indexOf('/', 1);
    String first = end < 0 ? path.substring(1) : path.substring(1, end);
    return first.equals("v1")
        || first.equals("internal")
        || first.equals("docs")
        || (end > 0 && first.contains("."));
  }

  private static HttpService secured(HttpService files) {
    return files.decorate(
        (delegate, ctx, req) -> {
          ctx.mutateAdditionalResponseHeaders(
              h ->
                  h.set("content-security-policy", CONTENT_SECURITY_POLICY)
                      .set(HttpHeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff")
                      .set(HttpHeaderNames.X_FRAME_OPTIONS, "DENY")
                      .set("referrer-policy", "no-referrer")
                      .set("cross-origin-opener-policy", "same-origin"));
          return delegate.serve(ctx, req);
        });
  }
}
