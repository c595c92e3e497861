# Sourced by ./jdtm, ./test and .ci/run: picks a JDK >= 21 and exports JAVA_HOME, or exits with a clear message.
# Order: $JAVA_HOME if it is new enough, then known install places, then `java` on the PATH.
jdtm_java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}'
}
jdtm_pick_jdk() {
  local candidates=() d major
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  for d in /usr/lib/jvm/temurin-25* /usr/lib/jvm/temurin-2[1-9]* /usr/lib/jvm/java-2[1-9]* /usr/lib/jvm/jdk-2[1-9]* /opt/java/*; do
    [ -d "$d" ] && candidates+=("$d")
  done
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for d in "${candidates[@]}"; do
    [ -x "$d/bin/java" ] && [ -x "$d/bin/javac" ] || continue
    major=$(jdtm_java_major "$d")
    if [ -n "$major" ] && [ "${major%%.*}" -ge 21 ] 2>/dev/null; then
      export JAVA_HOME="$d"
      export PATH="$JAVA_HOME/bin:$PATH"
      return 0
    fi
  done
  echo "jdtm: no JDK 21 or newer was found (looked at \$JAVA_HOME, /usr/lib/jvm/*, and java on the PATH)." >&2
  echo "jdtm: install one (e.g. 'apt-get install openjdk-21-jdk' or Temurin 25) or set JAVA_HOME to it." >&2
  return 1
}
jdtm_pick_jdk || exit 1
