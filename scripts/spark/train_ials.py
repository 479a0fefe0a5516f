"""Train the implicit model on Spark MLlib's ALS from `cinesense export ratings`, and write
`itemFactors` where `cinesense build --item-factors` (or `eval --item-factors`) reads them.

    cinesense export ratings --out ratings.csv
    python scripts/spark/train_ials.py --ratings ratings.csv --out item-factors
    cinesense build --item-factors item-factors --factors-alpha 1 --factors-reg-param 0.1

Every rating counts as "seen" (preference 1, confidence 1 + alpha), as in the built-in iALS;
stars are not used. Runs on a cluster with `spark-submit --master ...`, or locally
(`pip install pyspark numpy`, Java 17) with --master local[*].
"""

import argparse
import tempfile

from pyspark.ml.recommendation import ALS
from pyspark.sql import SparkSession, functions as F


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ratings", required=True, help="userId,movieId,rating,timestamp CSV with a header")
    p.add_argument("--out", required=True, help="folder for itemFactors as JSON lines")
    p.add_argument("--user-factors", help="also write userFactors here (for checks; cinesense solves users itself)")
    p.add_argument("--rank", type=int, default=64)
    p.add_argument("--iterations", type=int, default=15)
    p.add_argument("--reg-param", type=float, default=0.1)
    p.add_argument("--alpha", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--master", default=None, help="e.g. local[*]; spark-submit's when left out")
    p.add_argument("--driver-memory", default="4g")
    p.add_argument("--checkpoint-dir", help="where ALS checkpoints its lineage (a shared folder on a cluster)")
    a = p.parse_args()

    builder = SparkSession.builder.appName("cinesense-ials").config("spark.driver.memory", a.driver_memory)
    if a.master:
        builder = builder.master(a.master)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    # Without a checkpoint folder ALS's lineage grows with every iteration and the executors
    # die of a StackOverflowError around the 15th (seen locally on ml-latest-small).
    spark.sparkContext.setCheckpointDir(a.checkpoint_dir or tempfile.mkdtemp(prefix="als-checkpoints-"))
    seen = (
        spark.read.csv(a.ratings, header=True, inferSchema=True)
        .select(F.col("userId").cast("int"), F.col("movieId").cast("int"))
        .withColumn("seen", F.lit(1.0))
    )
    als = ALS(
        rank=a.rank,
        maxIter=a.iterations,
        regParam=a.reg_param,
        alpha=a.alpha,
        implicitPrefs=True,
        userCol="userId",
        itemCol="movieId",
        ratingCol="seen",
        seed=a.seed,
        checkpointInterval=5,
    )
    model = als.fit(seen)
    model.itemFactors.orderBy("id").coalesce(1).write.mode("overwrite").json(a.out)
    if a.user_factors:
        model.userFactors.orderBy("id").coalesce(1).write.mode("overwrite").json(a.user_factors)
    print(f"{model.itemFactors.count()} item factors of rank {a.rank} written to {a.out}")
    spark.stop()


if __name__ == "__main__":
    main()
