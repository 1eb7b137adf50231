"""Token sequences for training generators (string tensors in, ids out)."""


def teacher_forcing_pair(tokenizer, texts, sequence_length):
    """Decoder inputs and targets for a batch of strings.

    Tokenizes `[START] words [END]` to `sequence_length + 1` ids and shifts
    by one: the decoder reads `[START] w1 ... wn` and learns to predict
    `w1 ... wn [END]`, padded with 0.

    Args:
        tokenizer: a `WordTokenizer` (anything called as
            `tokenizer(texts, length)` that adds start and end tokens).
        texts: a string tensor `(B,)` or a list of strings.
        sequence_length: L.

    Returns:
        `(tokens, next_tokens)`, int32 `(B, sequence_length)` each.

    Example:

    >>> tokenizer = WordTokenizer.from_corpus(["a red circle"])
    >>> tokens, next_tokens = teacher_forcing_pair(tokenizer, ["a red circle"], 5)
    >>> tokens.numpy().tolist(), next_tokens.numpy().tolist()
    ([[2, 4, 6, 5, 3]], [[4, 6, 5, 3, 0]])
    """
    ids = tokenizer(texts, sequence_length + 1)
    return ids[:, :-1], ids[:, 1:]
