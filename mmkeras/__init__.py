"""mmkeras: multimodal deep learning with Keras 3.

Subpackages: `layers` (backend-agnostic layers), `models` (task models),
`datasets` (the bundled world and tf.data pipelines), `preprocessing`
(tokenizers), `metrics`, `training` (XLA policy), `pretrained` (pretrained
models loaded offline, through keras-hub) and `viz` (plots).
"""

__version__ = "0.1.0"
