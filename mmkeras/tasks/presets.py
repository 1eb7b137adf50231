"""Named configurations: each task of the book as one entry, the single source
for notebooks, benchmarks, tests and the book's table of models.

A preset holds what builds a task (`backbone`: the arguments of the
backbone builder, which also size the preprocessor; a GAN's
`discriminator` too) and how
the book trains it (`training`: epochs, batch size, learning rate and
the like). `Task.from_preset(name, ...)` reads it; the vocabulary and the
labels come from the data, never from the preset.
"""

import copy

# The speech recognizer's network, trained two ways (synthetic voices, real ones).
SPEECH_BACKBONE = {
    "num_features": 40,
    "filters": (64, 64, 64),
    "strides": (1, 2, 1),
    "recurrent_units": 64,
    "dropout": 0.1,
}

_PRESETS = {
    "world_captioner": {
        "task": "Captioner",
        "chapter": "07",
        "description": (
            "An attention captioner on 32-pixel scenes: a strided two-block CNN region grid and an "
            "attention LSTM decoder."
        ),
        "backbone": {
            "image_size": 32,
            "sequence_length": 16,
            "filters": (32, 64),
            "feature_dim": 128,
            "embedding_dim": 64,
            "units": 128,
            "downsampling": "strided",
        },
        "training": {"epochs": 5, "batch_size": 64, "learning_rate": 2e-3, "beam_width": 3},
    },
    "world_vqa": {
        "task": "VisualQuestionAnswerer",
        "chapter": "05",
        "description": (
            "A question-guided attention VQA model on 32-pixel scenes: two glimpses of the region "
            "grid chosen by the question, a 256-unit hidden layer, batch normalization in the image encoder."
        ),
        "backbone": {
            "image_size": 32,
            "question_length": 14,
            "fusion": "question_attention",
            "hidden_units": 256,
            "downsampling": "strided",
            "batch_norm": True,
        },
        "training": {"epochs": 16, "batch_size": 64, "learning_rate": 3e-3, "schedule": "cosine"},
    },
    "world_vqa_document": {
        "task": "VisualQuestionAnswerer",
        "chapter": "05",
        "description": "VQA by addition, F = I_c + T_c, then a softmax over the answers, on 32-pixel scenes.",
        "backbone": {"image_size": 32, "question_length": 14, "fusion": "add", "downsampling": "strided"},
        "training": {"epochs": 4, "batch_size": 64, "learning_rate": 2e-3},
    },
    "world_product_classifier": {
        "task": "ProductClassifier",
        "chapter": "06",
        "description": (
            "A product classifier: CNN photo encoder and BiLSTM text encoder, concatenated, "
            "with modality dropout 0.3."
        ),
        "backbone": {"image_size": 32, "text_length": 24, "fusion": "concat", "modality_dropout": 0.3},
        "training": {"epochs": 8, "batch_size": 64, "learning_rate": 2e-3},
    },
    "world_dual_encoder": {
        "task": "DualEncoder",
        "chapter": "08",
        "description": (
            "A CLIP-style dual encoder on 32-pixel scenes: a three-block CNN image tower and a "
            "BiLSTM text tower meeting in a 64-dimensional space."
        ),
        "backbone": {
            "image_size": 32,
            "text_length": 20,
            "embed_dim": 64,
            "filters": (32, 64, 128),
            "embedding_dim": 64,
            "text_units": 128,
        },
        "training": {"epochs": 3, "batch_size": 128, "learning_rate": 2e-3},
    },
    "world_speech_recognizer": {
        "task": "SpeechRecognizer",
        "chapter": "09",
        "description": (
            "A CTC speech recognizer on 40 log-mel bands: three Conv1D blocks (the middle one strided) "
            "and a bidirectional GRU."
        ),
        "backbone": SPEECH_BACKBONE,
        "training": {"epochs": 34, "batch_size": 32, "learning_rate": 3e-3, "augment": True},
    },
    "fsdd_speech_recognizer": {
        "task": "SpeechRecognizer",
        "chapter": "09",
        "description": (
            "The world_speech_recognizer network trained for real recordings (FSDD's spoken digits, "
            "benchmarks/real_speech.py): the same model, a third of the learning rate, longer training, and "
            "speed and vocal-tract-length perturbation (warp) to make new voices from the training ones."
        ),
        "backbone": SPEECH_BACKBONE,
        "training": {"epochs": 60, "batch_size": 32, "learning_rate": 1e-3, "augment": True, "warp": 0.15},
    },
    "world_action_recognizer": {
        "task": "ActionRecognizer",
        "chapter": "11",
        "description": "A two-stream network (appearance and frame differences) on 8-frame, 16-pixel clips.",
        "backbone": {"frames": 8, "image_size": 16, "filters": (8, 16), "two_stream": True},
        "training": {"epochs": 6, "batch_size": 32, "learning_rate": 3e-3},
    },
    "world_cvae": {
        "task": "ConditionalVAE",
        "chapter": "10",
        "description": (
            "A conditional VAE on 32-pixel object portraits: an 8-dimensional latent code, the "
            "description appended to every decoder map."
        ),
        "backbone": {"image_size": 32, "text_length": 3, "latent_dim": 8, "filters": (16, 32)},
        "training": {"epochs": 25, "batch_size": 64, "learning_rate": 2e-3},
    },
    "world_cgan": {
        "task": "ConditionalGAN",
        "chapter": "10",
        "description": (
            "A conditional GAN on 32-pixel object portraits: a 16-dimensional noise generator and a "
            "projection discriminator."
        ),
        "backbone": {"image_size": 32, "text_length": 3, "latent_dim": 16},
        "discriminator": {"filters": (32, 64)},
        "training": {"epochs": 25, "batch_size": 64, "learning_rate": 4e-4},
    },
    "world_bert": {
        "task": "MaskedLanguageModel",
        "chapter": "03",
        "description": (
            "A small BERT: two Transformer blocks of width 64 over 32 WordPiece pieces, pretrained "
            "by masked language modelling on the world's texts."
        ),
        "backbone": {"sequence_length": 32, "hidden_dim": 64, "num_layers": 2, "num_heads": 4, "intermediate_dim": 128},
        "training": {"epochs": 3, "batch_size": 64, "learning_rate": 1e-3, "mask_rate": 0.15},
    },
    "world_translator": {
        "task": "Translator",
        "chapter": "15",
        "description": (
            "An English-to-Chinese translator: a bidirectional LSTM over the English words and an "
            "attention LSTM decoder writing Chinese characters."
        ),
        "backbone": {"source_length": 18, "target_length": 40, "embedding_dim": 32, "units": 64},
        "training": {"epochs": 6, "batch_size": 64, "learning_rate": 5e-3, "beam_width": 3},
    },
    "world_translator_grounded": {
        "task": "Translator",
        "chapter": "15",
        "description": (
            "The translator grounded in the scene, for the short captions of one-object scenes: a "
            "strided two-block CNN's region grid appended to the English words (one attention over both) and "
            "its mean added to every word."
        ),
        "backbone": {
            "source_length": 12,
            "target_length": 20,
            "embedding_dim": 32,
            "units": 64,
            "image_size": 32,
            "filters": (32, 64),
            "downsampling": "strided",
        },
        "training": {"epochs": 8, "batch_size": 64, "learning_rate": 5e-3},
    },
    "world_speech_translator": {
        "task": "SpeechTranslator",
        "chapter": "15",
        "description": (
            "An end-to-end speech translator: the speech recognizer's audio encoder (three Conv1D blocks, a "
            "bidirectional GRU) read by an attention LSTM decoder that writes Chinese characters."
        ),
        "backbone": {
            **SPEECH_BACKBONE,
            "target_length": 10,
            "embedding_dim": 32,
            "units": 128,
        },
        "training": {"epochs": 20, "batch_size": 32, "learning_rate": 3e-3, "augment": True},
    },
    "world_vlm": {
        "task": "VisionLanguageModel",
        "chapter": "13",
        "description": (
            "The small vision-language model: 16 image tokens from a strided three-block CNN through an MLP "
            "projector, then a 30-word prompt and an 18-token answer, in a two-block Transformer language model "
            "of width 64."
        ),
        "backbone": {
            "image_size": 32,
            "prompt_length": 30,
            "answer_length": 18,
            "filters": (32, 64, 128),
            "hidden_dim": 64,
            "num_layers": 2,
            "num_heads": 4,
            "intermediate_dim": 128,
        },
        "training": {"epochs": 8, "batch_size": 64, "learning_rate": 2e-3},
    },
}


def list_presets(task=None):
    """Names of the registered presets, optionally only those of one task class name.

    Example:

    >>> "world_captioner" in list_presets("Captioner")
    True
    """
    return sorted(name for name, preset in _PRESETS.items() if task is None or preset["task"] == task)


def get_preset(name):
    """A copy of the preset called `name` (changing it changes nothing registered).

    Example:

    >>> get_preset("world_captioner")["backbone"]["image_size"]
    32
    """
    if name not in _PRESETS:
        raise ValueError(f"Unknown preset {name!r}. Registered presets: {list_presets()}.")
    return copy.deepcopy(_PRESETS[name])


def register_preset(name, task, backbone, training=None, description="", chapter=None):
    """Register a configuration of your own under `name`.

    Args:
        name: str, not yet registered.
        task: the task class name (e.g. `"Captioner"`).
        backbone: dict of the backbone builder's arguments.
        training: optional dict (epochs, batch_size, learning_rate, ...).
        description: one line.
        chapter: the chapter that trains it, if any.

    Example:

    >>> register_preset("my_small_captioner", task="Captioner",
    ...                 backbone={**get_preset("world_captioner")["backbone"], "units": 64},
    ...                 description="the world captioner with a narrower LSTM")
    >>> from mmkeras.tasks import Captioner
    >>> captioner = Captioner.from_preset("my_small_captioner", vocabulary=["a", "red", "circle"])
    >>> captioner.backbone.get_layer("decoder").units
    64
    >>> _ = _PRESETS.pop("my_small_captioner")  # this example's clean-up
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"`name` must be a non-empty string. Received: name={name!r}")
    if name in _PRESETS:
        raise ValueError(f"A preset called {name!r} is already registered; choose another name.")
    if not isinstance(backbone, dict):
        raise TypeError(f"`backbone` must be a dict of builder arguments. Received: {type(backbone).__name__}")
    _PRESETS[name] = {
        "task": task,
        "chapter": chapter,
        "description": description,
        "backbone": dict(backbone),
        "training": dict(training or {}),
    }
