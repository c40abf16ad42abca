"""The adversarial market simulation (issue 13): a market and its court on Anvil, driven by
the real contracts and services with the chain clock moved; a seed makes a run reproducible."""
