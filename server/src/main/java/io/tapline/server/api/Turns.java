package io.tapline.server.api;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * A fixed number of turns, handed out in order of arrival. A caller takes a turn: at once when one
 * is free, otherwise as a future that completes when an earlier caller gives its turn back. A
 * waiter that gives up cancels its future; a turn is never handed to a cancelled one. Thread-safe.
 */
final class Turns {

  private final int total;
  private final ArrayDeque<CompletableFuture<Void>> waiting = new ArrayDeque<>();
  private int taken;

  Turns(int total) {
    this.total = total;
  }

  /** A turn: complete when it is the caller's, or when an earlier caller gives one back. */
  synchronized CompletableFuture<Void> take() {
    if (taken < total) {
      taken++;
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> turn = new CompletableFuture<>();
    waiting.add(turn);
    return turn;
  }

  /** Gives a turn back: to the longest waiter still waiting, or to the free ones. */
  synchronized void give() {
    for (CompletableFuture<Void> next = waiting.poll(); next != null; next = waiting.poll()) {
      if (next.complete(null)) {
        return;
      }
    }
    taken--;
  }

  /** Turns held now. */
  synchronized int running() {
    return taken;
  }

  /** Callers waiting for a turn now. */
  synchronized int waiting() {
    waiting.removeIf(CompletableFuture::isDone);
    return waiting.size();
  }
}
