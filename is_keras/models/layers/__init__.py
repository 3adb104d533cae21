"""Custom Keras layers of the models (darknet's reorg)."""

from is_keras.models.layers.darknet_reorg import DarknetReorg, darknet_reorg

__all__ = ["DarknetReorg", "darknet_reorg"]
