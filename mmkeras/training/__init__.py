"""Training helpers: XLA per device, mixed precision, data parallelism.

- `compile_model` / `plan_compile`: an explicit, verified XLA choice.
- `set_precision_policy` / `plan_precision`: a dtype policy per device,
  and `check_mixed_precision_safe` for a model's outputs and softmaxes.
- `make_strategy`, `split_cpu`, `local_cluster_config`, `fit_distributed`:
  `tf.distribute` data parallelism on one machine or several workers.
- `make_data_parallel`: `keras.distribution` data parallelism on JAX, on
  one machine or several hosts.
- `gather_from_replicas`, `replica_count`: a tensor from every replica,
  for losses that need the global batch (contrastive negatives).
- `quantize_model`: Keras's post-training quantization, without its
  garbage collection after every replaced kernel.
- `backend_recommendation`: which backend to train on, per device, from
  `benchmarks/backends.py`'s measurements.
"""

from mmkeras.training.compilation import DEVICES
from mmkeras.training.compilation import CompilePlan
from mmkeras.training.compilation import compile_function
from mmkeras.training.compilation import compile_model
from mmkeras.training.compilation import detect_device
from mmkeras.training.compilation import measure_step_time
from mmkeras.training.compilation import plan_compile
from mmkeras.training.distribution import fit_distributed
from mmkeras.training.distribution import free_ports
from mmkeras.training.distribution import local_cluster_config
from mmkeras.training.distribution import make_strategy
from mmkeras.training.distribution import split_cpu
from mmkeras.training.keras_distribution import make_data_parallel
from mmkeras.training.keras_distribution import split_jax_cpu
from mmkeras.training.precision import POLICIES
from mmkeras.training.precision import PrecisionPlan
from mmkeras.training.precision import check_mixed_precision_safe
from mmkeras.training.precision import plan_precision
from mmkeras.training.precision import set_precision_policy
from mmkeras.training.quantization import quantize_model
from mmkeras.training.recommendations import BACKEND_RECOMMENDATIONS
from mmkeras.training.recommendations import backend_recommendation
from mmkeras.training.replicas import gather_from_replicas
from mmkeras.training.replicas import replica_count
