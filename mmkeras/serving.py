"""Export task models as SavedModels that take raw inputs and answer in words.

A model trained in the book takes float images in [0, 1] and integer token
ids, and returns probabilities or token ids. A service receives image
files and sentences, and should answer with words. The exporters here put
the whole path into one TensorFlow graph: decode the image bytes (PNG,
JPEG, GIF or BMP), resize them to the model's size, tokenize the text with
core TensorFlow ops, run the model, and look the result up in the label
list or detokenize the generated caption.

The SavedModel needs neither mmkeras nor Keras nor tensorflow-text to run:

```python
served = tf.saved_model.load("vqa_export")
served.serve(image_bytes=tf.constant([png]), question=tf.constant(["what colour is the circle?"]))
# {"answer": one string per request, "confidence": its probability}
```

Every endpoint is batched: each argument is a 1-D string tensor, one entry
per request.
"""

import os

import keras
import tensorflow as tf

from mmkeras.datasets.scenes import ANSWERS
from mmkeras.datasets.shop import CATEGORIES
from mmkeras.preprocessing.tokenizer import RESERVED_TOKENS
from mmkeras.preprocessing.tokenizer import WordTokenizer
from mmkeras.generation import ctc_greedy_decode
from mmkeras.preprocessing.audio import decode_wav
from mmkeras.preprocessing.audio import decode_wav_at
from mmkeras.preprocessing.image_files import decode_image_bytes
from mmkeras.preprocessing.speech_features import utterance_features
from mmkeras.preprocessing.video_clips import convert_clips
from mmkeras.preprocessing.wordpiece import WordPieceTokenizer
from mmkeras.tasks import ActionRecognizer
from mmkeras.tasks import Captioner
from mmkeras.tasks import DualEncoder
from mmkeras.tasks import ImageTextClassifier
from mmkeras.tasks import MaskedLanguageModel
from mmkeras.tasks import SpeechRecognizer
from mmkeras.tasks import SpeechTranslator
from mmkeras.tasks import TextToImageTask
from mmkeras.tasks import Translator
from mmkeras.tasks import VisionLanguageModel
from mmkeras.tasks import WhisperTranscriber
from mmkeras.tasks.masked_language_model_preprocessor import MASK_MARKER

_STRINGS = tf.TensorSpec([None], tf.string)


def decode_images(image_bytes, image_size):
    """Decode a batch of encoded images to floats in [0, 1], resized to `image_size`.

    Args:
        image_bytes: a 1-D string tensor of PNG, JPEG, GIF or BMP files.
        image_size: the side of the square images the model takes.

    Returns:
        A float32 tensor `(B, image_size, image_size, 3)`; grey images are
        repeated to three channels and alpha is dropped.

    Raises:
        In an exported SavedModel, a request whose bytes are not a complete
        PNG, JPEG, GIF or BMP file fails the whole call with an
        `InvalidArgumentError` that reads "Cannot decode image] [request
        i]", i being the file's index in the batch (see
        `mmkeras.preprocessing.image_files.decode_image_bytes`); a client
        retries without that file.

    Example:

    >>> png = tf.io.encode_png(np.zeros((30, 40, 3), "uint8"))  # a request's file bytes
    >>> tuple(decode_images(tf.stack([png, png]), 48).shape)
    (2, 48, 48, 3)
    """

    def to_model_image(image):
        return tf.image.resize(tf.cast(image, tf.float32), [image_size, image_size]) / 255.0

    return _decode_requests(image_bytes, to_model_image, image_size)


def _decode_requests(image_bytes, convert, image_size):
    """Every file of a request batch decoded and converted; a broken one is named by its index."""

    def decode_one(data_and_index):
        data, index = data_and_index
        source = tf.strings.join(["request ", tf.strings.as_string(index)])
        return convert(decode_image_bytes(data, source))

    return tf.map_fn(
        decode_one,
        (image_bytes, tf.range(tf.shape(image_bytes)[0])),
        fn_output_signature=tf.TensorSpec([image_size, image_size, 3], tf.float32),
    )


def export_vqa(model, tokenizer, filepath, answers=ANSWERS, verbose=False):
    """Export a question-answering model with a raw-input serving function.

    The endpoint `serve(image_bytes, question)` takes encoded images and
    question strings and returns
    `{"answer": string (B,), "confidence": float32 (B,)}`, the most probable answer and its probability.

    Args:
        model: a model from `mmkeras.models.build_vqa_model` (inputs
            `"image"` and `"question"`, softmax over the answers).
        tokenizer: the `WordTokenizer` the model was trained with.
        filepath: the SavedModel folder to write.
        answers: the answer strings, in the order of the model's outputs.
        verbose: print what the export tracked.

    Returns:
        `filepath`.

    Example:

    An untrained model, to show the call:

    >>> import tempfile
    >>> from mmkeras.models import build_vqa_model
    >>> from mmkeras.preprocessing import WordTokenizer
    >>> tokenizer = WordTokenizer.from_corpus(["what colour is the circle"])
    >>> model = build_vqa_model(tokenizer.vocabulary_size, num_answers=2, image_size=16, question_length=6,
    ...                         width=8, filters=(4,), embedding_dim=4)
    >>> folder = export_vqa(model, tokenizer, tempfile.mkdtemp() + "/vqa", answers=("yes", "no"))
    >>> png = tf.io.encode_png(np.zeros((20, 20, 3), "uint8")).numpy()
    >>> loaded = tf.saved_model.load(folder)  # keep the loaded object while its function runs
    >>> served = loaded.serve(tf.constant([png]), tf.constant(["what colour is the circle?"]))
    >>> sorted(served), served["answer"].shape
    (['answer', 'confidence'], TensorShape([1]))
    """
    return _export_image_text_classifier(
        model, tokenizer, filepath, answers, text_input="question", label_name="answer", verbose=verbose
    )


def export_product_classifier(model, tokenizer, filepath, categories=CATEGORIES, verbose=False):
    """Export a product classifier with a raw-input serving function.

    The endpoint `serve(image_bytes, text)` takes encoded product photos and
    their title and description, and returns
    `{"category": string (B,), "confidence": float32 (B,)}`.

    Args:
        model: a model from `mmkeras.models.build_product_classifier`
            (inputs `"image"` and `"text"`).
        tokenizer: the `WordTokenizer` the model was trained with.
        filepath: the SavedModel folder to write.
        categories: the category names, in the order of the model's outputs.
        verbose: print what the export tracked.

    Returns:
        `filepath`.

    Example:

    An untrained model, to show the call:

    >>> import tempfile
    >>> from mmkeras.models import build_product_classifier
    >>> from mmkeras.preprocessing import WordTokenizer
    >>> tokenizer = WordTokenizer.from_corpus(["simple green serving board"])
    >>> model = build_product_classifier(tokenizer.vocabulary_size, num_classes=2, image_size=16, text_length=6,
    ...                                  width=8, hidden_units=8, filters=(4,), embedding_dim=4)
    >>> folder = export_product_classifier(model, tokenizer, tempfile.mkdtemp() + "/shop", categories=("a", "b"))
    >>> loaded = tf.saved_model.load(folder)
    >>> png = tf.io.encode_png(np.zeros((20, 20, 3), "uint8")).numpy()
    >>> loaded.serve(tf.constant([png]), tf.constant(["Simple green serving board"]))["category"].numpy()[0] in (b"a", b"b")
    True
    """
    return _export_image_text_classifier(
        model, tokenizer, filepath, categories, text_input="text", label_name="category", verbose=verbose
    )


def export_captioner(captioner, tokenizer, filepath, max_length=None, beam_width=1, verbose=False):
    """Export a captioner with a serving function from image files to captions.

    The endpoint `serve(image_bytes)` returns
    `{"caption": string (B,), "score": float32 (B,)}`: the caption found by greedy search
    (`beam_width=1`) or beam search, and its total log-probability. The
    whole search is one `while` loop inside the graph.

    Args:
        captioner: a model from `mmkeras.models.build_captioner`.
        tokenizer: the `WordTokenizer` the captioner was trained with.
        filepath: the SavedModel folder to write.
        max_length: most tokens to generate; defaults to the captioner's
            `sequence_length`.
        beam_width: 1 for greedy search, more for beam search.
        verbose: print what the export tracked.

    Returns:
        `filepath`.

    Example:

    An untrained captioner, to show the call:

    >>> import tempfile
    >>> from mmkeras.models import build_captioner
    >>> tokenizer = WordTokenizer.from_corpus(["a red circle"])
    >>> captioner = build_captioner(tokenizer.vocabulary_size, image_size=16, sequence_length=5, filters=(4,),
    ...                             feature_dim=8, embedding_dim=4, units=8)
    >>> folder = export_captioner(captioner, tokenizer, tempfile.mkdtemp() + "/captioner", beam_width=2)
    >>> png = tf.io.encode_png(np.zeros((20, 20, 3), "uint8")).numpy()
    >>> loaded = tf.saved_model.load(folder)
    >>> served = loaded.serve(tf.constant([png, png]))
    >>> served["caption"].dtype.name, served["score"].shape
    ('string', TensorShape([2]))
    """
    inputs = _model_inputs(captioner, ("image", "tokens"), "build_captioner")
    portable = _portable_copy(tokenizer, inputs["tokens"], captioner, vocab_size=_decoder_vocab(captioner))
    image_size = inputs["image"].shape[1]
    return _export_caption_search(
        captioner, portable, lambda image_bytes: decode_images(image_bytes, image_size),
        filepath, inputs["tokens"].shape[1] if max_length is None else max_length, beam_width, verbose,
    )


def export_task(task, filepath, beam_width=1, max_length=None, verbose=False):
    """Export a task with a serving function built from its own preprocessor.

    The served graph decodes image files and runs the task's own
    `ImageConverter` (so it resizes and scales exactly as training did),
    then the backbone, and answers in words. It needs neither mmkeras nor
    tensorflow-text to load.

    - `Captioner`: `serve(image_bytes)` ->
      `{"caption": string (B,), "score": float32 (B,)}` (greedy or beam search, one loop in the graph).
    - `VisualQuestionAnswerer`, `ProductClassifier`:
      `serve(image_bytes, text)` -> `{"label": string (B,), "confidence": float32 (B,)}`, the
      most probable of the task's own labels and its probability.
    - `ActionRecognizer`: `serve(clips)`, uint8 `(B, T, H, W, 3)` clips of
      any length and size -> `{"label", "confidence"}`.
    - `DualEncoder`: `serve(image_bytes, text)` ->
      `{"similarity": float32 (images, texts)}` cosine similarities; `embed_images(image_bytes)`
      and `embed_texts(text)` -> `{"embedding": unit vectors}`.
    - `SpeechRecognizer`: `serve(wav_bytes)` -> `{"transcript": string (B,)}`
      (greedy CTC), from 16-bit PCM WAV files at the task's sample rate.
    - `ConditionalVAE`, `ConditionalGAN`: `serve(text, seed)` ->
      `{"image": uint8 (B, S, S, 3)}`, one drawing per description; the same int32
      `seed` draws what `task.generate(texts, seed=seed)` draws.
    - `VisionLanguageModel`: `serve(image_bytes, prompt)` ->
      `{"answer": string (B,), "score": float32 (B,)}`, the greedy answer as
      `task.generate(images, prompts)` writes it, and its log-probability;
      a prompt longer than the task's `prompt_length` is cut to fit
      (`generate` raises instead).
    - `Translator`: `serve(text)` (a grounded one: `serve(text, image_bytes)`)
      -> `{"translation": string (B,), "score": float32 (B,)}`, as
      `task.translate(texts)` writes them (greedy or beam search).
    - `SpeechTranslator`: `serve(wav_bytes)` -> `{"translation": string (B,),
      "score": float32 (B,)}`, as `task.translate(utterances)` writes them.
    - `WhisperTranscriber`: `serve(wav_bytes)` -> `{"transcript": string (B,),
      "score": float32 (B,)}`, as `task.transcribe(recordings)` writes them
      (greedy or beam search), from 16-bit PCM WAV files at any sample rate
      up to 30 s long (longer ones are cut at 30 s; `transcribe` raises).
    - `MaskedLanguageModel`: `serve(text)` -> `{"text": string (B,)}`, each
      text with every `[MASK]` replaced by its most probable piece, as
      `task.fill_mask(texts)` returns it; its WordPiece tokenizer runs in
      core TensorFlow ops (`WordPieceTokenizer(..., portable=True)`). A
      text without `[MASK]` comes back normalised, and one longer than the
      sequence length is cut to fit (`fill_mask` raises for both).

    A request batch with a file that is not a complete PNG, JPEG, GIF or
    BMP image fails as a whole with an `InvalidArgumentError` whose message
    reads "[Cannot decode image] [request i]", i being the file's index in
    the batch: resend the batch without it.

    Args:
        task: a trained `mmkeras.tasks` task.
        filepath: the SavedModel folder to write.
        beam_width: captioners and translators: 1 for greedy search, more
            for beam search.
        max_length: captioners, translators and vision-language models:
            most tokens to generate (the training length by default).
        verbose: print what the export tracked.

    Returns:
        `filepath`.

    Example:

    A captioner from its preset (untrained here), exported and served from PNG bytes:

    >>> import tempfile
    >>> from mmkeras.tasks import Captioner
    >>> captioner = Captioner.from_preset("world_captioner", vocabulary=["a", "red", "circle"])
    >>> folder = export_task(captioner, tempfile.mkdtemp() + "/captioner")
    >>> png = tf.io.encode_png(np.zeros((50, 50, 3), "uint8")).numpy()
    >>> loaded = tf.saved_model.load(folder)
    >>> captions = loaded.serve(tf.constant([png]))["caption"]
    >>> captions.shape, captions.dtype.name
    (TensorShape([1]), 'string')
    """
    if isinstance(task, ImageTextClassifier):
        return _export_task_classifier(task, filepath, verbose)
    if isinstance(task, ActionRecognizer):
        return _export_action_recognizer(task, filepath, verbose)
    if isinstance(task, DualEncoder):
        return _export_dual_encoder(task, filepath, verbose)
    if isinstance(task, SpeechRecognizer):
        return _export_speech_recognizer(task, filepath, verbose)
    if isinstance(task, TextToImageTask):
        return _export_text_to_image(task, filepath, verbose)
    if isinstance(task, MaskedLanguageModel):
        return _export_masked_language_model(task, filepath, verbose)
    if isinstance(task, VisionLanguageModel):
        return _export_vision_language_model(task, filepath, max_length, verbose)
    if isinstance(task, WhisperTranscriber):
        return _export_whisper_transcriber(task, filepath, max_length, beam_width, verbose)
    if isinstance(task, SpeechTranslator):
        return _export_speech_translator(task, filepath, max_length, beam_width, verbose)
    if isinstance(task, Translator):
        return _export_translator(task, filepath, max_length, beam_width, verbose)
    if not isinstance(task, Captioner):
        raise TypeError(
            "export_task exports the tasks of mmkeras.tasks (Captioner, VisualQuestionAnswerer, "
            "ProductClassifier, ActionRecognizer, DualEncoder, SpeechRecognizer, ConditionalVAE, ConditionalGAN, "
            "MaskedLanguageModel, VisionLanguageModel, Translator, SpeechTranslator, WhisperTranscriber). Received: "
            f"{type(task).__name__}. For a model from a build_* function use export_vqa, "
            "export_product_classifier or export_captioner."
        )
    preprocessor = task.preprocessor
    return _export_caption_search(
        task.backbone, _portable_tokenizer(preprocessor.tokenizer), _image_bytes_converter(preprocessor),
        filepath, preprocessor.sequence_length if max_length is None else max_length, beam_width, verbose,
    )


def _portable_tokenizer(tokenizer):
    if isinstance(tokenizer, WordPieceTokenizer):
        return WordPieceTokenizer(tokenizer.vocabulary, portable=True)
    return WordTokenizer(tokenizer.vocabulary[len(RESERVED_TOKENS):], portable=True)


def _image_bytes_converter(preprocessor):
    converter = preprocessor.image_converter
    size = converter.image_size

    def convert(image_bytes):
        return _decode_requests(image_bytes, converter, size)

    return convert


def _export_task_classifier(task, filepath, verbose):
    preprocessor = task.preprocessor
    return _export_classification(
        task.backbone, _portable_tokenizer(preprocessor.tokenizer), _image_bytes_converter(preprocessor),
        preprocessor.sequence_length, preprocessor.labels, preprocessor.text_input, "text", "label",
        filepath, verbose, add_start_end=preprocessor.wraps_text,
    )


def _export_action_recognizer(task, filepath, verbose):
    preprocessor = task.preprocessor
    label_table = tf.constant(preprocessor.labels)

    def serve(clips):
        # [0, 255], as the backbone scales pixels itself (see ActionRecognizerPreprocessor).
        converted = convert_clips(clips, preprocessor.image_converter, preprocessor.frames) * 255.0
        probabilities = tf.cast(task.backbone(converted, training=False), tf.float32)
        best = tf.argmax(probabilities, axis=-1, output_type=tf.int32)
        return {"label": tf.gather(label_table, best), "confidence": tf.reduce_max(probabilities, axis=-1)}

    archive = keras.export.ExportArchive()
    archive.track(task.backbone)
    archive.add_endpoint(
        "serve", serve, input_signature=[tf.TensorSpec([None, None, None, None, 3], tf.uint8, name="clips")]
    )
    return _write(archive, filepath, verbose)


def _export_dual_encoder(task, filepath, verbose):
    preprocessor = task.preprocessor
    portable = _portable_tokenizer(preprocessor.tokenizer)
    convert_images = _image_bytes_converter(preprocessor)

    def image_embeddings(image_bytes):
        return tf.math.l2_normalize(tf.cast(task.image_tower(convert_images(image_bytes)), tf.float32), axis=-1)

    def text_embeddings(text):
        ids = portable(text, preprocessor.sequence_length, add_start_end=False)
        return tf.math.l2_normalize(tf.cast(task.text_tower(ids), tf.float32), axis=-1)

    def serve(image_bytes, text):
        return {"similarity": tf.matmul(image_embeddings(image_bytes), text_embeddings(text), transpose_b=True)}

    def embed_images(image_bytes):
        return {"embedding": image_embeddings(image_bytes)}

    def embed_texts(text):
        return {"embedding": text_embeddings(text)}

    images = tf.TensorSpec([None], tf.string, name="image_bytes")
    texts = tf.TensorSpec([None], tf.string, name="text")
    archive = keras.export.ExportArchive()
    archive.track(task.backbone)
    archive.track(portable.lookup_table)
    archive.add_endpoint("serve", serve, input_signature=[images, texts])
    archive.add_endpoint("embed_images", embed_images, input_signature=[images])
    archive.add_endpoint("embed_texts", embed_texts, input_signature=[texts])
    return _write(archive, filepath, verbose)


def _export_masked_language_model(task, filepath, verbose):
    preprocessor = task.preprocessor
    portable = _portable_tokenizer(preprocessor.tokenizer)
    length, mask_id = preprocessor.sequence_length, portable.mask_id

    def serve(text):
        parts = tf.strings.split(text, MASK_MARKER)
        pieces = portable.tokenize(parts.flat_values)
        # A [MASK] after every part of a text but its last.
        row = parts.value_rowids()
        position = tf.range(tf.size(parts.flat_values, out_type=tf.int64)) - tf.gather(parts.row_splits, row)
        is_last = position == tf.gather(parts.row_lengths(), row) - 1
        masks = tf.RaggedTensor.from_row_lengths(
            tf.fill([tf.reduce_sum(tf.cast(~is_last, tf.int32))], mask_id), tf.cast(~is_last, tf.int64)
        )
        pieces = tf.RaggedTensor.from_row_splits(tf.concat([pieces, masks], axis=1), parts.row_splits)
        pieces = pieces.merge_dims(1, 2)[:, : length - 2]
        rows = pieces.nrows()
        ids = tf.concat([tf.fill([rows, 1], portable.cls_id), pieces, tf.fill([rows, 1], portable.sep_id)], axis=1)
        ids = ids.to_tensor(default_value=portable.pad_id, shape=[None, length])
        best = tf.argmax(tf.cast(task.backbone(ids, training=False), tf.float32), axis=-1, output_type=tf.int32)
        return {"text": portable.detokenize(tf.where(ids == mask_id, best, ids))}

    archive = keras.export.ExportArchive()
    archive.track(task.backbone)
    archive.track(portable.lookup_table)
    archive.add_endpoint("serve", serve, input_signature=[tf.TensorSpec([None], tf.string, name="text")])
    return _write(archive, filepath, verbose)


def _wav_features(preprocessor):
    """WAV bytes `(B,)` to the padded features the preprocessor makes, inside a SavedModel."""
    bins = preprocessor.num_features

    def features(wav_bytes):
        return tf.map_fn(
            lambda contents: utterance_features(
                decode_wav_at(contents, preprocessor.sample_rate), preprocessor.sample_rate, preprocessor.features,
                preprocessor.num_mel_bins,
            ),
            wav_bytes,
            fn_output_signature=tf.RaggedTensorSpec((None, bins), tf.float32, ragged_rank=0),
        ).to_tensor()

    return features


def _export_speech_recognizer(task, filepath, verbose):
    preprocessor = task.preprocessor
    # Id 0 (the blank) and the padding after each transcript map to "".
    characters = tf.constant([""] + list(preprocessor.characters))
    wav_features = _wav_features(preprocessor)

    def serve(wav_bytes):
        labels, _ = ctc_greedy_decode(task.backbone(wav_features(wav_bytes), training=False))
        return {"transcript": tf.strings.reduce_join(tf.gather(characters, tf.maximum(labels, 0)), axis=-1)}

    archive = keras.export.ExportArchive()
    archive.track(task.backbone)
    archive.add_endpoint("serve", serve, input_signature=[tf.TensorSpec([None], tf.string, name="wav_bytes")])
    return _write(archive, filepath, verbose)


def _export_text_to_image(task, filepath, verbose):
    preprocessor = task.preprocessor
    portable = _portable_tokenizer(preprocessor.tokenizer)
    drawer = task.drawer
    latent_dim = drawer.inputs[0].shape[-1]

    def serve(text, seed):
        ids = portable(text, preprocessor.sequence_length, add_start_end=False)
        # The draws of keras.random.normal(seed=seed), which task.generate uses.
        latent = tf.random.stateless_normal((tf.shape(ids)[0], latent_dim), seed=tf.stack([seed, 0]))
        drawn = tf.clip_by_value(tf.cast(drawer([latent, ids], training=False), tf.float32), 0.0, 1.0)
        return {"image": tf.cast(tf.round(drawn * 255.0), tf.uint8)}

    archive = keras.export.ExportArchive()
    archive.track(drawer)
    archive.track(portable.lookup_table)
    archive.add_endpoint(
        "serve", serve,
        input_signature=[tf.TensorSpec([None], tf.string, name="text"), tf.TensorSpec([], tf.int32, name="seed")],
    )
    return _write(archive, filepath, verbose)


def _export_classification(
    model, portable, convert_images, sequence_length, labels, model_text_input, served_text_input, label_name,
    filepath, verbose, add_start_end=False,
):
    """A `serve(image_bytes, <served_text_input>)` endpoint naming the best label."""
    label_table = tf.constant([str(label) for label in labels])

    def classify(image_bytes, text):
        ids = portable(text, sequence_length, add_start_end=add_start_end)
        inputs = {"image": convert_images(image_bytes), model_text_input: ids}
        probabilities = tf.cast(model(inputs, training=False), tf.float32)
        best = tf.argmax(probabilities, axis=-1, output_type=tf.int32)
        return {label_name: tf.gather(label_table, best), "confidence": tf.reduce_max(probabilities, axis=-1)}

    # A served function is called by its Python argument names.
    if served_text_input == "question":
        def serve(image_bytes, question):
            return classify(image_bytes, question)
    else:
        def serve(image_bytes, text):
            return classify(image_bytes, text)

    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.track(portable.lookup_table)
    archive.add_endpoint(
        "serve",
        serve,
        input_signature=[
            tf.TensorSpec([None], tf.string, name="image_bytes"),
            tf.TensorSpec([None], tf.string, name=served_text_input),
        ],
    )
    return _write(archive, filepath, verbose)


def _export_vision_language_model(task, filepath, max_length, verbose):
    from mmkeras.models.vision_language import generate_answers

    preprocessor = task.preprocessor
    portable = _portable_tokenizer(preprocessor.tokenizer)
    convert_images = _image_bytes_converter(preprocessor)
    if max_length is not None and (isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1):
        raise ValueError(f"`max_length` must be a positive int. Received: max_length={max_length!r}")

    def serve(image_bytes, prompt):
        prompt_ids = portable(prompt, preprocessor.prompt_length, add_start_end=False)
        result = generate_answers(
            task.backbone, convert_images(image_bytes), prompt_ids, portable.start_id, portable.end_id,
            max_length=max_length,
        )
        return {"answer": portable.detokenize(result.tokens), "score": tf.cast(result.scores, tf.float32)}

    archive = keras.export.ExportArchive()
    archive.track(task.backbone)
    archive.track(portable.lookup_table)
    archive.add_endpoint("serve", serve, input_signature=[_STRINGS, _STRINGS])
    return _write(archive, filepath, verbose)


def _check_search_settings(max_length, beam_width):
    if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1:
        raise ValueError(f"`max_length` must be a positive int. Received: max_length={max_length!r}")
    if isinstance(beam_width, bool) or not isinstance(beam_width, int) or beam_width < 1:
        raise ValueError(f"`beam_width` must be a positive int. Received: beam_width={beam_width!r}")


def _export_translator(task, filepath, max_length, beam_width, verbose):
    from mmkeras.models.translator import generate_translations

    preprocessor = task.preprocessor
    max_length = preprocessor.target_length if max_length is None else max_length
    _check_search_settings(max_length, beam_width)
    source = _portable_tokenizer(preprocessor.source_tokenizer)
    target = _portable_tokenizer(preprocessor.target_tokenizer)

    def translate(text, images=None):
        inputs = {"source": source(text, preprocessor.source_length, add_start_end=True)}
        if images is not None:
            inputs["image"] = images
        result = generate_translations(
            task.backbone, inputs, target.start_id, target.end_id, max_length=max_length, beam_width=beam_width
        )
        return {"translation": target.detokenize(result.tokens), "score": tf.cast(result.scores, tf.float32)}

    archive = keras.export.ExportArchive()
    archive.track(task.backbone)
    archive.track(source.lookup_table)
    archive.track(target.lookup_table)
    if preprocessor.grounded:
        convert_images = _image_bytes_converter(preprocessor)

        def serve(text, image_bytes):
            return translate(text, convert_images(image_bytes))

        archive.add_endpoint("serve", serve, input_signature=[_STRINGS, _STRINGS])
    else:
        archive.add_endpoint("serve", translate, input_signature=[_STRINGS])
    return _write(archive, filepath, verbose)


def _export_speech_translator(task, filepath, max_length, beam_width, verbose):
    from mmkeras.models.translator import generate_translations

    preprocessor = task.preprocessor
    max_length = preprocessor.target_length if max_length is None else max_length
    _check_search_settings(max_length, beam_width)
    target = _portable_tokenizer(preprocessor.target_tokenizer)
    wav_features = _wav_features(preprocessor)

    def serve(wav_bytes):
        result = generate_translations(
            task.backbone, {"features": wav_features(wav_bytes)}, target.start_id, target.end_id,
            max_length=max_length, beam_width=beam_width,
        )
        return {"translation": target.detokenize(result.tokens), "score": tf.cast(result.scores, tf.float32)}

    archive = keras.export.ExportArchive()
    archive.track(task.backbone)
    archive.track(target.lookup_table)
    archive.add_endpoint("serve", serve, input_signature=[tf.TensorSpec([None], tf.string, name="wav_bytes")])
    return _write(archive, filepath, verbose)


def _export_whisper_transcriber(task, filepath, max_length, beam_width, verbose):
    from mmkeras.tasks.whisper_transcriber_preprocessor import WHISPER_SAMPLE_RATE
    from mmkeras.tasks.whisper_transcriber_preprocessor import WHISPER_SECONDS

    max_length = 64 if max_length is None else max_length
    _check_search_settings(max_length, beam_width)
    preprocessor = task.preprocessor
    search = task.search_function(max_length, beam_width)
    window = WHISPER_SAMPLE_RATE * WHISPER_SECONDS

    def waveform(contents):
        samples = decode_wav_at(contents, WHISPER_SAMPLE_RATE)[:window]
        return tf.pad(samples, [[0, window - tf.shape(samples)[0]]])

    def serve(wav_bytes):
        waveforms = tf.map_fn(waveform, wav_bytes, fn_output_signature=tf.TensorSpec([window], tf.float32))
        result = search(preprocessor.audio_converter(waveforms))
        return {"transcript": preprocessor.detokenize_tensor(result.tokens),
                "score": tf.cast(result.scores, tf.float32)}

    archive = keras.export.ExportArchive()
    archive.track(task.backbone)
    archive.add_endpoint("serve", serve, input_signature=[tf.TensorSpec([None], tf.string, name="wav_bytes")])
    return _write(archive, filepath, verbose)


def _export_caption_search(captioner, portable, convert_images, filepath, max_length, beam_width, verbose):
    from mmkeras.models.captioner import generate_captions

    if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1:
        raise ValueError(f"`max_length` must be a positive int. Received: max_length={max_length!r}")
    if isinstance(beam_width, bool) or not isinstance(beam_width, int) or beam_width < 1:
        raise ValueError(f"`beam_width` must be a positive int. Received: beam_width={beam_width!r}")

    def serve(image_bytes):
        images = convert_images(image_bytes)
        result = generate_captions(
            captioner, images, portable.start_id, portable.end_id, max_length=max_length, beam_width=beam_width
        )
        return {"caption": portable.detokenize(result.tokens), "score": tf.cast(result.scores, tf.float32)}

    archive = keras.export.ExportArchive()
    archive.track(captioner)
    archive.track(portable.lookup_table)
    archive.add_endpoint("serve", serve, input_signature=[_STRINGS])
    return _write(archive, filepath, verbose)


def _export_image_text_classifier(model, tokenizer, filepath, labels, text_input, label_name, verbose):
    builder = "build_vqa_model" if text_input == "question" else "build_product_classifier"
    inputs = _model_inputs(model, ("image", text_input), builder)
    portable = _portable_copy(tokenizer, inputs[text_input], model)
    labels = [str(label) for label in labels]
    classes = model.output.shape[-1]
    if len(labels) != classes:
        raise ValueError(
            f"The model has {classes} outputs but {len(labels)} {label_name} names were given. "
            f"Pass the list the model was trained with, in output order."
        )
    image_size = inputs["image"].shape[1]
    return _export_classification(
        model, portable, lambda image_bytes: decode_images(image_bytes, image_size), inputs[text_input].shape[1],
        labels, text_input, text_input, label_name, filepath, verbose,
    )


def _model_inputs(model, names, builder):
    if not isinstance(model, keras.Model):
        raise TypeError(f"Expected a keras.Model from {builder}(). Received: {type(model).__name__}")
    inputs = model.input if isinstance(model.input, dict) else {}
    if sorted(inputs) != sorted(names):
        raise ValueError(
            f"Expected a model from {builder}() with the inputs {sorted(names)}. "
            f"Received a model {model.name!r} with inputs {sorted(inputs) or model.input}."
        )
    image = inputs["image"]
    if image.shape[1] is None or image.shape[1] != image.shape[2]:
        raise ValueError(
            f"The model's image input must have a fixed square size. Received shape {image.shape}."
        )
    return inputs


def _portable_copy(tokenizer, text_input, model, vocab_size=None):
    if not isinstance(tokenizer, WordTokenizer):
        raise TypeError(
            "`tokenizer` must be the mmkeras.preprocessing.WordTokenizer the model was trained with. "
            f"Received: {type(tokenizer).__name__}"
        )
    if text_input.shape[1] is None:
        raise ValueError(
            f"The model's text input must have a fixed length. Received shape {text_input.shape}: "
            "build the model with a fixed sequence length."
        )
    embedding_rows = vocab_size if vocab_size is not None else _embedding_rows(model)
    if embedding_rows is not None and tokenizer.vocabulary_size > embedding_rows:
        raise ValueError(
            f"The tokenizer has {tokenizer.vocabulary_size} tokens but the model "
            f"{model.name!r} embeds only {embedding_rows}: this is not the tokenizer it was trained with."
        )
    return WordTokenizer(tokenizer.vocabulary[len(RESERVED_TOKENS):], portable=True)


def _embedding_rows(model):
    for layer in model._flatten_layers(include_self=False):
        if isinstance(layer, keras.layers.Embedding):
            return layer.input_dim
    return None


def _decoder_vocab(captioner):
    return captioner.get_layer("decoder").vocab_size


def _write(archive, filepath, verbose):
    filepath = os.fspath(filepath)
    archive.write_out(filepath, verbose=verbose)
    return filepath
