package io.tapline.bench;

import io.grpc.Channel;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.tapline.proto.v1.AdminServiceGrpc;
import io.tapline.proto.v1.CallFilter;
import io.tapline.proto.v1.CreateApiKeyRequest;
import io.tapline.proto.v1.Dimension;
import io.tapline.proto.v1.GetBreakdownRequest;
import io.tapline.proto.v1.QueryServiceGrpc;
import io.tapline.proto.v1.SearchCallsRequest;
import io.tapline.server.auth.ApiKeys;
import io.tapline.server.testing.ServerOnOwnEngine;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Ingest under hostile load. Streaming clients (IngestBenchmark's, in a child JVM) ingest alone for
 * a while; then again while a flood of made-up, well-formed API keys arrives at a fixed rate over
 * kept-alive connections from many loopback addresses (127.0.0.2 and up, so that the per-address
 * limit does not simply shut one address out), and several clients run slow queries (text searches
 * over bodies, breakdowns by customer) without pause. Rounds alternate the two, so that the table's
 * growth and the machine's drift weigh on both alike. It prints the ingest records/s of each run
 * and the share kept, per round and in all; the target is at least 80 %. The flood and the queries
 * run in this JVM, on the server's cores. All traffic stays on loopback.
 *
 * <pre>
 * ./bench/run HostileLoadBenchmark [--clients=4] [--seconds=30] [--warmup=10]
 *                                  [--flood-threads=4] [--flood-addresses=200] [--flood-rate=1000]
 *                                  [--query-threads=8] [--query-keys=2] [--rounds=3]
 * </pre>
 */
public final class HostileLoadBenchmark {

  /** Distinct made-up keys the flood cycles through: {@value}. */
  private static final int MADE_UP_KEYS = 20_000;

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = BenchServer.options(args);
    int clients = Integer.parseInt(opts.getOrDefault("clients", "4"));
    int seconds = Integer.parseInt(opts.getOrDefault("seconds", "30"));
    int warmup = Integer.parseInt(opts.getOrDefault("warmup", "10"));
    int floodThreads = Integer.parseInt(opts.getOrDefault("flood-threads", "4"));
    int floodAddresses = Integer.parseInt(opts.getOrDefault("flood-addresses", "200"));
    int floodRate = Integer.parseInt(opts.getOrDefault("flood-rate", "1000"));
    int queryThreads = Integer.parseInt(opts.getOrDefault("query-threads", "8"));
    int queryKeys = Integer.parseInt(opts.getOrDefault("query-keys", "2"));
    int rounds = Integer.parseInt(opts.getOrDefault("rounds", "3"));
    IngestBenchmark.Load load =
        new IngestBenchmark.Load(clients, 1000, 4, seconds, warmup, true, 10_000);

    System.out.printf(
        "HostileLoadBenchmark: %d rounds; %d ingest clients, %d s (+%d s warm-up) per run; flood:"
            + " %d made-up keys/s from %d threads over %d addresses; slow queries: %d threads over"
            + " %d keys; %d cores%n",
        rounds,
        clients,
        seconds,
        warmup,
        floodRate,
        floodThreads,
        floodAddresses,
        queryThreads,
        queryKeys,
        Runtime.getRuntime().availableProcessors());
    try (BenchServer server = BenchServer.start("hostile")) {
      String adminKey = server.tapline.adminKey();
      int port = server.tapline.port();
      List<String> readKeys = readKeys(server.tapline.channel(), queryKeys);
      // Made-up keys, made before the runs: making one takes tens of microseconds of secure
      // randomness, which an attacker would not spend, and this machine is also the server's.
      List<String> madeUp = new ArrayList<>();
      for (int i = 0; i < MADE_UP_KEYS; i++) {
        madeUp.add(ApiKeys.generate().key());
      }
      Map<String, LongAdder> floodAnswers = new ConcurrentHashMap<>();
      LongAdder queriesDone = new LongAdder();
      Map<String, LongAdder> queryRefusals = new ConcurrentHashMap<>();
      long aloneRecords = 0;
      long attackedRecords = 0;
      List<Double> kept = new ArrayList<>();
      double attackSeconds = 0;
      // Rounds alternate, so the table's growth and the machine's drift weigh on both alike.
      for (int round = 1; round <= rounds; round++) {
        System.out.printf("%n== round %d of %d: ingest alone%n", round, rounds);
        long aloneRound = IngestBenchmark.runClients(load, port, adminKey, false).records();
        aloneRecords += aloneRound;

        System.out.printf(
            "%n== round %d of %d: ingest under a key flood and slow queries%n", round, rounds);
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService hostile = Executors.newFixedThreadPool(floodThreads + queryThreads);
        for (int t = 0; t < floodThreads; t++) {
          int first = t;
          hostile.submit(
              () ->
                  flood(
                      port,
                      first,
                      floodThreads,
                      floodAddresses,
                      floodRate / (double) floodThreads,
                      madeUp,
                      stop,
                      floodAnswers));
        }
        List<ManagedChannel> channels = new ArrayList<>();
        for (int t = 0; t < queryThreads; t++) {
          ManagedChannel channel =
              Grpc.newChannelBuilderForAddress(
                      "127.0.0.1", port, InsecureChannelCredentials.create())
                  .build();
          channels.add(channel);
          String key = readKeys.get(t % readKeys.size());
          boolean search = t % 2 == 0;
          hostile.submit(() -> slowQueries(channel, key, search, stop, queriesDone, queryRefusals));
        }
        long attackStart = System.nanoTime();
        long attackedRound;
        try {
          attackedRound = IngestBenchmark.runClients(load, port, adminKey, false).records();
          attackedRecords += attackedRound;
        } finally {
          stop.set(true);
          hostile.shutdown();
          hostile.awaitTermination(30, TimeUnit.SECONDS);
          channels.forEach(ManagedChannel::shutdownNow);
        }
        attackSeconds += (System.nanoTime() - attackStart) / 1e9;
        kept.add(100.0 * attackedRound / aloneRound);
        System.out.printf(
            Locale.ROOT,
            "round %d: %.0f %% kept (%d and %d records/s)%n",
            round,
            kept.getLast(),
            aloneRound / seconds,
            attackedRound / seconds);
      }
      List<Double> sorted = kept.stream().sorted().toList();

      long floodSent = floodAnswers.values().stream().mapToLong(LongAdder::sum).sum();
      double alone = aloneRecords / (double) (seconds * rounds);
      double attacked = attackedRecords / (double) (seconds * rounds);
      System.out.printf(
          Locale.ROOT,
          "%nflood: %.0f requests/s; answers (HTTP status: count): %s%n"
              + "slow queries completed: %d (%.1f/s); refused: %s%n"
              + "ingest alone %.0f records/s; under hostile load %.0f records/s: %.0f %% kept;"
              + " by round %s, median %.0f %% (target: at least 80 %%)%n",
          floodSent / attackSeconds,
          new TreeMap<>(floodAnswers),
          queriesDone.sum(),
          queriesDone.sum() / attackSeconds,
          new TreeMap<>(queryRefusals),
          alone,
          attacked,
          100 * attacked / alone,
          kept.stream().map(k -> String.format(Locale.ROOT, "%.0f %%", k)).toList(),
          sorted.get(sorted.size() / 2));
    }
  }

  /** Read keys for the slow queries, each bound to no service, made through {@code admin}. */
  private static List<String> readKeys(Channel admin, int n) {
    var keys = AdminServiceGrpc.newBlockingStub(admin);
    List<String> made = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      made.add(
          keys.createApiKey(
                  CreateApiKeyRequest.newBuilder().setName("slow " + i).addScopes("read").build())
              .getKey());
    }
    return made;
  }

  /**
   * Sends JSON searches with made-up keys at {@code perSecond}, over kept-alive HTTP/1.1
   * connections from the loopback addresses 127.0.0.{2 + first}, 127.0.0.{2 + first + step}, ... in
   * turn (a connection the server closes is opened again).
   */
  private static void flood(
      int port,
      int first,
      int step,
      int addresses,
      double perSecond,
      List<String> keys,
      AtomicBoolean stop,
      Map<String, LongAdder> answers) {
    Map<Integer, Connection> connections = new HashMap<>();
    String body = "{\"filter\":{\"service\":\"checkout\"}}";
    int i = first;
    long start = System.nanoTime();
    long sent = 0;
    try {
      while (!stop.get()) {
        long due = start + (long) (sent++ * 1e9 / perSecond);
        long wait = due - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
        int n = i % addresses;
        i += step;
        String answer;
        try {
          Connection connection = connections.get(n);
          if (connection == null) {
            connection = new Connection("127.0." + (n / 250) + "." + (2 + n % 250), port);
            connections.put(n, connection);
          }
          answer =
              connection.post(
                  "POST /v1/calls:search HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      + "Content-Type: application/json\r\nAuthorization: Bearer "
                      + keys.get(Math.floorMod(i, keys.size()))
                      + "\r\nContent-Length: "
                      + body.length()
                      + "\r\n\r\n"
                      + body);
        } catch (Exception e) {
          Connection broken = connections.remove(n);
          if (broken != null) {
            broken.close();
          }
          answer = e.getClass().getSimpleName();
        }
        answers.computeIfAbsent(answer, c -> new LongAdder()).increment();
      }
    } finally {
      connections.values().forEach(Connection::close);
    }
  }

  /** One kept-alive HTTP/1.1 connection from a given local address. */
  private static final class Connection {
    private final Socket socket = new Socket();
    private final java.io.BufferedInputStream in;
    private final OutputStream out;

    Connection(String localAddress, int port) throws java.io.IOException {
      socket.bind(new InetSocketAddress(localAddress, 0));
      socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
      socket.setSoTimeout(10_000);
      in = new java.io.BufferedInputStream(socket.getInputStream());
      out = socket.getOutputStream();
    }

    /** Sends one request and reads its answer whole; returns the status code. */
    String post(String request) throws java.io.IOException {
      out.write(request.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String status = line();
      int length = 0;
      for (String header = line(); !header.isEmpty(); header = line()) {
        if (header.regionMatches(true, 0, "content-length:", 0, 15)) {
          length = Integer.parseInt(header.substring(15).trim());
        }
      }
      if (in.readNBytes(length).length < length) {
        throw new java.io.EOFException("answer cut short");
      }
      return status.length() < 12 ? "none" : status.substring(9, 12);
    }

    private String line() throws java.io.IOException {
      StringBuilder line = new StringBuilder();
      for (int c = in.read(); c != '\n'; c = in.read()) {
        if (c < 0) {
          throw new java.io.EOFException("connection closed");
        }
        if (c != '\r') {
          line.append((char) c);
        }
      }
      return line.toString();
    }

    void close() {
      try {
        socket.close();
      } catch (java.io.IOException e) {
        // closing anyway
      }
    }
  }

  /** Runs heavy queries back to back: text searches over bodies, or breakdowns by customer. */
  private static void slowQueries(
      ManagedChannel channel,
      String key,
      boolean search,
      AtomicBoolean stop,
      LongAdder done,
      Map<String, LongAdder> refusals) {
    var query = QueryServiceGrpc.newBlockingStub(ServerOnOwnEngine.withKey(channel, key));
    int i = 0;
    while (!stop.get()) {
      try {
        if (search) {
          query.searchCalls(
              SearchCallsRequest.newBuilder()
                  .setFilter(CallFilter.newBuilder().setText("sku-" + (i++ % 1000) + "-x"))
                  .setPageSize(100)
                  .build());
        } else {
          query.getBreakdown(
              GetBreakdownRequest.newBuilder()
                  .addDimensions(Dimension.DIMENSION_CUSTOMER)
                  .addDimensions(Dimension.DIMENSION_ROUTE)
                  .setLimit(1000)
                  .build());
        }
        done.increment();
      } catch (StatusRuntimeException e) {
        refusals.computeIfAbsent(e.getStatus().getCode().name(), c -> new LongAdder()).increment();
      }
    }
  }
}
