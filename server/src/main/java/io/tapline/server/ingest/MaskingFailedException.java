package io.tapline.server.ingest;

/** Masking one field of a record failed: the record is refused, naming the field. */
final class MaskingFailedException extends RuntimeException {

  private final String field;

  MaskingFailedException(String field, Throwable cause) {
    super(
        "could not be masked (" + cause.getClass().getSimpleName() + "); the call was not stored",
        cause,
        false,
        false);
    this.field = field;
  }

  String field() {
    return field;
  }
}
