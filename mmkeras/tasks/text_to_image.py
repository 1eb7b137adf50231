"""What the text-to-image tasks share: drawing uint8 images for descriptions."""

import numpy as np

from mmkeras.models.cvae import generate_images
from mmkeras.preprocessing.image_converter import ImageConverter
from mmkeras.preprocessing.tokenizer import WordTokenizer
from mmkeras.tasks.task import Task
from mmkeras.tasks.text_to_image_preprocessor import TextToImagePreprocessor


class TextToImageTask(Task):
    """The base of `ConditionalVAE` and `ConditionalGAN`: `generate(descriptions)`
    draws with the network `drawer` (`[latent, text]` to images in [0, 1]).

    Example:

    `ConditionalVAE` and `ConditionalGAN` are text-to-image tasks:

    >>> from mmkeras.tasks import ConditionalVAE
    >>> cvae = ConditionalVAE.from_preset("world_cvae", vocabulary=["red", "blue", "circle"], filters=(4, 8))
    >>> images = cvae.generate(["red circle", "blue circle"], seed=0)
    >>> isinstance(cvae, TextToImageTask), images.shape[0], images.dtype.name
    (True, 2, 'uint8')
    """

    preprocessor_class = TextToImagePreprocessor

    def __init__(self, backbone, preprocessor, **kwargs):
        super().__init__(backbone, preprocessor, **kwargs)

    @property
    def drawer(self):
        raise NotImplementedError

    def check_drawer(self):
        """The drawer's image size and description length must be the preprocessor's."""
        image_size = self.drawer.output.shape[1]
        length = self.drawer.inputs[1].shape[-1]
        preprocessor = self.preprocessor
        if preprocessor.image_converter.image_size != image_size or preprocessor.sequence_length != length:
            raise ValueError(
                f"The network draws {image_size}-pixel images from {length} tokens, but the preprocessor makes "
                f"{preprocessor.image_converter.image_size}-pixel images and {preprocessor.sequence_length} "
                "tokens. Build both from one preset."
            )

    @staticmethod
    def make_preprocessor(vocabulary, image_size, text_length):
        tokenizer = vocabulary if isinstance(vocabulary, WordTokenizer) else WordTokenizer(vocabulary)
        return TextToImagePreprocessor(ImageConverter(image_size), tokenizer, text_length)

    def generate(self, descriptions, seed=None, temperature=1.0):
        """Draw one image per description.

        Args:
            descriptions: strings `(B,)`, in the words the task was trained on.
            seed: optional int for the latent draws (the same seed draws the
                same images).
            temperature: scale of the latent draws; below 1 gives more
                typical, less varied images.

        Returns:
            uint8 images `(B, S, S, 3)` (a NumPy array).
        """
        if not isinstance(descriptions, str) and descriptions is not None and len(descriptions) == 0:
            raise ValueError("Received no descriptions (an empty batch): pass at least one string.")
        drawn = generate_images(self.drawer, self.preprocessor.tokenize(descriptions), seed=seed,
                                temperature=temperature)
        return np.round(np.clip(drawn, 0.0, 1.0) * 255.0).astype("uint8")
