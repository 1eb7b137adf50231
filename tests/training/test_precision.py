import keras
import numpy as np
import pytest

from mmkeras.losses import SymmetricInfoNCE
from mmkeras.models import build_action_recognizer
from mmkeras.models import build_attribute_classifier
from mmkeras.models import build_bert_encoder
from mmkeras.models import build_captioner
from mmkeras.models import build_cgan_discriminator
from mmkeras.models import build_cgan_generator
from mmkeras.models import build_cvae
from mmkeras.models import build_dual_encoder
from mmkeras.models import build_mlm_model
from mmkeras.models import build_product_classifier
from mmkeras.models import build_speech_recognizer
from mmkeras.models import build_vqa_model
from mmkeras.training import check_mixed_precision_safe
from mmkeras.training import compile_model
from mmkeras.training import plan_precision
from mmkeras.training import set_precision_policy


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


def _images(size):
    return np.random.default_rng(0).uniform(size=(4, size, size, 3)).astype("float32")


def _ids(length, vocab=20):
    return np.random.default_rng(1).integers(1, vocab, size=(4, length)).astype("int32")


def _labels(count):
    return np.arange(4) % count


SPARSE_CE = "sparse_categorical_crossentropy"

# name: (builder, inputs, targets, loss); loss None means forward pass only.
TASK_MODELS = {
    "vqa": (lambda: build_vqa_model(20, 5, image_size=16, question_length=6, width=8, filters=(4,),
                                    fusion="question_attention", embedding_dim=8),
            lambda: {"image": _images(16), "question": _ids(6)}, lambda: _labels(5), SPARSE_CE),
    "product classifier": (lambda: build_product_classifier(20, 3, image_size=16, text_length=6, width=8,
                                                            hidden_units=8, filters=(4,), embedding_dim=8),
                           lambda: {"image": _images(16), "text": _ids(6)}, lambda: _labels(3), SPARSE_CE),
    "captioner": (lambda: build_captioner(20, image_size=16, sequence_length=6, filters=(4, 8), feature_dim=8,
                                          embedding_dim=8, units=8),
                  lambda: {"image": _images(16), "tokens": _ids(6)}, lambda: _ids(6),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True)),
    "dual encoder": (lambda: build_dual_encoder(20, image_size=16, text_length=4, embed_dim=8, filters=(4,),
                                                embedding_dim=8, text_units=8),
                     lambda: {"image": _images(16), "text": _ids(4)}, lambda: np.zeros(4), SymmetricInfoNCE()),
    "speech recognizer": (lambda: build_speech_recognizer(num_features=8, filters=(8,), strides=(1,),
                                                          recurrent_units=None, dropout=0.0),
                          lambda: np.random.default_rng(2).normal(size=(4, 20, 8)).astype("float32"),
                          lambda: _ids(3, vocab=28), keras.losses.CTC()),
    "action recognizer": (lambda: build_action_recognizer(frames=4, image_size=16, num_actions=3, filters=(4,),
                                                          two_stream=True),
                          lambda: (_images(16)[:, None].repeat(4, axis=1) * 255).astype("uint8"),
                          lambda: _labels(3), SPARSE_CE),
    "cvae": (lambda: build_cvae(12, image_size=16, latent_dim=4, filters=(8, 16), embedding_dim=8,
                                text_units=8, hidden_units=16),
             lambda: {"image": _images(16), "text": _ids(3, vocab=12)}, lambda: _images(16), "mse"),
    "attribute classifier": (lambda: build_attribute_classifier(16, (4,)), lambda: _images(16),
                             lambda: {"color": _labels(6), "shape": _labels(3)},
                             {"color": SPARSE_CE, "shape": SPARSE_CE}),
    "cgan generator": (lambda: build_cgan_generator(12, image_size=16, latent_dim=4, channels=16, embedding_dim=8,
                                                    text_units=8, hidden_units=16),
                       lambda: [np.ones((4, 4), "float32"), _ids(3, vocab=12)], None, None),
    "cgan discriminator": (lambda: build_cgan_discriminator(12, image_size=16, filters=(8, 16), embedding_dim=8,
                                                            text_units=8, hidden_units=16),
                           lambda: {"image": _images(16), "text": _ids(3, vocab=12)},
                           lambda: np.ones((4, 1), "float32"), keras.losses.BinaryCrossentropy(from_logits=True)),
    "masked language model": (lambda: build_mlm_model(build_bert_encoder(30, 8, hidden_dim=8, num_layers=1,
                                                                         num_heads=2, intermediate_dim=16)),
                              lambda: _ids(8, vocab=30), lambda: _ids(8, vocab=30), SPARSE_CE),
}


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
