package io.tapline.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class TurnsTest {

  @Test
  void turnsGoInOrderOfArrivalAndNeverToOneWhoGaveUp() {
    Turns turns = new Turns(2);
    assertThat(turns.take()).isDone();
    assertThat(turns.take()).isDone();
    CompletableFuture<Void> third = turns.take();
    CompletableFuture<Void> fourth = turns.take();
    CompletableFuture<Void> fifth = turns.take();
    assertThat(turns.running()).isEqualTo(2);
    assertThat(turns.waiting()).isEqualTo(3);

    assertThat(fourth.cancel(false)).isTrue(); // gave up
    assertThat(turns.waiting()).isEqualTo(2);
    turns.give();
    assertThat(third).isCompleted();
    assertThat(fifth).isNotDone();
    turns.give();
    assertThat(fifth).isCompleted();
    assertThat(turns.running()).isEqualTo(2);

    turns.give();
    turns.give();
    assertThat(turns.running()).isZero();
    assertThat(turns.take()).isDone();
  }
}
