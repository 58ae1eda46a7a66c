"""Write the playground's data: each sample's pixels, the list of samples and the presets.

Files go to `playground/` at the site root, where `javascripts/playground.js` fetches them:
`<sample>.u8` holds the raw 8-bit grayscale pixels of the sample at full size, row by row,
exactly the array `load_sample(name)` returns, times 255.
"""

import logging
from pathlib import Path

import mkdocs_gen_files

from cnnviz.jobs import Job
from cnnviz.mkdocs_plugin import current_build
from cnnviz.samples import sample_names

ROOT = Path(__file__).resolve().parents[1]
log = logging.getLogger("mkdocs.plugins.cnnviz")

JOBS = [
    Job("playground/samples.json", "sample_manifest"),
    Job("playground/presets.json", "preset_kernels"),
    *(Job(f"playground/{name}.u8", "gray_bytes", {"sample": name}) for name in sample_names()),
]

current_build().generate("playground", JOBS, log, mkdocs_gen_files.open)
