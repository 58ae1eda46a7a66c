"""Write the playground's data: each sample's pixels, the list of samples and the presets.

Files go to `playground/` at the site root, where `javascripts/playground.js` fetches them:
`<sample>.u8` holds the raw 8-bit grayscale pixels of the sample at full size, row by row,
exactly the array `load_sample(name)` returns, times 255.
"""

import logging
from pathlib import Path

import mkdocs_gen_files

from cnnviz.jobs import Job, run_jobs
from cnnviz.samples import sample_names
from cnnviz.store import Store

ROOT = Path(__file__).resolve().parents[1]
log = logging.getLogger("mkdocs.plugins.cnnviz")

JOBS = [
    Job("playground/samples.json", "sample_manifest"),
    Job("playground/presets.json", "preset_kernels"),
    *(Job(f"playground/{name}.u8", "gray_bytes", {"sample": name}) for name in sample_names()),
]

results, report = run_jobs(JOBS, Store(ROOT / ".cache" / "cnnviz"))
for line in report.errors():
    log.error("cnnviz: %s", line)
log.info("cnnviz playground: %s", report.summary())
for target, data in results.items():
    with mkdocs_gen_files.open(target, "wb") as file:
        file.write(data)
