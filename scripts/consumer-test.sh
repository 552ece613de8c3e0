#!/usr/bin/env bash
# The consumer test (issue 15, docs/EMBEDDING.md): lora4j as a Maven dependency, as a new user gets it.
#   scripts/consumer-test.sh [maven-local-repository]     (default: ~/.m2/repository)
# The repository must hold this version's installed artifacts (./mvnw install; scripts/test.sh runs this
# right after its install). In a temporary folder it writes a Maven project that depends only on the
# coordinates dev.lora4j:lora4j-runtime, lora4j-native:linux-x86_64 and lora4j-libtorch:linux-x86_64, copies
# the example program examples/.../programs/QuickStart.java into it, and builds and runs it with an
# environment holding a JDK and Maven only: no venv on PATH, no LORA4J_* variables, no path into this
# checkout, an empty native cache. The program must run to the end: LoRA steps on a random
# FLAN-T5-small-shaped model, the adapter saved, a summary generated. About a minute on 2 cores.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$LORA4J_ROOT"

REPO=${1:-$HOME/.m2/repository}
REPO=$(cd "$REPO" && pwd)
find_java_home >/dev/null
VERSION=$(sed -n '0,/<version>/s/.*<version>\(.*\)<\/version>.*/\1/p' pom.xml)
for artifact in lora4j-runtime/$VERSION/lora4j-runtime-$VERSION.jar \
    lora4j-native/$VERSION/lora4j-native-$VERSION-linux-x86_64.jar \
    lora4j-libtorch/$VERSION/lora4j-libtorch-$VERSION-linux-x86_64.jar; do
  if [ ! -f "$REPO/dev/lora4j/$artifact" ]; then
    log "$REPO/dev/lora4j/$artifact is missing: run ./mvnw install (with -Dmaven.repo.local=$REPO) first"; exit 1
  fi
done
# The Maven the wrapper downloaded: a plain Maven installation, outside this checkout.
MAVEN_HOME=$(./mvnw --version 2>/dev/null | sed -n 's/^Maven home: //p')
[ -x "$MAVEN_HOME/bin/mvn" ] || { log "no Maven installation found through ./mvnw --version"; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/lora4j-consumer.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
PROJECT="$WORK/app"
mkdir -p "$PROJECT/src/main/java/dev/lora4j/examples/programs" "$WORK/home" "$WORK/cache"
cp examples/src/main/java/dev/lora4j/examples/programs/QuickStart.java "$PROJECT/src/main/java/dev/lora4j/examples/programs/"
cat >"$PROJECT/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>example</groupId>
  <artifactId>lora4j-consumer</artifactId>
  <version>1</version>
  <properties>
    <maven.compiler.release>25</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
    <lora4j.version>$VERSION</lora4j.version>
  </properties>
  <dependencies>
    <dependency>
      <groupId>dev.lora4j</groupId>
      <artifactId>lora4j-runtime</artifactId>
      <version>\${lora4j.version}</version>
    </dependency>
    <dependency>
      <groupId>dev.lora4j</groupId>
      <artifactId>lora4j-native</artifactId>
      <version>\${lora4j.version}</version>
      <classifier>linux-x86_64</classifier>
      <scope>runtime</scope>
    </dependency>
    <dependency>
      <groupId>dev.lora4j</groupId>
      <artifactId>lora4j-libtorch</artifactId>
      <version>\${lora4j.version}</version>
      <classifier>linux-x86_64</classifier>
      <scope>runtime</scope>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <!-- The versions the lora4j build itself uses, so that the offline build finds them in the
           repository the install filled (Maven's own defaults may differ and were never downloaded). -->
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-resources-plugin</artifactId>
        <version>3.3.1</version>
      </plugin>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-compiler-plugin</artifactId>
        <version>3.14.1</version>
      </plugin>
      <plugin>
        <groupId>org.codehaus.mojo</groupId>
        <artifactId>exec-maven-plugin</artifactId>
        <version>3.5.0</version>
        <configuration>
          <executable>java</executable>
          <arguments>
            <argument>--enable-native-access=ALL-UNNAMED</argument>
            <argument>-classpath</argument>
            <classpath/>
            <argument>dev.lora4j.examples.programs.QuickStart</argument>
            <argument>adapter</argument>
            <argument>2</argument>
          </arguments>
        </configuration>
      </plugin>
    </plugins>
  </build>
</project>
EOF

log "consumer project in $PROJECT (Maven local repository $REPO, lora4j $VERSION)"
# env -i: nothing of this shell (venv, LORA4J_*, the checkout) reaches Maven or the program. Offline (-o):
# everything resolves from the repository given, as installed. The native
# cache is an empty folder, so the first-use unpacking runs too.
start=$(date +%s)
( cd "$PROJECT" && env -i HOME="$WORK/home" JAVA_HOME="$JAVA_HOME" XDG_CACHE_HOME="$WORK/cache" \
    PATH="$JAVA_HOME/bin:$MAVEN_HOME/bin:/usr/bin:/bin" \
    mvn -B -q -o -Dmaven.repo.local="$REPO" compile exec:exec ) | tee "$WORK/out.txt"
grep -q '^adapter saved: ' "$WORK/out.txt" || { log "the program did not save its adapter"; exit 1; }
grep -q '^summary: "' "$WORK/out.txt" || { log "the program generated no summary"; exit 1; }
for f in adapter_config.json adapter_model.safetensors; do
  [ -s "$PROJECT/adapter/$f" ] || { log "no $PROJECT/adapter/$f"; exit 1; }
done
unpacked=$(ls -d "$WORK"/cache/lora4j/natives/linux-x86_64-"$VERSION"-*/ 2>/dev/null | head -n 1)
[ -n "$unpacked" ] && [ -f "$unpacked/.complete" ] && [ -f "$unpacked/liblora4j.so" ] \
  || { log "the native libraries were not unpacked into $WORK/cache/lora4j/natives"; exit 1; }
log "consumer test passed in $(( $(date +%s) - start )) s (natives unpacked into $(basename "$unpacked"))"
