package io.tapline.server.embedded;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Entry point of the child process that hosts the embedded ClickHouse engine.
 *
 * <p>Arguments: the path of {@code libchdb.so}, then clickhouse-local's command line. The engine
 * runs the given query (which starts the HTTP listener and then reads standard input until it
 * closes), so this process lives exactly as long as its parent holds the pipe to its standard
 * input. ClickHouse runs in its own process because it installs signal handlers and owns its
 * threads: a crash in the engine cannot take the server's JVM down with it.
 */
final class ChdbProcessMain {

  private ChdbProcessMain() {}

  public static void main(String[] args) throws Throwable {
    if (args.length < 2) {
      System.err.println("usage: ChdbProcessMain <libchdb.so> <clickhouse-local arguments...>");
      System.exit(2);
    }
    Arena arena = Arena.global();
    SymbolLookup lib = SymbolLookup.libraryLookup(Path.of(args[0]), arena);
    Linker linker = Linker.nativeLinker();
    MethodHandle queryCmdline =
        linker.downcallHandle(
            lib.find("chdb_query_cmdline").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    MethodHandle resultError =
        linker.downcallHandle(
            lib.find("chdb_result_error").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS));

    String[] cmdline = Arrays.copyOfRange(args, 1, args.length);
    MemorySegment argv = arena.allocate(ValueLayout.ADDRESS, cmdline.length + 1L);
    for (int i = 0; i < cmdline.length; i++) {
      argv.setAtIndex(ValueLayout.ADDRESS, i, arena.allocateFrom(cmdline[i]));
    }
    argv.setAtIndex(ValueLayout.ADDRESS, cmdline.length, MemorySegment.NULL);

    MemorySegment result = (MemorySegment) queryCmdline.invokeExact(cmdline.length, argv);
    if (result.equals(MemorySegment.NULL)) {
      System.err.println("embedded ClickHouse returned no result");
      System.exit(1);
    }
    MemorySegment error = (MemorySegment) resultError.invokeExact(result);
    if (!error.equals(MemorySegment.NULL)) {
      System.err.println("embedded ClickHouse failed: " + error.reinterpret(1 << 20).getString(0));
      System.exit(1);
    }
    System.exit(0);
  }
}
