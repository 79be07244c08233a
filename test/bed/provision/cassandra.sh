#!/usr/bin/env bash
# Collects Apache Cassandra's runtime jars and the Jolokia JVM agent from Maven Central.
. "$(dirname "$0")/lib.sh"
OUT=$CACHE/cassandra/$CASSANDRA_VERSION-jolokia-$JOLOKIA_VERSION
is_built "$OUT" && { log "cassandra $CASSANDRA_VERSION cached"; exit 0; }
log "collecting cassandra-all $CASSANDRA_VERSION and jolokia $JOLOKIA_VERSION"
rm -rf "$OUT" && mkdir -p "$OUT"
cat >"$OUT/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.testbed</groupId>
  <artifactId>cassandra-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.cassandra</groupId>
      <artifactId>cassandra-all</artifactId>
      <version>$CASSANDRA_VERSION</version>
    </dependency>
  </dependencies>
</project>
POM
(cd "$OUT" && mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
  -DincludeScope=runtime -DoutputDirectory=lib) 2>&1 | grep -v 'jmc5.path' || true
ls "$OUT/lib/cassandra-all-$CASSANDRA_VERSION.jar" >/dev/null
(cd "$OUT" && mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
  "-Dartifact=org.jolokia:jolokia-agent-jvm:$JOLOKIA_VERSION:jar:javaagent" -DoutputDirectory=agent)
mv "$OUT"/agent/jolokia-agent-jvm-*.jar "$OUT/jolokia-agent.jar"
rmdir "$OUT/agent"
mark_built "$OUT"
log "cassandra collected: $(ls "$OUT/lib" | wc -l) jars"
