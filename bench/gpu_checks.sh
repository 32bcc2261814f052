#!/usr/bin/env bash
# On the lent GPU machine (PyTorch and JAX, no TensorFlow): the gradient-based engine tests
# (attacks, inspection, fine-tuning) under both backends on the GPU, then the adversarial and
# fine-tuning benchmarks. Pure-Python packages it lacks travel as wheels in .whl/ (git-excluded).
# Results go to $OUT (or ./bench-out).
set -u
source "$(dirname "$0")/gpu_env.sh"
TESTS="tests/engine/test_backend_gradients.py tests/engine/adversarial/test_attacks.py
       tests/engine/inspection/test_inspector.py tests/engine/transfer/test_finetune.py tests/engine/workspace/test_model_files.py"
for b in torch jax; do
  KERAS_BACKEND=$b timeout "${TEST_TIMEOUT:-120}" python3 -m pytest -q -p no:cacheprovider $TESTS 2>&1 \
    | tail -15 | tee "$OUT/tests_$b.txt"
done
for b in torch jax; do
  KERAS_BACKEND=$b timeout "${BENCH_TIMEOUT:-60}" python3 bench/adversarial.py --backend $b 2>&1 \
    | grep -v -i warning | tee "$OUT/adversarial_$b.txt"
done
KERAS_BACKEND=jax timeout "${FINETUNE_TIMEOUT:-120}" python3 bench/finetune.py 2>&1 \
  | grep -v -i warning | tee "$OUT/finetune_jax.txt"
