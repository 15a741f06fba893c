#!/usr/bin/env bash
# build.sh builds libadbc_driver_kafarr.so, kafarr's C shared library for any
# ADBC driver manager, plus its driver manifests.
#
#   pkg/cshared/build.sh [-o OUTDIR]
#
# The C export layer (the Adbc* functions that wrap driver.NewDriver) is not
# kept in this repository: it is generated on every build by the pinned
# arrow-adbc module's own generator (go/adbc/pkg/gen) from its templates
# (go/adbc/pkg/_tmpl) and header (go/adbc/drivermgr/arrow-adbc/adbc.h), all
# read from the Go module cache at the version go.mod pins. Only this script,
# alias.go (the AdbcDriverKafkaInit alias), ctxstreams.go (a context per
# result stream; see README.md), exports.map (the linker version script) and
# manifest.toml.in live here.
#
# Outputs, in OUTDIR (default .build/cshared):
#   libadbc_driver_kafarr.so  exports only Adbc* symbols: AdbcDriverKafarrInit,
#                             AdbcDriverKafkaInit, AdbcDriverInit and the
#                             ADBC API functions
#   kafarr.toml, kafka.toml   driver manifests naming the library by absolute
#                             path, so ADBC_DRIVER_PATH=OUTDIR resolves
#                             driver "kafarr" and kafka:// URIs
# Generated sources go to .build/cshared/gen (inside the module, because the
# generated main package imports github.com/kafarr/kafarr/driver), tools to
# .build/tools. Both are git-ignored.
#
# Needs: go, a C compiler (cgo), network access to the Go module proxy the
# first time (to fetch goimports at the x/tools version arrow-adbc pins).
# clang-format is used when installed; otherwise generated C is left
# unformatted (formatting is cosmetic; the generator insists on running it).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE=$ROOT/pkg/cshared
OUT=$ROOT/.build/cshared

while getopts "o:h" opt; do
	case $opt in
	o) OUT=$OPTARG ;;
	h)
		sed -n '2,30p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*) exit 2 ;;
	esac
done

GO=${GO:-go}
ADBC_MODULE=github.com/apache/arrow-adbc/go/adbc
LIB=libadbc_driver_kafarr.so
GEN=$ROOT/.build/cshared/gen   # generated package: $GEN/pkg/kafarr
TOOLS=$ROOT/.build/tools

log() { printf 'cshared: %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

mkdir -p "$OUT" "$TOOLS" "$ROOT/.build/cshared"
OUT=$(cd "$OUT" && pwd)

# One build at a time: the generated package lives at a fixed path.
exec 9>"$ROOT/.build/cshared/build.lock"
if command -v flock >/dev/null; then
	flock 9
fi

cd "$ROOT"

# The arrow-adbc module at exactly the version go.mod pins.
"$GO" mod download "$ADBC_MODULE"
ADBC_DIR=$("$GO" list -m -f '{{.Dir}}' "$ADBC_MODULE")
ADBC_VERSION=$("$GO" list -m -f '{{.Version}}' "$ADBC_MODULE")
[[ -n $ADBC_DIR && -f $ADBC_DIR/pkg/gen/main.go ]] ||
	die "arrow-adbc generator not found in the module cache ($ADBC_MODULE@$ADBC_VERSION: '$ADBC_DIR')"
log "arrow-adbc $ADBC_VERSION at $ADBC_DIR"

# The generator, built from the module's own source and go.sum.
if [[ ! -x $TOOLS/adbc-gen-$ADBC_VERSION ]]; then
	(cd "$ADBC_DIR" && "$GO" build -o "$TOOLS/adbc-gen-$ADBC_VERSION" ./pkg/gen) ||
		die "building $ADBC_MODULE/pkg/gen failed"
fi

# goimports at the x/tools version arrow-adbc's go.mod pins; the generator
# pipes the Go file through it, which adds the import of our driver package.
XTOOLS_VERSION=$(cd "$ADBC_DIR" && "$GO" list -m -f '{{.Version}}' golang.org/x/tools)
GOIMPORTS_DIR=$TOOLS/goimports-$XTOOLS_VERSION
if [[ ! -x $GOIMPORTS_DIR/goimports ]]; then
	GOBIN=$GOIMPORTS_DIR GOFLAGS='' "$GO" install "golang.org/x/tools/cmd/goimports@$XTOOLS_VERSION" ||
		die "installing goimports@$XTOOLS_VERSION failed"
fi
GEN_PATH=$GOIMPORTS_DIR
if ! command -v clang-format >/dev/null; then
	mkdir -p "$TOOLS/passthrough"
	printf '#!/bin/sh\n# clang-format stand-in: leaves generated C as it is.\nexec cat\n' \
		>"$TOOLS/passthrough/clang-format"
	chmod +x "$TOOLS/passthrough/clang-format"
	GEN_PATH=$GEN_PATH:$TOOLS/passthrough
fi

# Generate. The templates include "../../drivermgr/arrow-adbc/adbc.h"
# relative to the generated package, so the header goes two levels up.
rm -rf "$GEN"
mkdir -p "$GEN/pkg/kafarr" "$GEN/drivermgr/arrow-adbc"
cp "$ADBC_DIR/drivermgr/arrow-adbc/adbc.h" "$GEN/drivermgr/arrow-adbc/adbc.h"
PATH=$GEN_PATH:$PATH "$TOOLS/adbc-gen-$ADBC_VERSION" \
	-prefix Kafarr -driver ./driver -type NewDriver \
	-in "$ADBC_DIR/pkg/_tmpl" -o "$GEN/pkg/kafarr" ||
	die "generating the export layer failed"
# The generator copies the templates' read-only mode from the module cache.
chmod -R u+w "$GEN"
grep -q '"github.com/kafarr/kafarr/driver"' "$GEN/pkg/kafarr/driver.go" ||
	die "generated driver.go does not import github.com/kafarr/kafarr/driver (goimports did not resolve driver.NewDriver)"
cp "$HERE/alias.go" "$GEN/pkg/kafarr/alias.go"

# The template forces a full garbage collection (runtime.GC) in every
# stream and statement release, for ASAN runs of the arrow-adbc test suite.
# That is a millisecond per query here, paid twice, so the generated
# ArrayStreamRelease and StatementRelease lose the call; database and
# connection releases, rare, keep it. Each removal is checked, so a
# template that changes shape fails the build instead of slipping through.
awk '
	/^func KafarrArrayStreamRelease\(/ || /^func KafarrStatementRelease\(/ { infn = 1 }
	/^}/ { infn = 0 }
	infn && /^[ \t]*runtime\.GC\(\)[ \t]*$/ { dropped++; next }
	{ print }
	END { if (dropped != 2) { print "dropped " dropped " runtime.GC calls, want 2" > "/dev/stderr"; exit 1 } }
' "$GEN/pkg/kafarr/driver.go" >"$GEN/pkg/kafarr/driver.go.new" ||
	die "removing runtime.GC from the release functions failed: the template changed"
mv "$GEN/pkg/kafarr/driver.go.new" "$GEN/pkg/kafarr/driver.go"

# Stream contexts. The template gives a connection one context, for its
# latest call: every connection call (conn.newContext()) cancels the
# previous call's context. A stream whose reading uses the context it was
# opened with (ReadPartition's) would then end as soon as the connection
# ran GetObjects, GetTableSchema or another ReadPartition. So every
# connection function that returns a stream opens it with a context of its
# own (conn.openStream, ctxstreams.go): it lives until the stream is
# released, and AdbcConnectionCancel and AdbcConnectionRelease (before the
# connection closes) cancel every stream of the connection still open.
# Statements keep the template's rule (see README.md). Each edit is
# counted, and every connection function that exports a stream must have
# been converted, or the build fails.
sed 's/^package cshared$/package main/' "$HERE/ctxstreams.go" >"$GEN/pkg/kafarr/ctxstreams.go"
grep -qx 'package main' "$GEN/pkg/kafarr/ctxstreams.go" ||
	die "ctxstreams.go: no 'package cshared' clause to rewrite"
awk '
	/^func / {
		fn = $2
		sub(/\(.*/, "", fn)
		conn = (fn ~ /^KafarrConnection/)
	}
	/^}/ { fn = ""; conn = 0 }
	# cConn embeds the stream contexts next to the call context.
	pending_struct && /^\tcancellableContext$/ { print; print "\tstreamContexts"; structs++; pending_struct = 0; next }
	{ pending_struct = 0 }
	/^type cConn struct {$/ { pending_struct = 1 }
	# rdr, e := F(conn.newContext(), ARGS) in a connection function becomes
	# rdr, e := conn.openStream(func(ctx context.Context) (array.RecordReader, error) {
	#	return F(ctx, ARGS)
	# })
	conn && /^\t+rdr, e := / && index($0, "(conn.newContext()") {
		i = index($0, "rdr, e := ") + length("rdr, e := ")
		j = index($0, "(conn.newContext()")
		head = substr($0, 1, i - 1)
		callee = substr($0, i, j - i)
		rest = substr($0, j + length("(conn.newContext()"))
		indent = substr($0, 1, index($0, "rdr") - 1)
		print head "conn.openStream(func(ctx context.Context) (array.RecordReader, error) {"
		print indent "\treturn " callee "(ctx" rest
		print indent "})"
		opened[fn] = 1
		next
	}
	conn && /exportRecordReader\(/ { exports[fn] = 1 }
	# Cancel: the latest call and every open stream.
	fn == "KafarrConnectionCancel" && /^\tconn\.cancelContext\(\)$/ { print; print "\tconn.cancelStreams()"; cancels++; next }
	# Release: the open streams, before the connection closes.
	fn == "KafarrConnectionRelease" && /^\tconn := h\.Value\(\)\.\(\*cConn\)$/ { conn_value = 1 }
	fn == "KafarrConnectionRelease" && conn_value && /^\th\.Delete\(\)$/ { print; print "\tconn.cancelStreams()"; releases++; conn_value = 0; next }
	{ print }
	END {
		bad = ""
		if (structs != 1) bad = bad " cConn-struct:" structs + 0
		if (cancels != 1) bad = bad " ConnectionCancel:" cancels + 0
		if (releases != 1) bad = bad " ConnectionRelease:" releases + 0
		if (!opened["KafarrConnectionReadPartition"]) bad = bad " ReadPartition-not-converted"
		for (f in exports) if (!opened[f]) bad = bad " " f "-exports-a-stream-on-a-call-context"
		n = 0
		for (f in opened) n++
		if (bad != "") { print "stream-context patch:" bad > "/dev/stderr"; exit 1 }
		print "cshared: " n " connection functions open streams with stream contexts" > "/dev/stderr"
	}
' "$GEN/pkg/kafarr/driver.go" >"$GEN/pkg/kafarr/driver.go.new" ||
	die "patching the connection functions for stream contexts failed: the template changed"
mv "$GEN/pkg/kafarr/driver.go.new" "$GEN/pkg/kafarr/driver.go"

# Build. The version script keeps every non-Adbc symbol local.
log "building $OUT/$LIB"
"$GO" build -tags driverlib -buildmode=c-shared -trimpath \
	-ldflags "-s -w '-extldflags=-Wl,--version-script=$HERE/exports.map'" \
	-o "$OUT/$LIB" "./${GEN#"$ROOT"/}/pkg/kafarr"
rm -f "$OUT/${LIB%.so}.h"

# Check the exports: the three init functions, and nothing but Adbc*.
if command -v nm >/dev/null; then
	exports=$(nm -D --defined-only "$OUT/$LIB" | awk '{print $3}')
	for sym in AdbcDriverKafarrInit AdbcDriverKafkaInit AdbcDriverInit; do
		grep -qx "$sym" <<<"$exports" || die "$LIB does not export $sym"
	done
	stray=$(grep -v '^Adbc' <<<"$exports" || true)
	[[ -z $stray ]] || die "$LIB exports non-Adbc symbols: $(tr '\n' ' ' <<<"$stray")"
	log "exports: $(wc -l <<<"$exports") Adbc* symbols"
fi

# Manifests. The platform key is the driver manager's "<os>_<arch>".
case $("$GO" env GOOS) in
darwin) os=macos ;;
*) os=$("$GO" env GOOS) ;;
esac
case $("$GO" env GOARCH) in
386) arch=x86 ;;
ppc64le) arch=powerpc64le ;;
ppc64) arch=powerpc64 ;;
*) arch=$("$GO" env GOARCH) ;;
esac
version=$(sed -n 's/^const Version = "\(.*\)"$/\1/p' "$ROOT/driver/driver.go")
libpath=$OUT/$LIB
libpath=${libpath//\\/\\\\}
libpath=${libpath//\"/\\\"}
write_manifest() { # name entrypoint
	sed -e "s|@DRIVER@|$1|g" -e "s|@ENTRYPOINT@|$2|g" -e "s|@VERSION@|${version:-unknown}|g" \
		-e "s|@PLATFORM@|${os}_${arch}|g" -e "s|@LIBRARY@|${libpath//|/\\|}|g" \
		"$HERE/manifest.toml.in" >"$OUT/$1.toml"
}
write_manifest kafarr AdbcDriverKafarrInit
write_manifest kafka AdbcDriverKafkaInit
log "done: $OUT/$LIB, $OUT/kafarr.toml, $OUT/kafka.toml"
