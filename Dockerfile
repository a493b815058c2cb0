# Tapline server image. Built by docker-compose.yml; runs against an external ClickHouse
# (TAPLINE_CLICKHOUSE_URL), so the embedded engine is not included.
FROM eclipse-temurin:25-jdk AS build
WORKDIR /src
COPY . .
RUN ./mvnw -B -q package -DskipTests -pl server -am

FROM eclipse-temurin:25-jre
RUN apt-get update && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/tapline tapline \
    && mkdir -p /var/lib/tapline && chown tapline /var/lib/tapline
COPY --from=build /src/server/target/tapline-server.jar /opt/tapline/tapline-server.jar
COPY --from=build /src/server/target/lib /opt/tapline/lib
USER tapline
WORKDIR /var/lib/tapline
ENV TAPLINE_EMBEDDED_DATA_DIR=/var/lib/tapline
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD curl -fsS http://127.0.0.1:8080/internal/health || exit 1
# The server's JVM options, as SERVER_JVM_OPTS in scripts/common.sh says why.
ENTRYPOINT ["java", "-XX:+UseG1GC", "-XX:+UnlockExperimentalVMOptions", "-XX:G1NewSizePercent=35", \
  "--sun-misc-unsafe-memory-access=allow", "-cp", "/opt/tapline/tapline-server.jar:/opt/tapline/lib/*", "io.tapline.server.app.Main"]
