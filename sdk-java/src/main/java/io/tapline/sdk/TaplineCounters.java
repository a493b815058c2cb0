package io.tapline.sdk;

/**
 * What a client did with the calls it was given, since it was built. Every recorded call ends as
 * acknowledged, rejected or dropped (or is still queued or in flight).
 *
 * @param recorded calls accepted into the queue (after exclusion and sampling)
 * @param sent calls sent to the server for the first time
 * @param acknowledged calls the server stored
 * @param rejected calls the server refused for good: records it rejected one by one, and whole
 *     batches failing with a status that is not retried (such as INVALID_ARGUMENT or
 *     UNAUTHENTICATED)
 * @param retried calls sent again after a retryable failure (once per new attempt)
 * @param dropped calls lost on this side: the queue was full, the client was closed, a record
 *     failed to convert, or a batch ran out of attempts or time at shutdown
 * @param sampledOut calls left out by sampling (successful, fast calls above the rate)
 */
public record TaplineCounters(
    long recorded,
    long sent,
    long acknowledged,
    long rejected,
    long retried,
    long dropped,
    long sampledOut) {}
