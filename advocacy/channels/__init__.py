"""Delivery channels behind one interface, picked by name from a registry."""

from .base import CHANNELS, Channel, build_channel

__all__ = ["CHANNELS", "Channel", "build_channel"]
