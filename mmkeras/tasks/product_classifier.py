"""Product classification as a task: photos and product texts in, categories out."""

import keras

from mmkeras.models.classifier import build_product_classifier
from mmkeras.tasks.image_text_classifier import ImageTextClassifier


@keras.saving.register_keras_serializable(package="mmkeras")
class ProductClassifier(ImageTextClassifier):
    """An image + text classifier (`build_product_classifier`)
    with its preprocessor and category names.

    Trains with `fit({"image": photos, "text": texts}, categories)` on raw
    data; `classify(images, texts)` returns category names. Its forward
    pass returns the probabilities of the categories, in the order of
    `labels`.

    Example:

    >>> shop = ProductClassifier.from_preset(
    ...     "world_product_classifier", vocabulary=["green", "mug", "lamp"], labels=["kitchen", "lighting"])
    >>> x = {"image": np.zeros((2, 32, 32, 3), "uint8"), "text": ["green mug", "green lamp"]}
    >>> history = shop.fit(x, ["kitchen", "lighting"], epochs=1, verbose=0)
    >>> len(shop.classify(x["image"], x["text"]))
    2
    """

    build_backbone = staticmethod(build_product_classifier)
    preset_task = "ProductClassifier"
    text_input = "text"

    def classify(self, images, texts, return_confidence=False):
        """The category of each product (photo and text).

        Returns:
            A list of category names; with `return_confidence`, also a
            float32 array of their probabilities.
        """
        categories, confidences = self.predict_labels(images, texts)
        return (categories, confidences) if return_confidence else categories
