"""kg: a knowledge graph of territorial control in the Syrian conflict."""

__version__ = "0.1.0"
