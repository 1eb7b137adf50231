"""A small random Whisper saved by transformers, and transformers' outputs for it, in a process of its own.

Usage: python -m tests.pretrained.hugging_face_whisper_reference MODEL_FOLDER OUT.npz

transformers runs on PyTorch, and PyTorch and TensorFlow in one process can
crash on import; so the tests run this script in a fresh process. It saves
the model as a Hugging Face folder (config.json, model.safetensors) and
writes the inputs it ran with, the encoder's output and the decoder's logits.
"""

import sys

import numpy as np
import torch
import transformers


def main():
    folder, out = sys.argv[1], sys.argv[2]
    torch.manual_seed(0)
    config = transformers.WhisperConfig(
        vocab_size=120, num_mel_bins=80, d_model=64, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4,
        decoder_attention_heads=4, encoder_ffn_dim=96, decoder_ffn_dim=96, max_source_positions=50,
        max_target_positions=24, pad_token_id=0, bos_token_id=1, eos_token_id=2, decoder_start_token_id=1)
    model = transformers.WhisperForConditionalGeneration(config).eval()
    # Random biases wherever a bias exists (transformers starts them at zero), so a bias mapped to the
    # wrong place shows in the outputs.
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if name.endswith("bias"):
                parameter.normal_(0, 0.2)
    model.save_pretrained(folder, safe_serialization=True)
    features = np.random.default_rng(0).normal(size=(2, 80, 100)).astype("float32")
    tokens = np.array([[1, 5, 9, 33, 7], [1, 64, 3, 3, 119]], "int64")
    with torch.no_grad():
        outputs = model(input_features=torch.from_numpy(features), decoder_input_ids=torch.from_numpy(tokens))
    np.savez(out, features=features.transpose(0, 2, 1), tokens=tokens.astype("int32"),
             encoder=outputs.encoder_last_hidden_state.numpy(), logits=outputs.logits.numpy())


if __name__ == "__main__":
    main()
