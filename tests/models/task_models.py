"""Small instances of every task model, with inputs and a loss, for tests
that must cover them all (mixed precision, saving)."""

import keras
import numpy as np

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
    "speech recognizer": (lambda: build_speech_recognizer(29, num_features=8, filters=(8,), strides=(1,),
                                                          recurrent_units=None, dropout=0.0),
                          lambda: np.random.default_rng(2).normal(size=(4, 20, 8)).astype("float32"),
                          lambda: _ids(3, vocab=28), keras.losses.CTC()),
    "action recognizer": (lambda: build_action_recognizer(3, frames=4, image_size=16, filters=(4,),
                                                          two_stream=True),
                          lambda: (_images(16)[:, None].repeat(4, axis=1) * 255).astype("uint8"),
                          lambda: _labels(3), SPARSE_CE),
    "cvae": (lambda: build_cvae(12, image_size=16, latent_dim=4, filters=(8, 16), embedding_dim=8,
                                text_units=8, hidden_units=16),
             lambda: {"image": _images(16), "text": _ids(3, vocab=12)}, lambda: _images(16), "mse"),
    "attribute classifier": (lambda: build_attribute_classifier({"color": 6, "shape": 3}, 16, (4,)), lambda: _images(16),
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
