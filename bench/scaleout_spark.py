"""One Spark local[N] session of the scale-out benchmark (bench/scaleout.py
runs it once per N, in the venv of a PySpark whose Kafka and Avro jars are
on Maven Central).

It reads the same topic, in the same session, through

- Spark's built-in Kafka source (spark-sql-kafka-0-10) + ``from_avro``
  (spark-avro): the value's 5-byte Confluent header (magic byte, schema id)
  is cut off with ``substring`` first, since ``from_avro`` reads plain Avro
  binary only; ``minPartitions`` makes the splits;
- kafarr's Spark source, ``max_rows`` making the splits;

and times, on a new DataFrame per run, the planning of its splits
(``getNumPartitions``) and then an aggregate over every decoded field (so
that no decoding is pruned away), printing one JSON object of timings.

    python bench/scaleout_spark.py --cores 2 --topic T --uri URI --splits 4 --reps 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cores", type=int, required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--uri", required=True)
    ap.add_argument("--brokers", required=True)
    ap.add_argument("--avro-schema", required=True, help="the value's Avro schema (JSON)")
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--splits", type=int, default=4)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--packages", required=True, help="spark.jars.packages")
    a = ap.parse_args()

    os.environ["PYSPARK_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F
    from pyspark.sql.avro.functions import from_avro

    import adbc_kafarr.spark

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import proccpu

    t0 = time.perf_counter()
    spark = (
        SparkSession.builder.master(f"local[{a.cores}]")
        .appName(f"kafarr-bench-scaleout-{a.cores}")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "2g")
        .config("spark.sql.shuffle.partitions", str(a.cores))
        .config("spark.jars.packages", a.packages)
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    adbc_kafarr.spark.register(spark)
    startup = time.perf_counter() - t0

    def aggregate(df):
        return df.agg(
            F.count("*").alias("n"),
            F.count("inst").alias("inst"),
            F.sum("t").alias("t"),
            F.sum("dt").alias("dt"),
            F.sum("bid").alias("bid"),
            F.sum("ask").alias("ask"),
        )

    def kafka_source():
        raw = (
            spark.read.format("kafka")
            .option("kafka.bootstrap.servers", a.brokers)
            .option("subscribe", a.topic)
            .option("startingOffsets", "earliest")
            .option("endingOffsets", "latest")
            .option("kafka.isolation.level", "read_committed")
            .option("minPartitions", a.splits)
            .load()
        )
        body = F.expr("substring(value, 6, length(value) - 5)")  # drop the Confluent header
        return raw.select(from_avro(body, a.avro_schema).alias("v")).select("v.*")

    def kafarr_source():
        max_rows = -(-a.rows // a.splits)
        return (
            spark.read.format("kafarr")
            .option("uri", a.uri)
            .option("query", f'SELECT inst, t, dt, bid, ask FROM "{a.topic}"')
            .option("max_rows", max_rows)
            .load()
        )

    out = {"cores": a.cores, "splits": a.splits, "startup_s": startup, "spark": spark.version}
    for name, make in (("spark-kafka+from_avro", kafka_source), ("kafarr", kafarr_source)):
        make().rdd.getNumPartitions()  # resolve jars, classes, the first connection
        aggregate(make()).collect()  # warm-up: JIT, Python workers
        broker = proccpu.find_broker()
        secs, plans, scpu, bcpu, result, parts = [], [], [], [], None, None
        for _ in range(a.reps):
            df = make()  # a new DataFrame: each run plans and snapshots anew
            s0, b0 = proccpu.tree_cpu(os.getpid()), proccpu.process_cpu(broker) if broker else float("nan")
            t = time.perf_counter()
            parts = df.rdd.getNumPartitions()  # planning: the splits
            planned = time.perf_counter()
            rows = aggregate(df).collect()
            secs.append(time.perf_counter() - t)
            plans.append(planned - t)
            scpu.append(proccpu.tree_cpu(os.getpid()) - s0)
            bcpu.append((proccpu.process_cpu(broker) if broker else float("nan")) - b0)
            result = rows[0].asDict()
        if result["n"] != a.rows or result["inst"] != a.rows:
            sys.exit(f"{name}: read {result} of {a.rows} rows")
        out[name] = {
            "seconds": secs, "median_s": statistics.median(secs), "plan_s": statistics.median(plans),
            "spark_cpu_s": statistics.median(scpu), "broker_cpu_s": min(bcpu),
            "splits": parts, "check": result,
        }  # fmt: skip
    spark.stop()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
