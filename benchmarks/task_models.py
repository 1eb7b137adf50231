"""Training speed of every task model with XLA off and on, against its input pipeline.

Usage: python benchmarks/task_models.py [--steps 10] [--input-batches 30] [--output benchmarks/results]

Builds each task model the way its chapter does (sizes, filters,
downsampling), with the chapter's `tf.data` pipeline over generated data
(the bundled WAV files for speech), batch 64 (32 for speech and video, as
in their chapters). For each model, in one run:

- training samples/s with `jit_compile=False` and with `jit_compile=True`
  (median step on one batch after warm-up steps that absorb tracing and
  XLA compilation);
- the input pipeline's samples/s: batches drawn from the `tf.data` pipeline
  alone, no model, after a warm-up that fills the prefetch buffer;
- headroom: input samples/s over the faster training samples/s. Below 1
  the model waits for its data.

Writes `task_models_<device>.md` (the table, with the machine it ran on)
and `task_models_<device>.png` (a bar chart) to `--output`, and prints the
table. A script, not a test: timings depend on the machine.
"""

import argparse
import os
import sys
import time

import keras
import numpy as np
import tensorflow as tf

from mmkeras.datasets import ACTIONS  # noqa: E402
from mmkeras.datasets import ANSWERS  # noqa: E402
from mmkeras.datasets import CATEGORIES  # noqa: E402
from mmkeras.datasets import CHARACTERS  # noqa: E402
from mmkeras.datasets import all_texts  # noqa: E402
from mmkeras.datasets import load_speech  # noqa: E402
from mmkeras.datasets import make_clips  # noqa: E402
from mmkeras.datasets import make_object_images  # noqa: E402
from mmkeras.datasets import make_scene_dataset  # noqa: E402
from mmkeras.datasets import make_scenes  # noqa: E402
from mmkeras.datasets import make_shop  # noqa: E402
from mmkeras.datasets import make_shop_dataset  # noqa: E402
from mmkeras.datasets import chinese  # noqa: E402
from mmkeras.datasets import make_speech_dataset  # noqa: E402
from mmkeras.datasets import make_speech_translation_dataset  # noqa: E402
from mmkeras.datasets import make_translation_pairs  # noqa: E402
from mmkeras.datasets import make_instruction_dataset  # noqa: E402
from mmkeras.datasets import mix_instructions  # noqa: E402
from mmkeras.datasets import scene_instructions  # noqa: E402
from mmkeras.datasets import shop_instructions  # noqa: E402
from mmkeras.losses import MaskedSequenceCrossEntropy  # noqa: E402
from mmkeras.losses import SymmetricInfoNCE  # noqa: E402
from mmkeras.models import build_action_recognizer  # noqa: E402
from mmkeras.models import build_captioner  # noqa: E402
from mmkeras.models import build_product_classifier  # noqa: E402
from mmkeras.models import build_speech_recognizer  # noqa: E402
from mmkeras.models import build_vqa_model  # noqa: E402
from mmkeras.models import build_vision_language_model  # noqa: E402
from mmkeras.preprocessing import WordTokenizer  # noqa: E402
from mmkeras.tasks import get_preset  # noqa: E402
from mmkeras.preprocessing.raw_datasets import preprocessed_dataset  # noqa: E402
from mmkeras.tasks import ConditionalVAE  # noqa: E402
from mmkeras.tasks import DualEncoder  # noqa: E402
from mmkeras.tasks import SpeechTranslator  # noqa: E402
from mmkeras.tasks import Translator  # noqa: E402
from mmkeras.training import compile_model  # noqa: E402
from mmkeras.training import detect_device  # noqa: E402
from mmkeras.training import measure_step_time  # noqa: E402

from _plots import grouped_bars  # noqa: E402
from _training_bench import write_results  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPARSE_CE = "sparse_categorical_crossentropy"


def _raw_pairs(images, texts, batch_size):
    """A shuffled, repeated pipeline of raw `{"image": uint8, "text": strings}` batches, for a task's preprocessor."""
    dataset = tf.data.Dataset.from_tensor_slices({"image": images, "text": np.asarray(texts, dtype=str)})
    return dataset.shuffle(len(texts), seed=0).repeat().batch(batch_size, drop_remainder=True)


def vqa(batch_size):
    config = get_preset("world_vqa")["backbone"]
    scenes = make_scenes(1000, seed=1, image_size=config["image_size"])
    tokenizer = WordTokenizer.from_corpus(all_texts(scenes))
    model = build_vqa_model(tokenizer.vocabulary_size, len(ANSWERS), **config)
    data = make_scene_dataset(scenes, tokenizer, sequence_length=config["question_length"], batch_size=batch_size)
    return model, SPARSE_CE, data.repeat()


def product_classifier(batch_size):
    config = get_preset("world_product_classifier")["backbone"]
    shop = make_shop(1000, seed=0)
    tokenizer = WordTokenizer.from_corpus(shop.texts)
    model = build_product_classifier(tokenizer.vocabulary_size, len(CATEGORIES), **config)
    data = make_shop_dataset(shop, tokenizer, sequence_length=config["text_length"], batch_size=batch_size)
    return model, SPARSE_CE, data.repeat()


def captioner(batch_size):
    config = get_preset("world_captioner")["backbone"]
    scenes = make_scenes(1000, seed=1, image_size=config["image_size"])
    tokenizer = WordTokenizer.from_corpus(all_texts(scenes))
    model = build_captioner(tokenizer.vocabulary_size, **config)
    data = make_scene_dataset(scenes, tokenizer, task="caption", sequence_length=config["sequence_length"],
                              batch_size=batch_size)
    return model, MaskedSequenceCrossEntropy(), data.repeat()


def dual_encoder(batch_size):
    scenes = make_scenes(1000, seed=1, image_size=get_preset("world_dual_encoder")["backbone"]["image_size"])
    task = DualEncoder.from_preset("world_dual_encoder", vocabulary=WordTokenizer.from_corpus(all_texts(scenes)),
                                   compile=False)
    images = np.repeat(scenes.images, [len(c) for c in scenes.captions], axis=0)
    captions = [c for caps in scenes.captions for c in caps]
    data = preprocessed_dataset(task.preprocessor, _raw_pairs(images, captions, batch_size))
    # The loss reads only the logits (the matches are the diagonal); Keras wants a target tensor all the same.
    return task.backbone, SymmetricInfoNCE(), data.map(lambda x: (x, tf.zeros([batch_size])))


def speech(batch_size):
    config = get_preset("world_speech_recognizer")["backbone"]
    records = load_speech(os.path.join(ROOT, "data", "speech"), split="train")
    model = build_speech_recognizer(len(CHARACTERS) + 1, **config)
    data = make_speech_dataset(records, num_mel_bins=config["num_features"], batch_size=batch_size, augment=True)
    return model, keras.losses.CTC(), data.repeat()


def cvae(batch_size):
    portraits = make_object_images(1000, seed=11, image_size=get_preset("world_cvae")["backbone"]["image_size"])
    task = ConditionalVAE.from_preset("world_cvae", vocabulary=WordTokenizer.from_corpus(portraits.descriptions),
                                      compile=False)
    data = preprocessed_dataset(task.preprocessor, _raw_pairs(portraits.images, portraits.descriptions, batch_size))
    return task.backbone, "mse", data


def video(batch_size):
    config = get_preset("world_action_recognizer")["backbone"]
    clips = make_clips(400, seed=12, frames=config["frames"], image_size=config["image_size"])
    model = build_action_recognizer(len(ACTIONS), **config)
    data = tf.data.Dataset.from_tensor_slices((clips.videos, clips.action_ids.astype("int32")))
    data = data.shuffle(len(clips.videos), seed=0).repeat().batch(batch_size, drop_remainder=True)
    return model, SPARSE_CE, data.prefetch(tf.data.AUTOTUNE)


def vision_language_model(batch_size):
    config = get_preset("world_vlm")["backbone"]
    pairs = mix_instructions(scene_instructions(make_scenes(500, seed=1, image_size=config["image_size"])),
                             shop_instructions(make_shop(300, seed=0, image_size=config["image_size"])))
    tokenizer = WordTokenizer.from_corpus(pairs.prompts + pairs.answers)
    model = build_vision_language_model(vocabulary_size=tokenizer.vocabulary_size, **config)
    data = make_instruction_dataset(pairs, tokenizer, config["prompt_length"], config["answer_length"],
                                    batch_size=batch_size)
    return model, MaskedSequenceCrossEntropy(), data.repeat()


def _translator(batch_size, preset):
    grounded = "image_size" in get_preset(preset)["backbone"]
    pairs = make_translation_pairs(1000, seed=1, max_objects=1 if grounded else 3, vague_rate=0.5 if grounded else 0.0)
    task = Translator.from_preset(preset, WordTokenizer.from_corpus(pairs.sources),
                                  WordTokenizer.from_corpus(pairs.targets), compile=False)
    sources = np.asarray(pairs.sources, dtype=str)
    raw = {"text": sources, "image": pairs.images} if grounded else sources
    dataset = tf.data.Dataset.from_tensor_slices((raw, np.asarray(pairs.targets, dtype=str)))
    dataset = dataset.shuffle(len(pairs), seed=0).repeat().batch(batch_size, drop_remainder=True)
    return task.backbone, MaskedSequenceCrossEntropy(), preprocessed_dataset(task.preprocessor, dataset)


def translator(batch_size):
    return _translator(batch_size, "world_translator")


def grounded_translator(batch_size):
    return _translator(batch_size, "world_translator_grounded")


def speech_translator(batch_size):
    records = load_speech(os.path.join(ROOT, "data", "speech"), split="train")
    targets = [chinese.phrase(text) for text in records.texts]
    task = SpeechTranslator.from_preset("world_speech_translator", target_vocabulary=WordTokenizer.from_corpus(targets),
                                        compile=False)
    data = make_speech_translation_dataset(records, targets, task.preprocessor.target_tokenizer,
                                           task.preprocessor.target_length, batch_size=batch_size, augment=True)
    return task.backbone, MaskedSequenceCrossEntropy(), data.repeat()


TASKS = (
    ("VQA, question attention (05)", vqa, 64),
    ("product classifier (06)", product_classifier, 64),
    ("captioner (07)", captioner, 64),
    ("dual encoder (08)", dual_encoder, 64),
    ("speech recogniser (09)", speech, 32),
    ("conditional VAE (10)", cvae, 64),
    ("two-stream video (11)", video, 32),
    ("vision-language model (13)", vision_language_model, 64),
    ("translator (15)", translator, 64),
    ("grounded translator (15)", grounded_translator, 64),
    ("speech translator (15)", speech_translator, 32),
)


def input_samples_per_second(data, batch_size, batches):
    iterator = iter(data)
    for _ in range(5):  # warm-up: start the map workers, fill the prefetch buffer
        next(iterator)
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return batches * batch_size / (time.perf_counter() - start)


def training_samples_per_second(task, batch_size, jit_compile, steps, device):
    keras.utils.set_random_seed(0)
    model, loss, data = task(batch_size)
    inputs, targets = next(iter(data))
    compile_model(model, jit_compile=jit_compile, device=device, verbose=False,
                  optimizer=keras.optimizers.Adam(1e-3), loss=loss)
    return batch_size / measure_step_time(model, inputs, targets, steps=steps, warmup=3), data


def plot(rows, path):
    series = {name: [row[key] for row in rows]
              for name, key in (("XLA off", "xla_off"), ("XLA on", "xla_on"), ("input pipeline", "input"))}
    grouped_bars([row["model"] for row in rows], series, path,
                 "Training step rate with XLA off and on, and the tf.data input rate",
                 "samples per second (log scale)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10, help="timed training steps per configuration")
    parser.add_argument("--input-batches", type=int, default=30, help="timed batches from each input pipeline")
    parser.add_argument("--output", default=os.path.join(ROOT, "benchmarks", "results"))
    args = parser.parse_args()
    device = detect_device()

    rows = []
    for label, task, batch_size in TASKS:
        xla_off, data = training_samples_per_second(task, batch_size, False, args.steps, device)
        xla_on, _ = training_samples_per_second(task, batch_size, True, args.steps, device)
        feed = input_samples_per_second(data, batch_size, args.input_batches)
        rows.append({"model": label, "batch": batch_size, "xla_off": xla_off, "xla_on": xla_on, "input": feed})
        print(f"{label}: XLA off {xla_off:,.0f}, on {xla_on:,.0f}, input {feed:,.0f} samples/s", flush=True)

    table = [
        "| model | batch | XLA off | XLA on | XLA speed-up | input pipeline | headroom |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        fastest = max(row["xla_off"], row["xla_on"])
        table.append(
            f"| {row['model']} | {row['batch']} | {row['xla_off']:,.0f} samples/s | {row['xla_on']:,.0f} samples/s "
            f"| {row['xla_on'] / row['xla_off']:.2f}x | {row['input']:,.0f} samples/s | {row['input'] / fastest:.1f}x |"
        )
    notes = ("Training: median step on one batch after 3 warm-up steps. Input: batches drawn from the chapter's "
             "tf.data pipeline alone. Headroom: input rate over the faster training rate (below 1, the model "
             "waits for data).")
    text = write_results(os.path.join(args.output, f"task_models_{device}.md"),
                         f"benchmarks/task_models.py on {device}", "python " + " ".join(sys.argv[:1] + sys.argv[1:]),
                         device, notes, table)
    print()
    print(text)
    plot(rows, os.path.join(args.output, f"task_models_{device}.png"))


if __name__ == "__main__":
    main()
