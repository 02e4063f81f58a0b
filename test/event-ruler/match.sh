#!/usr/bin/env bash
# Runs Match.java (aws/event-ruler, the EventBridge pattern engine) on the JSON given on standard input.
# Installs what it needs on first use: Maven resolves event-ruler from Maven Central into ~/.m2 and
# writes its class path to target/classpath.txt; javac compiles Match.java into target/classes.
# Both steps are skipped while their outputs are newer than their inputs.
set -euo pipefail
DIR="$(cd "$(dirname "$0")" && pwd)"
OUT="$DIR/target"
mkdir -p "$OUT"
if [ ! -s "$OUT/classpath.txt" ] || [ "$DIR/pom.xml" -nt "$OUT/classpath.txt" ]; then
  mvn -q -B -ntp -Dstyle.color=never -f "$DIR/pom.xml" dependency:build-classpath "-Dmdep.outputFile=$OUT/classpath.txt" >&2
fi
CP="$(cat "$OUT/classpath.txt")"
if [ ! -f "$OUT/classes/Match.class" ] || [ "$DIR/Match.java" -nt "$OUT/classes/Match.class" ]; then
  javac -nowarn -d "$OUT/classes" -cp "$CP" "$DIR/Match.java" >&2
fi
exec java -Xshare:auto -XX:TieredStopAtLevel=1 -cp "$OUT/classes:$CP" Match
