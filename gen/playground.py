"""Write the playground's data: each sample's pixels, the list of samples and the presets.

Files go to `playground/` at the site root, where `javascripts/playground.js` fetches them:
`<sample>.u8` holds the raw 8-bit grayscale pixels, row by row, of the sample shrunk by
`PLAYGROUND_SHRINK`, exactly the array `load_sample(name, shrink=PLAYGROUND_SHRINK)` returns.
"""

import logging
from pathlib import Path

import mkdocs_gen_files

from cnnviz.build import generate
from cnnviz.jobs import Job
from cnnviz.samples import PLAYGROUND_SHRINK, sample_names

ROOT = Path(__file__).resolve().parents[1]
SHRINK = {"shrink": PLAYGROUND_SHRINK}
log = logging.getLogger("mkdocs.plugins.cnnviz")

JOBS = [
    Job("playground/samples.json", "sample_manifest", SHRINK),
    Job("playground/presets.json", "preset_kernels"),
    *(
        Job(f"playground/{name}.u8", "gray_bytes", {"sample": name, **SHRINK})
        for name in sample_names()
    ),
]

generate("playground", JOBS, ROOT, log, mkdocs_gen_files.open)
