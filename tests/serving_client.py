"""Call exported mmkeras SavedModels with plain TensorFlow.

Run by tests/test_serving.py in a fresh process, with mmkeras and
tensorflow-text made unimportable, the way a server that has only
TensorFlow would load them. Prints one JSON object: each export's outputs.

    python serving_client.py REQUESTS.json
"""

import json
import sys

# A None entry makes `import mmkeras` raise ImportError.
sys.modules["mmkeras"] = None
sys.modules["tensorflow_text"] = None

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


def _plain(value):
    value = value.numpy()
    if value.dtype == object:
        return [v.decode("utf-8") for v in value]
    return value.tolist()


def main(requests_path):
    with open(requests_path) as f:
        requests = json.load(f)
    results = {}
    for name, request in requests.items():
        served = tf.saved_model.load(request["path"])
        arguments = {}
        for key, values in request["arguments"].items():
            if key == "seed":
                arguments[key] = tf.constant(values, tf.int32)
                continue
            if key == "clips":
                arguments[key] = tf.constant(np.load(values), tf.uint8)
                continue
            if key.endswith("_bytes"):
                values = [open(path, "rb").read() for path in values]
            arguments[key] = tf.constant(values, tf.string)
        outputs = served.serve(**arguments)
        signature = served.signatures["serving_default"](**arguments)
        results[name] = {
            "serve": {key: _plain(value) for key, value in outputs.items()},
            "serving_default": {key: _plain(value) for key, value in signature.items()},
        }
    print(json.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1])
