# Sourced by bench/gpu*.sh on the lent GPU machine (PyTorch and JAX, no TensorFlow): installs the
# pure-Python packages it lacks from the wheels carried in .whl/ (git-excluded), sets $OUT, and
# prints the GPU. Fashion-MNIST travels in .keras-home/datasets/fashion-mnist when carried.
OUT=${OUT:-bench-out}; mkdir -p "$OUT"
if [ -d .whl ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl || exit 1
  export PYTHONPATH=/tmp/site
fi
export PYTHONUNBUFFERED=1 XLA_PYTHON_CLIENT_PREALLOCATE=false TF_CPP_MIN_LOG_LEVEL=2 QT_QPA_PLATFORM=offscreen
[ -d .keras-home ] && export KERAS_HOME=$PWD/.keras-home
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$OUT/gpu.txt"
