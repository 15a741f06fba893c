#!/usr/bin/env bash
# bench/decode.sh: the seed's tick decoded into Arrow as Avro (avroarrow),
# Protobuf (protoarrow) and JSON (jsonarrow) on one core, interleaved in one
# session so that the shared machine's drift falls on all three alike
# (SPEC §8, docs/benchmarks.md "Go-level benchmarks").
#
#   bench/decode.sh DIR ROUNDS BENCHTIME BENCHSTAT
#
# DIR holds the three test binaries (avroarrow.test, protoarrow.test,
# jsonarrow.test, built by `make bench-decode`). Each round runs each
# benchmark once (-test.count 1, -test.cpu 1, -test.benchmem), the order
# rotating from round to round so that no format always runs first or last.
# ROUNDS 0 only summarises the previous session again. The raw output goes to DIR/raw.txt (benchstat's input format), the load
# average before each run to DIR/load.txt; the summary is benchstat's table
# (BENCHSTAT, a pinned golang.org/x/perf build) and the median of each
# benchmark against its SPEC §8 target.
set -euo pipefail

dir=$1 rounds=$2 benchtime=$3 benchstat=$4
raw=$dir/raw.txt load=$dir/load.txt
# ROUNDS 0 summarises the last session's DIR/raw.txt again.
if ((rounds > 0)); then
	: >"$raw"
	: >"$load"
fi

# name, binary, benchmark, target msgs/s
specs=(
	"avro avroarrow.test ^BenchmarkDecodeTick$ 20000000"
	"protobuf protoarrow.test ^BenchmarkProtobufDecodeTick$ 15000000"
	"json jsonarrow.test ^BenchmarkJSONDecodeTick$ 3000000"
)

for ((r = 0; r < rounds; r++)); do
	for ((k = 0; k < 3; k++)); do
		read -r name bin bench _ <<<"${specs[$(((r + k) % 3))]}"
		echo "round $((r + 1)) $name $(cut -d' ' -f1-3 /proc/loadavg)" >>"$load"
		"$dir/$bin" -test.run '^$' -test.bench "$bench" -test.benchmem -test.cpu 1 \
			-test.count 1 -test.benchtime "$benchtime" | grep -v -e '^PASS$' -e '^ok ' >>"$raw"
	done
	echo "bench-decode: round $((r + 1))/$rounds done (load $(cut -d' ' -f1 /proc/loadavg))" >&2
done

# One table per unit, a row per format (the packages differ, so pkg is
# ignored to put them side by side).
"$benchstat" -ignore pkg -filter '.unit:(ns/msg OR cpu-ns/msg OR msgs/s OR allocs/op)' "$raw"

echo
echo "Load average (1 min) before the runs: $(awk '{print $4}' "$load" | sort -g | awk 'NR==1{min=$1} {max=$1} END{print min " to " max}')"
echo
# Wall time per message is what the targets are; CPU time per message
# (the process's, from getrusage) is the steadier figure when other jobs
# share the cores, and msgs/s at the median CPU time is what a core of
# its own would give.
printf '%-10s %14s %11s %14s %11s %15s %13s %7s  %s\n' format "median ns/msg" "min ns/msg" "median msgs/s" "target" "median cpu-ns" "msgs/s @ cpu" "allocs" "met"
for s in "${specs[@]}"; do
	read -r name _ bench target <<<"$s"
	b=${bench#^Benchmark}
	b=${b%$}
	# A benchmark line: Name  N  x ns/op  y MB/s ... z ns/msg  w msgs/s ... a allocs/op
	awk -v b="$b" -v name="$name" -v target="$target" '
		BEGIN { n = 0 }
		$1 ~ "^Benchmark" b "(-[0-9]+)?$" {
			for (i = 3; i < NF; i++) {
				if ($(i + 1) == "ns/msg") ns[n] = $i
				if ($(i + 1) == "cpu-ns/msg") cpu[n] = $i
				if ($(i + 1) == "allocs/op") al[n] = $i
			}
			n++
		}
		END {
			if (n == 0) { printf "%-10s no results\n", name; exit }
			# median and minimum of ns/msg, the largest allocs/msg
			for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (ns[j] < ns[i]) { t = ns[i]; ns[i] = ns[j]; ns[j] = t }
			med = (n % 2) ? ns[int(n / 2)] : (ns[n / 2 - 1] + ns[n / 2]) / 2
			for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (cpu[j] < cpu[i]) { t = cpu[i]; cpu[i] = cpu[j]; cpu[j] = t }
			cmed = (n % 2) ? cpu[int(n / 2)] : (cpu[n / 2 - 1] + cpu[n / 2]) / 2
			amax = 0
			for (i = 0; i < n; i++) if (al[i] > amax) amax = al[i]
			rate = 1e9 / med
			printf "%-10s %14.1f %11.1f %12.2f M %9.0f M %15.1f %11.2f M %7d  %s\n", name, med, ns[0], rate / 1e6, target / 1e6, cmed, 1e3 / cmed, amax, (rate >= target && amax == 0 ? "yes" : "no")
		}' "$raw"
done
