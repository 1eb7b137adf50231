import keras
import numpy as np
import pytest

from mmkeras.training import check_mixed_precision_safe
from mmkeras.training import compile_model
from mmkeras.training import plan_precision
from mmkeras.training import set_precision_policy
from tests.models.task_models import TASK_MODELS


@pytest.fixture
def policy():
    """Set a global dtype policy for one test and always put float32 back."""
    previous = keras.config.dtype_policy()
    yield keras.config.set_dtype_policy
    keras.config.set_dtype_policy(previous)


def test_cpu_default_is_float32():
    plan = plan_precision(device="cpu")
    assert plan.policy == "float32" and not plan.loss_scaling
    assert "device=cpu, dtype policy=float32" in str(plan)


@pytest.mark.parametrize(
    "capability, expected",
    [((9, 0), "mixed_bfloat16"), ((8, 6), "mixed_bfloat16"), ((7, 5), "mixed_float16"),
     ((7, 0), "mixed_float16"), ((6, 1), "float32")],
)
def test_gpu_default_follows_the_tensor_cores(capability, expected):
    plan = plan_precision(device="gpu", compute_capability=capability)
    assert plan.policy == expected
    assert plan.loss_scaling == (expected == "mixed_float16")
    assert str(capability) in plan.reason


def test_explicit_policy_wins_over_the_device_default():
    plan = plan_precision("mixed_float16", device="cpu")
    assert plan.policy == "mixed_float16" and plan.loss_scaling and plan.reason == "as requested"


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="policy='float16'"):
        plan_precision("float16", device="cpu")
    with pytest.raises(ValueError, match="device='tpu'"):
        plan_precision(device="tpu")
    with pytest.raises(ValueError, match=r"compute_capability='8\.0'"):
        plan_precision(device="gpu", compute_capability="8.0")


def test_set_precision_policy_sets_the_global_policy(policy, capsys):
    plan = set_precision_policy("mixed_bfloat16", device="cpu")
    assert keras.config.dtype_policy().name == "mixed_bfloat16"
    assert str(plan) in capsys.readouterr().out
    layer = keras.layers.Dense(2)
    assert layer.compute_dtype == "bfloat16" and layer.variable_dtype == "float32"


def plain_classifier(softmax_dtype=None):
    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(8, activation="relu")(inputs)
    return keras.Model(inputs, keras.layers.Dense(3, activation="softmax", dtype=softmax_dtype, name="probs")(hidden))


def test_half_precision_softmax_is_refused_with_the_layer_named(policy):
    policy("mixed_float16")
    model = plain_classifier()
    with pytest.raises(ValueError, match="layer 'probs' computes its softmax in float16.*dtype='float32'"):
        check_mixed_precision_safe(model)
    with pytest.raises(ValueError, match="output .* is float16"):
        compile_model(model, device="cpu", verbose=False, optimizer="adam", loss="sparse_categorical_crossentropy")
    fixed = plain_classifier(softmax_dtype="float32")
    assert check_mixed_precision_safe(fixed) is fixed


def test_float32_models_pass_the_check_untouched():
    assert check_mixed_precision_safe(plain_classifier()).outputs[0].dtype == "float32"
    with pytest.raises(ValueError, match="Expected a keras.Model. Received: Dense"):
        check_mixed_precision_safe(keras.layers.Dense(2))


@pytest.mark.parametrize("name", sorted(TASK_MODELS))
def test_task_models_train_in_mixed_float16_with_float32_outputs(name, policy):
    build, make_inputs, make_targets, loss = TASK_MODELS[name]
    policy("mixed_float16")
    keras.utils.set_random_seed(0)
    model = build()
    assert any(layer.compute_dtype == "float16" for layer in model._flatten_layers(include_self=False))
    check_mixed_precision_safe(model)
    outputs = keras.tree.flatten(model(make_inputs()))
    for output in outputs:
        assert keras.ops.convert_to_numpy(output).dtype == np.float32
        assert np.all(np.isfinite(keras.ops.convert_to_numpy(output)))
    if loss is None:
        return
    compile_model(model, device="cpu", verbose=False, optimizer=keras.optimizers.Adam(1e-3), loss=loss)
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    logs = model.train_on_batch(make_inputs(), make_targets(), return_dict=True)
    assert np.isfinite(logs["loss"]), logs
