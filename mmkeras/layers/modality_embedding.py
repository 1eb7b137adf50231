import keras
from keras import ops

from mmkeras.layers._checks import check_positive_int
from mmkeras.layers._checks import check_rank


@keras.saving.register_keras_serializable(package="mmkeras")
class ModalityEmbedding(keras.layers.Layer):
    """Add a learned vector saying which modality (or segment) each token is.

    In a single-stream model (ImageBERT, ViLT, a vision-language model)
    image patches and words sit in one sequence and go through the same
    Transformer blocks; `y[b, t] = x[b, t] + E[m[b, t]]` with `m` the
    modality of token t (say 0 for image, 1 for text) lets attention tell
    them apart. BERT's segment embeddings (sentence A or B) are the same
    layer. A Keras mask on the inputs passes through.

    Args:
        num_modalities: int, how many kinds of tokens there are.
        initializer: initializer of the table `E`.
        **kwargs: base layer keyword arguments, e.g. `name` and `dtype`.

    Call arguments:
        inputs: a tensor `(B, T, D)`.
        modality: a Python int (every token is that modality) or an int
            tensor `(B, T)` of modality ids, each in `[0, num_modalities)`.

    Returns:
        A tensor `(B, T, D)`.

    Example:

    >>> layer = ModalityEmbedding(num_modalities=2)
    >>> image_tokens = layer(keras.ops.zeros((2, 16, 8)), modality=0)
    >>> text_tokens = layer(keras.ops.zeros((2, 5, 8)), modality=1)
    >>> tuple(keras.ops.concatenate([image_tokens, text_tokens], axis=1).shape)
    (2, 21, 8)

    Reference:
        Qi et al., "ImageBERT: Cross-modal Pre-training with Large-scale
        Weak-supervised Image-Text Data", 2020; Kim et al., "ViLT:
        Vision-and-Language Transformer Without Convolution or Region
        Supervision", ICML 2021.
    """

    def __init__(self, num_modalities, initializer=None, **kwargs):
        super().__init__(**kwargs)
        check_positive_int("num_modalities", num_modalities)
        self.num_modalities = num_modalities
        if initializer is None:
            initializer = keras.initializers.RandomNormal(stddev=0.02)
        self.initializer = keras.initializers.get(initializer)
        self.supports_masking = True

    def _check(self, inputs_shape):
        check_rank(self, "inputs", inputs_shape, (3,), "(batch, sequence_length, features)")
        if inputs_shape[-1] is None:
            raise ValueError(f"ModalityEmbedding needs a known feature width. Received shape {tuple(inputs_shape)}.")

    def build(self, inputs_shape):
        self._check(inputs_shape)
        self.embeddings = self.add_weight(
            shape=(self.num_modalities, inputs_shape[-1]), initializer=self.initializer, name="embeddings"
        )
        self.built = True

    def compute_output_shape(self, inputs_shape, modality_shape=None):
        self._check(inputs_shape)
        return tuple(inputs_shape)

    def compute_mask(self, inputs, mask=None):
        return mask

    def call(self, inputs, modality=0):
        self._check(inputs.shape)
        inputs = ops.cast(inputs, self.compute_dtype)
        table = ops.cast(self.embeddings, self.compute_dtype)
        if isinstance(modality, int) and not isinstance(modality, bool):
            if not 0 <= modality < self.num_modalities:
                raise ValueError(
                    f"`modality` must be in [0, {self.num_modalities}). Received: modality={modality}"
                )
            return inputs + table[modality][None, None, :]
        ids = ops.convert_to_tensor(modality)
        if "int" not in str(ids.dtype) or len(ids.shape) != 2:
            raise ValueError(
                "`modality` must be a Python int or an int tensor (batch, sequence_length). Received "
                f"dtype {ids.dtype}, shape {tuple(ids.shape)}."
            )
        return inputs + ops.take(table, ids, axis=0)

    def get_config(self):
        config = super().get_config()
        config.update(
            {"num_modalities": self.num_modalities, "initializer": keras.initializers.serialize(self.initializer)}
        )
        return config
