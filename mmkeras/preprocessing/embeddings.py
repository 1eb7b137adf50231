"""Word embeddings with gensim: train Word2Vec, read and write the word2vec
text format, and line vectors up with a tokenizer's ids for a Keras layer.

Nothing here pickles: models are trained in memory and vectors are saved
and loaded as plain text (the format GloVe-style downloads also use).
"""

import zlib

import numpy as np


def _stable_hash(text):
    # gensim seeds each word's initial vector with hashfxn(word + seed);
    # Python's built-in hash of a str changes per process (PYTHONHASHSEED),
    # so it would make "seed" meaningless across runs. CRC32 does not.
    return zlib.crc32(str(text).encode("utf-8"))


def train_word2vec(
    sentences,
    skip_gram=True,
    vector_size=32,
    window=3,
    min_count=1,
    negative=5,
    epochs=20,
    seed=0,
):
    """Train Word2Vec (skip-gram or CBOW) deterministically.

    Uses one worker thread and a process-independent word hash, so the same
    sentences and seed give the same vectors in every run.

    Args:
        sentences: a list of token lists, e.g. `[["a", "red", "circle"], ...]`.
        skip_gram: `True` for skip-gram (predict context from the centre
            word), `False` for CBOW (predict the centre word from the mean
            of its context).
        vector_size: width of the vectors.
        window: context words on each side.
        min_count: ignore words seen fewer times.
        negative: negative samples per positive pair.
        epochs: passes over the corpus.
        seed: int seed.

    Returns:
        `gensim.models.KeyedVectors`: `vectors[word]`, `most_similar`, ...

    Example:

    >>> vectors = train_word2vec([["a", "red", "circle"], ["a", "blue", "square"]])
    >>> vectors["red"].shape
    (32,)
    """
    from gensim.models import Word2Vec

    if isinstance(sentences, str) or not sentences or isinstance(sentences[0], str):
        raise ValueError(
            "`sentences` must be a non-empty list of token lists, e.g. "
            "[['a', 'red', 'circle'], ...]; split each text into words first. "
            f"Received: {str(sentences)[:80]!r}"
        )
    model = Word2Vec(
        sentences=[list(s) for s in sentences],
        vector_size=vector_size,
        window=window,
        min_count=min_count,
        sg=1 if skip_gram else 0,
        negative=negative,
        epochs=epochs,
        seed=seed,
        workers=1,
        hashfxn=_stable_hash,
    )
    return model.wv


def save_word2vec_text(vectors, path):
    """Write `KeyedVectors` in the word2vec text format (a header line
    `count width`, then `word v1 v2 ...` per line).

    Example:

    >>> import tempfile
    >>> path = tempfile.mkdtemp() + "/vectors.txt"
    >>> save_word2vec_text(train_word2vec([["a", "red", "circle"]], vector_size=4), path)
    >>> open(path).readline().split()  # the header: count and width
    ['3', '4']
    """
    vectors.save_word2vec_format(str(path), binary=False)


def load_word2vec_text(path, limit=None, no_header=False):
    """Read vectors in the word2vec text format, without pickle.

    The format is a header line `<count> <width>`, then one line per word:
    `<word> <v1> ... <vwidth>`. GloVe's files are the same without the
    header: pass `no_header=True` for them.

    Args:
        path: a `.txt` (or `.txt.gz`) file.
        limit: read only the first `limit` vectors (files are usually
            sorted by frequency).
        no_header: the file has no `<count> <width>` line (GloVe).

    Returns:
        `gensim.models.KeyedVectors`.

    Example:

    >>> import tempfile
    >>> path = tempfile.mkdtemp() + "/vectors.txt"
    >>> save_word2vec_text(train_word2vec([["a", "red", "circle"]], vector_size=4), path)
    >>> loaded = load_word2vec_text(path)
    >>> sorted(loaded.index_to_key), loaded.vector_size
    (['a', 'circle', 'red'], 4)
    """
    from gensim.models import KeyedVectors

    try:
        return KeyedVectors.load_word2vec_format(
            str(path), binary=False, limit=limit, no_header=no_header
        )
    except (ValueError, UnicodeDecodeError, IndexError, KeyError) as error:
        hint = (
            "a file without that header line, as GloVe ships, needs no_header=True"
            if not no_header
            else "every line must hold a word and the same number of values"
        )
        raise ValueError(
            f"Could not read {path!s} as word2vec text: expected a first line "
            "'<count> <width>' and then one '<word> <v1> ... <vwidth>' per line; "
            f"{hint}. Underlying error: {error}"
        ) from error


def embedding_matrix(vectors, vocabulary, unknown="random", seed=0):
    """Rows of `vectors` in the order of a tokenizer's ids.

    Row i holds the vector of `vocabulary[i]`. gensim's own row order is by
    frequency (its row 0 is its most frequent word) and has no padding, so
    its matrix cannot be used as is: our id 0 is `[PAD]`. Padding gets a
    zero row; words gensim does not know (reserved tokens, rare words) get
    small random vectors (`unknown="random"`, with the vectors' own
    standard deviation) or zeros (`unknown="zeros"`).

    Args:
        vectors: `gensim.models.KeyedVectors`.
        vocabulary: the tokenizer's id-ordered word list, e.g.
            `WordTokenizer.vocabulary` (id 0 = padding).
        unknown: `"random"` or `"zeros"`.
        seed: seed of the random rows.

    Returns:
        `(matrix, found)`: float32 `(len(vocabulary), width)` and a boolean
        array marking the rows that came from `vectors`. Pass the matrix to
        `TextEncoder.set_embedding_matrix` (or `Embedding(weights=[...])`),
        not as a `Constant` initializer, which would copy it into the
        model's config.

    Example:

    >>> vectors = train_word2vec([["a", "red", "circle"], ["a", "blue", "square"]], vector_size=8)
    >>> matrix, found = embedding_matrix(vectors, ["[PAD]", "[UNK]", "red", "circle"])
    >>> matrix.shape, found.tolist(), bool((matrix[0] == 0).all())  # found: which rows gensim knew
    ((4, 8), [False, False, True, True], True)
    """
    if unknown not in ("random", "zeros"):
        raise ValueError(f"`unknown` must be 'random' or 'zeros'. Received: unknown={unknown!r}")
    vocabulary = [str(w) for w in vocabulary]
    if not vocabulary:
        raise ValueError("`vocabulary` is empty.")
    width = vectors.vector_size
    rng = np.random.default_rng(seed)
    scale = float(np.std(vectors.vectors)) if len(vectors) else 0.1
    if unknown == "random":
        matrix = rng.normal(0.0, scale, size=(len(vocabulary), width)).astype(np.float32)
    else:
        matrix = np.zeros((len(vocabulary), width), dtype=np.float32)
    found = np.zeros(len(vocabulary), dtype=bool)
    for i, word in enumerate(vocabulary):
        if word in vectors.key_to_index:
            matrix[i] = vectors[word]
            found[i] = True
    matrix[0] = 0.0  # id 0 is padding
    return matrix, found
