package io.tapline.server.outbound;

/** An outbound request may not go where it was asked to: the message says why. */
public final class OutboundRefusedException extends RuntimeException {

  public OutboundRefusedException(String reason) {
    super(reason, null, false, false);
  }
}
