"""The names of the network's three stages, said once, in a module light enough for any caller.

``conv`` is the convolution's output, ``relu`` the same after ReLU, ``pooled`` that after 2×2
max pooling: the fields of :class:`cnnviz.layers.Stages`, the figures the command line writes
for them, and the gallery's figures of each image.
"""

STAGES = ("conv", "relu", "pooled")
"""The stages in the order the network computes them."""
