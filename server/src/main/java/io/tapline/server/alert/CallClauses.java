package io.tapline.server.alert;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.tapline.proto.v1.CallClause;
import io.tapline.server.api.InvalidRequestException;
import io.tapline.server.storage.CallRecord;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Per-call conditions, compiled once per rule into predicates that cost a field read and a
 * comparison per call, so they can run for every ingested call.
 */
final class CallClauses {

  private CallClauses() {}

  /** A compiled clause; {@code number} reads the field as a number (null for non-numbers). */
  record Clause(
      String field,
      String op,
      Predicate<CallRecord> test,
      Function<CallRecord, Double> number,
      double operand) {}

  private enum Type {
    NUMBER,
    STRING,
    BOOLEAN
  }

  private static final Map<String, Function<CallRecord, Double>> NUMBERS =
      Map.of(
          "status_code", c -> (double) c.statusCode(),
          "latency_ms", c -> c.latencyMicros() / 1000.0,
          "request_body_size", c -> (double) c.requestBodySize(),
          "response_body_size", c -> (double) c.responseBodySize());

  private static final Map<String, Function<CallRecord, String>> STRINGS =
      Map.of(
          "method", CallRecord::method,
          "route", CallRecord::route,
          "path", CallRecord::path,
          "url", CallRecord::url,
          "error", CallRecord::error,
          "customer_id", CallRecord::customerId,
          "plan", CallRecord::plan,
          "source_ip", CallRecord::sourceIp);

  private static final Set<String> NUMBER_OPS = Set.of("=", "!=", "<", "<=", ">", ">=", "in");
  private static final Set<String> STRING_OPS = Set.of("=", "!=", "in", "matches");
  private static final Set<String> BOOLEAN_OPS = Set.of("=", "!=");

  /** Compiles a clause; errors name {@code path}'s field. */
  static Clause compile(CallClause clause, String path) {
    String field = clause.getField();
    String op = clause.getOp();
    Type type;
    Function<CallRecord, String> string = null;
    Function<CallRecord, Double> number = NUMBERS.get(field);
    if (number != null) {
      type = Type.NUMBER;
    } else if (field.equals("has_error")) {
      type = Type.BOOLEAN;
    } else if (field.startsWith("tag.") && field.length() > 4) {
      String tag = field.substring(4);
      type = Type.STRING;
      string = c -> c.tags().getOrDefault(tag, "");
    } else {
      string = STRINGS.get(field);
      if (string == null) {
        throw new InvalidRequestException(
            path + ".field",
            "unknown field '"
                + field
                + "'; known: status_code, latency_ms, request_body_size,"
                + " response_body_size, method, route, path, url, error, customer_id, plan,"
                + " source_ip, has_error, tag.<name>");
      }
      type = Type.STRING;
    }
    Set<String> ops =
        switch (type) {
          case NUMBER -> NUMBER_OPS;
          case STRING -> STRING_OPS;
          case BOOLEAN -> BOOLEAN_OPS;
        };
    if (!ops.contains(op)) {
      throw new InvalidRequestException(
          path + ".op",
          "operator '"
              + op
              + "' is not valid for "
              + type.name().toLowerCase(java.util.Locale.ROOT)
              + " field "
              + field
              + "; use one of "
              + String.join(" ", ops.stream().sorted().toList()));
    }
    if (op.equals("in") && clause.getValuesCount() == 0) {
      throw new InvalidRequestException(path + ".values", "'in' needs at least one value");
    }
    return switch (type) {
      case NUMBER -> numberClause(field, op, clause, number, path);
      case STRING -> stringClause(field, op, clause, string, path);
      case BOOLEAN -> booleanClause(field, op, clause, path);
    };
  }

  private static Clause numberClause(
      String field, String op, CallClause clause, Function<CallRecord, Double> read, String path) {
    if (op.equals("in")) {
      double[] values = new double[clause.getValuesCount()];
      for (int i = 0; i < values.length; i++) {
        values[i] = parse(clause.getValues(i), path + ".values[" + i + "]");
      }
      return new Clause(
          field,
          op,
          c -> {
            double v = read.apply(c);
            for (double candidate : values) {
              if (candidate == v) {
                return true;
              }
            }
            return false;
          },
          read,
          values[0]);
    }
    double operand = parse(clause.getValue(), path + ".value");
    Predicate<CallRecord> test =
        switch (op) {
          case "=" -> c -> read.apply(c) == operand;
          case "!=" -> c -> read.apply(c) != operand;
          case "<" -> c -> read.apply(c) < operand;
          case "<=" -> c -> read.apply(c) <= operand;
          case ">" -> c -> read.apply(c) > operand;
          default -> c -> read.apply(c) >= operand;
        };
    return new Clause(field, op, test, read, operand);
  }

  private static Clause stringClause(
      String field, String op, CallClause clause, Function<CallRecord, String> read, String path) {
    Predicate<CallRecord> test =
        switch (op) {
          case "=" -> {
            String operand = clause.getValue();
            yield c -> operand.equals(read.apply(c));
          }
          case "!=" -> {
            String operand = clause.getValue();
            yield c -> !operand.equals(read.apply(c));
          }
          case "in" -> {
            Set<String> values = Set.copyOf(clause.getValuesList());
            yield c -> values.contains(read.apply(c));
          }
          default -> {
            // RE2 syntax, matched in time linear in the text: no pattern can stall evaluation.
            Pattern pattern;
            try {
              pattern = Pattern.compile(clause.getValue());
            } catch (PatternSyntaxException e) {
              throw new InvalidRequestException(
                  path + ".value",
                  "not a valid regular expression (RE2 syntax, no backreferences or lookaround): "
                      + e.getDescription());
            }
            yield c -> pattern.matcher(read.apply(c)).find();
          }
        };
    return new Clause(field, op, test, null, Double.NaN);
  }

  private static Clause booleanClause(String field, String op, CallClause clause, String path) {
    boolean operand;
    switch (clause.getValue()) {
      case "true" -> operand = true;
      case "false" -> operand = false;
      default -> throw new InvalidRequestException(path + ".value", "must be true or false");
    }
    boolean equal = op.equals("=");
    return new Clause(field, op, c -> (!c.error().isEmpty() == operand) == equal, null, Double.NaN);
  }

  private static double parse(String value, String path) {
    try {
      double parsed = Double.parseDouble(value);
      if (!Double.isFinite(parsed)) {
        throw new NumberFormatException();
      }
      return parsed;
    } catch (NumberFormatException e) {
      throw new InvalidRequestException(path, "must be a number; got '" + value + "'");
    }
  }

  /** True when every clause holds. */
  static boolean matches(List<Clause> clauses, CallRecord call) {
    for (Clause clause : clauses) {
      if (!clause.test().test(call)) {
        return false;
      }
    }
    return true;
  }
}
