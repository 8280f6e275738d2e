"""Representative providers behind one interface, picked by name from a registry."""

from .base import PROVIDERS, ProviderChain, RepresentativeProvider, build_chain

__all__ = ["PROVIDERS", "ProviderChain", "RepresentativeProvider", "build_chain"]
