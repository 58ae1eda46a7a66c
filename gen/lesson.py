"""Render the lesson pages' figures and printed outputs, through the cache, at build time.

Figures go into the docs tree as `figures/*.png`. Printed outputs go to `.cache/cnnviz/outputs/`,
where `pymdownx.snippets` includes them into the pages, so no number on a page is ever typed.
"""

import logging
from pathlib import Path

import mkdocs_gen_files

from cnnviz.build import generate
from cnnviz.jobs import Job

ROOT = Path(__file__).resolve().parents[1]
LESSON_IMAGE = {"sample": "road"}
log = logging.getLogger("mkdocs.plugins.cnnviz")

JOBS = [
    Job("figures/pipeline.png", "pipeline_strip", LESSON_IMAGE),
    Job("figures/input.png", "input_image", LESSON_IMAGE),
    Job("figures/filters.png", "filter_bank", {"filters": "lesson"}),
    *(
        Job(f"figures/{stage}.png", "feature_maps", {"stage": stage, **LESSON_IMAGE})
        for stage in ("conv", "relu", "pooled")
    ),
    Job("figures/output-value.png", "output_value", LESSON_IMAGE),
    Job("figures/relu-curve.png", "relu_curve"),
    Job("figures/max-pool-example.png", "max_pool_example"),
    Job("figures/sobel-filters.png", "filter_bank", {"filters": "sobel"}),
    Job(
        "figures/sobel.png",
        "feature_maps",
        {"stage": "conv", "filters": "sobel", "sample": "test_card"},
    ),
    Job("figures/blur-edges.png", "blur_then_edges", {"sample": "grace_hopper"}),
    Job("outputs/net-repr.txt", "net_repr"),
    Job("outputs/image-rows.md", "image_rows", LESSON_IMAGE),
    Job("outputs/pipeline-rows.md", "pipeline_rows", LESSON_IMAGE),
    *(
        Job(f"outputs/{stage}-rows.md", "stats_rows", {"stage": stage, **LESSON_IMAGE})
        for stage in ("conv", "relu", "pooled")
    ),
]

# Printed outputs go beside the cache, where pymdownx.snippets includes them into the pages.
NOT_COMPUTED = b"(not computed: see the build log)\n"
generate("lesson", JOBS, ROOT, log, mkdocs_gen_files.open, beside_cache={"outputs/": NOT_COMPUTED})
