"""Turn bench/run.py's JSON into markdown tables and a PNG plot.

    python bench/report.py results.json [--md docs/benchmarks.md] [--png docs/benchmarks.png]

Without --md the tables go to stdout. With --md they replace the text between
the markers <!-- bench:results:begin --> and <!-- bench:results:end --> of
that file, which must hold both. Ratios are computed from medians of the same
run.
"""

from __future__ import annotations

import argparse
import json
import sys

BEGIN, END = "<!-- bench:results:begin -->", "<!-- bench:results:end -->"

READ_TOOLS = [
    ("kafarr_pyarrow", "kafarr → pyarrow.Table"),
    ("kafarr_pandas", "kafarr → pandas (read_sql)"),
    ("kafarr_polars", "kafarr → Polars (read_database)"),
    ("confluent_pandas", "confluent-kafka + {deser} → pandas"),
    ("franz_go_plain", "plain franz-go consumer, no decoding (Go)"),
]
# A result's format (absent: Avro, written by kafarr): its workload label
# and confluent-kafka's deserializer.
FORMATS = {
    "avro": ("{w}", "AvroDeserializer"),
    "protobuf": ("{w} (Protobuf)", "ProtobufDeserializer"),
    "json": ("{w} (JSON Schema)", "JSONDeserializer"),
}


def workload_label(r: dict) -> str:
    return FORMATS[r.get("format", "avro")][0].format(w=r["workload"])


def read_label(r: dict, label: str) -> str:
    return label.format(deser=FORMATS[r.get("format", "avro")][1])
INGEST_TOOLS = [
    ("kafarr", "kafarr adbc_ingest (Arrow table)"),
    ("confluent", "confluent-kafka Producer + AvroSerializer"),
]


def fmt_rate(r: float) -> str:
    return f"{r / 1e6:.2f} M/s" if r >= 1e6 else f"{r / 1e3:.0f} k/s"


def ms(s: dict) -> tuple[str, str]:
    return f"{s['median_ms']:,.1f}", f"{s['min_ms']:,.1f} – {s['max_ms']:,.1f}"


def tables(d: dict) -> str:
    v = d["versions"]
    out = []
    out.append(
        f"Run of {d['reps']} repetitions per figure (confluent-kafka at 1,000,000 rows: "
        f"{d['confluent_reps_1m']}), after {d.get('stack_warmup', 0)} untimed reads to warm the stack and "
        f"{d.get('warmup', 0)} untimed warm-up reads per tool, "
        f"median with min – max, in {d['wall_s'] / 60:.1f} min. "
        f"Machine: {v['cpu']}, {v['cores']} cores, {v['mem_gib']} GiB; load average "
        f"{v['loadavg_start'][0]:.1f} at the start, {v['loadavg_end'][0]:.1f} at the end (the machine is shared). "
        f"Python {v['python']}, {v['go']}, pyarrow {v['pyarrow']}, pandas {v['pandas']}, Polars {v['polars']}, "
        f"adbc_driver_manager {v['adbc_driver_manager']}, confluent-kafka {v['confluent_kafka']} "
        f"(librdkafka {v['librdkafka']}), fastavro {v['fastavro']}"
        + (f", protobuf {v['protobuf']}, jsonschema {v['jsonschema']}" if "protobuf" in v else "")
        + "."
    )
    if any(r.get("format", "avro") != "avro" for r in d["results"]):
        out.append("")
        out.append(
            "Rows marked (Protobuf) and (JSON Schema) read a topic written by confluent-kafka's "
            "`ProtobufSerializer` or `JSONSerializer`, which registered its subject; kafarr's "
            "`kafarr.value.format` is left at `auto`. Other rows read topics written by kafarr "
            "with the registered Avro schema."
        )
    out.append("")
    out.append("### Read: whole topic (one partition) into a frame")
    out.append("")
    out.append("| workload | rows | tool | median ms | min – max ms | rows/s | kafarr speed-up vs this |")
    out.append("|---|---:|---|---:|---:|---:|---:|")
    for r in d["results"]:
        rd = r["read"]
        for key, label in READ_TOOLS:
            if key not in rd:
                continue
            med, rng = ms(rd[key])
            ratio = ""
            if not key.startswith("kafarr"):
                ratio = f"pandas {rd[key]['median_ms'] / rd['kafarr_pandas']['median_ms']:.1f}x"
            out.append(f"| {workload_label(r)} | {r['rows']:,} | {read_label(r, label)} | {med} | {rng} | {fmt_rate(rd[key]['rows_per_s'])} | {ratio} |")
    ingests = [r for r in d["results"] if "ingest" in r]
    if ingests:
        out.append("")
        out.append("### Ingest: frame into a topic, acks=all")
        out.append("")
        out.append("| workload | rows | tool | median ms | min – max ms | rows/s | kafarr speed-up |")
        out.append("|---|---:|---|---:|---:|---:|---:|")
    for r in ingests:
        ig = r["ingest"]
        for key, label in INGEST_TOOLS:
            med, rng = ms(ig[key])
            ratio = f"{ig[key]['median_ms'] / ig['kafarr']['median_ms']:.1f}x" if key != "kafarr" else ""
            out.append(f"| {r['workload']} | {r['rows']:,} | {label} | {med} | {rng} | {fmt_rate(ig[key]['rows_per_s'])} | {ratio} |")
    if d.get("rss"):
        out.append("")
        out.append("### Memory: streaming ticks through `fetch_record_batch`")
        out.append("")
        out.append("| ticks | batches | largest batch | RSS before read MiB | peak RSS MiB | seconds |")
        out.append("|---:|---:|---:|---:|---:|---:|")
        for m in d["rss"]:
            out.append(f"| {m['rows']:,} | {m['batches']} | {m['largest_batch']:,} | {m['rss_before_mib']:.0f} | "
                       f"{m['rss_peak_mib']:.0f} | {m['seconds']:.2f} |")
    return "\n".join(out) + "\n"


def plot(d: dict, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(15, 5), gridspec_kw={"width_ratios": [7, 3]})
    for ax, kind, tools in ((axes[0], "read", READ_TOOLS), (axes[1], "ingest", INGEST_TOOLS)):
        results = [r for r in d["results"] if kind in r]
        if not results:
            ax.set_visible(False)
            continue
        cases = [f"{workload_label(r)}\n{r['rows']:,}" for r in results]
        width = 0.8 / len(tools)
        lowest = min(r[kind][k]["rows_per_s"] for r in results for k, _ in tools if k in r[kind])
        for i, (key, label) in enumerate(tools):
            xs, ys = [], []
            for j, r in enumerate(results):
                if key in r[kind]:
                    xs.append(j + (i - (len(tools) - 1) / 2) * width)
                    ys.append(r[kind][key]["rows_per_s"])
            ax.bar(xs, ys, width, label=label.format(deser="its deserializer"))
        ax.set_yscale("log")
        ax.set_ylim(bottom=lowest / 3)
        ax.set_xticks(range(len(cases)), cases, fontsize=7 if kind == "read" else None)
        ax.set_ylabel("rows/s (median; log scale)")
        ax.set_title("read into a frame" if kind == "read" else "ingest, acks=all")
        ax.grid(axis="y", which="both", alpha=0.3)
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2)
    fig.suptitle("kafarr vs confluent-kafka-python and a plain franz-go consumer, one local Kafka broker")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--md")
    ap.add_argument("--png")
    a = ap.parse_args()
    with open(a.results) as f:
        d = json.load(f)
    text = tables(d)
    if a.md:
        with open(a.md) as f:
            doc = f.read()
        if BEGIN not in doc or END not in doc:
            sys.exit(f"report: {a.md} lacks the markers {BEGIN} and {END}")
        head, rest = doc.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        with open(a.md, "w") as f:
            f.write(head + BEGIN + "\n" + text + END + tail)
    else:
        sys.stdout.write(text)
    if a.png:
        plot(d, a.png)


if __name__ == "__main__":
    main()
