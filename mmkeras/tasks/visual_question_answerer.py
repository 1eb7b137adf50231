"""Visual question answering as a task: images and questions in, answers out."""

import keras

from mmkeras.models.vqa import build_vqa_model
from mmkeras.tasks.image_text_classifier import ImageTextClassifier


@keras.saving.register_keras_serializable(package="mmkeras")
class VisualQuestionAnswerer(ImageTextClassifier):
    """A VQA model (`build_vqa_model`) with its preprocessor and answer names.

    Trains with `fit({"image": images, "text": questions}, answers)` on
    raw data (answers as strings); `answer(images, questions)` returns
    answer strings. Its forward pass returns the probabilities of the
    answers, in the order of `labels`.

    Example:

    >>> vqa = VisualQuestionAnswerer.from_preset(
    ...     "world_vqa", vocabulary=["what", "colour", "is", "it"], labels=["red", "blue"])
    >>> x = {"image": np.zeros((2, 60, 60, 3), "uint8"), "text": ["what colour is it?"] * 2}
    >>> history = vqa.fit(x, ["red", "blue"], epochs=1, verbose=0)
    >>> answers, confidences = vqa.answer(x["image"], x["text"], return_confidence=True)
    >>> len(answers), confidences.shape
    (2, (2,))
    """

    build_backbone = staticmethod(build_vqa_model)
    preset_task = "VisualQuestionAnswerer"
    text_input = "question"

    def answer(self, images, questions, return_confidence=False):
        """Answer each question about its image.

        Args:
            images: anything `convert_images` takes (arrays of any size, paths).
            questions: a list of strings, one per image.
            return_confidence: also return each answer's probability.

        Returns:
            A list of answer strings; with `return_confidence`, also a
            float32 array of their probabilities.
        """
        answers, confidences = self.predict_labels(images, questions)
        return (answers, confidences) if return_confidence else answers
