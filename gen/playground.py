"""Write the playground's data: each sample's pixels, the list of samples and the presets.

Files go to `playground/` at the site root, where `javascripts/playground.js` fetches them:
`<sample>.u8` holds the raw 8-bit grayscale pixels, row by row, of the sample shrunk by
`PLAYGROUND_SHRINK`, exactly the array `load_sample(name, shrink=PLAYGROUND_SHRINK)` returns.
"""

import logging
from pathlib import Path

import mkdocs_gen_files

from cnnviz.jobs import Job, run_jobs
from cnnviz.samples import PLAYGROUND_SHRINK, sample_names
from cnnviz.store import Store

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

results, report = run_jobs(JOBS, Store(ROOT / ".cache" / "cnnviz"))
for line in report.errors():
    log.error("cnnviz: %s", line)
log.info("cnnviz playground: %s", report.summary())
for target, data in results.items():
    with mkdocs_gen_files.open(target, "wb") as file:
        file.write(data)
