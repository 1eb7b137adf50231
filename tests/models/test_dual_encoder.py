import keras
import numpy as np

from mmkeras.datasets import make_shop
from mmkeras.losses import SymmetricInfoNCE
from mmkeras.metrics import recall_at_k
from mmkeras.models import build_dual_encoder
from mmkeras.preprocessing import WordTokenizer


def embed(model, images, ids):
    image_vectors = model.get_layer("image_tower").predict(images, verbose=0)
    text_vectors = model.get_layer("text_tower").predict(ids, verbose=0)
    normalise = lambda v: v / np.linalg.norm(v, axis=-1, keepdims=True)
    return normalise(text_vectors) @ normalise(image_vectors).T


def test_dual_encoder_learns_to_retrieve_and_reloads(tmp_path):
    keras.utils.set_random_seed(0)
    shop = make_shop(256, seed=0, image_size=16)
    # Texts that describe what the photo shows: colour and form.
    texts = [f"{o.color} {o.shape}" for o in shop.objects]
    tokenizer = WordTokenizer.from_corpus(texts)
    ids = tokenizer(texts, 4, add_start_end=False).numpy()
    images = shop.images.astype("float32") / 255.0
    model = build_dual_encoder(tokenizer.vocabulary_size, image_size=16, text_length=4, embed_dim=16,
                               filters=(8, 16), embedding_dim=8, text_units=16, initial_temperature=0.2)
    assert model.output_shape == (None, None)
    before = recall_at_k(embed(model, images[:64], ids[:64]), k=5, relevant=_same_description(texts[:64]))
    model.compile(keras.optimizers.Adam(3e-3), SymmetricInfoNCE())
    model.fit({"image": images, "text": ids}, np.zeros(len(images)), batch_size=32, epochs=15, verbose=0)
    after = recall_at_k(embed(model, images[:64], ids[:64]), k=5, relevant=_same_description(texts[:64]))
    # 18 descriptions: a caption's matching photos are ~1/18 of the candidates.
    assert after > before + 0.3 and after >= 0.7, (before, after)
    model.save(tmp_path / "dual.keras")
    reloaded = keras.saving.load_model(tmp_path / "dual.keras", safe_mode=True)
    np.testing.assert_allclose(embed(reloaded, images[:8], ids[:8]), embed(model, images[:8], ids[:8]), rtol=1e-4)


def _same_description(texts):
    return [[j for j, other in enumerate(texts) if other == text] for text in texts]


def test_strided_image_tower_embeds_like_the_pooled_one():
    sizes = dict(vocab_size=12, image_size=16, text_length=4, embed_dim=8, filters=(4, 8), embedding_dim=4,
                 text_units=8)
    pooled, strided = build_dual_encoder(**sizes), build_dual_encoder(**sizes, downsampling="strided")
    tower = strided.get_layer("image_tower")
    assert tower.get_layer("image_encoder").downsampling == "strided"
    assert tower.output_shape == pooled.get_layer("image_tower").output_shape == (None, 8)
