"""Write the real-format caption fixtures under data/fixtures/.

Usage: python scripts/make_caption_fixtures.py

Four scenes of the bundled world (seed 2024, 64x64) as a COCO captions
folder, a Flickr8k-style folder, and a folder of your-own-data pairs (a CSV
and a JSON Lines file over one image folder). The tests load them with the
library's loaders and compare them with the regenerated scenes.
"""

import pathlib

from mmkeras.datasets import make_scenes
from mmkeras.datasets.caption_formats import export_caption_pairs
from mmkeras.datasets.caption_formats import export_coco_captions
from mmkeras.datasets.caption_formats import export_flickr8k

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "data" / "fixtures"
SEED, COUNT = 2024, 4


if __name__ == "__main__":
    scenes = make_scenes(COUNT, seed=SEED, image_size=64)
    print(export_coco_captions(scenes, FIXTURES / "coco"))
    print(export_flickr8k(scenes, FIXTURES / "flickr8k"))
    for file_format in ("csv", "jsonl"):
        print(export_caption_pairs(scenes, FIXTURES / "pairs", file_format))
