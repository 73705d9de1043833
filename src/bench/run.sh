#!/usr/bin/env bash
# The benchmark of issue 7 in one command: builds the packaged service if needed, compiles
# the load generator (src/bench/java, on the service's own Vert.x and Jackson jars), creates
# the benchmark database afresh and runs every measurement; the results replace the
# generated part of BENCHMARKS.md. Not part of `./mvnw verify` (speed is never a test).
#
# Sizes (environment; defaults are the issue's):
#   BENCH_ORDERS=100000          orders of the pull user
#   BENCH_SECONDS=10             duration of each push run and of each pgbench ceiling
#   BENCH_LIVE_STREAMS=1000      streams of the latency run
#   BENCH_IDLE_STREAMS=10000     streams held for the memory run
#   BENCH_WRITE_RATE=200         writes per second of the latency run
#   BENCH_STREAM_SECONDS=30      duration of the latency run
#   BENCH_GROWTH=10000,100000,1000000   table sizes of the growth run
#   BENCH_GROWTH_USER_ORDERS=5000
#   BENCH_DB=rxsync_bench        the database (dropped and re-created; must contain "bench")
#   BENCH_PORT=18080             the service's HTTP port
#   BENCH_PEER_PORT=18090        the peer's (rxdb-server, src/bench/peer) HTTP port
#   BENCH_SERVER_BASE_JVM_OPTS=  the service's JVM options; default: the container image's (run-java.sh:
#                                ParallelGC, heap-free ratios 10/20, heap 80 % of the manifests' 512 MiB
#                                limit); "none": the JVM's defaults on this machine
#   BENCH_SERVER_JVM_OPTS=       extra JVM options of the service (e.g. a JFR recording)
#   BENCH_REPORT=BENCHMARKS.md   where the results go
#   BENCH_PHASES=startup,pull,push,fixed,peer,stream,growth   a subset, e.g. to profile one phase
#                                (fixed: a one-document pull next to the HTTP floor; peer: rxdb-server
#                                driven the same way, compared with the pull and push phases' numbers)
#
# `src/bench/run.sh wire` runs the bytes-on-the-wire benchmark of issue 17 instead
# (WireBench: plain, gzip and brotli pulls, and a throttled link); it writes only its own
# part of BENCHMARKS.md. Its sizes: BENCH_ORDERS (as above), BENCH_THROTTLED_ORDERS=10000
# (the throttled sync), BENCH_LINK_KBIT=2000 (the throttled link's rate).
# A smoke test:  BENCH_ORDERS=5000 BENCH_SECONDS=2 BENCH_LIVE_STREAMS=50 BENCH_IDLE_STREAMS=200 \
#   BENCH_STREAM_SECONDS=5 BENCH_GROWTH=5000,20000 BENCH_GROWTH_USER_ORDERS=2000 BENCH_REPORT=target/bench/smoke.md src/bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

# 10,000 open streams need 10,000 descriptors in the generator and in the service.
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $(( ${BENCH_IDLE_STREAMS:-10000} + 1000 )) ]; then
  echo "file descriptor limit $(ulimit -n) is too low for ${BENCH_IDLE_STREAMS:-10000} streams" >&2
  exit 1
fi

jar=target/quarkus-app/quarkus-run.jar
if [ ! -f "$jar" ] || [ -n "$(find src/main pom.xml -newer "$jar" -print -quit)" ]; then
  ./mvnw -B -ntp -q package -DskipTests -DskipNodeTests
fi

# The peer, rxdb-server with memory storage, from its own package.json and lock file.
peer=src/bench/peer
if [ ! -d "$peer/node_modules" ] || [ "$peer/package-lock.json" -nt "$peer/node_modules" ]; then
  npm ci --no-audit --no-fund --prefix "$peer"
fi

classpath="target/quarkus-app/lib/main/*"
rm -rf target/bench/classes
mkdir -p target/bench/classes
javac -encoding UTF-8 -d target/bench/classes -cp "$classpath" $(find src/bench/java -name '*.java')
main=io.rxsync.bench.Bench
if [ "${1:-}" = wire ]; then
  main=io.rxsync.bench.WireBench
fi
exec java -Xmx2g -cp "target/bench/classes:$classpath" "$main"
