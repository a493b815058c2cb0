package io.tapline.server.api;

import io.tapline.server.storage.CallRecord;
import java.util.List;

/**
 * Call ids are unique within a service, not across services (clients may choose them), so a call is
 * always looked up within the services the caller may see: a key bound to one service only ever
 * finds that service's call, whatever another service holds under the same id.
 */
public final class CallIds {

  private CallIds() {}

  /**
   * The service to look a call up in: the key's own when it is bound to one (a request naming
   * another finds nothing), else the one the request names, else empty (any).
   *
   * @throws NotFoundException when a bound key names another service
   */
  public static String service(Principal principal, String requested, String id) {
    // A bound key naming another service learns nothing, not even that the service exists.
    return principal.serviceFor(requested, () -> notFound(id));
  }

  /**
   * The one call among those found, by the services they belong to.
   *
   * @throws NotFoundException when none was found
   * @throws InvalidRequestException naming {@code service} when calls of several services have this
   *     id and the request named none
   */
  public static CallRecord one(List<CallRecord> found, String id) {
    if (found.isEmpty()) {
      throw notFound(id);
    }
    if (found.size() > 1) {
      throw ambiguous(id, found.stream().map(CallRecord::service).toList());
    }
    return found.getFirst();
  }

  /** The error for an id that several services use, when the request named no service. */
  public static InvalidRequestException ambiguous(String id, List<String> services) {
    return new InvalidRequestException(
        "service",
        "calls of several services have the id '"
            + id
            + "' ("
            + String.join(", ", services)
            + "); name the service");
  }

  public static NotFoundException notFound(String id) {
    return new NotFoundException("No call with id " + id);
  }
}
